"""Observed vs predicted: where each published number falls in the model's predictive
distribution for that very design (same arms, doses, eligibility, sample size, follow-up)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from mscsim.stats import kaplan_meier
from mscsim.trial._analysis import _binary, _times, analyse


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

    def to_dict(self) -> dict:
        return asdict(self)


def _percentile(sim: np.ndarray, obs: float) -> float:
    """Mid-rank percentile of `obs` among the simulated values (0-100)."""
    sim = sim[np.isfinite(sim)]
    if sim.size == 0:
        return float("nan")
    return float(100.0 * (np.mean(sim < obs) + 0.5 * np.mean(sim == obs)))


def _arm_stat(run, ep, arm_idx: int, kind: str) -> np.ndarray:
    """Per-replicate statistic of one arm: 'events', 'percent' or 'mean'/'median' change."""
    m = run.as_matrix
    in_arm = m(run.arm == arm_idx)
    if ep.kind == "biomarker_change":
        vi = int(np.searchsorted(run.visit_days, ep.day))
        chg = m(run.visits[ep.biomarker][:, vi] - run.visits[ep.biomarker][:, 0])
        chg = np.where(in_arm, chg, np.nan)
        return np.nanmedian(chg, axis=1) if kind == "median" else np.nanmean(chg, axis=1)
    if ep.kind in ("survival", "sae_free_survival", "time_to_recovery"):
        t, e = _times(run, ep)
        if kind == "events":
            return (m(e) & in_arm).sum(axis=1).astype(float)
        km = kaplan_meier(m(t), m(e), mask=in_arm)
        s = np.asarray(km.survival_at(float(ep.day)).survival, dtype=float)
        return 100.0 * (1.0 - s if ep.kind == "time_to_recovery" else s)
    y = m(_binary(run, ep))
    if kind == "events":
        return (y & in_arm).sum(axis=1).astype(float)
    return 100.0 * (y & in_arm).sum(axis=1) / in_arm.sum(axis=1)


def _row(ep_id, quantity, obs, sim, unit, res) -> ValidationRow:
    fin = sim[np.isfinite(sim)]
    q = np.quantile(fin, [0.05, 0.5, 0.95]) if fin.size else [np.nan] * 3
    return ValidationRow(
        ep_id,
        quantity,
        float(obs),
        float(q[1]),
        float(q[0]),
        float(q[2]),
        _percentile(sim, obs),
        unit,
        res.source,
        res.confidence,
    )


def validate_run(run, analyses=None) -> list[ValidationRow]:
    """Compare every used published result of the scenario with the replicate trials in `run`
    (`analyses`: the result of `analyse(run)` when already computed)."""
    sc = run.scenario
    eps = {ep.id: ep for ep in sc.endpoints.all}
    analyses = {a.id: a for a in (analyses if analyses is not None else analyse(run))}
    names = list(run.arm_names)
    rows = []
    for ep_id, res in sc.used_results().items():
        ep = eps[ep_id]
        for arm_name, v in (res.arms or {}).items():
            a = names.index(arm_name)
            if v.events is not None:
                rows.append(
                    _row(
                        ep_id,
                        f"{arm_name}: patients with event",
                        v.events,
                        _arm_stat(run, ep, a, "events"),
                        "patients",
                        res,
                    )
                )
            if v.value is not None and "%" in (v.unit or ""):
                rows.append(
                    _row(
                        ep_id,
                        f"{arm_name}: {v.unit}",
                        v.value,
                        _arm_stat(run, ep, a, "percent"),
                        "%",
                        res,
                    )
                )
            if v.mean is not None and ep.kind == "biomarker_change":
                rows.append(
                    _row(
                        ep_id,
                        f"{arm_name}: mean change",
                        v.mean,
                        _arm_stat(run, ep, a, "mean"),
                        v.unit,
                        res,
                    )
                )
            if v.median is not None and ep.kind == "biomarker_change":
                rows.append(
                    _row(
                        ep_id,
                        f"{arm_name}: median change",
                        v.median,
                        _arm_stat(run, ep, a, "median"),
                        v.unit,
                        res,
                    )
                )
        eff = res.effect
        an = analyses.get(ep_id)
        if eff is not None and an is not None:
            if eff.p_value is not None:
                rows.append(
                    _row(
                        ep_id,
                        f"p-value ({an.method.split(';')[-1].strip()})",
                        eff.p_value,
                        np.asarray(an.p_value, float),
                        "",
                        res,
                    )
                )
            if (
                eff.estimate is not None
                and eff.measure in ("RR", "HR", "MD")
                and _matches(eff.measure, an.measure)
            ):
                rows.append(
                    _row(
                        ep_id,
                        f"{eff.measure} ({an.measure})",
                        eff.estimate,
                        np.asarray(an.result.estimate, float),
                        "",
                        res,
                    )
                )
    return rows


def _matches(measure: str, ours: str) -> bool:
    return {"RR": "risk ratio", "HR": "hazard ratio", "MD": "difference in mean change"}[
        measure
    ] == ours
