"""Run virtual randomized trials: screen, enroll, randomize, dose, simulate, derive events.

Replicate trials are independent and each draws only from streams keyed by (seed, replicate),
so results do not depend on how many replicates run together (`chunk`) or in which order.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from mscsim import __version__
from mscsim.model import MSC_COVID, Regimen
from mscsim.population import Cohort, concat
from mscsim.solve import default_backend, simulate
from mscsim.trial._events import Events, derive_events
from mscsim.trial._randomize import randomize, strata_keys
from mscsim.trial._scenario import scenario_hash
from mscsim.trial._screening import TRIAL_SOLVER, screen

STREAM_EVENTS = 3
GRID_STEP = 0.25  # days: resolution of the event model

BIOMARKERS = ("crp", "il6", "il10", "tnf", "pf_ratio")
DEFAULT_VISITS = (0, 1, 2, 3, 4, 5, 6, 7, 10, 14, 21, 28)


@dataclass
class TrialRun:
    """All patients of all replicate trials (flat arrays, replicate-major, enrollment order)."""

    scenario: object
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
    infusion_cells: np.ndarray
    n_screened: np.ndarray
    excluded: list[dict[str, int]]
    status_counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

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
            "solver_backend": default_backend(),
        }

    def as_matrix(self, values: np.ndarray) -> np.ndarray:
        """Reshape a per-patient array to ``(replicates, sample_size, ...)``."""
        return values.reshape(self.n_replicates, self.sample_size, *values.shape[1:])


def _regimens(scenario, arm_idx, weight):
    arms = scenario.arms
    k = max(len(a.infusion_days) for a in arms) or 1
    days = np.full((arm_idx.size, k), np.nan)
    cells = np.zeros((arm_idx.size, k))
    active = np.zeros(arm_idx.size, dtype=bool)
    for a, arm in enumerate(arms):
        sel = arm_idx == a
        for j, d in enumerate(arm.infusion_days):
            days[sel, j] = d
            dose = arm.dose_per_infusion * (weight[sel] if arm.dose_unit == "cells/kg" else 1.0)
            cells[sel, j] = dose
        active[sel] = arm.dose_per_infusion > 0
    regs = [
        Regimen(tuple((float(d), float(c)) for d, c in zip(dd, cc) if np.isfinite(d)))
        for dd, cc in zip(days, cells)
    ]
    return regs, days, cells, active


def _apply_param_draws(params: dict, param_draws, seed: int, reps, n: int) -> None:
    """Per-replicate typical values: ``param_draws(seed, replicate) -> {name: value}``.

    A parameter that varies between patients keeps its variation: it is scaled by
    value / model default; any other is set to the value.
    """
    draws = [param_draws(seed, int(r)) for r in reps]
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


def _run_chunk(scenario, seed, reps, n, visit_days, param_draws=None):
    scr = screen(scenario, seed, reps, n)
    if param_draws is not None:  # after screening: enrollment does not depend on the draw
        _apply_param_draws(scr.cohort.params, param_draws, seed, reps, n)
    arm_names = [a.name for a in scenario.arms]
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
    regs, days, cells, active = _regimens(scenario, arm, scr.cohort.weight)
    t = np.arange(0.0, scenario.follow_up_days + 1e-9, GRID_STEP)
    y0 = {s: scr.state[:, i] for i, s in enumerate(MSC_COVID.state_names)}
    sol = simulate(MSC_COVID, scr.cohort.params, y0, regs, t_eval=t, solver=TRIAL_SOLVER)
    iu = np.concatenate(
        [
            np.random.default_rng(np.random.SeedSequence([seed, STREAM_EVENTS, int(r)])).uniform(
                size=(n, days.shape[1], 5)
            )
            for r in reps
        ]
    )
    ev = derive_events(
        t,
        sol.observables,
        sol.state("Tv"),
        scr.cohort,
        scr.on_vent,
        (days, cells, active),
        iu,
        scenario.follow_up_days,
    )
    vi = np.searchsorted(t, visit_days)
    alive = visit_days[None, :] < ev.death[:, None]
    visits = {b: np.where(alive, sol.observables[b][:, vi], np.nan) for b in BIOMARKERS}
    return scr, arm, sol.status, ev, visits, days, cells


def _default_workers(n_patients: int) -> int:
    """Processes to use: all cores for big runs, one for small ones (start-up costs ~0.3 s)."""
    return 1 if n_patients < 5_000 else max(1, min(os.cpu_count() or 1, 8))


def run_trial(
    scenario,
    *,
    seed: int | None = None,
    replicates: int | None = None,
    sample_size: int | None = None,
    chunk: int = 256,
    workers: int | None = None,
    progress=None,
    param_draws=None,
) -> TrialRun:
    """Run `replicates` virtual trials of `scenario` (defaults from the scenario).

    Replicates are processed in chunks of `chunk` trials, spread over `workers` processes
    (default: one for small runs, every core for large ones). Each replicate draws only from
    streams keyed by (seed, replicate), so the result is identical for any `chunk` and
    `workers`.

    `param_draws`, if given, is a picklable callable ``(seed, replicate) -> {parameter: value}``
    giving the typical value of those model parameters in that replicate, applied after
    screening (e.g. a draw of the MSC effect from its prior, for assurance); a parameter that
    varies between patients is scaled by value / default, so patients keep their variation.
    """
    seed = scenario.seed if seed is None else int(seed)
    n_rep = scenario.replicates if replicates is None else int(replicates)
    n = scenario.sample_size if sample_size is None else int(sample_size)
    fu = scenario.follow_up_days
    days = {0, fu} | set(d for d in DEFAULT_VISITS if d <= fu)
    days |= {ep.day for ep in scenario.endpoints.all if ep.kind == "biomarker_change"}
    visit_days = np.array(sorted(days), dtype=float)
    t0 = time.perf_counter()
    chunks = [np.arange(s, min(n_rep, s + chunk)) for s in range(0, n_rep, chunk)]
    procs = _default_workers(n_rep * n) if workers is None else int(workers)
    procs = max(1, min(procs, len(chunks)))
    if procs == 1:
        parts = []
        for reps in chunks:
            parts.append(_run_chunk(scenario, seed, reps, n, visit_days, param_draws))
            if progress is not None:
                progress(len(reps))
    else:
        parts = _run_parallel(scenario, seed, chunks, n, visit_days, procs, progress, param_draws)
    run = _merge(scenario, seed, n_rep, n, parts, visit_days, time.perf_counter() - t0)
    run.timings["workers"] = float(procs)
    return run


def _run_parallel(scenario, seed, chunks, n, visit_days, procs, progress, param_draws=None):
    """Chunks on a pool of forked processes; results are put back in chunk order."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from mscsim.model import MSC_COVID as model
    from mscsim.solve import compiled

    compiled(model).rhs  # generate the model code once, before forking  # noqa: B018
    # fork is fast (workers inherit the generated model code) but unsafe once a multithreaded
    # runtime such as JAX is loaded in this process; then start clean workers instead
    threaded = any(m in sys.modules for m in ("jax", "torch"))
    ctx = mp.get_context(
        "fork" if "fork" in mp.get_all_start_methods() and not threaded else "spawn"
    )
    parts: list = [None] * len(chunks)
    with ProcessPoolExecutor(max_workers=procs, mp_context=ctx) as pool:
        futures = {
            pool.submit(_run_chunk, scenario, seed, reps, n, visit_days, param_draws): i
            for i, reps in enumerate(chunks)
        }
        for fut in as_completed(futures):
            i = futures[fut]
            parts[i] = fut.result()
            if progress is not None:
                progress(len(chunks[i]))
    return parts


def _merge(scenario, seed, n_rep, n, parts, visit_days, elapsed) -> TrialRun:
    cat = lambda xs: np.concatenate(xs)  # noqa: E731
    scr = [p[0] for p in parts]
    evs = [p[3] for p in parts]
    offsets = np.cumsum([0] + [e.death.size for e in evs[:-1]])
    iae = {
        k: cat([e.infusion_ae[k] + (o if k == "patient" else 0) for e, o in zip(evs, offsets)])
        for k in evs[0].infusion_ae
    }
    order = np.lexsort((iae["related"], iae["infusion"], iae["patient"]))  # canonical record order
    iae = {k: v[order] for k, v in iae.items()}
    events = Events(
        death=cat([e.death for e in evs]),
        intubation=cat([e.intubation for e in evs]),
        recovery=cat([e.recovery for e in evs]),
        sae_time=cat([e.sae_time for e in evs]),
        infusion_ae=iae,
        follow_up=float(scenario.follow_up_days),
    )
    status = {
        "screening_ok": sum(s.status_counts["ok"] for s in scr),
        "screening_failed": sum(s.status_counts["failed"] for s in scr),
    }
    st = cat([p[2] for p in parts])
    status["followup_ok"] = int((st == 0).sum())
    status["followup_failed"] = int((st != 0).sum())
    return TrialRun(
        scenario=scenario,
        seed=seed,
        n_replicates=n_rep,
        sample_size=n,
        arm_names=tuple(a.name for a in scenario.arms),
        replicate=cat([s.replicate for s in scr]),
        arm=cat([p[1] for p in parts]),
        cohort=concat([s.cohort for s in scr]),
        ards=cat([s.ards for s in scr]),
        on_vent0=cat([s.on_vent for s in scr]),
        baseline={k: cat([s.baseline[k] for s in scr]) for k in scr[0].baseline},
        solver_status=st,
        events=events,
        visit_days=visit_days,
        visits={b: cat([p[4][b] for p in parts]) for b in BIOMARKERS},
        infusion_days=cat([p[5] for p in parts]),
        infusion_cells=cat([p[6] for p in parts]),
        n_screened=cat([s.n_screened for s in scr]),
        excluded=[e for s in scr for e in s.excluded],
        status_counts=status,
        timings={"simulate_s": elapsed},
    )
