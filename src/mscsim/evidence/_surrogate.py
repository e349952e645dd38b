"""A quadratic surrogate of each trial arm's outcome risk over the MSC parameters.

The simulator is run at ``points`` design points (a scrambled Sobol sequence over the
priors' boxes, plus the box centre), every point with the same seed (common random numbers)
and no between-trial effect, ``replicates`` virtual trials of every linked design each. An
arm's risk ``p`` (events over patients, pooled over replicates) is mapped to its cumulative
hazard ``log(-log(1 - p))`` and fitted by least squares with a full quadratic in the scaled
parameters. A trial effect ``u`` multiplies the cumulative hazard by ``exp(u)`` (as in
:mod:`mscsim.trial._between_trial`), so the likelihood never calls the simulator. The fit is
checked by leave-one-out residuals.

Published per-arm statistics of the same designs enter as a Gaussian synthetic likelihood of
their within-trial contrasts: biomarker changes (medians or means of a ``biomarker_change``
endpoint) and median times to a favourable event (``time_to_improvement``, ``time_to_recovery``,
``time_to_discharge``; a median not reached by the endpoint's day counts as that day), each as
an active arm's value minus the control arm's (:func:`statistic_contrasts`). A per-arm value
also carries the trial's baseline (its definition of improvement, discharge rules, case mix),
which the between-trial effects on the death and SAE hazards do not model; the contrast removes
it, as a meta-analysis pools mean differences rather than arm means. At each design point the
mean and the SD of the contrast over the replicate trials are recorded, and both (the SD on the
log scale) are fitted by the same quadratic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations_with_replacement

import numpy as np
from scipy.stats import qmc

from mscsim.evidence._designs import Design, virtual_counts
from mscsim.evidence._priors import Prior
from mscsim.trial._outcomes import FAVOURABLE_EVENT_KINDS
from mscsim.trial._trial_effects import NO_SPREAD
from mscsim.trial._validate import _arm_stat

#: Endpoint kinds whose published per-arm statistics enter the likelihood, and which statistics.
STATISTICS: dict[str, tuple[str, ...]] = {
    "biomarker_change": ("median", "mean"),
    **{kind: ("median",) for kind in sorted(FAVOURABLE_EVENT_KINDS)},
}


class FixedDraw:
    """``param_draws`` giving every replicate the same parameter values (picklable)."""

    def __init__(self, values: dict[str, float]):
        self.values = dict(values)

    def __call__(self, seed: int, replicate: int) -> dict[str, float]:
        return self.values


def features(z: np.ndarray) -> np.ndarray:
    """Full quadratic in the columns of ``z`` (n, d): 1, z_i, z_i z_j."""
    z = np.atleast_2d(z)
    d = z.shape[1]
    cols = [np.ones(z.shape[0])] + [z[:, i] for i in range(d)]
    cols += [z[:, i] * z[:, j] for i, j in combinations_with_replacement(range(d), 2)]
    return np.stack(cols, axis=1)


@dataclass(frozen=True)
class Surrogate:
    """log cumulative hazard of every (design key) arm as a quadratic in the MSC parameters."""

    names: tuple[str, ...]
    lo: np.ndarray  # design box on the sampling scale
    hi: np.ndarray
    keys: tuple[tuple[str, str, str], ...]  # (trial id, outcome, "treat" | "ctrl")
    coef: np.ndarray  # (n_terms, n_keys)
    loo_rmse: np.ndarray  # leave-one-out RMSE of log H per key
    points: np.ndarray  # design points (sampling scale)
    log_h: np.ndarray  # simulated log H at the points (n_points, n_keys)
    # statistics (biomarker changes, median times): (trial id, endpoint id, arm or
    # "active - control" contrast, "median" | "mean") and the published value
    stat_keys: tuple[tuple[str, str, str, str], ...] = ()
    stat_observed: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stat_coef_mean: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    stat_coef_logsd: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def scaled(self, x: np.ndarray) -> np.ndarray:
        return 2.0 * (np.atleast_2d(x) - self.lo) / (self.hi - self.lo) - 1.0

    def log_hazard(self, x: np.ndarray) -> np.ndarray:
        """(n, n_keys) predicted log cumulative hazards at sampling-scale points ``x`` (n, d)."""
        return features(self.scaled(x)) @ self.coef

    def statistics(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean, sd), each (n, n_stat): predictive distribution of each statistic (an arm's,
        or an ``"active - control"`` contrast)."""
        f = features(self.scaled(x))
        return f @ self.stat_coef_mean, np.exp(f @ self.stat_coef_logsd)


def arm_statistics(designs: Sequence[Design]) -> list[tuple[tuple[str, str, str, str], float]]:
    """Published per-arm statistics (``STATISTICS``) of the designs' scenarios (one trial id
    each)."""
    out, done = [], set()
    for d in designs:
        sc = d.scenario
        if sc.name in done:
            continue
        done.add(sc.name)
        eps = {ep.id: ep for ep in sc.endpoints.all}
        for res in sc.validated_results():
            stats = STATISTICS.get(eps[res.endpoint].kind, ())
            for arm, v in res.arms.items():
                for stat in stats:
                    if getattr(v, stat) is not None:
                        out.append(((d.trial_id, res.endpoint, arm, stat), float(getattr(v, stat))))
    return out


#: Separator of an active and a control arm in a contrast's arm field (``"uc_msc - placebo"``).
CONTRAST = " - "


def statistic_contrasts(
    designs: Sequence[Design],
) -> list[tuple[tuple[str, str, str, str], float]]:
    """The published per-arm statistics (:func:`arm_statistics`) as within-trial contrasts:
    ``((trial id, endpoint id, "active - control", statistic), active value - control value)``
    for every active arm whose statistic the control arm also publishes (a statistic of one arm
    alone does not enter the likelihood)."""
    values = dict(arm_statistics(designs))
    control = {d.trial_id: d.scenario.control_arm.name for d in designs}
    out = []
    for (tid, ep_id, arm, stat), v in values.items():
        ctrl = control[tid]
        ref = values.get((tid, ep_id, ctrl, stat))
        if arm != ctrl and ref is not None:
            out.append(((tid, ep_id, f"{arm}{CONTRAST}{ctrl}", stat), float(f"{v - ref:.12g}")))
    return out


def arm_statistic(run, ep, arm_idx: int, stat: str) -> np.ndarray:
    """Per-replicate statistic of one arm as the likelihood reads it: a median time to a
    favourable event not reached by the endpoint's day counts as that day (the published
    median of such a trial would be reported as "not reached", never as a number)."""
    st = _arm_stat(run, ep, arm_idx, stat)
    if ep.kind in FAVOURABLE_EVENT_KINDS:
        st = np.minimum(st, ep.horizon(run.events.follow_up))
    return st


def _replicate_statistic(run, ep, arm: str, stat: str) -> np.ndarray:
    """Per replicate: one arm's statistic, or an ``"active - control"`` contrast of two."""
    if CONTRAST in arm:
        active, control = arm.split(CONTRAST)
        return _replicate_statistic(run, ep, active, stat) - _replicate_statistic(
            run, ep, control, stat
        )
    return arm_statistic(run, ep, run.arm_names.index(arm), stat)


def _risk_to_log_h(events: np.ndarray, n: np.ndarray) -> np.ndarray:
    p = np.clip(
        events / np.maximum(n, 1.0), 0.5 / np.maximum(n, 1.0), 1.0 - 0.5 / np.maximum(n, 1.0)
    )
    return np.log(-np.log1p(-p))


def simulate_points(
    designs: list[Design],
    msc: tuple[Prior, ...],
    x: np.ndarray,
    *,
    replicates: int,
    seed: int,
    progress=None,
    stat_keys: tuple[tuple[str, str, str, str], ...] = (),
) -> tuple[tuple[tuple[str, str, str], ...], np.ndarray, np.ndarray, np.ndarray]:
    """(keys, events, n, stats) pooled over replicates at each point of ``x`` (n_points, d);
    ``stats`` (n_points, n_stat, 2): mean and SD over replicates of each statistic (an arm's,
    or an ``"active - control"`` contrast)."""
    keys = tuple((d.trial_id, d.outcome, side) for d in designs for side in ("treat", "ctrl"))
    ev = np.zeros((x.shape[0], len(keys)))
    nn = np.zeros_like(ev)
    stats = np.zeros((x.shape[0], len(stat_keys), 2))
    trial_of: dict[str, str] = {}  # the first comparison of a scenario, as arm_statistics keys
    for d in designs:
        trial_of.setdefault(d.scenario.name, d.trial_id)
    for i, xi in enumerate(x):
        vals = {p.name: float(p.value(v)) for p, v in zip(msc, xi)}

        def on_run(sc, run, i=i):
            eps = {ep.id: ep for ep in sc.endpoints.all}
            for b, (tid, ep_id, arm, stat) in enumerate(stat_keys):
                if trial_of.get(sc.name) == tid:
                    st = _replicate_statistic(run, eps[ep_id], arm, stat)
                    stats[i, b] = np.nanmean(st), np.nanstd(st, ddof=1)

        counts = virtual_counts(
            designs,
            replicates=replicates,
            seed=seed,
            param_draws=FixedDraw(vals),
            taus=NO_SPREAD,
            on_run=on_run,
        )
        for j, (tid, outcome, side) in enumerate(keys):
            c = counts[(tid, outcome)]
            ev[i, j], nn[i, j] = c[f"events_{side}"].sum(), c[f"n_{side}"].sum()
        if progress is not None:
            progress(1)
    return keys, ev, nn, stats


def fit_surrogate(
    designs: list[Design],
    msc: tuple[Prior, ...],
    *,
    points: int,
    replicates: int,
    seed: int,
    progress=None,
) -> Surrogate:
    """Simulate the design points and fit the quadratic (module docstring)."""
    lo = np.array([p.box()[0] for p in msc])
    hi = np.array([p.box()[1] for p in msc])
    u = qmc.Sobol(len(msc), scramble=True, seed=np.random.default_rng([seed, 7])).random(points)
    x = np.vstack([0.5 * (lo + hi), lo + u * (hi - lo)])
    stat_res = statistic_contrasts(designs)
    stat_keys = tuple(k for k, _ in stat_res)
    keys, ev, nn, stats = simulate_points(
        designs, msc, x, replicates=replicates, seed=seed, progress=progress, stat_keys=stat_keys
    )
    y = _risk_to_log_h(ev, nn)
    f = features(2.0 * (x - lo) / (hi - lo) - 1.0)
    coef, *_ = np.linalg.lstsq(f, y, rcond=None)
    hat = np.einsum("ij,ji->i", f, np.linalg.pinv(f))  # leverages
    with np.errstate(divide="ignore", invalid="ignore"):  # fewer points than terms: no LOO
        loo = (y - f @ coef) / (1.0 - hat)[:, None]
    stat_mean, *_ = np.linalg.lstsq(f, stats[:, :, 0], rcond=None)
    stat_logsd, *_ = np.linalg.lstsq(f, np.log(np.maximum(stats[:, :, 1], 1e-6)), rcond=None)
    return Surrogate(
        names=tuple(p.name for p in msc),
        lo=lo,
        hi=hi,
        keys=keys,
        coef=coef,
        loo_rmse=np.sqrt(np.mean(loo**2, axis=0)),
        points=x,
        log_h=y,
        stat_keys=stat_keys,
        stat_observed=np.array([v for _, v in stat_res]),
        stat_coef_mean=stat_mean,
        stat_coef_logsd=stat_logsd,
    )
