"""The statistics the real trials report, for every replicate trial at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mscsim.stats import (
    EndpointResult,
    change_from_baseline,
    compare_proportions,
    cox_ph,
    kaplan_meier,
    logrank_test,
)
from mscsim.trial._outcomes import (
    FAVOURABLE_EVENT_KINDS,
    NUMERIC_KINDS,
    SURVIVAL_KINDS,
    binary,
    lung_summary,
    numeric,
    times,
)


@dataclass(frozen=True)
class EndpointAnalysis:
    """One endpoint, one active arm vs control, over all replicates."""

    id: str
    label: str
    kind: str
    arm: str
    measure: str
    result: EndpointResult  # estimate/CI/p arrays of shape (R,)
    p_value: np.ndarray  # the test the trial reports (log-rank for time-to-event)
    method: str
    per_arm: dict[str, np.ndarray]  # e.g. events per arm, (R,)


def analyse(run) -> list[EndpointAnalysis]:
    """Every endpoint of the scenario, each active arm against the control arm."""
    sc = run.scenario
    names = list(run.arm_names)
    ctrl = names.index(sc.control_arm.name)
    out = []
    for a, arm_name in enumerate(names):
        if a == ctrl:
            continue
        mask = run.as_matrix(np.isin(run.arm, [a, ctrl]))
        group = run.as_matrix((run.arm == a).astype(int))
        for ep in sc.endpoints.all:
            out.append(_endpoint(run, ep, mask, group, arm_name))
    return out


def _endpoint(run, ep, mask, group, arm_name) -> EndpointAnalysis:
    label = ep.label or ep.id
    m = run.as_matrix
    if ep.kind in SURVIVAL_KINDS:
        t, e = times(run, ep)
        res = cox_ph(m(t), m(e), group, mask=mask, name=ep.id)
        lr = logrank_test(m(t), m(e), group, mask=mask, name=ep.id)
        per = {
            "events_treatment": (m(e) & mask & (group == 1)).sum(axis=1),
            "events_control": (m(e) & mask & (group == 0)).sum(axis=1),
        }
        ratio = ep.kind in FAVOURABLE_EVENT_KINDS
        measure = f"{ep.kind.split('_')[-1]} rate ratio" if ratio else "hazard ratio"
        return EndpointAnalysis(
            ep.id,
            label,
            ep.kind,
            arm_name,
            measure,
            res,
            np.atleast_1d(lr.p_value),
            "Cox PH (Efron ties) HR with Wald 95% CI; log-rank p",
            per,
        )
    if ep.kind in NUMERIC_KINDS:
        base, value = numeric(run, ep)
        cfb = change_from_baseline(m(base), m(value), group, mask=mask, name=ep.id)
        res = cfb.difference
        per = {
            "mean_change_treatment": np.atleast_1d(cfb.treatment.mean),
            "mean_change_control": np.atleast_1d(cfb.control.mean),
        }
        what = (
            "change from baseline (survivors)"
            if ep.kind == "biomarker_change"
            else ep.kind.replace("_", " ")
        )
        measure = (
            "difference in mean change" if ep.kind == "biomarker_change" else "difference in means"
        )
        return EndpointAnalysis(
            ep.id,
            label,
            ep.kind,
            arm_name,
            measure,
            res,
            np.atleast_1d(res.p_value),
            f"Welch t-test on {what}",
            per,
        )
    yv = m(binary(run, ep))
    known = ~np.isnan(yv) if yv.dtype.kind == "f" else np.ones(yv.shape, bool)
    y = np.nan_to_num(yv).astype(bool)
    mask = mask & known  # lung outcomes: survivors only
    test = ep.binary_test
    res = compare_proportions(y, group, mask=mask, measure="risk_ratio", name=ep.id, test=test)
    per = {
        "events_treatment": (y & mask & (group == 1)).sum(axis=1),
        "events_control": (y & mask & (group == 0)).sum(axis=1),
    }
    return EndpointAnalysis(
        ep.id,
        label,
        ep.kind,
        arm_name,
        "risk ratio",
        res,
        np.atleast_1d(res.p_value),
        "risk ratio with Wald 95% CI (log scale); "
        + ("Pearson chi-square p" if test == "chi2" else "Fisher exact p"),
        per,
    )


def arm_summary(run, replicate: int = 0, day: float = 28.0) -> dict[str, dict]:
    """Per-arm counts of one replicate trial (the `--json` 'arms' block)."""
    sel = run.replicate == replicate
    ev = run.events
    iae = np.zeros(run.arm.size, dtype=bool)
    iae[ev.infusion_ae["patient"]] = True
    lung = lung_summary(run, replicate, 365)
    out = {}
    for a, name in enumerate(run.arm_names):
        k = sel & (run.arm == a)
        horizon = min(day, ev.follow_up)
        km = kaplan_meier(np.minimum(ev.death[k], ev.follow_up), ev.death[k] <= ev.follow_up)
        out[name] = {
            "n": int(k.sum()),
            "deaths": int((ev.death[k] <= ev.follow_up).sum()),
            "survival_day28": float(km.survival_at(horizon).survival),
            "patients_with_sae": int((ev.first_sae[k] <= ev.follow_up).sum()),
            "patients_with_infusion_ae": int(iae[k].sum()),
            "lung_1y": lung[name],
        }
    return out
