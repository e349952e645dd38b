"""Adaptive-design configuration: interim looks and stopping rules for a scenario.

The design is a separate frozen, validated document that references a trial scenario by
built-in name or YAML path, so scenarios stay unchanged. Example (``design.yaml``)::

    scenario: lanzoni2021        # built-in name, or a scenario YAML (relative to this file)
    endpoint: survival_d31       # endpoint id of the scenario
    max_sample_size: 120         # patients enrolled if the trial never stops early
    looks: [0.5, 1.0]            # analyses after these fractions of max_sample_size
    rule: {kind: group_sequential, spending: asOF, alpha: 0.025, futility: [0.0]}
    replicates: 1000
    seed: 7

Event-driven looks (time-to-event endpoint; see :mod:`mscsim.design._calendar`) add::

    looks_by: events             # looks after these fractions of max_events (default: patients)
    accrual_days: 180            # enrollment of max_sample_size patients, uniform over 180 days
    max_events: 60               # events at the final analysis (default: see _calendar)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mscsim._errors import InputError
from mscsim.design._multiarm_config import MultiArm

FROZEN = ConfigDict(frozen=True, extra="forbid")
#: Endpoint kinds an adaptive design can monitor (log-rank or two-proportion z statistics).
MONITORED_KINDS = (
    "survival",
    "sae_free_survival",
    "time_to_recovery",
    "time_to_discharge",
    "time_to_improvement",
    "mortality",
    "sae",
    "ventilation",
    "infusion_ae",
    "lung_outcome",
)


class GroupSequentialRule(BaseModel):
    """Stop for efficacy when z crosses a group-sequential boundary (one-sided)."""

    model_config = FROZEN

    kind: Literal["group_sequential"] = "group_sequential"
    spending: Literal["OF", "P", "asOF", "asP", "HP"] = Field(
        "asOF", description="Boundary family (see mscsim.design.design_boundaries)."
    )
    alpha: float = Field(0.025, gt=0, le=0.5, description="Overall one-sided level.")
    futility: tuple[float, ...] | None = Field(
        None, description="Non-binding futility z bounds, one per interim look (obeyed here)."
    )


class BayesianRule(BaseModel):
    """Stop on the posterior probability of benefit (normal prior on the effect, normal
    approximation of the likelihood of the log-rank or risk-difference estimate)."""

    model_config = FROZEN

    kind: Literal["bayesian"] = "bayesian"
    efficacy: float = Field(0.99, gt=0.5, lt=1, description="Stop for benefit if P >= this.")
    futility: float | None = Field(
        0.1, gt=0, lt=0.5, description="Stop for futility at an interim look if P <= this."
    )
    final: float = Field(0.975, gt=0.5, lt=1, description="Success at the last look if P >= this.")
    prior_mean: float = Field(0.0, description="Prior mean of the effect (log HR or risk diff.).")
    prior_sd: float | None = Field(
        None, gt=0, description="Prior SD of the effect; None is a flat prior."
    )


class Reestimation(BaseModel):
    """Promising-zone sample-size re-estimation at the interim look of a two-look design.

    If the conditional power under the current trend, at the planned size, lies in
    ``[cp_min, cp_target)``, the second stage grows to reach ``cp_target`` (at most
    ``max_sample_size`` in all); the final test combines the stage-wise z statistics with the
    pre-planned weights (inverse normal; Cui, Hung & Wang 1999, Biometrics 55:853; zone as in
    Mehta & Pocock 2011, Stat Med 30:3267), which keeps the type I error.
    """

    model_config = FROZEN

    max_sample_size: int = Field(ge=4, le=100_000, description="Cap on the total sample size.")
    cp_min: float = Field(0.36, gt=0, lt=1, description="Lower end of the promising zone.")
    cp_target: float = Field(0.8, gt=0, lt=1, description="Conditional power aimed at.")


def _rule_kind(v: object) -> object:
    if isinstance(v, dict):
        return v.get("kind", "group_sequential")
    return getattr(v, "kind", None)


Rule = Annotated[
    Annotated[GroupSequentialRule, Tag("group_sequential")]
    | Annotated[BayesianRule, Tag("bayesian")],
    Discriminator(_rule_kind),
]


class AdaptiveDesign(BaseModel):
    """Interim looks and a stopping rule applied to replicate trials of a scenario."""

    model_config = FROZEN

    scenario: str = Field(description="Built-in scenario name or scenario YAML path.")
    endpoint: str | None = Field(
        None, description="Endpoint id to monitor (default: the first monitorable one)."
    )
    arm: str | None = Field(None, description="Active arm compared with control (default first).")
    max_sample_size: int | None = Field(
        None, ge=4, le=100_000, description="Total patients without early stop (default: scenario)."
    )
    looks: tuple[float, ...] = Field(
        (1.0,), description="Fractions of max_sample_size enrolled (and followed up) at each look."
    )
    rule: Rule = GroupSequentialRule.model_validate({})
    reestimation: Reestimation | None = Field(
        None, description="Sample-size re-estimation (two looks, group-sequential rule only)."
    )
    multi_arm: MultiArm | None = Field(
        None, description="Several active arms: arm dropping, response-adaptive allocation."
    )
    replicates: int = Field(1000, ge=1, le=1_000_000)
    seed: int | None = Field(None, ge=0, description="Trial seed (default: the scenario's).")

    @field_validator("looks")
    @classmethod
    def _looks(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        ok = len(v) >= 1 and v[0] > 0 and abs(v[-1] - 1) < 1e-12
        if not ok or any(b <= a for a, b in zip(v, v[1:])) or len(v) > 20:
            raise ValueError("1 to 20 increasing fractions in (0, 1] ending with 1")
        return v

    @model_validator(mode="after")
    def _reestimation(self) -> AdaptiveDesign:
        re = self.reestimation
        if re is not None:
            if len(self.looks) != 2 or self.rule.kind != "group_sequential":
                raise ValueError("reestimation needs two looks and a group_sequential rule")
            if re.cp_min >= re.cp_target:
                raise ValueError("reestimation: cp_min must be below cp_target")
            if self.max_sample_size is not None and re.max_sample_size <= self.max_sample_size:
                raise ValueError("reestimation.max_sample_size must exceed max_sample_size")
            if self.multi_arm is not None:
                raise ValueError("reestimation is for two-arm designs, not with multi_arm")
        return self

    @classmethod
    def from_dict(cls, data: object, *, base: Path | None = None) -> AdaptiveDesign:
        """Validate ``data``; a relative scenario path is taken relative to ``base``."""
        try:
            d = cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "design"
            raise InputError(loc, err["msg"].removeprefix("Value error, ")) from None
        if base is not None and d.scenario.endswith((".yaml", ".yml")):
            p = Path(d.scenario)
            if not p.is_absolute():
                d = d.model_copy(update={"scenario": str(base / p)})
        return d

    # Event-driven looks (calendar time); kept together at the end of the class.
    looks_by: Literal["patients", "events"] = Field(
        "patients",
        description="Looks after fractions of max_sample_size enrolled (patients, each followed "
        "up fully) or of max_events observed in calendar time (events).",
    )
    accrual_days: float | None = Field(
        None,
        validate_default=True,
        gt=0,
        le=36_500,
        description="Days to enroll max_sample_size (looks_by: events).",
    )
    max_events: int | None = Field(
        None,
        ge=2,
        le=1_000_000,
        description="Events at the final analysis (looks_by: events; default: the mean events "
        "per replicate at full follow-up).",
    )

    @field_validator("looks_by")
    @classmethod
    def _looks_by(cls, v: str, info: ValidationInfo) -> str:
        for other in ("reestimation", "multi_arm"):
            if v == "events" and info.data.get(other) is not None:
                raise ValueError(f"events is not combined with {other} (use looks_by: patients)")
        return v

    @field_validator("accrual_days", "max_events")
    @classmethod
    def _calendar(cls, v: float | None, info: ValidationInfo) -> float | None:
        events = info.data.get("looks_by") == "events"
        if v is not None and not events:
            raise ValueError("applies to looks_by: events only")
        if v is None and events and info.field_name == "accrual_days":
            raise ValueError("required with looks_by: events (enrollment duration, days > 0)")
        return v


def load_design(path: str | Path) -> AdaptiveDesign:
    """Read an adaptive-design YAML file."""
    p = Path(path)
    if not p.is_file():
        raise InputError("--config", "an existing adaptive-design YAML file", str(path))
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        raise InputError("--config", f"valid YAML ({' '.join(str(exc).split())[:120]})") from None
    return AdaptiveDesign.from_dict(data, base=p.parent)
