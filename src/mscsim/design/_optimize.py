r"""Dose and schedule optimization with optuna's TPE sampler and common random numbers.

Every candidate regimen is evaluated on the same replicate trials: the same trial seed, hence
the same virtual patients, randomization and event uniforms (common random numbers), and with
``uncertainty='prior'`` the same per-replicate draws of the MSC effect. Differences between
candidates are then differences between regimens, not between samples. The sampler is seeded,
so a run is deterministic for its seeds. The recommendation is the candidate with the highest
mean utility; its uncertainty is the Monte Carlo SE over replicate trials and the range of
the candidates whose utility is within one SE of the best (the near-optimal set).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mscsim._errors import InputError
from mscsim.design._optimize_config import OptimizeSpec

PARAMS = ("dose", "infusions", "spacing_days", "first_day", "severity_window")
LUNG_DAY = 365  # the 1-year lung outcome (DLCO, % predicted) of the trial engine


def _window_label(w) -> str:
    return "+".join(w)


def suggest(trial, space) -> dict:
    """Draw one candidate regimen from an optuna trial."""
    n_inf = trial.suggest_int("infusions", *space.infusions)
    return {
        "dose": trial.suggest_float("dose", *space.dose, log=True),
        "infusions": n_inf,
        "spacing_days": trial.suggest_int("spacing_days", *space.spacing_days),
        "first_day": trial.suggest_int("first_day", *space.first_day),
        "severity_window": trial.suggest_categorical(
            "severity_window", [_window_label(w) for w in space.severity_windows]
        ),
    }


def candidate_scenario(scenario, cand: dict, arm: str, dose_unit: str):
    """``scenario`` with ``cand`` in the active ``arm``; other arms infuse on the same days."""
    days = [cand["first_day"] + k * cand["spacing_days"] for k in range(cand["infusions"])]
    if days[-1] >= scenario.follow_up_days:
        raise InputError("space", f"infusion day {days[-1]} is not within follow-up")
    data = scenario.model_dump()
    for a in data["arms"]:
        if a["name"] == arm:
            a.update(
                infusions=None,
                dose_per_infusion=float(cand["dose"]),
                dose_unit=dose_unit,
                infusion_days=days,
            )
        elif a["product"] != "standard-care" and not a.get("infusions"):
            a.update(infusion_days=days)
    data["eligibility"]["ards_severity"] = cand["severity_window"].split("+")
    return type(scenario).from_dict(data)


def replicate_utility(run, arm: str, utility) -> dict[str, np.ndarray]:
    """Per replicate trial: survival and 1-year DLCO differences, excess infusion-AE rate and the
    weighted benefit (the utility before the toxicity penalty, which applies to the mean)."""
    a = run.arm_names.index(arm)
    c = run.arm_names.index(run.scenario.control_arm.name)
    m = run.as_matrix
    alive = m(run.events.death > utility.survival_day)
    lung = m(run.lung[f"dlco_d{LUNG_DAY}"])  # % predicted at 1 year, NaN for non-survivors
    act, ctl = m(run.arm == a), m(run.arm == c)
    iae = np.zeros(run.arm.size, dtype=bool)
    rec = run.events.infusion_ae
    iae[rec["patient"][rec["hours"] <= 24]] = True
    iae = m(iae)

    def mean(x, sel):
        with np.errstate(invalid="ignore"):
            return np.sum(np.where(sel, x, 0), axis=1) / np.sum(sel, axis=1)

    def lung_mean(sel):
        s = sel & np.isfinite(lung)
        with np.errstate(invalid="ignore"):
            return np.sum(np.where(s, lung, 0), axis=1) / np.sum(s, axis=1)

    d_surv = mean(alive, act) - mean(alive, ctl)
    d_dlco = np.nan_to_num(lung_mean(act) - lung_mean(ctl))  # no survivor in an arm: 0
    ae = mean(iae, act) - mean(iae, ctl)  # excess risk: the vehicle arm also has infusion AEs
    benefit = utility.w_survival * d_surv + utility.w_lung * d_dlco / 10.0
    return {
        "benefit": benefit,
        "survival_diff": d_surv,
        "dlco_diff": d_dlco,
        "excess_infusion_ae": ae,
    }


@dataclass(frozen=True, kw_only=True)
class OptimizationResult:
    """All candidates evaluated, in evaluation order, and the recommended one."""

    scenario: str
    seed: int
    optimizer_seed: int
    replicates: int
    sample_size: int
    candidates: list[dict]
    best: dict
    near_optimal: dict
    spec: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _summary(rows: list[dict]) -> tuple[dict, dict]:
    best = max(rows, key=lambda r: (r["utility"], -r["trial"]))
    near = [r for r in rows if r["utility"] >= best["utility"] - best["utility_se"]]
    rng: dict[str, object] = {
        k: [min(r[k] for r in near), max(r[k] for r in near)]
        for k in ("dose", "infusions", "spacing_days", "first_day")
    }
    rng["severity_window"] = sorted({r["severity_window"] for r in near})
    rng["count"] = len(near)
    return best, rng


def optimize(
    spec: OptimizeSpec,
    evaluate: Callable[[dict], dict] | None = None,
    *,
    workers: int | None = None,
    executor=None,
    progress=None,
) -> OptimizationResult:
    """Search the regimen space of ``spec`` with seeded TPE.

    ``evaluate(candidate) -> {"utility": mean, "utility_se": se, ...}`` defaults to replicate
    virtual trials of the scenario (:func:`trial_evaluator`); pass another (e.g. a synthetic
    utility whose optimum is known) to test the search itself.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    scenario = None
    if evaluate is None:
        from mscsim.trial import load_scenario

        scenario = load_scenario(spec.scenario)
        evaluate = trial_evaluator(spec, scenario, workers=workers, executor=executor)
    sampler = optuna.samplers.TPESampler(seed=spec.optimizer_seed, n_startup_trials=10)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    rows: list[dict] = []

    def objective(trial) -> float:
        cand = suggest(trial, spec.space)
        res = evaluate(cand)
        rows.append({"trial": trial.number, **cand, **res})
        if progress is not None:
            progress(1)
        return float(res["utility"]) if math.isfinite(res["utility"]) else -1e9

    study.optimize(objective, n_trials=spec.trials)
    best, near = _summary(rows)
    n = spec.sample_size
    sc_name = scenario.name if scenario is not None else spec.scenario
    return OptimizationResult(
        scenario=sc_name,
        seed=spec.seed if spec.seed is not None else getattr(scenario, "seed", 0),
        optimizer_seed=spec.optimizer_seed,
        replicates=spec.replicates,
        sample_size=int(getattr(scenario, "sample_size", 0) if n is None else n),
        candidates=rows,
        best=best,
        near_optimal=near,
        spec=spec.model_dump(mode="json"),
        provenance={"optuna_version": optuna.__version__, "sampler": "TPESampler"},
    )


def trial_evaluator(spec: OptimizeSpec, scenario, *, workers: int | None = None, executor=None):
    """``candidate -> utility summary`` by replicate trials with common random numbers."""
    from mscsim.design._assurance import uncertainty_draws
    from mscsim.trial import run_trial

    arm = spec.arm or next(a.name for a in scenario.arms if not a.is_control)
    if arm not in [a.name for a in scenario.arms if not a.is_control]:
        raise InputError("arm", f"an active arm of {scenario.name!r}", arm)
    seed = scenario.seed if spec.seed is None else spec.seed
    draws, _ = uncertainty_draws(spec.uncertainty, seed)

    def evaluate(cand: dict) -> dict:
        sc = candidate_scenario(scenario, cand, arm, spec.space.dose_unit)
        run = run_trial(
            sc,
            seed=seed,
            replicates=spec.replicates,
            sample_size=spec.sample_size,
            workers=workers,
            executor=executor,
            param_draws=draws,
        )
        per = replicate_utility(run, arm, spec.utility)
        b = per["benefit"]
        ok = np.isfinite(b)
        r = max(int(ok.sum()), 1)
        ae = float(np.nanmean(per["excess_infusion_ae"]))
        excess = max(0.0, ae - spec.utility.max_infusion_ae)  # constraint on the expected rate
        mean_b = float(b[ok].mean()) if ok.any() else -math.inf
        return {
            "utility": mean_b - spec.utility.penalty * excess,
            "utility_se": float(b[ok].std(ddof=1) / math.sqrt(r)) if r > 1 else math.inf,
            "benefit": mean_b,
            "survival_diff": float(np.nanmean(per["survival_diff"])),
            "dlco_diff": float(np.nanmean(per["dlco_diff"])),
            "excess_infusion_ae": ae,
            "feasible": excess == 0.0,
            "failed_solves": int(run.status_counts.get("followup_failed", 0)),
        }

    return evaluate
