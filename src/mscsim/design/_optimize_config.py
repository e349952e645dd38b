"""Dose and schedule optimization: the search space and the utility (frozen, validated).

A candidate regimen is a dose per infusion, a number of infusions, the days between them, the
first infusion day after enrollment and an eligibility window (Berlin ARDS classes admitted).
Its utility is computed from replicate virtual trials of the scenario with that regimen in the
active arm (the control arm gets vehicle on the same days, as in a double-blind trial):

``utility = w_survival * (survival difference at survival_day)
+ w_lung * (difference in mean 1-year DLCO of survivors, % predicted) / 10 points``

each difference active minus control, computed per replicate trial and averaged, minus
``penalty * max(0, mean excess infusion-AE rate - max_infusion_ae)``: the toxicity constraint
on the expected share of patients with an infusion-associated AE within 24 h (active minus
control).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mscsim._errors import InputError

FROZEN = ConfigDict(frozen=True, extra="forbid")
ArdsClass = Literal["mild", "moderate", "severe"]


class SearchSpace(BaseModel):
    """Ranges searched (inclusive)."""

    model_config = FROZEN

    dose: tuple[float, float] = Field((1e7, 1e9), description="Per infusion, in dose_unit.")
    dose_unit: Literal["cells", "cells/kg"] = "cells"
    infusions: tuple[int, int] = Field((1, 3), description="Number of infusions.")
    spacing_days: tuple[int, int] = Field((1, 7), description="Days between infusions.")
    first_day: tuple[int, int] = Field((0, 7), description="First infusion, days after enrollment.")
    severity_windows: tuple[tuple[ArdsClass, ...], ...] = Field(
        (("mild", "moderate"), ("moderate", "severe"), ("mild", "moderate", "severe")),
        description="Eligibility options: Berlin ARDS classes admitted.",
    )

    @model_validator(mode="after")
    def _ranges(self) -> SearchSpace:
        for name in ("dose", "infusions", "spacing_days", "first_day"):
            lo, hi = getattr(self, name)
            if lo > hi or lo < 0:
                raise ValueError(f"{name}: need 0 <= low <= high")
        if self.dose[0] <= 0:
            raise ValueError("dose: the lower end must be > 0 (searched on a log scale)")
        if self.infusions[0] < 1 or not self.severity_windows:
            raise ValueError("infusions >= 1 and at least one severity window are required")
        return self


class Utility(BaseModel):
    """Weights of the utility and the toxicity constraint."""

    model_config = FROZEN

    survival_day: int = Field(28, ge=1, description="Day of the survival difference.")
    w_survival: float = Field(1.0, ge=0)
    w_lung: float = Field(
        0.1, ge=0, description="Weight per 10 %-points of 1-year DLCO (% predicted) difference."
    )
    max_infusion_ae: float = Field(
        0.1, ge=0, le=1, description="Tolerated excess infusion-AE rate (active - control)."
    )
    penalty: float = Field(10.0, ge=0, description="Utility lost per unit of excess AE rate.")


class OptimizeSpec(BaseModel):
    """What to optimize, over which trials, with which budget."""

    model_config = FROZEN

    scenario: str
    arm: str | None = None
    space: SearchSpace = SearchSpace.model_validate({})
    utility: Utility = Utility.model_validate({})
    trials: int = Field(40, ge=1, le=10_000, description="Candidates evaluated (optuna trials).")
    replicates: int = Field(20, ge=1, le=100_000, description="Virtual trials per candidate.")
    sample_size: int | None = Field(None, ge=4, le=100_000)
    seed: int | None = Field(None, ge=0, description="Trial seed, shared by every candidate.")
    optimizer_seed: int = Field(0, ge=0, description="Seed of the TPE sampler.")
    uncertainty: Literal["posterior", "prior", "none"] = Field(
        "posterior",
        description="'posterior': each replicate draws the calibrated parameters (mscsim "
        "calibrate); 'prior': the MSC effect from its assumed prior; 'none': fixed parameters.",
    )

    @classmethod
    def from_dict(cls, data: object) -> OptimizeSpec:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "spec"
            raise InputError(loc, err["msg"].removeprefix("Value error, ")) from None
