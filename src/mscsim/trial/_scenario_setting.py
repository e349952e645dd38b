"""The trial's setting: when and where it enrolled, and the standard of care it gave.

These are the trial-level covariates that papers report. They set each virtual trial's
baseline risk (see ``trial_effects.csv`` and :mod:`mscsim.trial._trial_effects`): the share of
patients on systemic corticosteroids and IL-6 blockade (RECOVERY effects), and the level of
critical-care resources. When a share is not reported, it defaults from the enrollment period
(``default_shares``); without a ``setting`` block a scenario has the calibration reference's
care: no corticosteroids, no IL-6 blockade, standard resources.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from mscsim.trial._scenario_fields import FROZEN, rule

YearMonth = Annotated[str, Field(pattern=r"^20[1-3]\d-(0[1-9]|1[0-2])$")]
CareResources = Literal["standard", "limited"]


class Setting(BaseModel):
    """Enrollment period, care resources and standard of care of a trial."""

    model_config = FROZEN

    enrollment_start: YearMonth | None = Field(
        None, description="First month of enrollment, 'YYYY-MM'."
    )
    enrollment_end: YearMonth | None = Field(
        None, description="Last month of enrollment, 'YYYY-MM' (>= enrollment_start)."
    )
    country: str | None = Field(None, min_length=1, max_length=200, description="Where.")
    care_resources: CareResources = Field(
        "standard",
        description="'standard' (well-resourced critical care) or 'limited' (strained or "
        "low-resource critical care: higher mortality on invasive ventilation).",
    )
    discharge_requires_viral_clearance: bool = Field(
        False,
        description="Discharge also waits for viral clearance (negative nucleic-acid tests), "
        "as in China's 2020 COVID-19 protocol.",
    )
    corticosteroids: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of patients on systemic corticosteroids (0-1); null: default "
        "from the enrollment period.",
    )
    il6_blockade: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of patients given an IL-6 blocker (tocilizumab/sarilumab, 0-1); "
        "null: default from the enrollment period.",
    )

    @field_validator("enrollment_end")
    @classmethod
    def _ordered(cls, v: str | None, info: ValidationInfo) -> str | None:
        start = info.data.get("enrollment_start")
        if v is not None and start is not None and v < start:
            raise rule(f"must be >= enrollment_start ({start})", v)
        return v

    @property
    def midpoint(self) -> str | None:
        """Middle month of enrollment ('YYYY-MM'), or None when not given."""
        a = self.enrollment_start or self.enrollment_end
        b = self.enrollment_end or self.enrollment_start
        if a is None or b is None:
            return None
        ma = int(a[:4]) * 12 + int(a[5:]) - 1
        mb = int(b[:4]) * 12 + int(b[5:]) - 1
        m = (ma + mb) // 2
        return f"{m // 12:04d}-{m % 12 + 1:02d}"
