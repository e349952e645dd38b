"""Per-patient solver outcome codes: failure is data, not an exception."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    """Outcome of one patient's solve."""

    OK = 0
    MAX_STEPS = 1
    STEP_TOO_SMALL = 2
    NONFINITE = 3
    OUT_OF_BOUNDS = 4

    @property
    def label(self) -> str:
        return {
            0: "ok",
            1: "failed: max_steps",
            2: "failed: step_too_small",
            3: "failed: nonfinite",
            4: "failed: out_of_bounds",
        }[int(self)]
