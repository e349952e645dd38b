"""Per-patient values of each endpoint kind, derived from a run's events and visits.

One place for what an endpoint *is*; the analysis (:mod:`mscsim.trial._analysis`) and the
observed-vs-predicted check (:mod:`mscsim.trial._validate`) both read these.
"""

from __future__ import annotations

import numpy as np

from mscsim.trial._events import who_score

#: Kinds analysed as time to event (Cox HR, log-rank p).
SURVIVAL_KINDS = frozenset(
    {
        "survival",
        "sae_free_survival",
        "time_to_recovery",
        "time_to_discharge",
        "time_to_improvement",
    }
)
#: Time-to-event kinds whose event is good (recovery, discharge, improvement): analysed as a
#: rate ratio, > 1 favouring treatment.
FAVOURABLE_EVENT_KINDS = frozenset({"time_to_recovery", "time_to_discharge", "time_to_improvement"})
#: Kinds analysed as a per-patient number (difference in means, Welch t-test).
NUMERIC_KINDS = frozenset({"biomarker_change", "ventilator_free_days", "who_scale"})
#: Sign of a beneficial change of each biomarker (treatment minus control).
BIOMARKER_BENEFIT_SIGN = {
    "pf_ratio": 1.0,
    "il10": 1.0,
    "crp": -1.0,
    "il6": -1.0,
    "tnf": -1.0,
    "oxygenation_index": -1.0,
}


def benefit_sign(kind: str, biomarker: str | None = None) -> float:
    """+1 when a larger value of an endpoint's effect (treatment vs control) or per-arm
    number is benefit (good events, ventilator-free days, a biomarker whose rise is good),
    -1 when a smaller one is (harms, deaths, the WHO score, the other biomarkers)."""
    if kind in FAVOURABLE_EVENT_KINDS or kind == "ventilator_free_days":
        return 1.0
    if kind == "biomarker_change" and biomarker is not None:
        return BIOMARKER_BENEFIT_SIGN[biomarker]
    return -1.0


#: Binary long-term lung outcomes: measure -> the run's lung value it thresholds.
LUNG_MEASURES = {"dlco_below_80": "dlco", "fvc_below_80": "fvc", "ct_abnormal": "ct_abnormal"}
#: WHO clinical progression score of a death (the living are scored by
#: :func:`mscsim.trial._events.who_score`).
WHO_DEAD = 10


def times(run, ep) -> tuple[np.ndarray, np.ndarray]:
    """(time, event) of a time-to-event endpoint, censored at its horizon."""
    ev = run.events
    d = ep.horizon(ev.follow_up)
    t = {
        "survival": ev.death,
        "sae_free_survival": ev.first_sae,
        "time_to_recovery": ev.recovery,  # death before recovery: censored at the horizon
        "time_to_discharge": ev.discharge,
        "time_to_improvement": ev.improvement,
    }[ep.kind]
    return np.minimum(t, d), t <= d


def binary(run, ep) -> np.ndarray:
    """Per-patient 0/1 outcome of a binary endpoint (lung outcomes: NaN for non-survivors)."""
    ev = run.events
    if ep.kind == "lung_outcome":
        return lung_hit(run.lung, ep.measure, ep.day)
    if ep.kind == "infusion_ae":
        iae = ev.infusion_ae
        hit = np.zeros(run.arm.size, dtype=bool)
        hit[iae["patient"][iae["hours"] <= ep.window_hours]] = True
        return hit
    d = ep.horizon(ev.follow_up)
    if ep.kind == "mortality":
        return ev.death <= d
    if ep.kind == "sae":
        return ev.first_sae <= d
    if ep.kind == "ventilation":
        return (ev.intubation > 0) & (ev.intubation <= d)
    raise ValueError(ep.kind)


def lung_hit(lung: dict[str, np.ndarray], measure: str, day: int) -> np.ndarray:
    """Per-patient 0/1 long-term lung outcome `measure` (``dlco_below_80``, ``fvc_below_80``
    or ``ct_abnormal``) at `day` from a run's ``lung`` values, NaN for non-survivors."""
    key = LUNG_MEASURES[measure]
    v = lung[f"{key}_d{day}"]
    hit = v < 80.0 if key in ("dlco", "fvc") else v > 0.5
    return np.where(np.isnan(v), np.nan, hit.astype(float))


def numeric(run, ep) -> tuple[np.ndarray, np.ndarray]:
    """(baseline, value) of a numeric endpoint; the analysed quantity is value - baseline."""
    ev = run.events
    if ep.kind == "biomarker_change":
        vi = int(np.searchsorted(run.visit_days, ep.day))
        vals = run.visits[ep.biomarker]
        return vals[:, 0], vals[:, vi]
    zero = np.zeros(run.arm.size)
    if ep.kind == "ventilator_free_days":
        d = float(ep.day)
        on = np.clip(np.minimum(ev.extubation, d) - np.minimum(ev.intubation, d), 0.0, d)
        return zero, np.where(ev.death <= d, 0.0, d - on)
    if ep.kind == "who_scale":
        return zero, who_scale(run, float(ep.day))
    raise ValueError(ep.kind)


def who_scale(run, day: float) -> np.ndarray:
    """WHO clinical progression score of every patient on `day` (recorded P/F of that visit)."""
    ev = run.events
    vi = int(np.searchsorted(run.visit_days, day))
    pf = run.visits["pf_ratio"][:, vi]
    vent = (ev.intubation <= day) & (day < ev.extubation)
    score = who_score(pf, vent, ev.discharge <= day)
    return np.where(ev.death <= day, WHO_DEAD, score).astype(float)


def lung_summary(run, replicate: int | None = None, day: int = 365) -> dict[str, dict]:
    """Long-term lung outcome per arm at `day` (180 or 365) among survivors of follow-up:
    n assessed, % with DLCO < 80% and FVC < 80% of predicted, % with a residual CT
    abnormality, median DLCO (% predicted). `replicate` None pools every replicate trial."""
    sel = np.ones(run.arm.size, bool) if replicate is None else run.replicate == replicate
    dlco, fvc = run.lung[f"dlco_d{day}"], run.lung[f"fvc_d{day}"]
    ct = run.lung[f"ct_abnormal_d{day}"]
    out = {}
    for a, name in enumerate(run.arm_names):
        k = sel & (run.arm == a) & ~np.isnan(dlco)
        n = int(k.sum())

        def pct(x, k=k, n=n):
            return float(100.0 * x[k].mean()) if n else float("nan")

        out[name] = {
            "assessed": n,
            "dlco_below_80_pct": pct(dlco < 80),
            "fvc_below_80_pct": pct(fvc < 80),
            "ct_abnormal_pct": pct(ct > 0.5),
            "dlco_median": float(np.median(dlco[k])) if n else float("nan"),
        }
    return out
