"""Run virtual randomized trials: screen, enroll, randomize, dose, simulate, derive events.

Replicate trials are independent and each draws only from streams keyed by (seed, replicate),
so results do not depend on how many replicates run together (`chunk`) or in which order.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace

import numpy as np

from mscsim import __version__
from mscsim._errors import InputError
from mscsim.model import MSC_COVID
from mscsim.population import Cohort, concat
from mscsim.solve import resolve_backend, runtime_info, simulate
from mscsim.trial._clinical import EVENT_PARAMS
from mscsim.trial._dosing import regimens
from mscsim.trial._events import N_INFUSION_U, Events, derive_events
from mscsim.trial._observe import BIOMARKERS, LUNG_OBSERVABLES, MEASURED, measured
from mscsim.trial._observe import lung_outcomes as lung_outcome_values
from mscsim.trial._randomize import randomize, strata_keys
from mscsim.trial._resolution import quantize, round_times
from mscsim.trial._scenario import scenario_hash
from mscsim.trial._scenario_fields import LUNG_OUTCOME_DAYS
from mscsim.trial._scenario_model import Scenario
from mscsim.trial._screening import TRIAL_SOLVER, screen
from mscsim.trial._trial_effects import (
    TRIAL_PARAMS,
    VENT_TERMS,
    TrialEffects,
    draw_trial_effects,
)

STREAM_EVENTS = 3
GRID_STEP = 0.25  # days: resolution of the event model
#: Bytes of follow-up trajectories per chunk of replicates run in this process (default of
#: `run_trial`), counted as patients x output times x every state (float64): the budgets were
#: tuned with that count, although the follow-up now keeps only `Tv` and the observables it
#: reads (6-10 values instead of 23 per patient and time), so a chunk holds less than its budget. Arrays
#: below glibc's largest mmap threshold (32 MiB) are recycled by malloc; larger ones are
#: mapped afresh and page-faulted on every solve (measured: a third of the run time as system
#: time with 256-replicate chunks).
CHUNK_BYTES = 24 * 2**20
#: The same for chunks run by this module's worker processes, which keep their heap
#: (`_keep_heap`): there bigger chunks cost no page faults and spread the engine's per-call
#: work over more patients (bowdish2023, n = 222, 2 workers: 24 -> 96 MiB, 2 -> 9 replicates
#: per chunk, ~20% less CPU per replicate).
POOL_CHUNK_BYTES = 96 * 2**20


DEFAULT_VISITS = (0, 1, 2, 3, 4, 5, 6, 7, 10, 14, 21, 28)


@dataclass
class TrialRun:
    """All patients of all replicate trials (flat arrays, replicate-major, enrollment order)."""

    scenario: Scenario
    seed: int
    n_replicates: int
    sample_size: int
    arm_names: tuple[str, ...]
    replicate: np.ndarray
    arm: np.ndarray
    cohort: Cohort
    ards: np.ndarray
    on_vent0: np.ndarray
    baseline: dict[str, np.ndarray]
    solver_status: np.ndarray
    events: Events
    visit_days: np.ndarray
    visits: dict[str, np.ndarray]  # biomarker -> (n, len(visit_days)), NaN after death
    infusion_days: np.ndarray  # (n, K) days after enrollment, NaN padded
    infusion_cells: np.ndarray  # (n, K) UC-MSC cell-equivalents per infusion
    n_screened: np.ndarray
    excluded: list[dict[str, int]]
    lung: dict[str, np.ndarray] = field(default_factory=dict)  # long-term lung outcomes
    effects: TrialEffects | None = None  # trial-level terms of each patient's events
    status_counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    solver_backend: str = ""  # the backend that ran every solve of this run

    @property
    def provenance(self) -> dict:
        return {
            "mscsim_version": __version__,
            "scenario": self.scenario.name,
            "scenario_hash": scenario_hash(self.scenario),
            "seed": self.seed,
            "replicates": self.n_replicates,
            "sample_size": self.sample_size,
            "model": MSC_COVID.name,
            "solver_backend": self.solver_backend,
            **runtime_info(),  # machine, cpu_simd, python, numpy, numba, jax
        }

    def head(self, replicates: int) -> TrialRun:
        """The first `replicates` replicate trials as a run of their own."""
        n = replicates * self.sample_size
        keep = self.events.infusion_ae["patient"] < n
        ev = self.events
        cut = lambda a: a[:n]  # noqa: E731
        events = Events(
            death=cut(ev.death),
            intubation=cut(ev.intubation),
            extubation=cut(ev.extubation),
            recovery=cut(ev.recovery),
            discharge=cut(ev.discharge),
            improvement=cut(ev.improvement),
            sae_time=cut(ev.sae_time),
            infusion_ae={k: v[keep] for k, v in ev.infusion_ae.items()},
            follow_up=ev.follow_up,
        )
        eff = self.effects
        return replace(
            self,
            n_replicates=replicates,
            replicate=cut(self.replicate),
            arm=cut(self.arm),
            cohort=self.cohort.take(np.arange(n)),
            ards=cut(self.ards),
            on_vent0=cut(self.on_vent0),
            baseline={k: cut(v) for k, v in self.baseline.items()},
            solver_status=cut(self.solver_status),
            events=events,
            visits={k: cut(v) for k, v in self.visits.items()},
            infusion_days=cut(self.infusion_days),
            infusion_cells=cut(self.infusion_cells),
            n_screened=self.n_screened[:replicates],
            excluded=self.excluded[:replicates],
            lung={k: cut(v) for k, v in self.lung.items()},
            effects=None
            if eff is None
            else TrialEffects(*(cut(getattr(eff, f)) for f in TrialEffects.__dataclass_fields__)),
        )

    def as_matrix(self, values: np.ndarray) -> np.ndarray:
        """Reshape a per-patient array to ``(replicates, sample_size, ...)``."""
        return values.reshape(self.n_replicates, self.sample_size, *values.shape[1:])


@dataclass(frozen=True)
class _Chunk:
    """What one chunk of replicates produces (merged by :func:`_merge`)."""

    screened: object  # mscsim.trial._screening.Screened
    arm: np.ndarray
    status: np.ndarray
    events: Events
    visits: dict[str, np.ndarray]
    infusion_days: np.ndarray
    infusion_cells: np.ndarray
    lung: dict[str, np.ndarray]
    effects: TrialEffects


@dataclass(frozen=True)
class _Options:
    """What every chunk of one run shares besides the scenario and the seed."""

    visit_days: np.ndarray
    taus: dict[str, float] | None = None
    backend: str = "auto"
    param_draws: Callable[[int, int], dict[str, float]] | None = None
    lung_outcomes: bool = True
    assign: str | None = None  # every patient on this arm (potential outcomes)


def _apply_param_draws(params: dict, param_draws, seed: int, reps, n: int) -> dict:
    """Per-replicate typical values: ``param_draws(seed, replicate) -> {name: value}``.

    A parameter that varies between patients keeps its variation: it is scaled by
    value / model default; any other is set to the value. Names of the trial-level table
    (``trial_effects.csv``: ``mu_death``, ``tau_death``, ...) are returned as per-patient
    arrays for :func:`draw_trial_effects` instead.
    """
    draws = [param_draws(seed, int(r)) for r in reps]
    fixed = sorted({k for d in draws for k in d if k in VENT_TERMS})
    if fixed:  # screening applies the intubation practice before any draw is made
        raise InputError(
            "posterior", f"draws of {', '.join(VENT_TERMS)} are not supported", got=fixed
        )
    trial = {}
    for name in sorted({k for d in draws for k in d if k in TRIAL_PARAMS}):
        trial[name] = np.repeat([float(d.get(name, TRIAL_PARAMS[name])) for d in draws], n)
    draws = [{k: v for k, v in d.items() if k not in TRIAL_PARAMS} for d in draws]
    defaults = MSC_COVID.default_parameters()  # unknown names are rejected by `simulate`
    for name in sorted({k for d in draws for k in d}):
        default = defaults.get(name, np.nan)
        varied = name in params and default != 0
        col = np.array(np.broadcast_to(params.get(name, default), (len(reps) * n,)), dtype=float)
        for i, d in enumerate(draws):
            if name in d:
                rows = slice(i * n, (i + 1) * n)
                col[rows] = col[rows] * (d[name] / default) if varied else d[name]
        params[name] = col
    return trial


def _run_chunk(scenario, seed, reps, n, opt: _Options) -> _Chunk:
    if _STOP:  # this worker was asked to stop (see `_defer_stop`)
        raise RuntimeError(f"worker stopped by signal {_STOP[0]}")
    scr = screen(scenario, seed, reps, n, backend=opt.backend, taus=opt.taus)
    trial_draws = {}
    if opt.param_draws is not None:  # after screening: enrollment does not depend on the draw
        trial_draws = _apply_param_draws(scr.cohort.params, opt.param_draws, seed, reps, n)
    arm_names = [a.name for a in scenario.arms]
    trial_terms = {**(opt.taus or {}), **trial_draws}  # per-replicate draws win over fixed taus
    if opt.assign is not None:  # every patient on one arm: potential outcomes, same patients
        arm = np.full(scr.cohort.age.size, arm_names.index(opt.assign), dtype=np.int64)
        return follow_up(
            scenario, seed, reps, n, scr, arm, opt.visit_days, trial_terms, opt.backend,
            lung_outcomes=opt.lung_outcomes,
        )  # fmt: skip
    alloc = {a: scenario.allocation[a] for a in arm_names}
    keys = strata_keys(scenario.randomization.strata, scr.ards, scr.cohort.female, scr.cohort.age)
    arm = np.concatenate(
        [
            randomize(
                scenario.randomization.method,
                alloc,
                scenario.randomization.block_size,
                keys[i * n : (i + 1) * n],
                seed,
                int(r),
            )
            for i, r in enumerate(reps)
        ]
    )
    return follow_up(
        scenario,
        seed,
        reps,
        n,
        scr,
        arm,
        opt.visit_days,
        trial_terms,
        opt.backend,
        lung_outcomes=opt.lung_outcomes,
    )


def follow_up(
    scenario,
    seed,
    reps,
    n,
    scr,
    arm,
    visit_days,
    taus=None,
    backend="auto",
    overrides=None,
    *,
    lung_outcomes: bool = True,
) -> _Chunk:
    """Dose, simulate and observe enrolled patients `scr` (replicate-major, `n` per replicate of
    `reps`) given their arm indices: everything of a chunk after randomization.

    `taus` are the trial-level terms for :func:`draw_trial_effects`. `overrides`
    (``{parameter: per-patient values}``) are applied last, after the arm's product
    parameters (``f_trap``, ``k_l``, ``potency``), e.g. by a sensitivity analysis.
    Without `lung_outcomes` the solve stops after the follow-up (its steps still planned to
    the last long-term day, so every other table is the same) and the chunk's `lung` is empty.
    """
    regs, infusions, pparams = regimens(scenario, arm, scr.cohort.weight)
    fu = scenario.follow_up_days
    t = np.arange(0.0, fu + 1e-9, GRID_STEP)
    t_long = np.array([d for d in LUNG_OUTCOME_DAYS if d > t[-1]], dtype=float)
    y0 = {s: scr.state[:, i] for i, s in enumerate(MSC_COVID.state_names)}
    setting = scenario.setting
    viral = setting is not None and setting.discharge_requires_viral_clearance
    read = ("pf_ratio", "il6", "viral_load") if viral else ("pf_ratio", "il6")
    wanted = {*read, *MEASURED, *(LUNG_OBSERVABLES if lung_outcomes else ())}
    sol = simulate(
        MSC_COVID,
        {**scr.cohort.params, **pparams, **(overrides or {})},
        y0,
        regs,
        t_eval=np.concatenate([t, t_long]) if lung_outcomes else t,
        solver=TRIAL_SOLVER,
        backend=backend,
        horizon=None if lung_outcomes else float(max(t[-1], *LUNG_OUTCOME_DAYS)),
        observables=sorted(wanted),  # only what is read below
        states=["Tv"],
    )
    # clinical tables come from values at a stated resolution (see trial/_resolution.py);
    # only what the event model, the visits and the lung outcomes read is quantized, at the
    # times they read it (quantizing is elementwise: the same values as quantizing everything)
    scr.baseline = {k: quantize(v) for k, v in scr.baseline.items()}
    nt = t.size
    obs = {k: quantize(sol.observables[k][:, :nt]) for k in read}
    iu = np.concatenate(
        [
            np.random.default_rng(np.random.SeedSequence([seed, STREAM_EVENTS, int(r)])).uniform(
                size=(n, infusions.days.shape[1], N_INFUSION_U)
            )
            for r in reps
        ]
    )
    effects = draw_trial_effects(scenario.setting, seed, scr.replicate, scr.cohort.uniforms, taus)
    ev = derive_events(
        t,
        obs,
        quantize(sol.state("Tv")[:, :nt]),
        scr.cohort,
        scr.on_vent,
        infusions,
        iu,
        fu,
        effects,
        viral_discharge=viral,
    )
    ev = round_times(ev)
    vi = np.searchsorted(t, visit_days)
    alive = visit_days[None, :] < ev.death[:, None]
    at_visits = {b: quantize(sol.observables[b][:, vi]) for b in BIOMARKERS if b in MEASURED}
    at_visits["oxygenation_index"] = (
        100.0 * EVENT_PARAMS["oi_mean_airway_pressure"] / at_visits["pf_ratio"]
    )
    visits = measured({b: np.where(alive, at_visits[b], np.nan) for b in BIOMARKERS}, seed, reps, n)
    lung = {}
    if lung_outcomes:
        t_all = np.concatenate([t, t_long])
        lung = lung_outcome_values(sol.observables, t_all, scr.cohort, ~np.isfinite(ev.death))
    return _Chunk(scr, arm, sol.status, ev, visits, infusions.days, infusions.amount, lung, effects)


def _default_workers(n_patients: int) -> int:
    """Processes to use: all cores for big runs, one for small ones (start-up costs ~0.3 s)."""
    return 1 if n_patients < 5_000 else max(1, min(os.cpu_count() or 1, 8))


def run_trial(
    scenario,
    *,
    seed: int | None = None,
    replicates: int | None = None,
    sample_size: int | None = None,
    chunk: int | None = None,
    workers: int | None = None,
    progress=None,
    taus: dict[str, float] | None = None,
    backend: str = "auto",
    executor=None,
    param_draws=None,
    lung_outcomes: bool = True,
    assign: str | None = None,
) -> TrialRun:
    """Run `replicates` virtual trials of `scenario` (defaults from the scenario).

    Replicates are processed in chunks of `chunk` trials (default: as many as keep a chunk's
    trajectories within `CHUNK_BYTES`, or `POOL_CHUNK_BYTES` in worker processes, with at
    least four chunks per worker), spread over `workers` processes
    (default: one for small runs, every core for large ones), or over `executor` when given (a
    ``concurrent.futures.Executor``, e.g. a Dask cluster's; its ``max_workers`` attribute, if
    any, sets how finely the replicates are split). Each replicate draws only from streams
    keyed by (seed, replicate), so the result is identical for any `chunk`, `workers` and
    `executor`. ``taus`` overrides the between-trial SDs of ``trial_effects.csv`` (e.g. zeros
    for the fixed-effect calibration reference). `backend` is the solver backend
    (`mscsim.solve.simulate`); it is resolved once here (``"auto"``: ``$MSCSIM_BACKEND``, else
    the fastest installed) and recorded in the run's provenance. Event tables are the same for
    every backend (see trial/_resolution.py).

    `param_draws`, if given, is a picklable callable ``(seed, replicate) -> {parameter: value}``
    giving the typical value of those model parameters in that replicate, applied after
    screening (e.g. a draw of the MSC effect from its prior, for assurance); a parameter that
    varies between patients is scaled by value / default, so patients keep their variation.

    ``lung_outcomes=False`` skips the long-term lung outcomes (`TrialRun.lung` is empty): each
    solve stops after the follow-up instead of going on to day 365, and everything else is
    the same (e.g. for a power run whose endpoints read no lung outcome).

    `assign`, an arm name, gives every enrolled patient that arm instead of randomizing: the
    same patients, trial effects and random streams as the randomized run, so runs with
    different `assign` are the potential outcomes of one cohort under each arm (used by
    multi-arm adaptive designs, :mod:`mscsim.design._multiarm`).
    """
    if assign is not None and assign not in [a.name for a in scenario.arms]:
        raise InputError("assign", f"an arm of {scenario.name!r}", assign)
    plan = _plan(
        scenario,
        seed,
        replicates,
        sample_size,
        chunk,
        workers,
        executor,
        _Options(np.empty(0), taus, resolve_backend(backend), param_draws, lung_outcomes, assign),
    )
    t0 = time.perf_counter()
    parts = list(_results(plan, executor, progress))
    return _run_of(plan, parts, time.perf_counter() - t0)


def run_trial_batches(
    scenario,
    *,
    batch: int,
    seed: int | None = None,
    replicates: int | None = None,
    sample_size: int | None = None,
    workers: int | None = None,
    progress=None,
    backend: str = "auto",
    executor=None,
    param_draws=None,
    lung_outcomes: bool = True,
) -> Iterator[TrialRun]:
    """The replicates of :func:`run_trial` (same arguments) as consecutive runs of about
    `batch` replicates each (the last may be smaller), computed on one pool of workers: a
    caller that reduces each run (e.g. to p-values) never holds every patient at once.
    Replicate ``r`` is the same trial as in `run_trial` (its streams are keyed by (seed, r)).
    """
    plan = _plan(
        scenario,
        seed,
        replicates,
        sample_size,
        None,
        workers,
        executor,
        _Options(np.empty(0), None, resolve_backend(backend), param_draws, lung_outcomes),
        most=batch,
    )
    t0 = time.perf_counter()
    group: list[_Chunk] = []
    patients = 0
    for part in _results(plan, executor, progress):
        group.append(part)
        patients += part.arm.size
        if patients >= max(1, int(batch)) * plan.n or part.screened.replicate[-1] == plan.n_rep - 1:
            yield _run_of(plan, group, time.perf_counter() - t0)
            group, patients = [], 0


@dataclass(frozen=True)
class _Plan:
    """How one run is split: replicates, sample size, chunks of replicates, processes."""

    scenario: Scenario
    seed: int
    n_rep: int
    n: int
    chunks: list[np.ndarray]
    procs: int
    opt: _Options


def _plan(
    scenario, seed, replicates, sample_size, chunk, workers, executor, opt, most=None
) -> _Plan:
    """Chunks of `chunk` replicates (default: within `CHUNK_BYTES`; at most `most`)."""
    seed = scenario.seed if seed is None else int(seed)
    n_rep = scenario.replicates if replicates is None else int(replicates)
    n = scenario.sample_size if sample_size is None else int(sample_size)
    fu = scenario.follow_up_days
    days = {0, fu} | set(d for d in DEFAULT_VISITS if d <= fu)
    days |= {
        ep.day
        for ep in scenario.endpoints.all
        if ep.kind in ("biomarker_change", "who_scale") and ep.day is not None
    }
    opt = replace(opt, visit_days=np.array(sorted(days), dtype=float))
    procs = _default_workers(n_rep * n) if workers is None else int(workers)
    if executor is not None:
        procs = getattr(executor, "max_workers", 1)
    spread = executor is not None or (chunk is None and procs > 1)
    if chunk is None:
        per_patient = 8 * len(MSC_COVID.states) * (int(fu / GRID_STEP) + 1 + len(LUNG_OUTCOME_DAYS))
        budget = POOL_CHUNK_BYTES if executor is None and procs > 1 else CHUNK_BYTES
        chunk = max(1, budget // per_patient // max(n, 1))
    chunk = int(chunk) if most is None else min(int(chunk), max(1, int(most)))
    if spread:  # a few chunks per worker, so that every worker gets some
        chunk = min(chunk, max(1, -(-n_rep // (4 * procs))))
    chunks = [np.arange(s, min(n_rep, s + chunk)) for s in range(0, n_rep, chunk)]
    if executor is None:
        procs = max(1, min(procs, len(chunks)))
    return _Plan(scenario, seed, n_rep, n, chunks, procs, opt)


def _run_of(plan: _Plan, parts: list[_Chunk], elapsed: float) -> TrialRun:
    n_rep = sum(p.arm.size for p in parts) // max(plan.n, 1)
    run = _merge(plan.scenario, plan.seed, n_rep, plan.n, parts, plan.opt.visit_days, elapsed)
    run.timings["workers"] = float(plan.procs)
    run.solver_backend = plan.opt.backend
    return run


def _results(plan: _Plan, executor, progress) -> Iterator[_Chunk]:
    """Every chunk's result, in chunk order: computed here (one process), on `executor`, or
    on a pool of forked processes; results not yet taken are the only ones held."""
    if executor is None and plan.procs == 1:
        for reps in plan.chunks:
            yield _run_chunk(plan.scenario, plan.seed, reps, plan.n, plan.opt)
            if progress is not None:
                progress(len(reps))
        return
    with ExitStack() as stack:
        pool = executor if executor is not None else stack.enter_context(_process_pool(plan.procs))
        futures = [
            pool.submit(_run_chunk, plan.scenario, plan.seed, reps, plan.n, plan.opt)
            for reps in plan.chunks
        ]
        done = False
        try:
            for i, reps in enumerate(plan.chunks):
                part = futures[i].result()
                futures[i] = None  # type: ignore[call-overload]
                if progress is not None:
                    progress(len(reps))
                yield part
            done = True
        finally:  # stopped early (an error, Ctrl-C): queued chunks are not started
            if executor is None:
                _stop_pool(pool, wait=done)
            else:
                for f in futures:
                    if f is not None:
                        f.cancel()


def _stop_pool(pool, *, wait: bool) -> None:
    """Shut our process pool down; queued chunks are cancelled. After the last result
    (`wait`) the workers are joined. Stopped early, the pool is told at once (running chunks
    finish, see `_defer_stop`) and its manager thread is joined, but not the workers: a
    manager thread still running at interpreter exit races `concurrent.futures`' exit hook,
    which then writes to a closed pipe ("Exception ignored ... Bad file descriptor")."""
    manager = getattr(pool, "_executor_manager_thread", None)  # CPython's attribute
    pool.shutdown(wait=wait, cancel_futures=True)
    if manager is not None and not wait:
        manager.join(timeout=10.0)


def _process_pool(procs: int):
    """A pool of `procs` worker processes (forked where safe) sharing the cores."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from mscsim.model import MSC_COVID as model
    from mscsim.solve import compiled

    compiled(model).rhs  # generate the model code once, before forking  # noqa: B018
    # fork is fast (workers inherit the generated model code) but unsafe once a multithreaded
    # runtime such as JAX is loaded in this process; then start clean workers instead
    threaded = any(m in sys.modules for m in ("jax", "torch"))
    ctx = mp.get_context(
        "fork" if "fork" in mp.get_all_start_methods() and not threaded else "spawn"
    )
    threads = max(1, (os.cpu_count() or 1) // procs)
    return ProcessPoolExecutor(
        max_workers=procs, mp_context=ctx, initializer=_share_cores, initargs=(threads,)
    )


_STOP: list[int] = []  # in a worker process: the stop signals received


def _share_cores(threads: int) -> None:
    """Worker start-up: Numba's solver threads per process, so that processes x threads do
    not exceed the cores (results do not depend on the number of threads); SIGINT/SIGTERM
    deferred (`_defer_stop`)."""
    import signal

    if "numba" in sys.modules:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    else:
        chosen = int(os.environ.get("NUMBA_NUM_THREADS", threads))
        os.environ["NUMBA_NUM_THREADS"] = str(min(threads, chosen))
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _defer_stop)
    _keep_heap()


#: glibc's mallopt parameters (malloc.h) and the values the workers set.
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
_TRIM_THRESHOLD = 2**30  # freed heap memory is kept for the next chunk, not given back


def _keep_heap() -> None:
    """Worker start-up, on glibc only: every chunk allocates and frees the same large arrays
    (trajectories, observables). By default glibc maps big ones afresh and trims the freed heap
    top, so each chunk page-faults its arrays in again (measured: ~4 ms of system time per
    bowdish2023 replicate, 12% of a power run). Without mmap and with a high trim threshold
    the heap keeps that memory for the next chunk; the worker's peak is unchanged. Results do
    not depend on it; elsewhere it does nothing."""
    import ctypes

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)  # this process's symbols, libc's among them
        libc.mallopt(_M_MMAP_MAX, 0)
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    except (OSError, AttributeError):  # not glibc (e.g. musl has no mallopt)
        return


def _defer_stop(signum: int, frame: object) -> None:
    """A worker asked to stop (Ctrl-C, or the main process stopping its workers) finishes the
    chunk under way and refuses later ones; the pool then ends it. Exiting at once could cut
    a result in the middle of its message, and the pool's reader would wait for the rest
    forever (the main process would hang at exit)."""
    _STOP.append(signum)


def _merge(scenario, seed, n_rep, n, parts: list[_Chunk], visit_days, elapsed) -> TrialRun:
    cat = lambda xs: np.concatenate(xs)  # noqa: E731
    scr = [p.screened for p in parts]
    evs = [p.events for p in parts]
    offsets = np.cumsum([0] + [e.death.size for e in evs[:-1]])
    iae = {
        k: cat([e.infusion_ae[k] + (o if k == "patient" else 0) for e, o in zip(evs, offsets)])
        for k in evs[0].infusion_ae
    }
    order = np.lexsort((iae["term"], iae["infusion"], iae["patient"]))  # canonical record order
    iae = {k: v[order] for k, v in iae.items()}
    events = Events(
        death=cat([e.death for e in evs]),
        intubation=cat([e.intubation for e in evs]),
        extubation=cat([e.extubation for e in evs]),
        recovery=cat([e.recovery for e in evs]),
        discharge=cat([e.discharge for e in evs]),
        improvement=cat([e.improvement for e in evs]),
        sae_time=cat([e.sae_time for e in evs]),
        infusion_ae=iae,
        follow_up=float(scenario.follow_up_days),
    )
    status = {
        "screening_ok": sum(s.status_counts["ok"] for s in scr),
        "screening_failed": sum(s.status_counts["failed"] for s in scr),
    }
    st = cat([p.status for p in parts])
    status["followup_ok"] = int((st == 0).sum())
    status["followup_failed"] = int((st != 0).sum())
    eff = [p.effects for p in parts]
    return TrialRun(
        scenario=scenario,
        seed=seed,
        n_replicates=n_rep,
        sample_size=n,
        arm_names=tuple(a.name for a in scenario.arms),
        replicate=cat([s.replicate for s in scr]),
        arm=cat([p.arm for p in parts]),
        cohort=concat([s.cohort for s in scr]),
        ards=cat([s.ards for s in scr]),
        on_vent0=cat([s.on_vent for s in scr]),
        baseline={k: cat([s.baseline[k] for s in scr]) for k in scr[0].baseline},
        solver_status=st,
        events=events,
        visit_days=visit_days,
        visits={b: cat([p.visits[b] for p in parts]) for b in BIOMARKERS},
        infusion_days=cat([p.infusion_days for p in parts]),
        infusion_cells=cat([p.infusion_cells for p in parts]),
        n_screened=cat([s.n_screened for s in scr]),
        excluded=[e for s in scr for e in s.excluded],
        lung={k: cat([p.lung[k] for p in parts]) for k in parts[0].lung},
        effects=TrialEffects(
            *(cat([getattr(e, f) for e in eff]) for f in TrialEffects.__dataclass_fields__)
        ),
        status_counts=status,
        timings={"simulate_s": elapsed},
    )
