"""Vocabulary and small value types shared by the trial-scenario models.

Every closed vocabulary of the scenario format is a ``Literal`` alias here, so that the
validation error for a bad value can list what is allowed. Cross-field rules raise
:func:`rule`, a pydantic error that carries the allowed text and the offending value to
:func:`mscsim.trial._scenario_errors.to_input_error`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

FROZEN = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

SLUG_PATTERN = r"^[a-z][a-z0-9_]*$"
DOI_PATTERN = r"^10\.\d{4,9}/\S+$"
URL_PATTERN = r"^https?://\S+$"
#: Human-readable text for each pattern, used in error messages.
PATTERN_TEXT = {
    SLUG_PATTERN: "must be a lowercase slug (a-z, 0-9, '_', starting with a letter)",
    DOI_PATTERN: "must be a bare DOI such as '10.1002/sctm.20-0472'",
    URL_PATTERN: "must be an http(s) URL",
}

Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=64)]
Text = Annotated[str, Field(min_length=1)]

#: Severity of COVID-19 at screening (WHO-like clinical categories).
Severity = Literal["mild", "moderate", "severe", "critical"]
#: Berlin ARDS categories on the P/F ratio (Ranieri et al., JAMA 2012).
ArdsClass = Literal["mild", "moderate", "severe"]
#: Berlin P/F bounds in mmHg: (lower bound, exclusive; upper bound, inclusive).
#: Source: ARDS Definition Task Force, JAMA 2012;307:2526, doi 10.1001/jama.2012.5669:
#: "mild (200 mm Hg<PaO2/FIO2 <=300 mm Hg), moderate (100 mm Hg<PaO2/FIO2 <=200 mm Hg), and
#: severe (PaO2/FIO2 <=100 mm Hg)".
BERLIN_PF_MMHG: dict[str, tuple[float, float]] = {
    "mild": (200.0, 300.0),
    "moderate": (100.0, 200.0),
    "severe": (0.0, 100.0),
}

#: Infused products: cell products, cell-free products (secretome, extracellular vesicles) and
#: inactive comparators. Active products are described in ``mscsim/trial/products.csv``.
Product = Literal[
    "UC-MSC",
    "BM-MSC",
    "AD-MSC",
    "PL-MSC",
    "MB-MSC",
    "CD362-MSC",
    "MSC-secretome",
    "MSC-EV",
    "vehicle",
    "placebo",
    "standard-care",
]
#: Products that carry no cells: their dose must be 0.
INACTIVE_PRODUCTS = frozenset({"vehicle", "placebo", "standard-care"})
DoseUnit = Literal["cells", "cells/kg", "mL"]
#: Upper sanity bound of one infusion, per unit (catches 1e6 vs 1e9 typos).
MAX_DOSE = {"cells": 1e11, "cells/kg": 1e9, "mL": 1000.0}

RandomizationMethod = Literal["stratified_block", "block", "simple"]
Covariate = Literal["ards_severity", "sex", "age_group"]

EndpointKind = Literal[
    "survival",
    "sae_free_survival",
    "mortality",
    "infusion_ae",
    "sae",
    "ventilation",
    "time_to_recovery",
    "biomarker_change",
    "ventilator_free_days",
    "who_scale",
    "time_to_discharge",
    "time_to_improvement",
    "lung_outcome",
]
Biomarker = Literal["crp", "il6", "il10", "tnf", "pf_ratio", "oxygenation_index"]
#: Long-term lung outcomes (kind 'lung_outcome'): share of survivors with DLCO below 80% of
#: predicted, with FVC below 80% of predicted, or with a residual abnormality on chest CT.
LungMeasure = Literal["dlco_below_80", "fvc_below_80", "ct_abnormal"]
#: Tests of a binary endpoint's p-value (see `mscsim.stats.compare_proportions`).
BinaryTest = Literal["fisher", "chi2"]
#: Endpoint kinds whose outcome is binary per patient (compared as a 2x2 table).
BINARY_KINDS = frozenset({"mortality", "infusion_ae", "sae", "ventilation", "lung_outcome"})
#: Days at which long-term lung outcomes are assessed (after enrollment).
LUNG_OUTCOME_DAYS = (180, 365)
#: Unit in which each biomarker (and its change from baseline) is reported.
BIOMARKER_UNITS: dict[str, str] = {
    "crp": "mg/L",
    "il6": "pg/mL",
    "il10": "pg/mL",
    "tnf": "pg/mL",
    "pf_ratio": "mmHg",
    "oxygenation_index": "cmH2O/mmHg x 100",
}
EffectMeasure = Literal["RR", "OR", "HR", "RD", "MD", "median_difference", "p_only"]
RATIO_MEASURES = frozenset({"RR", "OR", "HR"})
Confidence = Literal["verified", "partly", "unverified"]


def rule(allowed: str, got: object = None, at: tuple[int | str, ...] = ()) -> PydanticCustomError:
    """Return the validation error for a broken scenario rule.

    Parameters
    ----------
    allowed : str
        What is allowed, phrased to follow ``"<field>: "`` (e.g. ``"must be > 0"``).
    got : object, optional
        The offending value, shown as ``(got ...)``.
    at : tuple of int or str, optional
        Path below the validated field where the problem is (e.g. ``(0, "endpoint")``), for
        rules checked on a whole collection.
    """
    ctx = {"allowed": allowed, "got": got, "at": at}
    return PydanticCustomError("scenario_rule", "{allowed}", ctx)


def check_parameter(name: str, value: float) -> None:
    """Raise the scenario rule broken by overriding model parameter `name` with `value`."""
    from mscsim.model import MSC_COVID

    if name not in MSC_COVID.parameter_names:
        raise rule("must be a model parameter name (see `mscsim params`)", name, at=(name,))
    p = MSC_COVID.parameter(name)
    if not (p.lower <= value <= p.upper):
        raise rule(
            f"must lie within the parameter's bounds [{p.lower:g}, {p.upper:g}] {p.unit}",
            value,
            at=(name,),
        )


class TruncatedNormal(BaseModel):
    """Normal distribution ``N(mean, sd^2)`` truncated to ``[min, max]``.

    All four numbers are in the unit of the field that holds the distribution (years for
    ``population.age``, kg for ``population.weight_kg``).
    """

    model_config = FROZEN

    mean: float = Field(description="Mean of the untruncated normal (unit of the parent field).")
    sd: float = Field(gt=0, description="Standard deviation of the untruncated normal, > 0.")
    min: float = Field(description="Lower truncation bound, <= mean.")
    max: float = Field(description="Upper truncation bound, >= mean and > min.")

    @field_validator("min")
    @classmethod
    def _min_below_mean(cls, v: float, info: ValidationInfo) -> float:
        mean = info.data.get("mean")
        if mean is not None and v > mean:
            raise rule(f"must be <= mean ({mean:g})", v)
        return v

    @field_validator("max")
    @classmethod
    def _max_above_mean(cls, v: float, info: ValidationInfo) -> float:
        low = info.data.get("min")
        mean = info.data.get("mean")
        if low is not None and v <= low:
            raise rule(f"must be > min ({low:g})", v)
        if mean is not None and v < mean:
            raise rule(f"must be >= mean ({mean:g})", v)
        return v


class DayRange(BaseModel):
    """Closed range of whole days ``[min, max]``, both >= 0."""

    model_config = FROZEN

    min: int = Field(ge=0, description="First day of the range (days).")
    max: int = Field(ge=0, description="Last day of the range (days), >= min.")

    @field_validator("max")
    @classmethod
    def _ordered(cls, v: int, info: ValidationInfo) -> int:
        low = info.data.get("min")
        if low is not None and v < low:
            raise rule(f"must be >= min ({low})", v)
        return v
