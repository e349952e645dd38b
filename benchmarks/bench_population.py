"""Benchmark: a virtual cohort over 365 days with mscsim vs libRoadRunner vs scipy.

Run ``python benchmarks/bench_population.py --patients 10000 [--json] [--out FILE]``.

The cohort (seeded numpy Generator): a severity score uniform in [0, 3] through
`host_parameters` (r_M, p_V, k_rep), eight more parameters each multiplied by a log-uniform
factor in [0.7, 1.3] (k_inj, p6_M, k_F, EC50_msc, k_A, r_N, l_D, k_v), the state at onset from
`onset_state`, and one of four regimens at random: none, 3e7 cells on days 10/13/16, 1e8 cells
on days 10/13, or 1e6 cells/kg x 75 kg on days 10/13/16. Output: all 12 observables daily on
days 0..365 (366 points).

Engines, each timed on the same patients (``--repeats R``: best of R runs):

* mscsim: one `simulate` call for the whole cohort (Rodas4 defaults: rtol 1e-6, atol 1e-9 in
  units of each state's scale), and the cohort in parts over a pool of ``--workers`` forked
  processes writing into one shared output array (each with cores / workers solver threads,
  as the trial engine's workers: 2 x 2 threads on 2 cores were ~20% slower). The first call (2 patients, includes SymPy
  and code generation) and a second 2-patient call are timed separately and excluded. Timed:
  the solve and the observables as `simulate` returns them (every observable at every output
  time; ``states=[]``: like roadrunner's selections, no state trajectories are returned);
  putting them into roadrunner's ``(patients, observables, times)`` layout for the accuracy
  comparison happens after the clock stops.
* Worker pools (mscsim and roadrunner alike): started once before the clock, as the trial
  engine's pool or a service's workers are, so a run pays neither the fork nor a fresh
  child's first touch of memory it shares with its parent (which cost mscsim's per-run forked
  workers 10-25% when each run forked anew); four parts per worker, handed to whichever is
  free. mscsim's shared output array is allocated with its pool and reused by every run (its
  first touch, 4 KiB shared pages, ~0.1 s per 176 MB here, falls in the first round);
  roadrunner's results come back pickled. CPU seconds of a pooled run: the parent's plus what
  each worker measured for its tasks.
* libRoadRunner: the SBML of `to_sbml` with the three infusion events' times and doses turned
  into parameters, so one RoadRunner instance serves every patient: per patient one vector call
  each for parameters and initial amounts (``r.model.setGlobalParameterValues`` /
  ``setFloatingSpeciesInitAmounts``, no ``setValue("init(...)")``), ``reset()``,
  ``simulate(0, 365, 366)``. Configurations: ``roadrunner`` (CVODE with mscsim's rtol and
  per-species atol, instance without piecewise root-finding, see `load_runner`) in 1 and in
  ``--workers`` forked processes; ``roadrunner_rootfinding`` (same tolerances, fresh compile,
  CVODE root-finding on the 74 piecewise ``max(x, 0)`` guards, libRoadRunner's behaviour
  since 2.6); ``roadrunner_default_tolerances_rootfinding`` (out-of-the-box: rtol 1e-6,
  atol 1e-12 scaled by species amounts), reported with its CVODE failure count. The headline
  is the fastest configuration without failures. Load + LLVM JIT is timed and excluded.
* scipy: a per-patient `solve_ivp` loop (LSODA by default) with the generated right-hand side
  and analytic Jacobian evaluated on Python floats, mscsim's tolerances, integrating between
  infusion times and adding each dose to the blood compartment.

RoadRunner and scipy run on the first ``--baseline-patients`` patients (default min(N, 1000)),
scipy on the first ``--scipy-patients`` (default: the baseline count); their sims/s are
``patients / seconds`` on that subset. Accuracy: max over patients and observables of
``max_t |a - b| / max_t |b|`` (b the reference; ``|a - b|`` where b is identically 0), against
the headline roadrunner configuration and against a tight roadrunner reference (rtol 1e-10,
atol 1e-14 x state scale, root-finding on) on the first ``--reference-patients``. mscsim is
also timed at ``--loose-rtol`` (default 1e-5), where its error against the reference is about
roadrunner's (an informative row, not the headline). With ``--json`` exactly one JSON object
goes to stdout (the table and CVODE's messages go to stderr); ``--profile`` adds a cProfile
summary of one more single-process mscsim run (stderr). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import mmap
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mscsim.model import MSC_COVID, Regimen, host_parameters, onset_state
from mscsim.solve import Rodas4, compiled, simulate

T_EVAL = np.arange(366.0)
VARIED = ("k_inj", "p6_M", "k_F", "EC50_msc", "k_A", "r_N", "l_D", "k_v")
REGIMENS = (
    ("none", Regimen()),
    ("3e7 x3 (d10,13,16)", Regimen.fixed(3e7, [10, 13, 16])),
    ("1e8 x2 (d10,13)", Regimen.fixed(1e8, [10, 13])),
    ("1e6/kg*75kg x3 (d10,13,16)", Regimen.per_kg(1e6, 75.0, [10, 13, 16])),
)
SLOTS = 3  # most infusions in any regimen
OBS = MSC_COVID.observable_names
SOLVER = Rodas4()
ATOL = [SOLVER.atol * s.scale for s in MSC_COVID.states]
TIGHT_RTOL, TIGHT_ATOL = 1e-10, [1e-5 * a for a in ATOL]  # a vector: roadrunner does not rescale it


@dataclass(frozen=True)
class Cohort:
    """Per-patient parameter overrides, initial states and regimens (patients on axis 0)."""

    params: dict[str, np.ndarray]
    y0: dict[str, np.ndarray]
    arm: np.ndarray  # index into REGIMENS

    @property
    def size(self) -> int:
        return int(self.arm.shape[0])

    @property
    def regimens(self) -> list[Regimen]:
        return [REGIMENS[a][1] for a in self.arm]

    def take(self, idx: slice | np.ndarray) -> Cohort:
        return Cohort(
            {k: v[idx] for k, v in self.params.items()},
            {k: v[idx] for k, v in self.y0.items()},
            self.arm[idx],
        )


def make_cohort(n: int, seed: int) -> Cohort:
    """Severity score U(0, 3), log-uniform x[0.7, 1.3] on `VARIED`, random regimen."""
    rng = np.random.default_rng(seed)
    params = host_parameters(rng.uniform(0.0, 3.0, n))
    for name in VARIED:
        factor = np.exp(rng.uniform(np.log(0.7), np.log(1.3), n))
        params[name] = MSC_COVID.parameter(name).value * factor
    y0 = {k: np.asarray(v, float) * np.ones(n) for k, v in onset_state(params).items()}
    return Cohort(params, y0, rng.integers(0, len(REGIMENS), n))


WORKER_CPU = [0.0]  # CPU seconds the pools' workers reported for their tasks so far


def own_cpu_seconds() -> float:
    """CPU time of this process (all its threads), user + system."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def cpu_seconds() -> float:
    """CPU time of this process, its reaped children and the tasks of the pools' workers."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own_cpu_seconds() + kids.ru_utime + kids.ru_stime + WORKER_CPU[0]


def clock(fn, *args):
    """``((wall seconds, CPU seconds), fn(*args))``."""
    start, cpu = time.perf_counter(), cpu_seconds()
    out = fn(*args)
    return (time.perf_counter() - start, cpu_seconds() - cpu), out


# mscsim ------------------------------------------------------------------------------------
BACKEND = "numpy"  # set from --backend in main(); "numba" runs its compiled twin (to round-off)


def run_mscsim(c: Cohort, solver: Rodas4 = SOLVER) -> tuple[dict, np.ndarray, np.ndarray]:
    """Observables (name -> ``(n, T)``, as `simulate` returns them), status and steps per
    patient from one `simulate` call; `stacked` puts them in roadrunner's layout afterwards
    (a copy the simulation does not need, so it is not timed)."""
    sol = simulate(
        MSC_COVID,
        c.params,
        c.y0,
        c.regimens,
        t_eval=T_EVAL,
        solver=solver,
        backend=BACKEND,
        states=[],  # the observables only, as roadrunner's selections
    )
    return sol.observables, sol.status, sol.n_steps


def stacked(obs) -> np.ndarray:
    """Observables as ``(n, n_obs, T)`` in `OBS` order (an array is returned as it is)."""
    return obs if isinstance(obs, np.ndarray) else np.stack([obs[k] for k in OBS], axis=1)


# worker pools: started once, before the clock, as the trial engine's pool or a service's
_SHARED: dict = {}  # what forked workers inherit: the output buffer, the RoadRunner


def _init_worker(threads: int) -> None:
    if BACKEND == "numba":  # processes x solver threads <= cores, as in the trial engine
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def start_pool(workers: int, **shared):
    """`workers` processes forked now (inheriting `shared`, the compiled models and, for
    mscsim, the shared output buffer), each with cores / workers solver threads."""
    _SHARED.update(shared)
    threads = max(1, (os.cpu_count() or 1) // workers)
    return mp.get_context("fork").Pool(workers, initializer=_init_worker, initargs=(threads,))


def _parts(c: Cohort, workers: int) -> list[tuple[Cohort, int]]:
    """Four contiguous parts per worker (the pool hands them to whichever worker is free),
    each with its first row."""
    bounds = np.linspace(0, c.size, 4 * workers + 1).astype(int)
    return [(c.take(slice(lo, hi)), int(lo)) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]


def _shared_out(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Views of the shared buffer for `n` patients: observables ``(n, n_obs, T)``, status."""
    buf, size = _SHARED["buf"], n * len(OBS) * T_EVAL.size
    out = np.frombuffer(buf, dtype=float, count=size).reshape(n, len(OBS), -1)
    return out, np.frombuffer(buf, dtype=float, offset=size * 8, count=n)


def _mscsim_part(c: Cohort, lo: int, n: int) -> float:
    """Part `c` (rows ``lo:`` of a cohort of `n`) into the shared buffer; its CPU seconds."""
    start = own_cpu_seconds()
    out, stat = _shared_out(n)
    obs, status, _ = run_mscsim(c)
    hi = lo + c.size
    for k, name in enumerate(OBS):  # straight into the shared array, one copy
        out[lo:hi, k] = obs[name]
    stat[lo:hi] = status
    return own_cpu_seconds() - start


def mscsim_pool(capacity: int, workers: int):
    """The mscsim worker pool, with its shared output buffer for up to `capacity` patients
    (allocated once and reused by every run, as an output array would be)."""
    buf = mmap.mmap(-1, capacity * (len(OBS) * T_EVAL.size + 1) * 8)
    pool = start_pool(workers, buf=buf, capacity=capacity)
    warm = make_cohort(2 * workers, 0)
    pool.starmap(_mscsim_part, [(p, lo, warm.size) for p, lo in _parts(warm, workers)])
    return pool


def run_mscsim_mp(pool, c: Cohort, workers: int) -> tuple[np.ndarray, np.ndarray]:
    """The cohort in parts over the pool's processes, writing into its shared buffer. The
    observables returned are views of that buffer: valid until the pool's next run."""
    if c.size > _SHARED["capacity"]:
        raise ValueError(f"the pool's buffer holds {_SHARED['capacity']} patients, not {c.size}")
    tasks = [(p, lo, c.size) for p, lo in _parts(c, workers)]
    WORKER_CPU[0] += sum(pool.starmap(_mscsim_part, tasks, chunksize=1))
    obs, status = _shared_out(c.size)
    return obs, status.astype(np.int8)


# libRoadRunner -------------------------------------------------------------------------------
def roadrunner_sbml(tag: str = "") -> str:
    """`to_sbml` with three infusion events whose times and doses are parameters.

    `tag` only changes the model name, so that libRoadRunner compiles the text afresh instead
    of taking it from its in-process model cache (see `load_runner`).
    """
    import libsbml

    from mscsim.io import to_sbml

    text = to_sbml(MSC_COVID, regimen=Regimen.fixed(1.0, [10, 13, 16]))
    doc = libsbml.readSBMLFromString(text)
    m = doc.getModel()
    m.setName(f"{m.getName()} {tag}".strip())
    for k in range(1, SLOTS + 1):
        for name in (f"tdose_{k}", f"dose_{k}"):
            par = m.createParameter()
            par.setId(name)
            par.setValue(1e9 if name.startswith("t") else 0.0)
            par.setConstant(True)
        ev = m.getEvent(f"infusion_{k}")
        ev.getTrigger().setMath(libsbml.parseL3Formula(f"time >= tdose_{k}"))
        ev.getEventAssignment(0).setMath(
            libsbml.parseL3Formula(f"{MSC_COVID.dose_state} + dose_{k}")
        )
    return libsbml.writeSBMLToString(doc)


_KEEP: list = []  # first instances that must stay alive (see `load_runner`)


def load_runner(sbml: str, tol: str, cached: bool):
    """A RoadRunner with the observables selected; `tol` in {'matched', 'default', 'tight'}.

    libRoadRunner >= 2.6 adds CVODE root functions for every piecewise condition (here the 74
    ``max(x, 0)`` guards of the model). In libRoadRunner 2.10 a second instance built from an
    SBML text while a first one from the same text is alive comes from the model cache
    *without* those piecewise triggers (``model.getNumPiecewiseTriggers() == 0``) and
    integrates through the kinks, as mscsim does. ``cached=False``: a text not loaded before
    (fresh compile, root-finding on); ``cached=True``: the second of two live instances (the
    first is kept in `_KEEP`; dropping it makes the next load compile afresh, and creating
    throwaway instances in a loop crashed libRoadRunner 2.10 here).
    """
    import roadrunner

    roadrunner.Logger.setLevel(roadrunner.Logger.LOG_FATAL)
    if cached:
        _KEEP.append(roadrunner.RoadRunner(sbml))
    r = roadrunner.RoadRunner(sbml)
    r.timeCourseSelections = ["time", *OBS]
    if tol == "matched":
        r.integrator.relative_tolerance = SOLVER.rtol
        r.integrator.absolute_tolerance = ATOL
    elif tol == "tight":
        r.integrator.relative_tolerance = TIGHT_RTOL
        r.integrator.absolute_tolerance = TIGHT_ATOL
    return r


def _rr_inputs(r, c: Cohort):
    """Index arrays and per-patient value rows for the vector setters."""
    gids = list(r.model.getGlobalParameterIds())
    names = list(c.params) + [f"{w}_{k}" for k in range(1, SLOTS + 1) for w in ("tdose", "dose")]
    pidx = np.array([gids.index(k) for k in names], dtype=np.int32)
    times = np.full((c.size, SLOTS), 1e9)
    cells = np.zeros((c.size, SLOTS))
    for i, a in enumerate(c.arm):
        for j, (day, dose) in enumerate(REGIMENS[a][1].infusions):
            times[i, j], cells[i, j] = day, dose
    pvals = np.column_stack(
        [c.params[k] for k in c.params]
        + [x for j in range(SLOTS) for x in (times[:, j], cells[:, j])]
    )
    sids = list(r.model.getFloatingSpeciesIds())
    sidx = np.array([sids.index(k) for k in c.y0], dtype=np.int32)
    svals = np.column_stack([c.y0[k] for k in c.y0])
    return pidx, pvals, sidx, svals


def run_roadrunner(r, c: Cohort) -> tuple[np.ndarray, np.ndarray]:
    """Loop over patients on one RoadRunner instance; NaN rows and status 1 on a CVODE error
    (the kinds of error are counted in `RR_ERRORS`)."""
    pidx, pvals, sidx, svals = _rr_inputs(r, c)
    out = np.full((c.size, len(OBS), T_EVAL.size), np.nan)
    status = np.zeros(c.size, dtype=np.int8)
    for i in range(c.size):
        r.model.setGlobalParameterValues(pidx, pvals[i])
        r.model.setFloatingSpeciesInitAmounts(sidx, svals[i])
        r.reset()
        try:
            res = r.simulate(0.0, float(T_EVAL[-1]), T_EVAL.size)
        except RuntimeError as err:
            status[i] = 1
            kind = str(err).split(":")[1].strip() if str(err).count(":") else str(err)[:40]
            RR_ERRORS[kind] = RR_ERRORS.get(kind, 0) + 1
            continue
        out[i] = np.asarray(res)[:, 1:].T
    return out, status


RR_ERRORS: dict[str, int] = {}


def _rr_part(c: Cohort) -> tuple[np.ndarray, np.ndarray, float]:
    start = own_cpu_seconds()
    obs, status = run_roadrunner(_SHARED["rr"], c)
    return obs, status, own_cpu_seconds() - start


def roadrunner_pool(r, workers: int):
    """The roadrunner worker pool for the loaded RoadRunner `r` (its JIT-compiled model is
    inherited)."""
    pool = start_pool(workers, rr=r)
    pool.map(_rr_part, [p for p, _ in _parts(make_cohort(2 * workers, 0), workers)])
    return pool


def run_roadrunner_mp(pool, c: Cohort, workers: int) -> tuple[np.ndarray, np.ndarray]:
    """The roadrunner loop in parts over the pool's processes; results come back pickled."""
    parts = pool.map(_rr_part, [p for p, _ in _parts(c, workers)], chunksize=1)
    WORKER_CPU[0] += sum(p[2] for p in parts)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# scipy ---------------------------------------------------------------------------------------
class _FloatXP:
    """The array namespace of the generated code, for Python floats (one patient)."""

    maximum = staticmethod(max)
    exp = staticmethod(math.exp)
    log = staticmethod(math.log)
    sqrt = staticmethod(math.sqrt)

    @staticmethod
    def where(cond, a, b):
        return a if cond else b


def run_scipy(c: Cohort, method: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-patient `solve_ivp` between infusion times; returns observables, status, mean nfev."""
    from scipy.integrate import solve_ivp

    cm = compiled(MSC_COVID)
    n = len(MSC_COVID.states)
    rows, cols = np.array(cm.jac_pattern).T
    base = MSC_COVID.default_parameters()
    healthy = MSC_COVID.healthy_state()
    dose_row = MSC_COVID.state_names.index(MSC_COVID.dose_state)
    out = np.full((c.size, len(OBS), T_EVAL.size), np.nan)
    status = np.zeros(c.size, dtype=np.int8)
    nfev = 0
    t_end = float(T_EVAL[-1])
    for i in range(c.size):
        p = [
            float(c.params[k][i]) if k in c.params else float(base[k])
            for k in MSC_COVID.parameter_names
        ]
        y = np.array(
            [float(c.y0[s][i]) if s in c.y0 else healthy[s] for s in MSC_COVID.state_names]
        )

        def f(_t, x, p=p):
            return np.array(cm.rhs(x.tolist(), p, _FloatXP))

        def jac(_t, x, p=p):
            jm = np.zeros((n, n))
            jm[rows, cols] = cm.jac(x.tolist(), p, _FloatXP)
            return jm

        ys = np.empty((n, T_EVAL.size))
        ys[:, 0] = y
        doses = [d for d in REGIMENS[c.arm[i]][1].infusions if d[0] < t_end]
        edges = [0.0] + [d for d, _ in doses] + [t_end]
        try:
            for k, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
                sel = (T_EVAL > a) & (T_EVAL <= b)
                sol = solve_ivp(
                    f,
                    (a, b),
                    y,
                    method=method,
                    t_eval=T_EVAL[sel],
                    jac=jac,
                    rtol=SOLVER.rtol,
                    atol=ATOL,
                )
                nfev += sol.nfev
                if sol.status != 0:
                    raise ArithmeticError(sol.message)
                ys[:, sel] = sol.y
                y = sol.y[:, -1].copy()
                if k < len(doses):
                    y[dose_row] += doses[k][1]
        except (ArithmeticError, ValueError):
            status[i] = 1
            continue
        out[i] = np.stack(cm.observe(ys, p, np))
    return out, status, nfev / max(c.size, 1)


# comparison and report -----------------------------------------------------------------------
def max_rel_diff(a: np.ndarray, b: np.ndarray) -> tuple[float, int, str]:
    """max over patients/observables of max_t|a-b| / max_t|b| (b the reference), rows finite in both."""
    ok = np.all(np.isfinite(a), axis=(1, 2)) & np.all(np.isfinite(b), axis=(1, 2))
    if not ok.any():
        return float("nan"), -1, ""
    diff = np.abs(a[ok] - b[ok]).max(axis=2)
    peak = np.abs(b[ok]).max(axis=2)
    rel = np.where(peak > 0, diff / np.where(peak > 0, peak, 1.0), diff)
    i, k = np.unravel_index(np.argmax(rel), rel.shape)
    return float(rel[i, k]), int(np.flatnonzero(ok)[i]), OBS[k]


def machine_info() -> dict:
    import scipy

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu
            )
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "platform": platform.platform(),
    }
    try:
        import roadrunner

        info["libroadrunner"] = roadrunner.__version__
    except ImportError:
        info["libroadrunner"] = None
    return info


def source_state() -> dict:
    """Commit and locally modified core files (read-only git calls; {} outside a checkout)."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--",
                "src/mscsim/model",
                "src/mscsim/solve",
                "src/mscsim/io",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"git_commit": head, "uncommitted_core_changes": [ln.strip() for ln in dirty]}


def profile_mscsim(c: Cohort) -> None:
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    run_mscsim(c)
    prof.disable()
    pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(15)


def rounds(repeats: int, jobs: dict) -> tuple[dict, dict, dict]:
    """Run every job once per round, `repeats` rounds (interleaved, so that other load on the
    machine hits every engine alike); best wall and CPU seconds per job and its last output."""
    wall = dict.fromkeys(jobs, math.inf)
    cpu = dict.fromkeys(jobs, math.inf)
    out = {}
    for _ in range(repeats):
        for name, (fn, args) in jobs.items():
            (w, c), out[name] = clock(fn, *args)
            wall[name], cpu[name] = min(wall[name], w), min(cpu[name], c)
    return wall, cpu, out


def check_setters(c: Cohort, obs_rr: np.ndarray, arm: int) -> float:
    """Max rel. diff between the reused, re-parametrised RoadRunner and one built from the first
    patient of `arm` exported on its own (fixed events, same cache state); 0 if `arm` is absent."""
    from mscsim.io import to_sbml

    hits = np.flatnonzero(c.arm == arm)
    if hits.size == 0:
        return 0.0
    i = int(hits[0])
    text = to_sbml(
        MSC_COVID,
        {k: float(v[i]) for k, v in c.params.items()},
        {k: float(v[i]) for k, v in c.y0.items()},
        c.regimens[i],
    )
    fresh = np.asarray(
        load_runner(text, "matched", cached=True).simulate(0.0, float(T_EVAL[-1]), T_EVAL.size)
    )
    return max_rel_diff(obs_rr[i][None], fresh[:, 1:].T[None])[0]


def main() -> None:  # noqa: PLR0915
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=10000)
    ap.add_argument(
        "--baseline-patients",
        type=int,
        default=None,
        help="patients run through roadrunner (default min(N, 1000))",
    )
    ap.add_argument(
        "--scipy-patients",
        type=int,
        default=None,
        help="patients run through scipy (default: the baseline count)",
    )
    ap.add_argument(
        "--reference-patients",
        type=int,
        default=100,
        help="patients for the tight-tolerance roadrunner reference",
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--backend",
        default="auto",
        choices=["auto", "numpy", "numba", "jax"],
        help="mscsim solver backend (default: the fastest installed, numba when installed)",
    )
    ap.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="time the main configurations this many times and keep the best",
    )
    ap.add_argument(
        "--loose-rtol",
        type=float,
        default=1e-5,
        help="also time mscsim at this rtol (accuracy comparable to roadrunner's); 0: skip",
    )
    ap.add_argument("--scipy-method", default="LSODA", choices=["LSODA", "BDF", "Radau"])
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON object here")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="cProfile one more single-process mscsim run (summary on stderr)",
    )
    args = ap.parse_args()
    global BACKEND  # noqa: PLW0603
    from mscsim.solve import resolve_backend

    BACKEND = resolve_backend(args.backend)
    n, w, rep = args.patients, args.workers, max(args.repeats, 1)
    nb = min(args.baseline_patients or min(n, 1000), n)
    ns = min(args.scipy_patients or nb, n)
    nr = min(args.reference_patients, nb)
    stdout = os.dup(1)
    os.dup2(2, 1)  # CVODE warnings and the table go to stderr; stdout keeps only the JSON
    load_before = os.getloadavg()

    cohort = make_cohort(n, args.seed)
    base, ref_set, sp_set = (cohort.take(slice(0, k)) for k in (nb, nr, ns))
    (t_first, _), _ = clock(run_mscsim, cohort.take(slice(0, 2)))  # SymPy + codegen + solve
    (t_second, _), _ = clock(run_mscsim, cohort.take(slice(0, 2)))
    (t_load, _), rr_roots = clock(load_runner, roadrunner_sbml("(root-finding)"), "matched", False)
    rr = load_runner(roadrunner_sbml(), "matched", cached=True)
    run_roadrunner(rr, cohort.take(slice(0, 5)))  # warm-up
    ms_pool, rr_pool = mscsim_pool(n, w), roadrunner_pool(rr, w)
    lo_key = f"mscsim_rtol{args.loose_rtol:g}_1proc"
    jobs = {
        "mscsim_1proc": (run_mscsim, (cohort,)),
        f"mscsim_{w}proc": (run_mscsim_mp, (ms_pool, cohort, w)),
        "roadrunner_1proc": (run_roadrunner, (rr, base)),
        f"roadrunner_{w}proc": (run_roadrunner_mp, (rr_pool, base, w)),
        "scipy_1proc": (run_scipy, (sp_set, args.scipy_method)),
    }
    if args.loose_rtol:
        jobs[lo_key] = (run_mscsim, (cohort, Rodas4(rtol=args.loose_rtol)))
    wall, cpu, out = rounds(rep, jobs)
    for pool in (ms_pool, rr_pool):
        pool.close()
        pool.join()
    once = {"roadrunner_rootfinding_1proc": (run_roadrunner, (rr_roots, base))}
    rr_def = load_runner(roadrunner_sbml("(defaults)"), "default", cached=False)
    once["roadrunner_default_tolerances_rootfinding_1proc"] = (run_roadrunner, (rr_def, base))
    RR_ERRORS.clear()
    w1, c1, o1 = rounds(1, once)
    rr_def_errors = dict(RR_ERRORS)
    rr_tight = load_runner(roadrunner_sbml("(tight)"), "tight", cached=False)
    (t_rrt, _), (obs_ref, st_ref) = clock(run_roadrunner, rr_tight, ref_set)
    wall, cpu, out = {**wall, **w1}, {**cpu, **c1}, {**out, **o1}
    out = {k: (stacked(v[0]), *v[1:]) for k, v in out.items()}
    obs_ms, _, steps = out["mscsim_1proc"]
    obs_rr = out["roadrunner_1proc"][0]
    obs_sp, _, nfev = out["scipy_1proc"]
    setter_check = max(check_setters(base, obs_rr, a) for a in range(len(REGIMENS)))

    size = {k: n if k.startswith("mscsim") else ns if k.startswith("scipy") else nb for k in wall}
    rate = {k: size[k] / wall[k] for k in wall}
    rate_cpu = {k: size[k] / cpu[k] for k in cpu}
    fails = {k: int(np.sum(np.asarray(v[1]) != 0)) for k, v in out.items()}
    fails["roadrunner_tight_reference"] = int(st_ref.sum())
    ms_best = max(("mscsim_1proc", f"mscsim_{w}proc"), key=rate.get)
    rr_ok = [
        k
        for k in ("roadrunner_1proc", f"roadrunner_{w}proc", "roadrunner_rootfinding_1proc")
        if fails[k] == 0
    ] or ["roadrunner_1proc"]
    rr_best = max(rr_ok, key=rate.get)
    m = min(nr, ns)
    acc = {"mscsim_vs_roadrunner": max_rel_diff(obs_ms[:nb], obs_rr)}
    for k in ("roadrunner_rootfinding_1proc", "roadrunner_default_tolerances_rootfinding_1proc"):
        acc[f"mscsim_vs_{k[:-6]}"] = max_rel_diff(obs_ms[:nb], out[k][0])
    acc["scipy_vs_roadrunner"] = max_rel_diff(obs_sp, obs_rr[:ns])
    for k, v in out.items():
        if not k.endswith(f"_{w}proc"):
            acc[f"{k[:-6]}_vs_tight_reference"] = max_rel_diff(v[0][:m], obs_ref[:m])
    if args.loose_rtol:
        acc[f"{lo_key[:-6]}_vs_roadrunner"] = max_rel_diff(out[lo_key][0][:nb], obs_rr)
    result = {
        "mscsim_sims_per_s": rate[ms_best],
        "roadrunner_sims_per_s": rate[rr_best],
        "scipy_sims_per_s": rate["scipy_1proc"],
        "max_rel_diff_vs_roadrunner": acc["mscsim_vs_roadrunner"][0],
        "ratio_mscsim_vs_roadrunner": rate[ms_best] / rate[rr_best],
        "ratio_mscsim_vs_scipy": rate[ms_best] / rate["scipy_1proc"],
        "ratio_mscsim_1proc_vs_roadrunner_1proc": rate["mscsim_1proc"] / rate["roadrunner_1proc"],
        "headline_configuration": {
            "mscsim": ms_best,
            "roadrunner": rr_best,
            "scipy": "scipy_1proc",
        },
        "ratio_mscsim_vs_roadrunner_per_cpu_second": rate_cpu[ms_best] / rate_cpu[rr_best],
        "sims_per_s": rate,
        "sims_per_cpu_second": rate_cpu,
        "ms_per_patient": {k: 1e3 / v for k, v in rate.items()},
        "failures": fails,
        "max_rel_diff": {
            k: {"value": v[0], "patient": v[1], "observable": v[2]} for k, v in acc.items()
        },
        "seconds": {
            **{f"{k}_wall": v for k, v in wall.items()},
            **{f"{k}_cpu": v for k, v in cpu.items()},
            "mscsim_first_call_2_patients_incl_codegen": t_first,
            "mscsim_second_call_2_patients": t_second,
            "roadrunner_load_and_jit": t_load,
            "roadrunner_tight_reference": t_rrt,
        },
        "mscsim_steps_per_patient": {
            "mean": float(steps.mean()),
            "min": int(steps.min()),
            "max": int(steps.max()),
            "by_regimen": {
                lbl: float(steps[cohort.arm == a].mean()) for a, (lbl, _) in enumerate(REGIMENS)
            },
            **({lo_key: float(out[lo_key][2].mean())} if args.loose_rtol else {}),
        },
        "roadrunner_default_tolerances_errors": rr_def_errors,
        "checks": {
            f"mscsim_{w}proc_bit_identical_to_1proc": bool(
                np.array_equal(obs_ms, out[f"mscsim_{w}proc"][0], equal_nan=True)
            ),
            f"roadrunner_{w}proc_identical_to_1proc": bool(
                np.array_equal(obs_rr, out[f"roadrunner_{w}proc"][0], equal_nan=True)
            ),
            "roadrunner_reused_vs_per_patient_export_max_rel_diff": setter_check,
            "roadrunner_piecewise_triggers": {
                "roadrunner": rr.model.getNumPiecewiseTriggers(),
                "roadrunner_rootfinding": rr_roots.model.getNumPiecewiseTriggers(),
                "roadrunner_default_tolerances_rootfinding": rr_def.model.getNumPiecewiseTriggers(),
                "roadrunner_tight_reference": rr_tight.model.getNumPiecewiseTriggers(),
            },
        },
        "scipy_mean_nfev": nfev,
        "subset_sizes": {"mscsim": n, "roadrunner": nb, "scipy": ns, "tight_reference": nr},
        "mscsim_backend": BACKEND,
        "configuration": {
            "patients": n,
            "seed": args.seed,
            "workers": w,
            "repeats_best_of": rep,
            "days": 365,
            "output_points": int(T_EVAL.size),
            "observables": list(OBS),
            "varied_parameters": ["r_M, p_V, k_rep via host_parameters(score), score ~ U(0, 3)"]
            + [f"{k} x logU[0.7, 1.3]" for k in VARIED],
            "regimens": [lbl for lbl, _ in REGIMENS],
            "regimen_counts": np.bincount(cohort.arm, minlength=len(REGIMENS)).tolist(),
            "mscsim": f"Rodas4 rtol {SOLVER.rtol:g}, atol {SOLVER.atol:g} x state scale",
            "mscsim_loose": f"Rodas4 rtol {args.loose_rtol:g} (informative row, not the headline)",
            "roadrunner": "CVODE, same rtol/atol as mscsim, model from roadrunner's cache "
            "(no piecewise root-finding)",
            "roadrunner_rootfinding": "CVODE, same rtol/atol as mscsim, fresh compile "
            "(root-finding on the piecewise max(x,0) guards)",
            "roadrunner_default_tolerances_rootfinding": "CVODE defaults (rtol 1e-6, atol 1e-12 "
            "scaled by species amounts), fresh compile",
            "roadrunner_tight_reference": f"CVODE rtol {TIGHT_RTOL:g}, atol 1e-14 x state scale, "
            "fresh compile",
            "scipy": f"solve_ivp {args.scipy_method}, analytic Jacobian, same rtol/atol as mscsim",
            "extrapolation": "roadrunner and scipy sims/s = subset size / subset seconds",
            "timing": "best of `repeats` interleaved rounds; wall clock (perf_counter) and CPU "
            "time of the process and its forked workers (getrusage)",
        },
        "machine": {
            **machine_info(),
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },
        "source": source_state(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
    }
    print_table(result)
    if args.profile:
        profile_mscsim(cohort)
    text = json.dumps(result, indent=2)
    if args.out:
        tmp = args.out.with_name(f".{args.out.name}.tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(args.out)
    sys.stdout.flush()
    os.dup2(stdout, 1)
    if args.json:
        print(text)


def print_table(res: dict) -> None:
    rate, cpu, sec = res["sims_per_s"], res["sims_per_cpu_second"], res["seconds"]
    fails, sub = res["failures"], res["subset_sizes"]
    print(
        f"cohort: {sub['mscsim']} patients x 365 days, 366 points, {len(OBS)} observables; roadrunner "
        f"on the first {sub['roadrunner']}, scipy on the first {sub['scipy']} (sims/s from the subset)"
    )
    print(
        f"{'engine / configuration':50s} {'sims/s':>9s} {'ms/sim':>8s} {'sims/CPU-s':>10s} {'fails':>6s}"
    )
    for key, v in rate.items():
        print(f"{key:50s} {v:9.1f} {1e3 / v:8.3f} {cpu[key]:10.1f} {fails.get(key, 0):6d}")
    print(
        f"mscsim first call (2 patients, incl. code generation) "
        f"{sec['mscsim_first_call_2_patients_incl_codegen']:.2f} s, second call "
        f"{sec['mscsim_second_call_2_patients']:.2f} s; roadrunner load + JIT "
        f"{sec['roadrunner_load_and_jit']:.2f} s (excluded above)"
    )
    hc = res["headline_configuration"]
    print(
        f"headline: mscsim ({hc['mscsim']}) {res['mscsim_sims_per_s']:.0f} sims/s vs roadrunner "
        f"({hc['roadrunner']}) {res['roadrunner_sims_per_s']:.0f} sims/s = "
        f"{res['ratio_mscsim_vs_roadrunner']:.2f}x; vs scipy {res['ratio_mscsim_vs_scipy']:.1f}x; "
        f"1 process each: {res['ratio_mscsim_1proc_vs_roadrunner_1proc']:.2f}x; per CPU-second: "
        f"{res['ratio_mscsim_vs_roadrunner_per_cpu_second']:.2f}x"
    )
    for k, v in res["max_rel_diff"].items():
        print(f"max rel diff {k:50s} {v['value']:.2e} (patient {v['patient']}, {v['observable']})")
    st = res["mscsim_steps_per_patient"]
    print(
        f"mscsim steps/patient: mean {st['mean']:.0f}, min {st['min']}, max {st['max']}; "
        f"checks: {json.dumps(res['checks'])}"
    )


if __name__ == "__main__":
    main()
