"""The result record of a batched simulation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mscsim._errors import InputError
from mscsim.solve._status import Status


@dataclass(frozen=True)
class Solution:
    """Trajectories of a cohort on a common time grid, with per-patient solver status.

    Attributes
    ----------
    t : ``(T,)`` output times (days since symptom onset).
    states : ``(batch, T, len(state_names))``: every state, or those `simulate` was asked
    for (``states=``); NaN after a patient's solve failed.
    observables : name -> ``(batch, T)`` array, in the units of `units`.
    status : ``(batch,)`` `Status` codes (0 = ok).
    """

    model: str
    t: np.ndarray
    state_names: tuple[str, ...]
    states: np.ndarray
    observables: dict[str, np.ndarray]
    units: dict[str, str]
    status: np.ndarray
    n_steps: np.ndarray
    n_rejected: np.ndarray
    solver: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def batch_size(self) -> int:
        return int(self.status.shape[0])

    @property
    def ok(self) -> np.ndarray:
        return self.status == Status.OK

    def state(self, name: str) -> np.ndarray:
        """Trajectories ``(batch, T)`` of state `name` (one of `state_names`)."""
        if name not in self.state_names:
            raise InputError(
                "state", f"must be one of the states kept {list(self.state_names)}", name
            )
        return self.states[:, :, self.state_names.index(name)]

    def status_counts(self) -> dict[str, int]:
        """Number of patients per outcome label, e.g. ``{"ok": 999, "failed: max_steps": 1}``."""
        counts = Counter(Status(int(s)).label for s in self.status)
        return dict(sorted(counts.items()))

    def messages(self) -> list[str]:
        return [Status(int(s)).label for s in self.status]

    def patient(self, i: int) -> dict[str, np.ndarray]:
        """Observables of patient `i` as name -> ``(T,)``."""
        return {k: v[i] for k, v in self.observables.items()}
