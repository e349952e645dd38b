r"""Test statistics of one endpoint at nested interim looks of replicate trials.

The trial is simulated once at its maximum size; the look after the first :math:`n_k` patients
(in enrollment order, each followed up fully) analyses the first :math:`n_k` slots of every
replicate. For a fixed enrollment order this is exactly the data an interim analysis would see
when the :math:`n_k`-th patient completes follow-up.

Statistics, signed so that a positive z favours the active arm:

* time to event (survival, SAE-free survival; recovery, discharge, improvement, where more
  events are benefit): log-rank :math:`z = \mp (O-E)/\sqrt V` with Peto's log hazard ratio
  :math:`(O-E)/V`, SE :math:`1/\sqrt V` (see :func:`mscsim.stats.logrank_test`);
* binary harms (mortality, SAE, ventilation, infusion AE, poor lung outcome among survivors):
  the pooled two-proportion z
  :math:`(\hat p_c - \hat p_t)/\sqrt{\bar p(1-\bar p)(1/n_t + 1/n_c)}`, with the risk
  difference :math:`\hat p_t - \hat p_c` and its unpooled Wald SE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from mscsim._errors import InputError
from mscsim.design._adaptive_config import MONITORED_KINDS
from mscsim.stats import logrank_test
from mscsim.trial._outcomes import (  # what `analyse` reads
    FAVOURABLE_EVENT_KINDS,
    SURVIVAL_KINDS,
    binary,
    times,
)

TIME_KINDS = tuple(sorted(SURVIVAL_KINDS))
#: Time-to-event kinds whose event is good (recovery, discharge, improvement): more is benefit.
GOOD_EVENT_KINDS = FAVOURABLE_EVENT_KINDS
EFFICACY_KINDS = ("survival", "mortality", "ventilation", *GOOD_EVENT_KINDS)


@dataclass(frozen=True)
class LookStatistics:
    """Per replicate (rows) and look (columns): z, effect estimate and its SE."""

    z: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    sizes: tuple[int, ...]  # patients enrolled (all arms) at each look
    effect: str  # what `estimate` measures
    benefit: float  # +1 if a larger estimate favours the active arm, -1 if a smaller one


def look_sizes(n_max: int, looks, block: int) -> tuple[int, ...]:
    """Patients at each look: the fraction of ``n_max`` rounded to a whole block."""
    sizes = tuple(max(block, int(round(f * n_max / block)) * block) for f in looks)
    if any(b <= a for a, b in zip(sizes, sizes[1:])):
        raise InputError("looks", f"fractions too close for n = {n_max}: sizes {list(sizes)}")
    return sizes


def pick_endpoint(scenario, endpoint_id: str | None, *, events: bool = False):
    """The monitored endpoint (default: the first efficacy endpoint, else the first safety one).

    ``events=True`` (event-driven looks) admits time-to-event endpoints only.
    """
    kinds = [k for k in MONITORED_KINDS if k in TIME_KINDS] if events else MONITORED_KINDS
    what = "a time-to-event endpoint for looks_by: events, " if events else ""
    eps = [ep for ep in scenario.endpoints.all if ep.kind in kinds]
    if endpoint_id is None:
        if not eps:
            field = "looks_by" if events else "endpoint"
            raise InputError(field, f"{what}scenario {scenario.name!r} has none of {kinds}")
        efficacy = [ep for ep in eps if ep.kind in EFFICACY_KINDS]
        return (efficacy or eps)[0]
    for ep in eps:
        if ep.id == endpoint_id:
            return ep
    raise InputError("endpoint", f"{what}one of {[ep.id for ep in eps]}", endpoint_id)


def window_statistic(run, ep, arm: str, lo, hi) -> tuple[np.ndarray, ...]:
    """z, estimate and SE of ``ep`` on the patients at enrollment positions ``lo <= i < hi``.

    ``lo`` and ``hi`` are numbers or per-replicate arrays of shape (R,). Returns three arrays
    of shape (R,), ``nan`` where the statistic is undefined (no events, an empty arm).
    """
    names = list(run.arm_names)
    a, c = names.index(arm), names.index(run.scenario.control_arm.name)
    m = run.as_matrix
    pos = np.arange(run.sample_size)[None, :]
    lo = np.asarray(lo).reshape(-1, 1)
    hi = np.asarray(hi).reshape(-1, 1)
    sel = m(np.isin(run.arm, [a, c])) & (pos >= lo) & (pos < hi)
    group = m((run.arm == a).astype(int))
    if ep.kind in TIME_KINDS:
        t, e = (m(x) for x in times(run, ep))
        return pair_statistic(ep, sel, group, t, e)
    return pair_statistic(ep, sel, group, m(np.asarray(binary(run, ep), dtype=float)))


def pair_statistic(ep, sel, group, y, event=None) -> tuple[np.ndarray, ...]:
    """z, estimate and SE of ``ep`` comparing ``group == 1`` with ``group == 0`` among ``sel``.

    Arrays of shape (R, N): ``y`` is the time (with ``event`` its indicator) of a time-to-event
    endpoint, else the 0/1 outcome (NaN: not analysed). Returns arrays of shape (R,).
    """
    if ep.kind in TIME_KINDS:
        sign = benefit_sign(ep)
        lr = logrank_test(y, event, group, mask=sel)
        u = np.asarray(lr.details["observed_minus_expected"], dtype=float)
        v = np.asarray(lr.details["variance"], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (
                np.where(v > 0, sign * u / np.sqrt(v), np.nan),
                np.where(v > 0, u / v, np.nan),
                np.where(v > 0, 1 / np.sqrt(v), np.nan),
            )
    sel = sel & np.isfinite(y)  # lung outcomes: non-survivors are not analysed
    y = np.nan_to_num(y).astype(bool)
    nt = (sel & (group == 1)).sum(axis=1)
    nc = (sel & (group == 0)).sum(axis=1)
    yt = (y & sel & (group == 1)).sum(axis=1)
    yc = (y & sel & (group == 0)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pt, pc, pbar = yt / nt, yc / nc, (yt + yc) / (nt + nc)
        sp = np.sqrt(pbar * (1 - pbar) * (1 / nt + 1 / nc))
        return (
            np.where(sp > 0, (pc - pt) / sp, np.nan),
            pt - pc,
            np.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc),
        )


def posterior_benefit(est, se, benefit: float, prior_mean: float = 0.0, prior_sd=None):
    """Posterior probability that the effect lies in the benefit direction: normal
    approximation of the likelihood of ``est`` (SE ``se``), normal prior (flat if
    ``prior_sd`` is None); NaN where the estimate is undefined."""
    if prior_sd is None:
        mean, sd = est, se
    else:
        prec = 1 / prior_sd**2 + 1 / se**2
        mean = (prior_mean / prior_sd**2 + est / se**2) / prec
        sd = 1 / np.sqrt(prec)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ndtr(benefit * mean / sd)


def bayesian_thresholds(rule, k_looks: int) -> tuple[np.ndarray, np.ndarray]:
    """Per look, the posterior probabilities at or above which a Bayesian rule stops for
    efficacy (``final`` at the last look) and at or below which it stops for futility
    (interim looks only)."""
    eff = np.full(k_looks, rule.efficacy)
    eff[-1] = rule.final
    fut = np.full(k_looks, -np.inf if rule.futility is None else rule.futility)
    fut[-1] = -np.inf
    return eff, fut


def benefit_sign(ep) -> float:
    """+1 if a larger estimate of ``ep`` favours the active arm, -1 if a smaller one does."""
    return 1.0 if ep.kind in GOOD_EVENT_KINDS else -1.0


def effect_name(ep) -> str:
    return "log hazard ratio (Peto)" if ep.kind in TIME_KINDS else "risk difference"


def look_statistics(run, ep, arm: str, sizes) -> LookStatistics:
    """z, estimate and SE of endpoint ``ep`` (active ``arm`` vs control) at each look size."""
    cols = [window_statistic(run, ep, arm, 0, n) for n in sizes]
    z, est, se = (np.stack([c[i] for c in cols], axis=1) for i in range(3))
    return LookStatistics(z, est, se, tuple(sizes), effect_name(ep), benefit_sign(ep))
