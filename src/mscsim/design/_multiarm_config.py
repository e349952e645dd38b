"""Multi-arm adaptive rules: arm dropping, pick-the-winner and response-adaptive randomization.

A block of an adaptive design (``multi_arm:`` in the design YAML)::

    scenario: zarrabi2023
    endpoint: mortality_end
    max_sample_size: 150
    looks: [0.4, 0.7, 1.0]
    rule: {kind: group_sequential, spending: asOF, alpha: 0.025, futility: [0.0, 0.0]}
    multi_arm:
      arms: [msc, msc_ev]          # active arms compared with the control (default: all)
      keep_best: 1                 # at the first interim look keep only the best arm
      randomization: response_adaptive
      rar_power: 0.5               # allocation to active arms proportional to P(best)^0.5
      min_share: 0.1               # floor of an active arm's share while it is in the trial

The rule of the design (group-sequential or Bayesian) is applied to each active arm against the
control; group-sequential boundaries use alpha / (number of active arms) (Bonferroni), which
keeps the family-wise error rate at alpha whatever arms are dropped or favoured.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FROZEN = ConfigDict(frozen=True, extra="forbid")


class MultiArm(BaseModel):
    """Several active arms against one control, with arm dropping and adaptive allocation."""

    model_config = FROZEN

    arms: tuple[str, ...] | None = Field(
        None, description="Active arms compared with the control (default: every active arm)."
    )
    keep_best: int | None = Field(
        None,
        ge=1,
        description="At the first interim look keep only this many arms, the best by z "
        "(pick-the-winner); arms below the futility rule are dropped as well.",
    )
    randomization: Literal["fixed", "response_adaptive"] = Field(
        "fixed",
        description="fixed: the scenario's allocation ratios among the arms still in the "
        "trial; response_adaptive: after each interim look, active arms share the "
        "non-control allocation in proportion to P(arm is best)^rar_power.",
    )
    rar_power: float = Field(
        0.5, gt=0, le=4, description="Exponent c of P(best)^c (Thall & Wathen 2007: 0.5)."
    )
    min_share: float = Field(
        0.05, ge=0, lt=0.5, description="Floor of an active arm's allocation share (RAR)."
    )
    control_share: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="Control allocation share, kept fixed (default: the scenario's ratio).",
    )
    best_draws: int = Field(
        4000, ge=100, le=100_000, description="Monte Carlo draws for P(best) (RAR)."
    )
