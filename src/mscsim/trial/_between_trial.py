"""Fit the between-trial spread of baseline risk to the control arms of the built-in trials.

For each built-in trial, replicate virtual trials are run with the trial's covariates (setting)
but no between-trial effect; the control arm's predicted risk ``p`` of death (or of >= 1 SAE)
by the published horizon is averaged over replicates. A trial effect ``u`` shifts the
cumulative hazard: ``p(u) = 1 - (1 - p) ** exp(u)`` (exact when the arm's patients share one
cumulative hazard, close otherwise). With ``u ~ N(0, tau^2)`` the published control count is
``Binomial(n, p(u))`` marginally over ``u`` (dense-grid quadrature); ``tau`` maximises the
product over trials. Run by ``validation/calibration/fit_between_trial.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.stats import binom

from mscsim.trial._engine import run_trial
from mscsim.trial._outcomes import binary, times
from mscsim.trial._scenario import builtin_names, load_scenario
from mscsim.trial._trial_effects import NO_SPREAD


@dataclass(frozen=True)
class ControlArm:
    """A published control-arm count and the model's fixed-effect risk for it."""

    scenario: str
    endpoint: str
    outcome: str  # "death" or "sae"
    n: int
    events: int
    predicted_risk: float


def _control_counts(sc) -> list[tuple[object, str, int, int]]:
    """(endpoint, outcome, n, events) of the control arm in the scenario's used results."""
    eps = {ep.id: ep for ep in sc.endpoints.all}
    ctrl = sc.control_arm.name
    out = []
    for res in sc.validated_results():
        ep_id = res.endpoint
        ep, v = eps[ep_id], res.arms.get(ctrl)
        if v is None or v.n is None:
            continue
        outcome = {"mortality": "death", "survival": "death", "sae": "sae"}.get(ep.kind)
        if outcome is None:
            continue
        if v.events is not None:
            out.append((ep, outcome, v.n, v.events))
        elif v.value is not None and ep.kind == "survival" and "%" in (v.unit or ""):
            out.append((ep, outcome, v.n, int(round(v.n * (1 - v.value / 100.0)))))
    return out


def control_arms(replicates: int = 100, seed: int = 11) -> list[ControlArm]:
    """Every published control-arm death/SAE count of the built-in trials, with the model's
    fixed-effect risk (covariates only, no between-trial effect)."""
    rows = []
    for name in builtin_names():
        sc = load_scenario(name)
        counts = _control_counts(sc)
        if not counts:
            continue
        run = run_trial(sc, seed=seed, replicates=replicates, taus=NO_SPREAD)
        ctrl = run.arm == run.arm_names.index(sc.control_arm.name)
        for ep, outcome, n, events in counts:
            hit = times(run, ep)[1] if ep.kind == "survival" else binary(run, ep)
            risk = float(np.asarray(hit, dtype=float)[ctrl].mean())
            rows.append(ControlArm(name, ep.id, outcome, n, events, risk))
    return rows


def _log_marginal(arms: list[ControlArm], tau: float, nodes: int = 4001) -> float:
    # a dense grid over +-8 SD: Gauss-Hermite nodes are too sparse for the sharp binomial
    # likelihood of a large trial once tau is large
    x = np.linspace(-8.0, 8.0, nodes)
    w = np.exp(-0.5 * x**2)
    w = w / w.sum()
    total = 0.0
    for a in arms:
        p = np.clip(1.0 - (1.0 - a.predicted_risk) ** np.exp(tau * x), 1e-12, 1 - 1e-12)
        total += float(np.log(np.sum(w * binom.pmf(a.events, a.n, p))))
    return total


def fit_tau(arms: list[ControlArm]) -> tuple[float, float]:
    """Maximum-likelihood tau and the log-likelihood at it (tau in [0, 4])."""
    fit = minimize_scalar(lambda t: -_log_marginal(arms, t), bounds=(0.0, 4.0), method="bounded")
    return float(fit.x), float(-fit.fun)


def fit_between_trial(replicates: int = 100, seed: int = 11) -> dict[str, object]:
    """tau_death and tau_sae with the control arms they were fitted to."""
    arms = control_arms(replicates, seed)
    out: dict[str, object] = {"arms": arms}
    for outcome in ("death", "sae"):
        # several horizons of one trial share its effect: fit on the latest count per trial
        last = {}
        for a in arms:
            if a.outcome == outcome:
                last[a.scenario] = (
                    a
                    if a.scenario not in last
                    else max(
                        last[a.scenario], a, key=lambda r: int(r.endpoint.split("_d")[-1] or 0)
                    )
                )
        tau, ll = fit_tau(list(last.values()))
        out[f"tau_{outcome}"] = tau
        out[f"loglik_{outcome}"] = ll
        out[f"trials_{outcome}"] = sorted(last)
    return out
