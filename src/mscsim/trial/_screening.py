"""Screening and enrollment on the simulated state, as in a real trial.

Each candidate is simulated untreated from symptom onset to its screening day; eligibility is
then checked on that simulated state (P/F, Berlin ARDS class, oxygen, ventilation, CRP) and
on covariates (age, days since onset). The first `sample_size` eligible candidates of each
replicate are enrolled; the rest are counted by the first criterion they fail (CONSORT).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mscsim._errors import InputError
from mscsim.model import MSC_COVID
from mscsim.population import BLOCK, Cohort, concat, draw_blocks
from mscsim.solve import Rodas4, simulate
from mscsim.trial._clinical import EXTUBATE_PF, OXYGEN_PF, ventilation_threshold
from mscsim.trial._scenario_fields import BERLIN_PF_MMHG
from mscsim.trial._trial_effects import vent_shifts

#: Solver settings of virtual trials (screening and follow-up): observables stay within ~1e-4
#: of the default solve (P/F within ~0.01 mmHg), far below the 6-hour event grid, at about a
#: third of the steps.
TRIAL_SOLVER = Rodas4(rtol=1e-4, atol=1e-7)
MAX_BLOCKS = 1600  # per replicate: stop if fewer than sample_size of 25,600 candidates qualify
REASONS = (
    "age",
    "days since onset",
    "P/F above maximum",
    "P/F below minimum",
    "ARDS class",
    "not on oxygen",
    "invasive ventilation required",
    "on invasive ventilation",
    "CRP below minimum",
)


def ards_class(pf: np.ndarray) -> np.ndarray:
    """Berlin class per P/F value: 'mild', 'moderate', 'severe' or 'none' (P/F > 300)."""
    out = np.full(pf.shape, "none", dtype=object)
    for name, (lo, hi) in BERLIN_PF_MMHG.items():
        out[(pf > lo) & (pf <= hi)] = name
    out[pf <= 0] = "severe"
    return out


@dataclass
class Screened:
    """Enrolled patients (replicate-major, enrollment order) and CONSORT counts."""

    cohort: Cohort
    replicate: np.ndarray
    state: np.ndarray  # (n, n_states) state at enrollment
    baseline: dict[str, np.ndarray]  # observables at enrollment
    on_vent: np.ndarray
    ards: np.ndarray
    n_screened: np.ndarray  # per replicate
    excluded: list[dict[str, int]] = field(default_factory=list)  # per replicate
    status_counts: dict[str, int] = field(default_factory=dict)


def _failures(cohort: Cohort, obs: dict, on_vent: np.ndarray, elig) -> np.ndarray:
    """Index of the first failed criterion (len(REASONS) when eligible)."""
    pf = obs["pf_ratio"]
    checks = [
        (cohort.age < elig.age_min)
        | ((cohort.age > elig.age_max) if elig.age_max is not None else False),
        (cohort.screening_day > elig.max_days_since_onset)
        if elig.max_days_since_onset is not None
        else None,
        (pf > elig.pf_ratio_max) if elig.pf_ratio_max is not None else None,
        (pf < elig.pf_ratio_min) if elig.pf_ratio_min is not None else None,
        ~np.isin(ards_class(pf), list(elig.ards_severity))
        if elig.ards_severity is not None
        else None,
        (pf >= OXYGEN_PF) if elig.require_oxygen else None,
        ~on_vent if elig.require_invasive_ventilation else None,
        on_vent if elig.exclude_invasive_ventilation else None,
        (obs["crp"] < elig.crp_min_mg_l) if elig.crp_min_mg_l is not None else None,
    ]
    first = np.full(pf.shape, len(REASONS))
    for k in reversed(range(len(checks))):
        if checks[k] is not None:
            first = np.where(np.asarray(checks[k], dtype=bool) & ~np.isnan(pf), k, first)
    return np.where(np.isnan(pf), -1, first)  # -1: failed solve


def _simulate_to_screening(
    cohort: Cohort, backend: str = "auto", shift: np.ndarray | float = 0.0
) -> tuple[np.ndarray, dict, np.ndarray, np.ndarray]:
    last = int(cohort.screening_day.max())
    sol = simulate(
        MSC_COVID,
        cohort.params,
        cohort.y0,
        t_eval=np.arange(0.0, last + 1.0),
        t_stop=cohort.screening_day.astype(float),
        solver=TRIAL_SOLVER,
        backend=backend,
    )
    i = np.arange(cohort.size)
    d = cohort.screening_day
    state = sol.states[i, d, :]
    obs = {k: v[i, d] for k, v in sol.observables.items()}
    pf = sol.observables["pf_ratio"]
    theta = ventilation_threshold(cohort.uniforms, shift)  # the trial's intubation practice
    days = np.arange(last + 1)[None, :]
    before = days <= d[:, None]
    below = (pf < theta[:, None]) & before
    intubated = below.any(axis=1)
    first = np.where(intubated, below.argmax(axis=1), last + 1)
    recovered = ((pf > EXTUBATE_PF) & (days > first[:, None]) & before).any(axis=1)
    return state, obs, np.asarray(intubated & ~recovered), sol.status


def _round_blocks(need, blocks, screened, sample_size: int) -> np.ndarray:
    """Blocks to draw next for replicates that still `need` patients: 1.5 x need candidates
    at first, then 1.2 x what the replicate's eligible share so far predicts (at most
    doubling). Only the cost depends on this: enrolment and every count concern candidates up
    to the last one enrolled, which are the same whatever the rounds."""
    first = np.maximum(1, -(-3 * need // (2 * BLOCK)))
    rate = (sample_size - need) / np.maximum(screened, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.ceil(1.2 * need / np.where(rate > 0, rate, np.nan) / BLOCK)
    later = np.clip(np.nan_to_num(est, nan=np.inf, posinf=np.inf), 1, np.maximum(blocks, 1))
    return np.where(blocks == 0, first, later).astype(int)


def screen(
    scenario,
    seed: int,
    replicates: np.ndarray,
    sample_size: int,
    *,
    backend: str = "auto",
    taus: dict | None = None,
) -> Screened:
    """Screen candidates of each replicate (in order) until `sample_size` are eligible.

    A candidate was intubated before screening when their P/F fell below their threshold
    moved by the replicate's intubation practice (:func:`vent_shifts`; ``taus`` as for
    :func:`draw_trial_effects`, e.g. ``NO_SPREAD`` for none), the threshold the trial's events
    use after enrollment."""
    reps = np.asarray(replicates, dtype=int)
    rep_shift = vent_shifts(seed, reps, taus)
    need = np.full(reps.size, sample_size)
    blocks = np.zeros(reps.size, dtype=int)
    screened = np.zeros(reps.size, dtype=int)
    n_reasons = len(REASONS) + 1  # + solver failure
    excluded = np.zeros((reps.size, n_reasons), dtype=int)
    status = {"ok": 0, "failed": 0}
    parts: list[tuple[np.ndarray, Cohort, np.ndarray, dict, np.ndarray, np.ndarray]] = []
    round_no = 0
    while need.any():
        todo = np.flatnonzero(need > 0)
        per = _round_blocks(need[todo], blocks[todo], screened[todo], sample_size)
        if np.any(blocks[todo] + per > MAX_BLOCKS):
            raise InputError(
                "eligibility",
                f"fewer than {sample_size} of {BLOCK * MAX_BLOCKS} "
                "virtual candidates are eligible; relax the criteria or the population",
            )
        cohort = draw_blocks(
            scenario.population,
            seed,
            [(int(reps[g]), b) for g, k in zip(todo, per) for b in range(blocks[g], blocks[g] + k)],
            scenario.parameters,
        )
        blocks[todo] += per
        group = np.repeat(todo, per * BLOCK)  # candidates are contiguous per replicate, in order
        state, obs, on_vent, st = _simulate_to_screening(cohort, backend, rep_shift[group])
        fail = _failures(cohort, obs, on_vent, scenario.eligibility)
        eligible = fail == len(REASONS)
        start = np.r_[0, np.cumsum(per * BLOCK)[:-1]]
        offset = np.repeat(start, per * BLOCK)
        cum = np.cumsum(eligible)
        cum_in = cum - np.repeat(np.r_[0, cum[start[1:] - 1]], per * BLOCK)
        take = eligible & (cum_in <= need[group])
        # screened: up to and including the last candidate taken, or the whole round if short
        pos = np.arange(cohort.size) - offset
        got = np.bincount(group, weights=take, minlength=reps.size).astype(int)
        last_taken = np.full(reps.size, -1)
        np.maximum.at(last_taken, group[take], pos[take])
        full = got[todo] == need[todo]
        cutoff = np.where(full, last_taken[todo] + 1, per * BLOCK)
        seen = pos < np.repeat(cutoff, per * BLOCK)
        status["ok"] += int((seen & (st == 0)).sum())  # screened candidates only: the count
        status["failed"] += int((seen & (st != 0)).sum())  # does not depend on round sizes
        screened[todo] += cutoff
        fails = seen & ~eligible
        np.add.at(
            excluded, (group[fails], np.where(fail[fails] >= 0, fail[fails], len(REASONS))), 1
        )
        need -= got
        sel = np.flatnonzero(take)
        parts.append(
            (
                group[sel] * 0 + round_no,
                cohort.take(sel),
                state[sel],
                {k: v[sel] for k, v in obs.items()},
                on_vent[sel],
                group[sel],
            )
        )
        round_no += 1
    return _assemble(reps, parts, screened, excluded, status)


def _assemble(reps, parts, screened, excluded, status) -> Screened:
    group = np.concatenate([p[5] for p in parts])
    rnd = np.concatenate([p[0] for p in parts])
    order = np.lexsort((np.arange(group.size), rnd, group))  # replicate, then round, then position
    cohort = concat([p[1] for p in parts]).take(order)
    baseline = {k: np.concatenate([p[3][k] for p in parts])[order] for k in parts[0][3]}
    names = list(REASONS) + ["solver failure"]
    return Screened(
        cohort=cohort,
        replicate=reps[group[order]],
        state=np.concatenate([p[2] for p in parts])[order],
        baseline=baseline,
        on_vent=np.concatenate([p[4] for p in parts])[order],
        ards=ards_class(baseline["pf_ratio"]),
        n_screened=screened,
        excluded=[dict(zip(names, map(int, row))) for row in excluded],
        status_counts=status,
    )
