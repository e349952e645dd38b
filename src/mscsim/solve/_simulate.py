"""`simulate`: the one verb of the solve layer."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.util import find_spec

import numpy as np

from mscsim._errors import InputError
from mscsim.model import Doses, Model, Regimen, stack_regimens
from mscsim.model._codegen import CompiledModel
from mscsim.solve._guards import check_parameters, flag_out_of_bounds
from mscsim.solve._platform import runtime_info
from mscsim.solve._policy import RODAS4_POLICY
from mscsim.solve._rosenbrock import RawSolution, integrate
from mscsim.solve._solution import Solution

ArrayLike = float | Sequence[float] | np.ndarray


@dataclass(frozen=True, kw_only=True)
class Rodas4:
    """Adaptive 4th-order stiffly accurate Rosenbrock method (Hairer & Wanner's RODAS).

    `rtol` is relative; `atol` is absolute in units of each state's typical `scale`. The
    defaults keep every observable within 1e-4 of libRoadRunner (relative to the observable's
    peak); see tests/io/test_sbml.py.
    """

    rtol: float = 1e-6
    atol: float = 1e-9
    h0: float = 1e-3
    max_steps: int = 20_000

    def __post_init__(self) -> None:
        if not 1e-13 <= self.rtol <= 1e-1:
            raise InputError("rtol", "must be between 1e-13 and 0.1", self.rtol)
        if not 0 < self.atol <= 1e-1:
            raise InputError("atol", "must be in (0, 0.1]", self.atol)
        if not 0 < self.h0 <= 1:
            raise InputError("h0", "must be in (0, 1] day", self.h0)
        if self.max_steps < 10:
            raise InputError("max_steps", "must be >= 10", self.max_steps)


@lru_cache(maxsize=8)
def compiled(model: Model) -> CompiledModel:
    """Generated array code for `model` (built once per model object)."""
    return CompiledModel(model)


def _batch_size(*groups: Mapping[str, ArrayLike] | None, extra: int = 1) -> int:
    sizes = {extra} - {1}
    for g in groups:
        for k, v in (g or {}).items():
            a = np.asarray(v, dtype=float)
            if a.ndim > 1:
                raise InputError(k, "must be a number or a 1-D array (one value per patient)")
            if a.ndim == 1:
                sizes.add(a.shape[0])
    if len(sizes) > 1:
        raise InputError("batch", f"per-patient arrays disagree on the batch size {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def default_backend() -> str:
    """The backend ``"auto"`` means: ``$MSCSIM_BACKEND`` if set, else 'numba' when numba is
    installed (the compiled twin of the numpy solver; results agree to round-off, see
    docs/trials.md "Reproducibility"), else 'numpy'."""
    chosen = os.environ.get("MSCSIM_BACKEND", "").strip()
    if chosen:
        if chosen not in ("numpy", "numba", "jax"):
            raise InputError("MSCSIM_BACKEND", "must be 'numpy', 'numba' or 'jax'", chosen)
        return chosen
    return "numba" if find_spec("numba") is not None else "numpy"


def resolve_backend(backend: str = "auto") -> str:
    """The concrete backend `backend` names (``"auto"`` -> `default_backend`), checked installed."""
    chosen = default_backend() if backend == "auto" else backend
    _integrator(chosen)
    return chosen


def _integrator(backend: str) -> Callable[..., RawSolution]:
    """The `integrate` function of `backend` (JAX and Numba are imported only when asked for)."""
    if backend == "auto":
        backend = default_backend()
    if backend == "numpy":
        return integrate
    if backend == "numba":
        if find_spec("numba") is None:
            raise InputError("backend", "'numba' needs numba: pip install 'mscsim[fast]'")
        from mscsim.solve._rosenbrock_numba import integrate as integrate_numba

        return integrate_numba
    if backend != "jax":
        raise InputError("backend", "must be 'auto' or 'numpy' or 'jax' or 'numba'", backend)
    if find_spec("jax") is None:
        raise InputError(
            "backend", "'jax' needs JAX: pip install 'mscsim[jax]' (CPU) or 'mscsim[gpu]' (CUDA)"
        )
    from mscsim.solve._rosenbrock_jax import integrate as integrate_jax

    return integrate_jax


def simulate(
    model: Model,
    params: Mapping[str, ArrayLike] | None = None,
    y0: Mapping[str, ArrayLike] | None = None,
    regimen: Regimen | Sequence[Regimen] | Doses | None = None,
    *,
    t_eval: ArrayLike,
    t0: float = 0.0,
    solver: Rodas4 | None = None,
    backend: str = "auto",
    t_stop: ArrayLike | None = None,
    horizon: float | None = None,
    observables: Sequence[str] | None = None,
    states: Sequence[str] | None = None,
) -> Solution:
    """Simulate a cohort (patients on a leading axis) with MSC infusions.

    **Main arguments**

    model : the declarative model (e.g. `mscsim.model.MSC_COVID`).
    params : parameter overrides, each a number (shared) or a ``(batch,)`` array.
    y0 : initial-state overrides at `t0` (default: the model's healthy state).
    regimen : one `Regimen` for everyone, or one per patient, or `Doses` (one row per patient).
    t_eval : output times in days (sorted, ``>= t0``).

    **Other arguments**

    t0 : start time (days since symptom onset). solver : a `Rodas4` configuration.
    t_stop : per-patient end times ``(batch,)``; each patient stops there and its later
    outputs are NaN (saves work when patients need different horizons).
    horizon : a time ``>= t_eval[-1]``: steps are planned as in a solve to `horizon` (they land
    on it) but each patient stops after its last output, so the outputs equal those of the
    longer solve (``t_eval`` extended to `horizon`) at the cost of the shorter one. A failure
    that the longer solve would meet only after ``t_eval[-1]`` is not seen.
    observables : names of the observables to compute (default: all); the others are left
    out of ``Solution.observables`` (the Numba backend then skips their work).
    states : names of the states whose trajectories to return (default: all; ``[]``: none):
    ``Solution.states`` holds only those, in this order. The Numba backend then keeps each
    patient's full trajectory only while it is solved (memory ``batch x T x len(states)``
    instead of ``batch x T x n_states``); the values are the same bit for bit.
    backend : ``"auto"`` (default: ``"numba"`` when installed, else ``"numpy"``), ``"numpy"``,
    ``"numba"`` (the same algorithm compiled per patient, patients on Numba's threads; needs
    ``mscsim[fast]``; the first solve of a model compiles it once into an on-disk cache, see
    `mscsim.solve._rosenbrock_numba`) or ``"jax"`` (the same algorithm as one compiled XLA
    loop, for GPUs; needs ``mscsim[jax]`` or ``mscsim[gpu]``). Each backend is bitwise
    reproducible for a patient whatever the batch it runs in (JAX: for equal padded sizes);
    different backends agree to round-off (tested: 1e-10 relative), not bit for bit, because
    NumPy's SIMD exp/log, libm and XLA differ in the last bit. ``Solution.provenance`` records
    the backend that ran, the CPU's SIMD level and the library versions.

    Returns a `Solution`; a patient whose solve fails gets a status code and NaN trajectories
    after the failure, and the rest of the cohort is unaffected. Parameters are checked before
    the solve and states after it (`mscsim.solve._guards`): an inadmissible parameter raises
    `InputError`; a state leaving its bounds is status ``out_of_bounds``.
    """
    solver = solver or Rodas4()
    backend = default_backend() if backend == "auto" else backend
    run = _integrator(backend)
    te = np.asarray(t_eval, dtype=float)
    if te.ndim != 1 or te.size == 0 or np.any(np.diff(te) < 0) or te[0] < t0:
        raise InputError("t_eval", "must be a non-empty sorted 1-D array with values >= t0")
    if isinstance(regimen, Doses):
        batch = _batch_size(params, y0, extra=regimen.times.shape[0])
        if regimen.times.shape[0] != batch:
            raise InputError("regimen", f"need {batch} rows of doses, got {regimen.times.shape[0]}")
        times, cells = regimen.times, regimen.cells
    else:
        regs = [regimen] if isinstance(regimen, Regimen) or regimen is None else list(regimen)
        regs = [r or Regimen() for r in regs]
        batch = _batch_size(params, y0, extra=len(regs))
        if len(regs) == 1:
            regs = regs * batch
        elif len(regs) != batch:
            raise InputError("regimen", f"need 1 or {batch} regimens, got {len(regs)}")
        times, cells = stack_regimens(regs)
    unknown = set(params or {}) - set(model.parameter_names)
    if unknown:
        raise InputError("params", f"unknown parameter(s) {sorted(unknown)}")
    obs_names = [o.name for o in model.observables]
    wanted = obs_names if observables is None else list(observables)
    if isinstance(observables, str) or set(wanted) - set(obs_names):
        raise InputError("observables", f"must be a list of names from {obs_names}", observables)
    obs_on = np.isin(obs_names, wanted)
    kept = list(model.state_names) if states is None else list(states)
    if isinstance(states, str) or set(kept) - set(model.state_names):
        raise InputError(
            "states", f"must be a list of names from {list(model.state_names)}", states
        )
    kidx = [model.state_names.index(s) for s in kept]
    unknown = set(y0 or {}) - set(model.state_names)
    if unknown:
        raise InputError("y0", f"unknown state(s) {sorted(unknown)}")

    values = {**model.default_parameters(), **(params or {})}
    check_parameters(model, values)
    prow: list[float | np.ndarray] = [
        float(np.asarray(values[k])) if np.ndim(values[k]) == 0 else np.asarray(values[k], float)
        for k in model.parameter_names
    ]
    init = {**model.healthy_state(), **(y0 or {})}
    y = np.empty((len(model.states), batch))
    for i, s in enumerate(model.state_names):
        y[i] = np.broadcast_to(np.asarray(init[s], float), (batch,))
    stop = None
    if horizon is not None and not (np.isfinite(horizon) and horizon >= te[-1]):
        raise InputError("horizon", "must be a finite time >= the last output time", horizon)
    if t_stop is not None:
        stop = np.broadcast_to(np.asarray(t_stop, dtype=float), (batch,)).copy()
        if not np.all(stop >= t0):
            raise InputError("t_stop", "per-patient stop times must be >= t0")
    atol = solver.atol * np.array([[s.scale] for s in model.states])
    cm = compiled(model)
    with np.errstate(all="ignore"):
        raw = run(
            cm,
            prow,
            y,
            float(t0),
            te,
            times,
            cells,
            model.state_names.index(model.dose_state),
            RODAS4_POLICY,
            rtol=solver.rtol,
            atol=atol,
            h0=solver.h0,
            max_steps=solver.max_steps,
            **({} if stop is None else {"t_stop": stop}),
            **({} if horizon is None else {"horizon": float(horizon)}),
            **({"observe": obs_on} if backend == "numba" else {}),
            **({"keep": np.array(kidx)} if backend == "numba" and states is not None else {}),
        )
        status = np.array(raw.status, dtype=np.int8)  # a writable copy (JAX's may be read-only)
        flagged = flag_out_of_bounds(model, raw.ys, status, raw.first_out)
        if raw.observables is not None:  # computed by the backend (Numba) from the same states
            obs = raw.observables
            for b, k in flagged:
                obs[:, b, k:] = np.nan
        else:
            flat = raw.ys.reshape(-1, len(model.states)).T
            rep = [v if np.ndim(v) == 0 else np.repeat(v, te.size) for v in prow]
            obs = np.stack(cm.observe(flat, rep, np))
            obs = obs.reshape(len(model.observables), batch, te.size)
        ys = raw.ys
        if states is not None and backend != "numba":  # the others return every state
            ys = raw.ys[:, :, kidx]  # a new array (fancy indexing)
    return Solution(
        model=model.name,
        t=te,
        state_names=tuple(kept),
        states=ys,
        observables={o.name: obs[k] for k, o in enumerate(model.observables) if obs_on[k]},
        units={o.name: o.unit for o in model.observables},
        status=status,
        n_steps=raw.n_steps,
        n_rejected=raw.n_rejected,
        solver={"method": "Rodas4", "backend": backend, **asdict(solver)},
        provenance={"backend": backend, **runtime_info()},
    )
