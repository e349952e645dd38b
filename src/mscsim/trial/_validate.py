"""Observed vs predicted: where each published number falls in the model's predictive
distribution for that very design (same arms, doses, eligibility, sample size, follow-up).

Every number of a used published result is either compared or listed by
:func:`unsupported_numbers` (never silently ignored): per-arm counts of patients with the
event, percentages, event counts (infusion AEs), means and medians of numeric endpoints, and
the p-value and RR/HR/MD estimate of the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from dataclasses import field as dc_field

import numpy as np

from mscsim.stats import kaplan_meier
from mscsim.trial._analysis import analyse
from mscsim.trial._outcomes import (
    FAVOURABLE_EVENT_KINDS,
    NUMERIC_KINDS,
    SURVIVAL_KINDS,
    binary,
    numeric,
    times,
)
from mscsim.trial._reproduce import irreproducible
from mscsim.trial._selection import publication_weights


@dataclass(frozen=True)
class ValidationRow:
    endpoint: str
    quantity: str
    observed: float
    predicted_median: float
    pi_low: float
    pi_high: float
    percentile: float
    unit: str
    source: str
    confidence: str
    primary: bool = False
    q25: float = float("nan")  # central 50% predictive interval
    q75: float = float("nan")
    #: risk ratio of publication of a positive trial the predictive distribution assumes
    #: (1: no publication selection; :mod:`mscsim.trial._selection`)
    selection_rr: float = 1.0
    #: the simulated value of every replicate trial (the predictive sample; not serialized)
    simulated: np.ndarray | None = dc_field(default=None, repr=False, compare=False)
    #: each replicate's weight in that sample (its relative chance of publication)
    weights: np.ndarray | None = dc_field(default=None, repr=False, compare=False)

    @property
    def inside(self) -> bool:
        """Whether the observed value lies inside the 90% predictive interval."""
        return bool(self.pi_low <= self.observed <= self.pi_high)

    @property
    def inside_50(self) -> bool:
        """Whether the observed value lies inside the central 50% predictive interval."""
        return bool(self.q25 <= self.observed <= self.q75)

    @property
    def kind(self) -> str:
        """What the number is: ``"arm"`` (one arm's count, share, mean or median),
        ``"p-value"`` or ``"effect"`` (a between-arm estimate: RR, HR, MD). Arm numbers test
        the model's baseline and effect; p-values and effects of small trials are where
        publication selection acts (:mod:`mscsim.trial._selection`)."""
        if self.quantity.startswith("p-value"):
            return "p-value"
        return "effect" if self.quantity.split(" ")[0] in ("RR", "HR", "MD") else "arm"

    def to_dict(self) -> dict:
        d = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("simulated", "weights")
        }
        return {**d, "kind": self.kind, "inside_90": self.inside, "inside_50": self.inside_50}


def _percentile(sim: np.ndarray, obs: float, w: np.ndarray | None = None) -> float:
    """Mid-rank percentile of `obs` among the simulated values (0-100), each value counted
    with its weight `w` (equal weights when None)."""
    ok = ~np.isnan(sim)
    sim = sim[ok]
    if sim.size == 0:
        return float("nan")
    if w is None:
        return float(100.0 * (np.mean(sim < obs) + 0.5 * np.mean(sim == obs)))
    w = w[ok]
    return float(100.0 * (w[sim < obs].sum() + 0.5 * w[sim == obs].sum()) / w.sum())


def weighted_quantile(x: np.ndarray, w: np.ndarray, probs) -> np.ndarray:
    """Quantiles of the finite sample `x` with positive weights `w`: the weighted form of
    NumPy's default (Hyndman-Fan type 7) by Akinshin (2023, "Weighted quantile estimators",
    arXiv:2304.07265): with Kish's effective size ``n* = (sum w)^2 / sum w^2``, the estimate
    is the mean of the sorted values under the uniform distribution on
    ``[(h - 1) / n*, h / n*]``, ``h = (n* - 1) p + 1``, each value owning its share of the
    cumulative weight. Equal weights give type 7 exactly (up to rounding)."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order] / w.sum()
    n_eff = 1.0 / np.sum(ws**2)
    edges = np.concatenate([[0.0], np.cumsum(ws)])
    edges[-1] = 1.0
    out = []
    for p in np.atleast_1d(probs):
        h = (n_eff - 1.0) * p + 1.0
        lo, hi = (h - 1.0) / n_eff, h / n_eff
        cdf = np.clip((edges - lo) / (hi - lo), 0.0, 1.0)
        out.append(float(np.dot(np.diff(cdf), xs)))
    return np.asarray(out)


def _arm_stat(run, ep, arm_idx: int, kind: str) -> np.ndarray:
    """Per-replicate statistic of one arm: 'events', 'percent', 'event_count', 'mean', 'median'."""
    m = run.as_matrix
    in_arm = m(run.arm == arm_idx)
    if ep.kind in NUMERIC_KINDS:
        base, value = numeric(run, ep)
        chg = np.where(in_arm, m(value - base), np.nan)
        return np.nanmedian(chg, axis=1) if kind == "median" else np.nanmean(chg, axis=1)
    if ep.kind in SURVIVAL_KINDS:
        t, e = times(run, ep)
        if kind == "events":
            return (m(e) & in_arm).sum(axis=1).astype(float)
        km = kaplan_meier(m(t), m(e), mask=in_arm)
        if kind == "median":  # median time to the event (inf when not reached)
            return np.asarray(km.median, dtype=float)
        s = np.asarray(km.survival_at(ep.horizon(run.events.follow_up)).survival, dtype=float)
        done = ep.kind in FAVOURABLE_EVENT_KINDS
        return 100.0 * (1.0 - s if done else s)
    if kind == "event_count":  # infusion AEs: every event within the window, not patients
        iae = run.events.infusion_ae
        hit = iae["hours"] <= ep.window_hours
        per = np.bincount(iae["patient"][hit], minlength=run.arm.size).astype(float)
        return (m(per) * in_arm).sum(axis=1)
    yv = m(np.asarray(binary(run, ep), dtype=float))
    known = in_arm & ~np.isnan(yv)
    hits = (np.nan_to_num(yv) * known).sum(axis=1)
    if kind == "events":
        return hits
    return 100.0 * hits / np.maximum(known.sum(axis=1), 1)


def _row(ep_id, quantity, obs, sim, unit, res, primary, w=None, rr=1.0) -> ValidationRow:
    """One compared number; `w`: the replicates' publication weights (None: all equal)."""
    ok = ~np.isnan(sim)
    fin = sim[ok]  # inf stays: e.g. a median time not reached
    method = "linear" if np.isfinite(fin).all() else "inverted_cdf"
    probs = [0.05, 0.5, 0.95, 0.25, 0.75]
    if not fin.size:
        q = [np.nan] * 5
    elif w is None:
        q = np.quantile(fin, probs, method=method)
    elif method == "linear":
        q = weighted_quantile(fin, w[ok], probs)
    else:  # infinities: NumPy's weighted inverted CDF, as unweighted
        q = np.quantile(fin, probs, method="inverted_cdf", weights=w[ok])
    return ValidationRow(
        ep_id,
        quantity,
        float(obs),
        float(q[1]),
        float(q[0]),
        float(q[2]),
        _percentile(sim, obs, w),
        unit,
        res.source,
        res.confidence,
        primary,
        float(q[3]),
        float(q[4]),
        float(rr),
        np.asarray(sim, dtype=float),
        None if w is None else np.asarray(w, dtype=float),
    )


def _comparable(ep, field: str, v) -> bool:
    """Whether validation compares `field` of a per-arm published value for endpoint `ep`."""
    if field == "events":
        return ep.kind not in NUMERIC_KINDS
    if field == "value":
        return "%" in (v.unit or "") and ep.kind not in NUMERIC_KINDS
    if field == "event_count":
        return ep.kind == "infusion_ae"
    if field == "median" and ep.kind in SURVIVAL_KINDS:
        return v.unit == "days"  # median time from enrollment (other origins are not comparable)
    if field in ("mean", "median"):
        return ep.kind in NUMERIC_KINDS
    return True  # n, sd, q1, q3, unit: context for the compared numbers


def unsupported_numbers(scenario) -> list[str]:
    """Published numbers of used results that validation cannot compare (listed, not hidden)."""
    eps = {ep.id: ep for ep in scenario.endpoints.all}
    out = []
    for res in scenario.validated_results():
        ep_id = res.endpoint
        ep = eps[ep_id]
        for arm_name, v in (res.arms or {}).items():
            for field in ("events", "event_count", "value", "mean", "median"):
                if getattr(v, field) is not None and not _comparable(ep, field, v):
                    out.append(
                        f"{ep_id}: {arm_name}.{field} = {getattr(v, field)} is not compared "
                        f"(kind '{ep.kind}' has no model counterpart for it)"
                    )
        eff = res.effect
        if eff is not None and eff.estimate is not None and eff.measure not in ("RR", "HR", "MD"):
            out.append(
                f"{ep_id}: effect {eff.measure} = {eff.estimate} is not compared "
                "(only RR, HR and MD estimates are)"
            )
    out += [m.message() for m in irreproducible(scenario).values()]
    return out


def validate_run(run, analyses=None, *, selection_rr: float = 1.0) -> list[ValidationRow]:
    """Compare every used published result of the scenario with the replicate trials in `run`
    (`analyses`: the result of `analyse(run)` when already computed).

    With ``selection_rr > 1`` the predictive distribution is that of a *published* trial:
    each replicate is weighted by its relative chance of publication, 1 if positive and
    ``1 / selection_rr`` otherwise (:mod:`mscsim.trial._selection`; 1: no selection)."""
    sc = run.scenario
    eps = {ep.id: ep for ep in sc.endpoints.all}
    primary = {ep.id for ep in sc.endpoints.primary}
    analyses_list = analyses if analyses is not None else analyse(run)
    w = publication_weights(run, analyses_list, selection_rr) if selection_rr != 1.0 else None
    analyses = {(a.id, a.arm): a for a in analyses_list}
    active = [a.name for a in sc.arms if not a.is_control]
    names = list(run.arm_names)
    rows = []
    skip = irreproducible(sc)
    for i, res in enumerate(sc.validated_results()):
        ep_id = res.endpoint
        ep = eps[ep_id]
        first = ep_id in primary

        def add(quantity, obs, sim, unit, res=res, ep_id=ep_id, first=first):
            rows.append(_row(ep_id, quantity, obs, sim, unit, res, first, w, selection_rr))

        for arm_name, v in (res.arms or {}).items():
            a = names.index(arm_name)
            if v.events is not None and _comparable(ep, "events", v):
                if ep.kind == "lung_outcome" and v.n:  # survivors assessed: compare the share
                    add(
                        f"{arm_name}: % with outcome",
                        100.0 * v.events / v.n,
                        _arm_stat(run, ep, a, "percent"),
                        "%",
                    )
                else:
                    add(
                        f"{arm_name}: patients with event",
                        v.events,
                        _arm_stat(run, ep, a, "events"),
                        "patients",
                    )
            if v.event_count is not None and _comparable(ep, "event_count", v):
                add(
                    f"{arm_name}: events",
                    v.event_count,
                    _arm_stat(run, ep, a, "event_count"),
                    "events",
                )
            if v.value is not None and _comparable(ep, "value", v):
                add(f"{arm_name}: {v.unit}", v.value, _arm_stat(run, ep, a, "percent"), "%")
            if v.mean is not None and _comparable(ep, "mean", v):
                add(f"{arm_name}: mean change", v.mean, _arm_stat(run, ep, a, "mean"), v.unit)
            if v.median is not None and _comparable(ep, "median", v):
                what = "median time" if ep.kind in SURVIVAL_KINDS else "median change"
                add(f"{arm_name}: {what}", v.median, _arm_stat(run, ep, a, "median"), v.unit)
        eff = res.effect
        an = analyses.get((ep_id, eff.arm or active[0])) if eff is not None else None
        if eff is not None and an is not None:
            vs = f" {eff.arm} vs control" if len(active) > 1 else ""
            if eff.p_value is not None and (i, "p_value") not in skip:
                test = an.method.split(";")[-1].strip()
                add(f"p-value{vs} ({test})", eff.p_value, np.asarray(an.p_value, float), "")
            if (
                eff.estimate is not None
                and (i, "estimate") not in skip
                and eff.measure in ("RR", "HR", "MD")
                and _matches(eff.measure, an.measure)
            ):
                add(
                    f"{eff.measure}{vs} ({an.measure})",
                    eff.estimate,
                    np.asarray(an.result.estimate, float),
                    "",
                )
    return rows


def _matches(measure: str, ours: str) -> bool:
    return {
        "RR": ("risk ratio",),
        "HR": ("hazard ratio",),
        "MD": ("difference in mean change", "difference in means"),
    }[measure].__contains__(ours)
