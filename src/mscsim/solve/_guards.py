"""Guards around a solve: parameters checked before it, states checked after it.

Before solving, every parameter value must be finite and within its `Parameter.admissible`
range (the declared plausible bounds widened by a factor 100 each way; positive parameters stay
positive, fractions at most 1): otherwise one `InputError` names the parameter. After solving, a patient reported
``ok`` whose state leaves `State.bounds` at any output time (below ``-scale`` for a
non-negative state, above ``1e6 * scale``, or infinite) gets status ``OUT_OF_BOUNDS`` and NaN
outputs from that time on: garbage is counted as a failure, never reported as a result. (The
integrators already reject steps with non-finite values, status ``NONFINITE``.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from mscsim._errors import InputError
from mscsim.model import Model, Parameter
from mscsim.model._spec import ADMISSIBLE_FACTOR
from mscsim.solve._status import Status


def check_parameters(model: Model, values: Mapping[str, Any]) -> None:
    """Raise `InputError` naming the first parameter with a non-finite or inadmissible value.

    Each value is tested by its extremes first (a number directly, an array by its min and
    max, which are NaN when any element is); only an offending one is examined in detail."""
    for p in model.parameters:
        lo, hi = p.admissible
        x = values[p.name]
        if isinstance(x, float | int):  # a number (np.float64 is a float)
            if lo <= x <= hi and math.isfinite(x):
                continue
        else:
            v = np.asarray(x, dtype=float)
            if v.size == 0:
                continue
            mn, mx = float(v.min()), float(v.max())
            if lo <= mn and mx <= hi and math.isfinite(mn) and math.isfinite(mx):
                continue
        _raise_inadmissible(p, np.asarray(x, dtype=float))


def _raise_inadmissible(p: Parameter, v: np.ndarray) -> None:
    """The `InputError` of `check_parameters` for parameter `p` with values `v` (if any is
    bad): it names the first bad value."""
    lo, hi = p.admissible
    bad = ~np.isfinite(v) | (v < lo) | (v > hi)
    if np.any(bad):
        got = float(v.reshape(-1)[np.argmax(bad.reshape(-1))])
        raise InputError(
            f"params.{p.name}",
            f"must be a finite number in [{lo:g}, {hi:g}] {p.unit} (plausible "
            f"[{p.lower:g}, {p.upper:g}] widened x{ADMISSIBLE_FACTOR:g})",
            got,
        )


def state_bounds(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper `State.bounds` of every state of `model`, in state order (float64)."""
    lo = np.array([s.bounds[0] for s in model.states], dtype=np.float64)
    hi = np.array([s.bounds[1] for s in model.states], dtype=np.float64)
    return lo, hi


def flag_out_of_bounds(
    model: Model, ys: np.ndarray, status: np.ndarray, first: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """Mark ``ok`` patients whose states leave their bounds (in place: `status`, `ys`).

    `ys` is ``(batch, T, n_states)``; outputs from the first offending time on become NaN.
    `first`, if given, is that first offending output index per patient (-1: none), as a
    backend that scanned the states itself found it (`RawSolution.first_out`).
    Returns the (patient, first offending output index) pairs.
    """
    if ys.shape[0] == 0 or ys.shape[1] == 0:
        return []
    if first is None:
        lo, hi = state_bounds(model)
        # one pass of min/max over time (NaN after t_stop ignored), then the offenders in detail
        with np.errstate(invalid="ignore"):
            low, high = np.fmin.reduce(ys, axis=1), np.fmax.reduce(ys, axis=1)
            bad = ((low < lo) | (high > hi)).any(axis=1)
    else:
        bad = first >= 0
    rows = np.flatnonzero(bad & (status == Status.OK))
    flagged = []
    for b in rows:
        if first is None:
            j = int(((ys[b] < lo) | (ys[b] > hi)).any(axis=1).argmax())
        else:
            j = int(first[b])
        flagged.append((int(b), j))
        ys[b, j:, :] = np.nan
    status[rows] = Status.OUT_OF_BOUNDS
    return flagged
