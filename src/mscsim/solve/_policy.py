"""The frozen step policy of the Rodas4 solver: every rule and constant of a step, as data.

The tableau (`mscsim.solve._tableau`) says what one step computes; this policy says what is done
with it: how the error is measured, when a step is accepted, how the next step size is chosen,
how doses and the end are landed on, and when a patient has failed. All three backends (numpy
`_rosenbrock`, Numba `_rosenbrock_numba`, JAX `_rosenbrock_jax`) read every constant from
`RODAS4_POLICY`; none has a literal of its own, and `tests/solve/test_backends.py` checks that
they agree.

Rules, with ``P = policy``:

* **Error norm**: ``en = sqrt(mean_i (k6_i / (atol_i + rtol * max(|y0_i|, |y1_i|)))**2)``, rows
  summed in state order (no reduction whose order depends on memory layout); a non-finite
  ``en`` or ``y1`` makes ``en = inf``. The step is accepted when ``en <= 1``.
* **Step size**: ``g = P.safety * en**(-1/order)``, clipped to ``[P.accept_min, P.accept_max]``
  after an accepted step and to ``[P.reject_min, P.reject_max]`` after a rejected one; a
  non-finite ``g`` (``en = 0`` or ``inf``) gives ``P.reject_min``. After a dose the step
  restarts at ``h0``.
* **Landing**: a step never crosses the next dose or the patient's end: when
  ``h >= gap * (1 - P.land_rtol)`` it is shortened to land exactly on it. Doses due within
  ``P.event_rtol * max(1, |t|)`` of ``t`` are given (several may coincide), and outputs within
  the same slack of a step's end are written from it.
* **Dense output**: ``y(theta) = (1-theta) y0 + theta (y1 + (1-theta)(K1 + theta K2))`` with
  ``theta`` clipped to ``[0, 1]`` (the tableau's ``h2``, ``h3``), `dense_output`.

Written once here and used by every backend: the constants (`StepPolicy`), the dense output
(`dense_output`, also compiled by Numba from this source) and, for the numpy and JAX backends,
the error norm, the step-size controller and the time slack (`error_norm`, `step_factor`,
`slack`). Still written per data layout, and held together by the conformance suite: the
stage loop, dosing and output bookkeeping (numpy: a shrinking working set; Numba: one patient
per loop iteration, scalar code; JAX: masked columns in one XLA loop) and Numba's scalar error
norm and controller.
* **End and failure**: a patient is done when ``t >= t_end * (1 - P.end_rtol)`` or when its
  last output has been written (`end_times`: ``t_end`` is the patient's stop time, else the
  last output time, or a later `horizon` that steps land on as if the solve went on there, so
  that the outputs are those of the longer solve); it fails with
  ``MAX_STEPS`` after ``max_steps`` attempts, and with ``STEP_TOO_SMALL`` (``NONFINITE`` when the
  last error was not finite) when ``h < P.min_step_rtol * max(1, |t|)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mscsim.solve._tableau import RODAS4, RodasTableau


@dataclass(frozen=True)
class StepPolicy:
    """Tableau and step-control constants (see the module docstring for the rules)."""

    tableau: RodasTableau
    safety: float = 0.9
    accept_min: float = 0.2
    accept_max: float = 6.0
    reject_min: float = 0.1
    reject_max: float = 0.5
    land_rtol: float = 1e-10
    event_rtol: float = 1e-12
    end_rtol: float = 1e-12
    min_step_rtol: float = 1e-12

    @property
    def exponent(self) -> float:
        """Exponent of the step-size controller, ``-1/order``."""
        return -1.0 / self.tableau.order

    def controls(self) -> tuple[float, ...]:
        """The constants in `CONTROLS` order (how the Numba kernel receives them)."""
        return tuple(float(getattr(self, name)) for name in CONTROLS)


#: Order of `StepPolicy.controls` (unpacked by the Numba kernel in this order).
CONTROLS = (
    "safety",
    "exponent",
    "accept_min",
    "accept_max",
    "reject_min",
    "reject_max",
    "land_rtol",
    "event_rtol",
    "end_rtol",
    "min_step_rtol",
)

RODAS4_POLICY = StepPolicy(RODAS4)


def dense_output(th: Any, y0: Any, y1: Any, k1: Any, k2: Any) -> Any:
    """The tableau's dense output at ``theta`` in [0, 1] of a step from `y0` to `y1`
    (``k1 = sum h2_j k_j``, ``k2 = sum h3_j k_j``). Plain arithmetic on floats or arrays: the
    numpy and JAX backends call it on arrays, the Numba kernel compiles this very source."""
    return (1 - th) * y0 + th * (y1 + (1 - th) * (k1 + th * k2))


# the rules on arrays of patients, shared by the numpy and JAX backends (`xp`: the namespace) --
def slack(t: Any, rtol: float, xp: Any) -> Any:
    """Tolerance of time comparisons at `t`: ``rtol * max(1, |t|)``."""
    return rtol * xp.maximum(1.0, xp.abs(t))


def error_norm(err: Any, y0: Any, y1: Any, atol: Any, rtol: float, xp: Any) -> Any:
    """RMS of the scaled error per patient (rows: states, columns: patients), ``inf`` when it
    or `y1` is not finite. Rows are accumulated one by one, not with a reduction whose
    summation order depends on the memory layout, so a patient's result never depends on the
    batch it is solved in."""
    e = err / (atol + rtol * xp.maximum(xp.abs(y0), xp.abs(y1)))
    acc = e[0] * e[0]
    for i in range(1, e.shape[0]):
        acc = acc + e[i] * e[i]
    en = xp.sqrt(acc / e.shape[0])
    finite = xp.isfinite(en) & xp.all(xp.isfinite(y1), axis=0)
    return xp.where(finite, en, xp.inf)


def step_factor(en: Any, accepted: Any, policy: StepPolicy, xp: Any) -> Any:
    """Factor of the next step size after an attempt with error norm `en`."""
    g = policy.safety * en**policy.exponent
    g = xp.where(
        accepted,
        xp.clip(g, policy.accept_min, policy.accept_max),
        xp.clip(g, policy.reject_min, policy.reject_max),
    )
    return xp.where(xp.isfinite(g), g, policy.reject_min)


def end_times(
    t_eval: np.ndarray, batch: int, t_stop: np.ndarray | None = None, horizon: float | None = None
) -> np.ndarray:
    """Each patient's ``t_end`` (see the module docstring): `t_stop` if given, else the last
    output time or `horizon` (``>= t_eval[-1]``) if given, whichever is later."""
    last = float(t_eval[-1]) if horizon is None else max(float(horizon), float(t_eval[-1]))
    return np.full(batch, last) if t_stop is None else np.minimum(t_stop, last)
