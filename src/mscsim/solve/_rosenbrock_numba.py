"""Adaptive Rodas4 compiled with Numba: patients in SIMD lanes, lane groups in parallel.

The algorithm, dosing events, dense output and status codes are those of
`mscsim.solve._rosenbrock.integrate` (read that module first), and every rule and constant of a
step comes from the shared `mscsim.solve._policy.StepPolicy` (passed to the kernel as the
``ctl`` array, never as literals); only the data layout differs.
The kernel (`_rosenbrock_lanes._cohort`, the default) steps `LANES` patients together in SIMD
registers on each of Numba's threads (``numba.prange``); the scalar kernel here
(`_cohort_scalar`: `_patient` integrates one patient start to end on its own small arrays)
is its reference, selected with ``KERNEL = "scalar"``, and the two give bit-identical results
(see `mscsim.solve._rosenbrock_lanes` for why; tests/solve/test_lanes.py checks it). A
patient's arithmetic never touches another patient's data and nothing is reduced across
patients, so results are bit-identical whatever the batch composition, the patient's lane and
the number of threads (``numba.set_num_threads``). Against the NumPy solver they agree to
round-off: the model code is printed from the same SymPy expressions with the same CSE and the
same LU elimination, and the steps repeat the same operations in the same order; only
``exp``/``log`` and powers may differ in the last bit (libm here, NumPy's SIMD loops there: on
CPUs with AVX-512 they do, measured up to 5e-14 relative; without it they happened to agree
bit for bit).

Compilation and its on-disk cache. Numba's ``cache=True`` keys a cached function by its source
file, and would not notice a change in a function it calls from another file. So for each model
this module writes one file holding the model's scalar and lane functions (`_numba_codegen`)
followed by the source of the kernel functions below and of `_rosenbrock_lanes` (copied with
`inspect.getsource`; they call the generated ``rhs``, ``factor``, ``solve`` and their lane
versions). The file name is the SHA-256 of its text, so a
changed model, code generator or kernel gets a new file, and an unchanged one reuses Numba's
cache next to it. The folder is ``$MSCSIM_CACHE_DIR/numba`` (default
``$XDG_CACHE_HOME/mscsim/numba``, i.e. ``~/.cache/mscsim/numba``; a temporary folder if that is
not writable). The first solve of a model compiles (tens of seconds); later processes load it.

Threads. Under Numba's OpenMP threading layer (its default where GNU OpenMP is installed) a
child forked from a process that has run a parallel region is terminated ("fork() called from
a process already using GNU OpenMP"), and the trial engine forks worker processes; so unless the
user chose a layer (``NUMBA_THREADING_LAYER``), importing this module asks for a fork-safe one
(``"forksafe"``: TBB if installed, else Numba's own work queue). It takes effect only if Numba
has not started its threads yet (``numba.set_num_threads`` starts them).
Calls from several Python threads are serialised by a lock (the work queue runs one parallel
region at a time). Threads used: ``numba.get_num_threads()`` (``numba.set_num_threads``).

`numba` is imported only when `mscsim.solve.simulate(..., backend="numba")` asks for it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import math
import os
import sys
import tempfile
import threading
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numba
import numpy as np
import sympy
from numba import prange

from mscsim.solve._guards import state_bounds
from mscsim.solve._numba_codegen import DECORATOR, LANES, model_source
from mscsim.solve._policy import StepPolicy, dense_output, end_times
from mscsim.solve._rosenbrock import RawSolution
from mscsim.solve._status import Status

MAX_STEPS, STEP_TOO_SMALL, NONFINITE = (
    int(Status.MAX_STEPS),
    int(Status.STEP_TOO_SMALL),
    int(Status.NONFINITE),
)
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "forksafe"  # type: ignore[attr-defined]
_LOCK = threading.Lock()
KERNEL = "lanes"  # "lanes": `_rosenbrock_lanes._cohort`; "scalar": `_cohort_scalar` (reference)


# kernel (compiled in the generated module, see the module docstring) ----------------------
def _apply_doses(y, t, dt, da, jd, dose_index, event_rtol):
    """Add every dose due at `t` (several may coincide); return the next slot and whether any."""
    lim = t + event_rtol * max(1.0, abs(t))
    got = False
    while dt[jd] <= lim:  # dt ends with an `inf` sentinel
        y[dose_index] = y[dose_index] + da[jd]
        jd += 1
        got = True
    return jd, got


def _record(ys, jo, t_eval, ta, tb, ya, yb, kd1, kd2, event_rtol):
    """Store dense output at the times ta < t_eval <= tb (or == ta at the start)."""
    lim = tb + event_rtol * max(1.0, abs(tb))
    hh = tb - ta
    while jo < t_eval.shape[0] and t_eval[jo] <= lim:
        th = (t_eval[jo] - ta) / hh if hh > 0 else 1.0
        th = 0.0 if th < 0.0 else (1.0 if th > 1.0 else th)  # keeps NaN, like np.clip
        for s in range(ya.shape[0]):
            ys[jo, s] = dense_output(th, ya[s], yb[s], kd1[s], kd2[s])
        jo += 1
    return jo


def _patient(
    y,
    p,
    t,
    t_eval,
    t_end,
    dt,
    da,
    dose_index,
    atol,
    rtol,
    h0,
    max_steps,
    gamma,
    a,
    cc,
    h2,
    h3,
    ctl,
    n_lu,
    ys,
):
    """Integrate one patient (`y` in place) from `t` to `t_end`; ``(status, steps, rejected)``.

    Fills all of `ys` (``(len(t_eval), n)``): outputs after the end or a failure are NaN.
    `ctl` holds the step policy's constants in `mscsim.solve._policy.CONTROLS` order.
    """
    safety, exponent, acc_min, acc_max, rej_min, rej_max = (
        ctl[0],
        ctl[1],
        ctl[2],
        ctl[3],
        ctl[4],
        ctl[5],
    )
    land_rtol, event_rtol, end_rtol, min_step_rtol = ctl[6], ctl[7], ctl[8], ctl[9]
    n = y.shape[0]
    f0, r, u = np.empty(n), np.empty(n), np.empty(n)
    ks, lu = np.empty((6, n)), np.empty(n_lu)
    kd1, kd2 = np.zeros(n), np.zeros(n)
    jd, _ = _apply_doses(y, t, dt, da, 0, dose_index, event_rtol)
    jo = _record(ys, 0, t_eval, t, t, y, y, kd1, kd2, event_rtol)
    h = h0
    rhs(y, p, f0)  # noqa: F821 - generated
    steps, rejected, status = 0, 0, 0
    done = t >= t_end
    while not done:
        # step size: never cross the next dose or the end
        t_ev = t_end if dt[jd] > t_end else dt[jd]
        gap = t_ev - t
        land = h >= gap * (1 - land_rtol)
        if land:
            h = gap
        factor(1.0 / (gamma * h), y, p, lu)  # noqa: F821 - generated
        for i in range(6):
            if i == 0:
                r[:] = f0
            else:
                rhs(u, p, r)  # noqa: F821 - generated
                for j in range(i):
                    cij = cc[i - 1, j] / h
                    for s in range(n):
                        r[s] = r[s] + cij * ks[j, s]
            solve(lu, r, ks[i])  # noqa: F821 - generated
            for s in range(n):
                if i < 4:
                    acc = 0.0
                    for j in range(i + 1):
                        acc = acc + a[i, j] * ks[j, s]
                    u[s] = y[s] + acc
                else:
                    u[s] = u[s] + ks[i, s]  # stiffly accurate: u5 + k5, then + k6
        # error norm, rows accumulated in order as in the NumPy solver
        sq, finite = 0.0, True
        for s in range(n):
            e = ks[5, s] / (atol[s] + rtol * max(abs(y[s]), abs(u[s])))
            sq = sq + e * e
            finite = finite and math.isfinite(u[s])
        en = math.sqrt(sq / n)
        if not (finite and math.isfinite(en)):
            en = math.inf
        accept = en <= 1.0
        steps += 1
        rejected += 0 if accept else 1
        dosed = False
        if accept:
            for s in range(n):
                k1, k2 = 0.0, 0.0
                for j in range(h2.shape[0]):
                    k1 = k1 + h2[j] * ks[j, s]
                    k2 = k2 + h3[j] * ks[j, s]
                kd1[s], kd2[s] = k1, k2
            t1 = t_ev if land else t + h
            jo = _record(ys, jo, t_eval, t, t1, y, u, kd1, kd2, event_rtol)
            y[:] = u
            t = t1
            if land:
                jd, dosed = _apply_doses(y, t, dt, da, jd, dose_index, event_rtol)
            rhs(y, p, f0)  # noqa: F821 - generated
        # new step size (Hairer-style controller, exponent -1/order)
        g = safety * en**exponent
        g = min(max(g, acc_min), acc_max) if accept else min(max(g, rej_min), rej_max)
        h = h0 if dosed else h * (g if math.isfinite(g) else rej_min)
        # termination and failure
        done = t >= t_end * (1 - end_rtol) or jo >= t_eval.shape[0]
        over = steps >= max_steps
        if not done and (over or h < min_step_rtol * max(1.0, abs(t))):
            status = MAX_STEPS if over else (NONFINITE if math.isinf(en) else STEP_TOO_SMALL)
            break
    ys[jo:] = np.nan
    return status, steps, rejected


def _first_out(ys, lo, hi):
    """First output index (row of `ys`, ``(T, n)``) where a state is below `lo` or above `hi`
    (NaN never is), else -1: `mscsim.solve._guards.flag_out_of_bounds`'s test."""
    for j in range(ys.shape[0]):
        for s in range(ys.shape[1]):
            if ys[j, s] < lo[s] or ys[j, s] > hi[s]:
                return j
    return -1


def _cohort_scalar(
    P,
    Y,
    t0,
    t_eval,
    t_end,
    DT,
    DA,
    dose_index,
    atol,
    rtol,
    h0,
    max_steps,
    gamma,
    a,
    cc,
    h2,
    h3,
    ctl,
    n_lu,
    ys,
    status,
    n_steps,
    n_rej,
    k,
    lo,
    hi,
    first,
    obs,
    sel,
    direct,
    keep,
    xs,
):
    """Every patient (row of `P`, `Y`, ...) on Numba's threads; results into the outputs, and
    each patient's first output out of the state bounds `lo`, `hi` into `first`.

    Thread `w` of `k` takes patients ``w, w + k, w + 2k, ...``, so a cohort sorted by cost
    still spreads evenly (Numba's work queue splits a ``prange`` into equal contiguous blocks).
    A patient's trajectory goes to ``ys[b]`` (`direct`, ``ys`` is ``(batch, T, n)``) or to its
    thread's slot ``ys[w]`` (``ys`` is ``(k, T, n)``); when the patient is done,
    `_observe_patient` takes its observables into `obs` and (not `direct`) `_keep_states` its
    states `keep` into `xs`.
    """
    for w in prange(k):
        out = np.empty(obs.shape[0])
        for b in range(w, P.shape[0], k):
            sl = b if direct else np.int64(w)  # (prange's index is unsigned)
            status[b], n_steps[b], n_rej[b] = _patient(
                Y[b],
                P[b],
                t0,
                t_eval,
                t_end[b],
                DT[b],
                DA[b],
                dose_index,
                atol,
                rtol,
                h0,
                max_steps,
                gamma,
                a,
                cc,
                h2,
                h3,
                ctl,
                n_lu,
                ys[sl],
            )
            first[b] = _first_out(ys[sl], lo, hi)
            _observe_patient(ys[sl], P[b], obs, b, sel, out)
            if not direct:
                _keep_states(ys[sl], xs, b, keep)


def _observe_patient(yb, pb, obs, b, sel, out):
    """Observables of patient `b` (trajectory `yb`, ``(T, n)``; parameters `pb`) at every
    output time into ``obs[:, b]`` (``obs`` is ``(n_obs, batch, T)``; only the rows `o` with
    ``sel[o]``); NaN states give NaN observables."""
    for j in range(yb.shape[0]):
        observe(yb[j], pb, out)  # noqa: F821 - generated
        for o in range(obs.shape[0]):
            if sel[o]:
                obs[o, b, j] = out[o]


def _keep_states(yb, xs, b, keep):
    """The states `keep` (indices) of trajectory `yb` (``(T, n)``) into ``xs[b]``."""
    for j in range(yb.shape[0]):
        for q in range(keep.shape[0]):
            xs[b, j, q] = yb[j, keep[q]]


# compile and cache ---------------------------------------------------------------------------
def _cache_dir() -> Path:
    """Folder of the generated modules (and of Numba's cache, in its ``__pycache__``).

    Code is imported from it, so it must be private: see `mscsim._cache.private_cache_dir`.
    """
    from mscsim._cache import private_cache_dir

    return private_cache_dir("numba")


def module_text(cm: Any) -> str:
    """Full text of the generated module for `cm`: model functions, then the kernel."""
    shared = (dense_output,)  # written once in _policy, compiled here too
    from mscsim.solve import _rosenbrock_lanes as lanes

    scalar = (_apply_doses, _record, _patient, _first_out, _observe_patient, _keep_states)
    vector = (lanes._last_stages, lanes._dense_coefficients, lanes._observe_patient_v)
    kernel = [
        f"{DECORATOR}\n{inspect.getsource(f)}"
        for f in (*shared, *scalar, *vector, lanes._record_lane, lanes._start, lanes._lane_group)
    ]
    par = DECORATOR.replace("nogil=True", "nogil=True, parallel=True")
    kernel += [f"{par}\n{inspect.getsource(f)}" for f in (_cohort_scalar, lanes._cohort)]
    consts = f"MAX_STEPS, STEP_TOO_SMALL, NONFINITE = {MAX_STEPS}, {STEP_TOO_SMALL}, {NONFINITE}\n"
    return "\n\n".join([model_source(cm), consts, *kernel])


def _write_once(path: Path, text: str) -> None:
    """Create `path` with `text` atomically, never rewriting an intact file (Numba keys its
    cache by the file's time stamp); several processes may race here."""
    if path.exists() and path.read_text() == text:
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        try:
            os.link(tmp, path)
        except FileExistsError:
            if path.read_text() != text:
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


#: Modules whose source decides the generated text (with the model's declaration and SymPy).
_GENERATORS = (
    "mscsim.model._symbolic",
    "mscsim.model._codegen",
    "mscsim.solve._numba_codegen",
    "mscsim.solve._policy",
    "mscsim.solve._rosenbrock_numba",
    "mscsim.solve._rosenbrock_lanes",
)


def source_key(cm: Any) -> str:
    """SHA-256 of everything the generated text of `cm` is made from: the model's declaration
    (its full ``repr``: states, parameters, expressions, equations, observables), the source
    of the generating modules and SymPy's version. Equal keys give equal texts, so a process
    can find the generated module without running SymPy (seconds per process)."""
    h = hashlib.sha256(repr(cm.model).encode())
    for mod in _GENERATORS:
        h.update(inspect.getsource(importlib.import_module(mod)).encode())
    h.update(sympy.__version__.encode())
    return h.hexdigest()


@lru_cache(maxsize=8)
def load(cm: Any) -> Any:
    """The generated module of `cm`, imported from the cache folder (compiled on first call).

    The module's file is named by the SHA-256 of its text. An index file named by
    `source_key` records that name, so later processes skip generating the text (SymPy's
    Jacobian, CSE and LU plan) when nothing it is made from has changed.
    """
    cache = _cache_dir()
    index = cache / f"key_{source_key(cm)[:40]}.txt"
    name = index.read_text().strip() if index.exists() else ""
    path = cache / f"{name}.py"
    if not name.startswith("mscsim_numba_") or not path.exists():
        text = module_text(cm)
        name = "mscsim_numba_" + hashlib.sha256(text.encode()).hexdigest()[:24]
        path = cache / f"{name}.py"
        _write_once(path, text)
        _write_once(index, name + "\n")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the generated module {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # Numba's cache and pickling look functions up by module name
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[name]
        raise
    return mod


def integrate(
    cm: Any,
    params: list[Any],
    y0: np.ndarray,
    t0: float,
    t_eval: np.ndarray,
    dose_times: np.ndarray,
    dose_amounts: np.ndarray,
    dose_index: int,
    policy: StepPolicy,
    *,
    rtol: float,
    atol: np.ndarray,
    h0: float,
    max_steps: int,
    xp: Any = None,
    t_stop: np.ndarray | None = None,
    horizon: float | None = None,
    observe: np.ndarray | None = None,
    keep: np.ndarray | None = None,
) -> RawSolution:
    """Integrate every column of `y0` from `t0` to ``t_eval[-1]`` (or its `t_stop`, or up to
    the last output towards `horizon`) with Numba.

    Same arguments and result as `mscsim.solve._rosenbrock.integrate`; `xp` is ignored.
    `observe` (``(n_observables,)`` booleans, default all) selects the observables computed:
    the rows of ``RawSolution.observables`` of the others are left unset. `keep` (indices of
    states, default all) selects the states returned: ``RawSolution.ys`` is then
    ``(batch, T, len(keep))``, and the full trajectories live only in one slot per lane
    (per thread for the scalar kernel), reused patient after patient, so memory is
    ``O(batch x T x len(keep))`` instead of ``O(batch x T x n)``.
    Parameters go to the kernel as one ``(batch, n_params)`` matrix (shared values repeated).
    Runs on ``numba.get_num_threads()`` threads.
    """
    n, batch = y0.shape
    tab = policy.tableau
    f64 = partial(np.array, dtype=np.float64, order="C")  # fresh, writable: one Numba signature
    P = np.empty((batch, len(params)))
    for j, v in enumerate(params):
        P[:, j] = v
    K = dose_times.shape[1]
    DT = np.full((batch, K + 1), np.inf)  # `inf` sentinel after the last dose
    DA = np.zeros((batch, K + 1))
    DT[:, :K], DA[:, :K] = dose_times, dose_amounts
    t_end = end_times(t_eval, batch, t_stop, horizon)
    a, cc = np.zeros((4, 4)), np.zeros((5, 5))
    for i, row in enumerate(tab.a):
        a[i, : len(row)] = row
    for i, row in enumerate(tab.C):
        cc[i, : len(row)] = row
    k = min(numba.get_num_threads(), batch)
    direct = keep is None
    if direct:  # the kernel writes every entry
        ys = xs = np.empty((batch, len(t_eval), n))
        kept = np.arange(n, dtype=np.int64)  # unused when direct (the kernel takes an array)
    else:
        slots = k * (LANES if KERNEL == "lanes" else 1)
        ys = np.empty((slots, len(t_eval), n))
        kept = np.array(keep, dtype=np.int64)
        xs = np.empty((batch, len(t_eval), kept.size))
    status = np.zeros(batch, dtype=np.int8)
    n_steps = np.zeros(batch, dtype=np.int64)
    n_rej = np.zeros(batch, dtype=np.int64)
    first = np.empty(batch, dtype=np.int64)
    lo, hi = state_bounds(cm.model)
    n_obs = len(cm.model.observables)
    sel = np.ones(n_obs, np.bool_) if observe is None else np.array(observe, np.bool_)
    obs = np.empty((n_obs, batch, len(t_eval)))
    mod = load(cm)
    with _LOCK:
        cohort = mod._cohort if KERNEL == "lanes" else mod._cohort_scalar
        cohort(
            P,
            f64(y0.T),
            float(t0),
            f64(t_eval),
            f64(t_end),
            DT,
            DA,
            int(dose_index),
            f64(atol).reshape(-1),
            float(rtol),
            float(h0),
            int(max_steps),
            float(tab.gamma),
            a,
            cc,
            f64(tab.h2),
            f64(tab.h3),
            f64(policy.controls()),
            int(mod.N_LU),
            ys,
            status,
            n_steps,
            n_rej,
            k,
            lo,
            hi,
            first,
            obs,
            sel,
            direct,
            kept,
            xs,
        )
    return RawSolution(
        ys=xs, status=status, n_steps=n_steps, n_rejected=n_rej, observables=obs, first_out=first
    )
