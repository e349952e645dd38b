r"""Operating characteristics of an adaptive design by replicate virtual trials.

Each replicate trial is simulated once at the maximum sample size with
:func:`mscsim.trial.run_trial`; every interim look analyses the first :math:`n_k` patients of
that replicate (see :mod:`mscsim.design._looks`), or, with ``looks_by: events``, the patients
enrolled by the calendar day on which the look's number of events is reached
(:mod:`mscsim.design._calendar`). A replicate stops at the first look whose statistic crosses
the efficacy or the futility rule; at the last look it either succeeds or not. Under the null scenario (:func:`null_scenario`: every active arm replaced by the control
arm's inert product, so the MSC effect is switched off), the success rate is the type I error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from mscsim._errors import InputError
from mscsim.design._adaptive_config import AdaptiveDesign, BayesianRule
from mscsim.design._boundaries import design_boundaries
from mscsim.design._calendar import CalendarLooks, calendar_looks
from mscsim.design._looks import (
    LookStatistics,
    bayesian_thresholds,
    look_sizes,
    look_statistics,
    pick_endpoint,
    posterior_benefit,
    window_statistic,
)
from mscsim.design._reestimation import evaluate_reestimation


def null_scenario(scenario):
    """The scenario with every active arm given the control arm's infusions (product, dose,
    days): the MSC effect is switched off and the arms are exchangeable."""
    ctrl = scenario.control_arm
    arms = [
        a
        if a.is_control
        else a.model_copy(
            update={
                "product": ctrl.product,
                "infusions": ctrl.infusions,
                "dose_unit": ctrl.dose_unit,
                "dose_per_infusion": ctrl.dose_per_infusion,
                "infusion_days": ctrl.infusion_days,
            }
        )
        for a in scenario.arms
    ]
    data = scenario.model_dump()
    data["arms"] = [a.model_dump() for a in arms]
    data["name"] = f"{scenario.name}_null"[:64]
    return type(scenario).from_dict(data)


def decisions(stats: LookStatistics, design: AdaptiveDesign) -> tuple[np.ndarray, np.ndarray]:
    """Per replicate: the look (0-based) at which it stops, and whether it succeeded.

    A replicate whose statistic is undefined at a look (no events yet) continues.
    """
    z, k_looks = stats.z, stats.z.shape[1]
    rule = design.rule
    if isinstance(rule, BayesianRule):
        prob = posterior_benefit(
            stats.estimate, stats.se, stats.benefit, rule.prior_mean, rule.prior_sd
        )
        eff, fut = bayesian_thresholds(rule, k_looks)
        up, down = prob >= eff, prob <= fut
    else:
        gs = design_boundaries(
            k_looks, rule.alpha, rule.spending, info=design.looks, futility=rule.futility
        )
        up = z >= np.asarray(gs.z)
        down = z <= np.asarray(gs.futility if gs.futility else [-np.inf] * k_looks)
    up, down = np.nan_to_num(up).astype(bool), np.nan_to_num(down).astype(bool)
    down[:, -1] |= ~up[:, -1]  # the last look ends every trial
    stop = up | down
    first = np.argmax(stop, axis=1)
    success = up[np.arange(z.shape[0]), first]
    return first, success


@dataclass(frozen=True, kw_only=True)
class OperatingCharacteristics:
    """What an adaptive design does over replicate trials of one scenario.

    ``reject`` is the share of replicates that end with success (type I error under the null
    scenario, power otherwise), with its Monte Carlo SE; ``stop_efficacy`` and
    ``stop_futility`` are per look (the last look's futility share counts trials that end
    without success); ``bias`` is the mean estimate at stopping minus the mean estimate of the
    same replicates analysed at the maximum size (the bias that stopping adds).
    """

    scenario: str
    endpoint: str
    effect: str
    replicates: int
    seed: int
    looks: tuple[float, ...]
    sizes: tuple[int, ...]
    reject: float
    reject_mc_se: float
    stop_efficacy: tuple[float, ...]
    stop_futility: tuple[float, ...]
    expected_sample_size: float
    max_sample_size: int
    mean_estimate_at_stop: float
    mean_estimate_final: float
    bias: float
    undefined_statistic: int
    reestimation: dict | None = None
    calendar: dict | None = None
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Every field (``calendar`` only for event-driven looks)."""
        d = dict(self.__dict__)
        if d["calendar"] is None:
            del d["calendar"]
        return d


def summarize(
    stats: LookStatistics, design: AdaptiveDesign, run, calendar: CalendarLooks | None = None
) -> OperatingCharacteristics:
    """Operating characteristics of ``design`` from the look statistics of a trial run
    (``calendar``: event-driven looks, whose ``stats`` are ``stats``)."""
    first, success = decisions(stats, design)
    r, k = stats.z.shape
    idx = np.arange(r)
    at_stop = stats.estimate[idx, first]
    sizes = np.asarray(stats.sizes)
    rej = float(success.mean())
    eff = [float(np.mean(success & (first == j))) for j in range(k)]
    fut = [float(np.mean(~success & (first == j))) for j in range(k)]
    fin = stats.estimate[:, -1]
    ok = np.isfinite(at_stop) & np.isfinite(fin)
    m_stop = float(at_stop[ok].mean()) if ok.any() else math.nan
    m_fin = float(fin[ok].mean()) if ok.any() else math.nan
    return OperatingCharacteristics(
        scenario=run.scenario.name,
        endpoint=calendar.endpoint if calendar else pick_endpoint(run.scenario, design.endpoint).id,
        effect=stats.effect,
        replicates=r,
        seed=run.seed,
        looks=tuple(design.looks),
        sizes=tuple(int(s) for s in sizes),
        reject=rej,
        reject_mc_se=math.sqrt(rej * (1 - rej) / r),
        stop_efficacy=tuple(eff),
        stop_futility=tuple(fut),
        expected_sample_size=float(
            (calendar.enrolled[idx, first] if calendar else sizes[first]).mean()
        ),
        max_sample_size=int(run.sample_size if calendar else sizes[-1]),
        mean_estimate_at_stop=m_stop,
        mean_estimate_final=m_fin,
        bias=m_stop - m_fin,
        undefined_statistic=int(np.isnan(stats.z).sum()),
        calendar=calendar.summary(first) if calendar else None,
        provenance={**run.provenance, "design": design.model_dump(mode="json")},
    )


def evaluate_design(
    design: AdaptiveDesign,
    scenario,
    *,
    null: bool = False,
    workers: int | None = None,
    executor=None,
    progress=None,
) -> OperatingCharacteristics:
    """Simulate ``design.replicates`` trials of ``scenario`` (or its null) and summarize them.

    A design with ``multi_arm`` returns :class:`MultiArmCharacteristics`
    (see :mod:`mscsim.design._multiarm`).
    """
    from mscsim.trial import run_trial

    if design.multi_arm is not None:
        from mscsim.design._multiarm import evaluate_multiarm

        return evaluate_multiarm(  # type: ignore[return-value]
            design, scenario, null=null, workers=workers, executor=executor, progress=progress
        )

    events = design.looks_by == "events"
    ep = pick_endpoint(scenario, design.endpoint, events=events)
    arm = design.arm or next(a.name for a in scenario.arms if not a.is_control)
    if arm not in [a.name for a in scenario.arms if not a.is_control]:
        raise InputError("arm", f"an active arm of {scenario.name!r}", arm)
    sc = null_scenario(scenario) if null else scenario
    n_max = design.max_sample_size or scenario.sample_size
    block = sum(scenario.allocation.values())
    sizes = look_sizes(n_max, (1.0,) if events else design.looks, block)
    re = design.reestimation
    if re is not None and (re.max_sample_size <= sizes[-1] or re.max_sample_size % block):
        raise InputError(
            "reestimation.max_sample_size",
            f"a multiple of {block} above the planned maximum ({sizes[-1]})",
            re.max_sample_size,
        )
    run = run_trial(
        sc,
        seed=design.seed,
        replicates=design.replicates,
        sample_size=sizes[-1] if re is None else re.max_sample_size,
        workers=workers,
        executor=executor,
        progress=progress,
        lung_outcomes=ep.kind == "lung_outcome",  # else each solve stops at follow-up
    )
    if re is not None:
        return summarize_reestimation(design, run, ep, arm, sizes)
    if events:
        cal = calendar_looks(run, ep, arm, design)
        return summarize(cal.stats, design, run, calendar=cal)
    return summarize(look_statistics(run, ep, arm, sizes), design, run)


def summarize_reestimation(design, run, ep, arm: str, sizes) -> OperatingCharacteristics:
    """Operating characteristics of a two-stage design with sample-size re-estimation."""
    n1, n_plan = sizes
    res = evaluate_reestimation(design, run, ep, arm, n1, n_plan)
    first, success, r = res["first"], res["success"], run.n_replicates
    planned = window_statistic(run, ep, arm, 0, n_plan)[1]
    ok = np.isfinite(res["estimate"]) & np.isfinite(planned)
    m_stop = float(res["estimate"][ok].mean()) if ok.any() else math.nan
    m_fin = float(planned[ok].mean()) if ok.any() else math.nan
    rej = float(success.mean())
    cont = first == 1
    return OperatingCharacteristics(
        scenario=run.scenario.name,
        endpoint=ep.id,
        effect=res["effect"],
        replicates=r,
        seed=run.seed,
        looks=tuple(design.looks),
        sizes=(int(n1), int(n_plan)),
        reject=rej,
        reject_mc_se=math.sqrt(rej * (1 - rej) / r),
        stop_efficacy=tuple(float(np.mean(success & (first == j))) for j in range(2)),
        stop_futility=tuple(float(np.mean(~success & (first == j))) for j in range(2)),
        expected_sample_size=float(res["size"].mean()),
        max_sample_size=int(design.reestimation.max_sample_size),
        mean_estimate_at_stop=m_stop,
        mean_estimate_final=m_fin,
        bias=m_stop - m_fin,
        undefined_statistic=int((~np.isfinite(res["estimate"])).sum()),
        reestimation={
            "share_increased": float(res["increased"].mean()),
            "mean_size_if_continued": float(res["size"][cont].mean()) if cont.any() else None,
            "cap": int(design.reestimation.max_sample_size),
            "cp_zone": [design.reestimation.cp_min, design.reestimation.cp_target],
            "final_test": "inverse normal combination of stage-wise z (pre-planned weights)",
        },
        provenance={**run.provenance, "design": design.model_dump(mode="json")},
    )
