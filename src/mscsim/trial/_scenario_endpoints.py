"""Endpoints of a trial scenario and the published results attached to them.

An endpoint is one of a closed set of kinds, each with its own parameters:

================== ======================= ==============================================
kind               parameters              what the engine reports per patient
================== ======================= ==============================================
survival           day                     time to death, censored at ``day``
sae_free_survival  day                     time to first serious AE or death, censored
mortality          day                     died by ``day`` (binary)
infusion_ae        window_hours            >= 1 infusion-associated AE within
                                           ``window_hours`` after any infusion (binary)
sae                day                     >= 1 serious AE by ``day`` (binary)
ventilation        day                     invasive ventilation needed by ``day`` (binary)
time_to_recovery   day                     time to recovery, censored at ``day``
biomarker_change   biomarker, day          value at ``day`` minus value at enrollment
ventilator_free_   day                     days alive and off invasive ventilation up to
days                                       ``day`` (0 for patients who die by ``day``)
who_scale          day                     WHO clinical progression scale (0-10) at ``day``
time_to_discharge  day                     time to hospital discharge, censored at ``day``
time_to_improvement day                    time to a WHO-scale improvement of >= 2 points
                                           (or discharge), censored at ``day``
lung_outcome       measure, day            survivors with DLCO or FVC below 80% of
                                           predicted, or a residual CT abnormality, at
                                           ``day`` 180 or 365 (long-term follow-up)
================== ======================= ==============================================

The binary kinds (mortality, infusion_ae, sae, ventilation, lung_outcome) take an optional
``test``, the test behind the trial's p-value: ``fisher`` (Fisher's exact test, the default)
or ``chi2`` (Pearson's chi-square without continuity correction), so that virtual trials
report the p-value the paper did.

For the event kinds (survival, sae_free_survival, mortality, sae, ventilation,
time_to_recovery, time_to_discharge) ``day`` may be omitted: the endpoint is then assessed at
the end of follow-up ("deaths by end of follow-up"), with id ``mortality_end`` etc.

Each endpoint has a derived, stable :attr:`Endpoint.id` (``survival_d31``,
``infusion_ae_6h``, ``il6_change_d6``) that keys results and published results.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from mscsim.trial._scenario_fields import (
    BINARY_KINDS,
    DOI_PATTERN,
    FROZEN,
    LUNG_OUTCOME_DAYS,
    RATIO_MEASURES,
    URL_PATTERN,
    BinaryTest,
    Biomarker,
    Confidence,
    EffectMeasure,
    EndpointKind,
    LungMeasure,
    Slug,
    Text,
    rule,
)

#: Parameters each endpoint kind requires; the other parameters must be absent.
ENDPOINT_PARAMS: dict[str, frozenset[str]] = {
    "survival": frozenset({"day"}),
    "sae_free_survival": frozenset({"day"}),
    "mortality": frozenset({"day"}),
    "infusion_ae": frozenset({"window_hours"}),
    "sae": frozenset({"day"}),
    "ventilation": frozenset({"day"}),
    "time_to_recovery": frozenset({"day"}),
    "biomarker_change": frozenset({"biomarker", "day"}),
    "ventilator_free_days": frozenset({"day"}),
    "who_scale": frozenset({"day"}),
    "time_to_discharge": frozenset({"day"}),
    "time_to_improvement": frozenset({"day"}),
    "lung_outcome": frozenset({"measure", "day"}),
}
#: Kinds whose ``day`` may be omitted, meaning the end of follow-up.
END_OF_FOLLOW_UP_KINDS = frozenset(
    {
        "survival",
        "sae_free_survival",
        "mortality",
        "sae",
        "ventilation",
        "time_to_recovery",
        "time_to_discharge",
        "time_to_improvement",
    }
)


def _check_param(name: str, value: object, info: ValidationInfo) -> None:
    kind = info.data.get("kind")
    if kind is None:
        return
    needed = name in ENDPOINT_PARAMS[kind]
    if name == "day" and kind in END_OF_FOLLOW_UP_KINDS:
        return  # omitted: end of follow-up
    if needed and value is None:
        raise rule(f"is required for kind '{kind}'")
    if not needed and value is not None:
        raise rule(f"is not a parameter of kind '{kind}'", value)


class Endpoint(BaseModel):
    """One endpoint: a kind from the closed vocabulary and its parameters."""

    model_config = FROZEN

    kind: EndpointKind = Field(description="Endpoint kind (see the module docstring).")
    day: int | None = Field(
        None,
        ge=0,
        validate_default=True,
        description="Assessment or censoring day after enrollment (days).",
    )
    window_hours: int | None = Field(
        None,
        gt=0,
        le=168,
        validate_default=True,
        description="Hours after each infusion in which an AE counts ('infusion_ae').",
    )
    biomarker: Biomarker | None = Field(
        None,
        validate_default=True,
        description="Biomarker for 'biomarker_change': crp (mg/L), il6, il10, tnf (pg/mL), "
        "pf_ratio (mmHg).",
    )
    measure: LungMeasure | None = Field(
        None,
        validate_default=True,
        description="Lung outcome for 'lung_outcome': dlco_below_80, fvc_below_80 or "
        "ct_abnormal (share of survivors).",
    )
    label: str | None = Field(None, min_length=1, description="Optional display label.")
    test: BinaryTest | None = Field(
        None,
        validate_default=True,
        description="Test behind the p-value of a binary endpoint: fisher (Fisher's exact, "
        "the default) or chi2 (Pearson chi-square, no continuity correction).",
    )

    @field_validator("test")
    @classmethod
    def _test_fits_kind(cls, v: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if v is not None and kind is not None and kind not in BINARY_KINDS:
            raise rule(f"is only for the binary kinds {sorted(BINARY_KINDS)}", v)
        return v

    @model_serializer(mode="wrap")
    def _omit_default_test(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave ``test`` out when unset, so scenarios written before it keep their hash."""
        data = handler(self)
        if data.get("test") is None:
            data.pop("test", None)
        return data

    @property
    def binary_test(self) -> str:
        """The test of this binary endpoint's p-value (``fisher`` unless set)."""
        return self.test or "fisher"

    @field_validator("day", "window_hours", "biomarker", "measure")
    @classmethod
    def _params_fit_kind(cls, v: object, info: ValidationInfo) -> object:
        _check_param(str(info.field_name), v, info)
        if (
            info.field_name == "day"
            and info.data.get("kind") == "lung_outcome"
            and v not in LUNG_OUTCOME_DAYS
        ):
            raise rule(f"must be one of {list(LUNG_OUTCOME_DAYS)} for kind 'lung_outcome'", v)
        return v

    def horizon(self, follow_up_days: float) -> float:
        """Assessment day: ``day``, or the end of follow-up when ``day`` is omitted."""
        return float(follow_up_days if self.day is None else self.day)

    @property
    def id(self) -> str:
        """Stable key of this endpoint, e.g. ``'survival_d31'`` or ``'crp_change_d6'``."""
        if self.kind == "infusion_ae":
            return f"infusion_ae_{self.window_hours}h"
        if self.kind == "biomarker_change":
            return f"{self.biomarker}_change_d{self.day}"
        if self.kind == "lung_outcome":
            return f"lung_{self.measure}_d{self.day}"
        if self.day is None:
            return f"{self.kind}_end"
        return f"{self.kind}_d{self.day}"


class Endpoints(BaseModel):
    """Primary and secondary endpoints; their ids are unique across both lists."""

    model_config = FROZEN

    primary: tuple[Endpoint, ...] = Field(min_length=1, description="Primary endpoints.")
    secondary: tuple[Endpoint, ...] = Field((), description="Secondary endpoints.")

    @field_validator("primary", "secondary")
    @classmethod
    def _unique_ids(cls, v: tuple[Endpoint, ...], info: ValidationInfo) -> tuple[Endpoint, ...]:
        seen = {ep.id for ep in info.data.get("primary", ())}
        for i, ep in enumerate(v):
            if ep.id in seen:
                raise rule(
                    "duplicates an earlier endpoint (ids must be unique across "
                    "primary and secondary)",
                    ep.id,
                    at=(i,),
                )
            seen.add(ep.id)
        return v

    @property
    def all(self) -> tuple[Endpoint, ...]:
        """Primary then secondary endpoints."""
        return (*self.primary, *self.secondary)

    @property
    def ids(self) -> tuple[str, ...]:
        """Ids of :attr:`all`, in order."""
        return tuple(ep.id for ep in self.all)


class ArmValue(BaseModel):
    """Published numbers for one arm. Give at least one of events, event_count, value,
    mean or median; counts need ``n``, measurements need ``unit``."""

    model_config = FROZEN

    n: int | None = Field(None, ge=0, description="Patients analysed in this arm.")
    events: int | None = Field(None, ge=0, description="Patients with >= 1 event (or deaths).")
    event_count: int | None = Field(None, ge=0, description="Total number of events.")
    value: float | None = Field(None, description="A single reported value (e.g. KM %).")
    mean: float | None = Field(None, description="Mean.")
    sd: float | None = Field(None, ge=0, description="Standard deviation.")
    median: float | None = Field(None, description="Median.")
    q1: float | None = Field(None, description="First quartile (lower IQR bound).")
    q3: float | None = Field(None, description="Third quartile (upper IQR bound).")
    unit: str | None = Field(None, min_length=1, description="Unit of value/mean/median.")

    @model_validator(mode="after")
    def _coherent(self) -> ArmValue:
        if all(
            x is None for x in (self.events, self.event_count, self.value, self.mean, self.median)
        ):
            raise rule("give at least one of events, event_count, value, mean, median")
        if self.events is not None and self.n is None:
            raise rule("'events' needs 'n' (patients analysed)")
        if self.events is not None and self.n is not None and self.events > self.n:
            raise rule(f"'events' must be <= n ({self.n})", self.events)
        if self.sd is not None and self.mean is None:
            raise rule("'sd' needs 'mean'")
        if (self.q1 is None) != (self.q3 is None) or (self.q1 is not None and self.median is None):
            raise rule("'q1' and 'q3' go together, with 'median'")
        if self.q1 is not None and not self.q1 <= self.median <= self.q3:  # type: ignore[operator]
            raise rule("must satisfy q1 <= median <= q3", [self.q1, self.median, self.q3])
        has_measure = any(x is not None for x in (self.value, self.mean, self.median))
        if has_measure and self.unit is None:
            raise rule("'unit' is required with value, mean or median")
        return self


class Effect(BaseModel):
    """Published between-arm comparison (active arm versus the control arm)."""

    model_config = FROZEN

    measure: EffectMeasure = Field(
        description="RR, OR, HR (ratios), RD (risk difference), MD (mean difference), "
        "median_difference, or p_only when only a p-value is reported."
    )
    estimate: float | None = Field(None, description="Point estimate (absent for p_only).")
    ci_low: float | None = Field(None, description="Lower 95% confidence bound.")
    ci_high: float | None = Field(None, description="Upper 95% confidence bound.")
    p_value: float | None = Field(None, ge=0, le=1, description="Two-sided p-value.")
    method: str | None = Field(None, min_length=1, description="Test or model, if reported.")
    arm: Slug | None = Field(
        None, description="Active arm compared with control; needed only with several."
    )

    @model_validator(mode="after")
    def _coherent(self) -> Effect:
        if self.measure == "p_only":
            if self.estimate is not None or self.ci_low is not None or self.ci_high is not None:
                raise rule("measure 'p_only' takes no estimate or ci")
            if self.p_value is None:
                raise rule("measure 'p_only' needs 'p_value'")
            return self
        if self.estimate is None:
            raise rule(f"measure '{self.measure}' needs 'estimate'")
        if (self.ci_low is None) != (self.ci_high is None):
            raise rule("'ci_low' and 'ci_high' go together")
        if self.ci_low is not None and not self.ci_low <= self.estimate <= self.ci_high:  # type: ignore[operator]
            raise rule(
                "must satisfy ci_low <= estimate <= ci_high",
                [self.ci_low, self.estimate, self.ci_high],
            )
        if self.measure in RATIO_MEASURES and self.estimate <= 0:
            raise rule(f"a ratio ({self.measure}) must be > 0", self.estimate)
        return self


class PublishedResult(BaseModel):
    """A published result for one endpoint, with provenance.

    When sources disagree (e.g. the paper and a later meta-analysis), record each as its
    own result for the same endpoint and mark the one used for validation ``used: true``.
    """

    model_config = FROZEN

    endpoint: Text = Field(description="Endpoint id this result belongs to.")
    arms: dict[Slug, ArmValue] = Field(
        default_factory=dict, description="Per-arm published numbers, keyed by arm name."
    )
    effect: Effect | None = Field(None, description="Published between-arm comparison.")
    source: Text = Field(description="DOI (10.x/...) or URL of the page the numbers come from.")
    quote: Text = Field(description="Short verbatim quote or table reference.")
    confidence: Confidence = Field(
        description="'verified' (seen in a primary source), 'partly' (secondary, derived or "
        "incomplete), 'unverified' (not seen)."
    )
    used: bool = Field(True, description="Whether validation uses this result.")
    note: str | None = Field(None, min_length=1, description="Caveats, derivations.")

    @field_validator("source")
    @classmethod
    def _doi_or_url(cls, v: str) -> str:
        if not (re.match(DOI_PATTERN, v) or re.match(URL_PATTERN, v)):
            raise rule("must be a DOI (10.xxxx/...) or an http(s) URL", v)
        return v

    @model_validator(mode="after")
    def _has_numbers(self) -> PublishedResult:
        if not self.arms and self.effect is None:
            raise rule("give per-arm 'arms' values, an 'effect', or both")
        return self
