r"""Operating characteristics of multi-arm adaptive designs, simulated with the model.

**Potential outcomes.** Response-adaptive randomization and arm dropping decide a patient's arm
from the data seen so far, so arms cannot be drawn before the trial runs. Each replicate's
enrolled patients are therefore simulated under *every* arm of the design
(:func:`mscsim.trial.run_trial` with ``assign=arm``: the same patients, trial effects and
random streams under each arm; a randomized run gives each patient exactly the outcome of its
assigned arm, see ``tests/design/test_multiarm.py``), and the sequential trial of
:mod:`mscsim.design._multiarm_rules` reads the outcome of the arm each patient is given. Arms
with the same infusions (every arm of the null scenario) are simulated once.

**Multiplicity.** Each active arm is compared with the control by the design's rule; a
group-sequential rule uses the boundaries at level alpha / m for m active arms (Bonferroni),
which keeps the family-wise error rate (FWER, the type I error under the null scenario) at most
alpha whatever is dropped or favoured. A Bayesian rule is applied per arm as stated; its FWER is
what the simulation under the null shows.

**Truth.** The true effect of an arm is the same statistic computed on the potential outcomes of
all simulated patients (every replicate) under the arm and under the control; the best arm is
the one with the largest benefit-signed true effect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mscsim._errors import InputError
from mscsim.design._adaptive_config import AdaptiveDesign, BayesianRule
from mscsim.design._boundaries import design_boundaries
from mscsim.design._looks import (
    TIME_KINDS,
    bayesian_thresholds,
    benefit_sign,
    effect_name,
    look_sizes,
    pair_statistic,
    pick_endpoint,
)
from mscsim.design._multiarm_rules import ArmRules, allocation_uniforms, run_paths


@dataclass(frozen=True, kw_only=True)
class MultiArmCharacteristics:
    """What a multi-arm adaptive design does over replicate trials of one scenario.

    ``reject`` is the share of trials that declare at least one arm effective (the FWER under
    the null scenario, the power to find some effective arm otherwise); ``per_arm`` holds, per
    active arm: declared effective, selected, dropped, expected patients, mean allocation share
    per look, true effect, and the mean estimate when the trial stops.
    """

    scenario: str
    endpoint: str
    effect: str
    replicates: int
    seed: int
    looks: tuple[float, ...]
    sizes: tuple[int, ...]
    control: str
    arms: tuple[str, ...]
    multiplicity: str
    randomization: str
    reject: float
    reject_mc_se: float
    stop_efficacy: tuple[float, ...]
    stop_futility: tuple[float, ...]
    expected_sample_size: float
    max_sample_size: int
    control_expected_patients: float
    control_share: tuple[float | None, ...]
    per_arm: tuple[dict, ...]
    best_arm: str | None
    correct_selection: float | None
    selection_bias: float
    undefined_statistic: int
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _regimen_key(arm) -> tuple:
    return tuple(arm.schedule())


def simulations_per_replicate(design: AdaptiveDesign, scenario) -> int:
    """Patient simulations per replicate trial of ``scenario`` (or its null): one for a
    two-arm design; for a multi-arm one, one per distinct regimen among the control and the
    compared arms (as :func:`potential_outcomes` runs them)."""
    if design.multi_arm is None:
        return 1
    names = (scenario.control_arm.name, *active_arms(design, scenario))
    return len({_regimen_key(scenario.arm(a)) for a in names})


def active_arms(design: AdaptiveDesign, scenario) -> tuple[str, ...]:
    """The active arms the design compares with the control (validated)."""
    actives = [a.name for a in scenario.arms if not a.is_control]
    ma = design.multi_arm
    arms = tuple(actives) if ma is None or ma.arms is None else ma.arms
    bad = [a for a in arms if a not in actives]
    if bad or not arms or len(set(arms)) != len(arms):
        raise InputError("multi_arm.arms", f"distinct active arms of {scenario.name!r}: {actives}")
    if ma is not None and ma.keep_best is not None and ma.keep_best > len(arms):
        raise InputError("multi_arm.keep_best", f"at most {len(arms)} (the active arms)")
    return arms


def potential_outcomes(scenario, ep, arms, *, seed, replicates, n, workers, executor, progress):
    """(y, event) of shape (J, R, N) for the control then ``arms``, and one run's provenance."""
    from mscsim.trial import run_trial
    from mscsim.trial._outcomes import binary, times

    names = (scenario.control_arm.name, *arms)
    cache: dict = {}
    ys, es, prov = [], [], {}
    for name in names:
        key = _regimen_key(scenario.arm(name))
        if key not in cache:
            run = run_trial(
                scenario,
                seed=seed,
                replicates=replicates,
                sample_size=n,
                workers=workers,
                executor=executor,
                progress=progress,
                assign=name,
                lung_outcomes=ep.kind == "lung_outcome",  # else each solve stops at follow-up
            )
            prov = run.provenance
            if ep.kind in TIME_KINDS:
                t, e = times(run, ep)
                cache[key] = (run.as_matrix(t), run.as_matrix(e))
            else:
                cache[key] = (run.as_matrix(np.asarray(binary(run, ep), dtype=float)), None)
        ys.append(cache[key][0])
        es.append(cache[key][1])
    event = None if ep.kind not in TIME_KINDS else np.stack(es)
    return np.stack(ys), event, prov


def arm_rules(design: AdaptiveDesign, m: int) -> tuple[ArmRules, str]:
    """The per-look efficacy/futility thresholds of the design's rule for ``m`` active arms."""
    k = len(design.looks)
    ma = design.multi_arm
    common: dict[str, Any] = {}
    if ma is not None:
        common = {
            "keep_best": ma.keep_best,
            "response_adaptive": ma.randomization == "response_adaptive",
            "rar_power": ma.rar_power,
            "min_share": ma.min_share,
            "control_share": ma.control_share,
        }
    rule = design.rule
    if isinstance(rule, BayesianRule):
        eff, fut = bayesian_thresholds(rule, k)
        rules = ArmRules(
            eff, fut, bayesian=True, prior_mean=rule.prior_mean, prior_sd=rule.prior_sd, **common
        )
        return rules, "none (Bayesian rule per arm; FWER by simulation)"
    gs = design_boundaries(
        k, rule.alpha / m, rule.spending, info=design.looks, futility=rule.futility
    )
    fut = np.asarray(gs.futility if gs.futility else [-np.inf] * k, dtype=float)
    fut[-1] = -np.inf
    how = f"Bonferroni: {rule.spending} boundaries at alpha {rule.alpha:g} / {m}"
    return ArmRules(np.asarray(gs.z, dtype=float), fut, **common), how


def evaluate_multiarm(
    design: AdaptiveDesign,
    scenario,
    *,
    null: bool = False,
    workers: int | None = None,
    executor=None,
    progress=None,
    outcomes: tuple | None = None,
) -> MultiArmCharacteristics:
    """Simulate ``design.replicates`` multi-arm adaptive trials of ``scenario`` (or its null).

    ``outcomes``, the ``(y, event, provenance)`` of :func:`potential_outcomes` for the same
    scenario, seed, replicates, endpoint and arms, lets several designs share one simulation
    (e.g. ``validation/adaptive/type1_multiarm.py``).
    """
    from mscsim.design._adaptive import null_scenario

    ep = pick_endpoint(scenario, design.endpoint)
    arms = active_arms(design, scenario)
    sc = null_scenario(scenario) if null else scenario
    seed = scenario.seed if design.seed is None else design.seed
    n_max = design.max_sample_size or scenario.sample_size
    names = (scenario.control_arm.name, *arms)
    base = np.array([scenario.allocation[a] for a in names], dtype=float)
    sizes = look_sizes(n_max, design.looks, 1)
    if outcomes is None:
        outcomes = potential_outcomes(
            sc, ep, arms, seed=seed, replicates=design.replicates, n=sizes[-1],
            workers=workers, executor=executor, progress=progress,
        )  # fmt: skip
    y, event, prov = outcomes
    if y.shape != (len(names), design.replicates, sizes[-1]):
        raise InputError(
            "outcomes", f"arrays of shape {(len(names), design.replicates, sizes[-1])}"
        )
    rules, how = arm_rules(design, len(arms))
    u = allocation_uniforms(seed, range(design.replicates), sizes[-1])
    sign = benefit_sign(ep)

    def statistic(sel, group, y_obs, e_obs):
        if ep.kind in TIME_KINDS:
            return pair_statistic(ep, sel, group, y_obs, e_obs)
        return pair_statistic(ep, sel, group, y_obs)

    paths = run_paths(statistic, y, event, sizes, base, rules, u, sign)
    truth = true_effects(ep, y, event)
    return summarize_multiarm(
        paths, truth, ep, design, sc, names, sizes, seed, how,
        {**prov, "design": design.model_dump(mode="json")},
    )  # fmt: skip


def true_effects(ep, y, event) -> np.ndarray:
    """(J,) effect of each arm vs the control on all potential outcomes (nan for the control)."""
    out = np.full(y.shape[0], np.nan)
    for j in range(1, y.shape[0]):
        yy = np.concatenate([y[0].ravel(), y[j].ravel()])[None, :]
        grp = np.concatenate([np.zeros(y[0].size, int), np.ones(y[j].size, int)])[None, :]
        sel = np.ones_like(grp, dtype=bool)
        ev = None if event is None else np.concatenate([event[0].ravel(), event[j].ravel()])
        out[j] = pair_statistic(ep, sel, grp, yy, None if ev is None else ev[None, :])[1][0]
    return out


def _mean_running(values: np.ndarray, stop: np.ndarray, look: int) -> float | None:
    """Mean over the trials still running at ``look`` (None if none is)."""
    on = stop >= look
    return float(values[on].mean()) if on.any() else None


def summarize_multiarm(
    paths, truth, ep, design, sc, names, sizes, seed, how, provenance
) -> MultiArmCharacteristics:
    r, k = paths.stop.size, len(sizes)
    sizes_a = np.asarray(sizes)
    idx = np.arange(r)
    n_stop = sizes_a[paths.stop]
    enrolled = np.arange(paths.assigned.shape[1])[None, :] < n_stop[:, None]
    sign = benefit_sign(ep)
    benefit = sign * truth[1:]
    # the best arm: largest benefit; none when no arm beats the control (e.g. the null)
    best = 1 + int(np.nanargmax(benefit)) if np.nanmax(benefit) > 1e-12 else None
    est_stop = paths.estimate[idx, paths.stop]  # (R, J)
    z_stop = np.nan_to_num(paths.z[idx, paths.stop], nan=-np.inf)
    z_stop[:, 0] = -np.inf
    lead = np.argmax(z_stop, axis=1)
    has = np.isfinite(z_stop[idx, lead])
    bias = est_stop[idx, lead] - truth[lead]
    ok = has & np.isfinite(bias)
    per_arm = []
    for j in range(1, len(names)):
        e = est_stop[:, j]
        per_arm.append(
            {
                "arm": names[j],
                "declared_effective": float(paths.declared[:, j].mean()),
                "selected": float(np.mean(paths.selected == j)),
                "dropped": float(paths.dropped[:, j].mean()),
                "expected_patients": float(((paths.assigned == j) & enrolled).sum(1).mean()),
                "mean_share": [
                    _mean_running(paths.share[:, q, j], paths.stop, q) for q in range(k)
                ],
                "true_effect": float(truth[j]),
                "mean_estimate_at_stop": float(np.nanmean(e)) if np.isfinite(e).any() else None,
            }
        )
    rej = float(paths.success.mean())
    return MultiArmCharacteristics(
        scenario=sc.name,
        endpoint=ep.id,
        effect=effect_name(ep),
        replicates=r,
        seed=seed,
        looks=tuple(design.looks),
        sizes=tuple(int(s) for s in sizes),
        control=names[0],
        arms=tuple(names[1:]),
        multiplicity=how,
        randomization="response_adaptive"
        if design.multi_arm and design.multi_arm.randomization == "response_adaptive"
        else "fixed",
        reject=rej,
        reject_mc_se=math.sqrt(rej * (1 - rej) / r),
        stop_efficacy=tuple(float(np.mean(paths.success & (paths.stop == q))) for q in range(k)),
        stop_futility=tuple(float(np.mean(~paths.success & (paths.stop == q))) for q in range(k)),
        expected_sample_size=float(n_stop.mean()),
        max_sample_size=int(sizes[-1]),
        control_expected_patients=float(((paths.assigned == 0) & enrolled).sum(1).mean()),
        control_share=tuple(_mean_running(paths.share[:, q, 0], paths.stop, q) for q in range(k)),
        per_arm=tuple(per_arm),
        best_arm=None if best is None else names[best],
        correct_selection=None if best is None else float(np.mean(paths.selected == best)),
        selection_bias=float(bias[ok].mean()) if ok.any() else math.nan,
        undefined_statistic=paths.undefined,
        provenance=provenance,
    )
