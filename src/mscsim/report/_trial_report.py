"""The report of a virtual trial run: design, CONSORT, survival, biomarkers, endpoints, safety.

`trial_report` is the assembly step: it derives the numbers each figure draws (Kaplan-Meier
curves with `mscsim.stats.kaplan_meier`, numbers at risk, percentile bands, adverse-event
counts) and hands them to the figure functions, which only draw. Replicate 0 is reported as
"the" trial; with more replicates, pooled curves, power and effect quantiles are added.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from mscsim.report._ae_table import ae_table_rows
from mscsim.report._biomarker_plot import plot_biomarker_trajectories
from mscsim.report._consort_plot import plot_consort
from mscsim.report._html import HtmlReport
from mscsim.report._km_plot import plot_km
from mscsim.report._ovp_plot import OVP_KEYS, plot_observed_vs_predicted
from mscsim.report._power_plot import plot_power_curve
from mscsim.trial import AE_TERMS
from mscsim.trial import ae_records as _ae_records

#: Biomarkers drawn, run key -> panel name; cytokines get a log axis.
BIOMARKER_PANELS = {
    "crp": "CRP",
    "il6": "IL-6",
    "il10": "IL-10",
    "tnf": "TNF",
    "pf_ratio": "P/F ratio",
}
LOG_PANELS = ("IL-6", "IL-10", "TNF")
#: Overall rows of the AE table: category -> (serious, related) filter (None = either).
AE_OVERALL = {
    "any": (None, None),
    "serious": (True, None),
    "non-serious": (False, None),
    "related": (None, True),
    "not related": (None, False),
}


def _num(x: Any) -> float | None:
    """A finite float, or None (shown as an empty cell)."""
    v = float(np.asarray(x, dtype=float).reshape(-1)[0])
    return v if np.isfinite(v) else None


# ----------------------------------------------------------------------------- design
def _design(report: HtmlReport, run) -> None:
    sc = run.scenario
    cit = sc.citation
    ref = "; ".join(
        x for x in (f"doi:{cit.doi}" if cit.doi else "", cit.url or "", cit.registry_id or "") if x
    )
    report.add_section("Design", f"{sc.title}\n\nSource: {cit.text} ({ref})")
    report.add_table(
        [
            {
                "arm": a.name,
                "product": a.product,
                "dose per infusion": a.dose_per_infusion,
                "unit": a.dose_unit if a.dose_per_infusion else "",
                "infusion days": list(a.infusion_days),
                "allocation": sc.allocation[a.name],
                "control": "yes" if a.is_control else "",
            }
            for a in sc.arms
        ],
        caption="Arms (infusion days relative to enrollment)",
    )
    rnd = sc.randomization
    report.add_table(
        [
            {
                "sample size": run.sample_size,
                "follow-up (days)": sc.follow_up_days,
                "randomization": rnd.method,
                "strata": list(rnd.strata or ()) or "none",
                "block size": rnd.block_size,
                "replicate trials": run.n_replicates,
                "seed": run.seed,
            }
        ],
        caption="Trial settings of this run",
    )
    elig = sc.eligibility.model_dump(mode="json")
    report.add_table(
        [
            {"criterion": k.replace("_", " "), "value": "no criterion" if v is None else v}
            for k, v in elig.items()
        ],
        caption="Eligibility at screening",
    )
    endpoints = [
        {"endpoint": ep.label or ep.id, "id": ep.id, "kind": ep.kind, "role": role}
        for role in ("primary", "secondary")
        for ep in getattr(sc.endpoints, role)
    ]
    report.add_table(endpoints, caption="Endpoints")
    if sc.notes:
        report.add_text(f"Scenario notes: {sc.notes}")


# ----------------------------------------------------------------------------- CONSORT
def _consort(report: HtmlReport, run) -> None:
    rep0 = run.replicate == 0
    arms = {name: int((run.arm[rep0] == a).sum()) for a, name in enumerate(run.arm_names)}
    solved = rep0 & (np.asarray(run.solver_status) == 0)
    done = {name: int((run.arm[solved] == a).sum()) for a, name in enumerate(run.arm_names)}
    flow = {
        "screened": int(run.n_screened[0]),
        "enrolled": int(rep0.sum()),
        "excluded": {k: v for k, v in run.excluded[0].items() if v},
        "randomized": arms,
        "completed": done,
        "analysed": arms,
    }
    report.add_section(
        "Participant flow (CONSORT)",
        "Virtual candidates are screened in order on the simulated state at "
        "their screening day; each excluded candidate is counted under the first "
        "criterion it fails. Follow-up is complete unless the solver failed for "
        "a patient; all randomized patients are analysed (intention to treat).",
    )
    report.add_figure(
        plot_consort(flow), caption="Participant flow of replicate trial 0", fmt="svg"
    )
    reasons = list(run.excluded[0])
    counts = np.array([[ex[r] for r in reasons] for ex in run.excluded], dtype=float)
    screened = np.asarray(run.n_screened, dtype=float)
    rows = [
        {
            "stage": "screened",
            "mean per trial": screened.mean(),
            "min": screened.min(),
            "max": screened.max(),
        }
    ]
    rows += [
        {
            "stage": f"excluded: {r}",
            "mean per trial": counts[:, j].mean(),
            "min": counts[:, j].min(),
            "max": counts[:, j].max(),
        }
        for j, r in enumerate(reasons)
        if counts[:, j].any()
    ]
    rows.append(
        {
            "stage": "enrolled",
            "mean per trial": float(run.sample_size),
            "min": run.sample_size,
            "max": run.sample_size,
        }
    )
    report.add_table(rows, caption=f"Screening over {run.n_replicates} replicate trial(s)")


# ----------------------------------------------------------------------------- survival
def _risk_times(follow_up: float) -> np.ndarray:
    ticks = list(np.arange(0.0, follow_up + 1e-9, 7.0))
    if follow_up - ticks[-1] >= 4:
        ticks.append(float(follow_up))
    return np.array(ticks)


def km_curve(
    time: np.ndarray, event: np.ndarray, at_risk_times: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Kaplan-Meier step points of one sample (the `plot_km` input), with numbers at risk.

    The number at risk at :math:`\\tau` is :math:`\\#\\{i: T_i \\ge \\tau\\}` (patients
    neither dead nor censored before :math:`\\tau`).
    """
    from mscsim.stats import kaplan_meier

    km = kaplan_meier(time, event)
    m = int(km.n_times)
    curve = {
        k: np.asarray(getattr(km, k))[:m] for k in ("timeline", "survival", "ci_low", "ci_high")
    }
    curve["time"] = curve.pop("timeline")
    if at_risk_times is not None:
        curve["at_risk"] = (time[None, :] >= at_risk_times[:, None]).sum(axis=1)
    return curve


def _death_times(run) -> tuple[np.ndarray, np.ndarray]:
    ev = run.events
    dead = ev.death <= ev.follow_up
    return np.where(dead, ev.death, ev.follow_up), dead


def _survival(report: HtmlReport, run) -> None:
    t, e = _death_times(run)
    fu = run.events.follow_up
    ticks = _risk_times(fu)
    rep0 = run.replicate == 0
    curves, rows = {}, []
    for a, name in enumerate(run.arm_names):
        sel = rep0 & (run.arm == a)
        curves[name] = km_curve(t[sel], e[sel], ticks)
        rows.append(
            {
                "arm": name,
                "patients": int(sel.sum()),
                "deaths": int(e[sel].sum()),
                f"survival day {fu:g}": curves[name]["survival"][-1],
                "95% CI low": curves[name]["ci_low"][-1],
                "95% CI high": curves[name]["ci_high"][-1],
            }
        )
    report.add_section(
        "Survival",
        "Kaplan-Meier estimates with 95% log-log confidence bands; "
        "patients alive at the end of follow-up are censored.",
    )
    report.add_figure(
        plot_km(curves, at_risk_times=ticks, title="Replicate trial 0"),
        caption="Kaplan-Meier survival by arm, replicate trial 0, with numbers at risk",
    )
    report.add_table(rows, caption="Survival at the end of follow-up (replicate trial 0)")
    if run.n_replicates > 1:
        pooled = {
            name: km_curve(t[run.arm == a], e[run.arm == a]) for a, name in enumerate(run.arm_names)
        }
        report.add_figure(
            plot_km(pooled, title=f"Pooled over {run.n_replicates} replicate trials"),
            caption=f"Kaplan-Meier survival by arm, all patients of {run.n_replicates} "
            "replicate trials pooled (the expected curve of the design)",
        )


# ----------------------------------------------------------------------------- biomarkers
def biomarker_bands(run, low: float = 5.0, high: float = 95.0) -> dict[str, dict]:
    """Median and `low`-`high` percentile band per biomarker and arm at the visit days.

    Over all patients alive at each visit (all replicates); a visit with nobody alive is NaN.
    """
    out: dict[str, dict] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN visits give NaN
        for key, panel in BIOMARKER_PANELS.items():
            vals = run.visits[key]
            out[panel] = {}
            for a, name in enumerate(run.arm_names):
                q = np.nanpercentile(vals[run.arm == a], [low, 50.0, high], axis=0)
                out[panel][name] = {"low": q[0], "median": q[1], "high": q[2]}
    return out


def _biomarkers(report: HtmlReport, run) -> None:
    from mscsim.model import MSC_COVID

    units = {o.name: o.unit for o in MSC_COVID.observables}
    series = biomarker_bands(run)
    log = [
        p
        for p in LOG_PANELS
        if all(np.all(v[~np.isnan(v)] > 0) for band in series[p].values() for v in band.values())
    ]
    report.add_section(
        "Biomarkers",
        "Median and 5-95% range over all virtual patients alive "
        "at each visit (all replicate trials); cytokines on a log axis.",
    )
    report.add_figure(
        plot_biomarker_trajectories(
            run.visit_days,
            series,
            units={p: units[k] for k, p in BIOMARKER_PANELS.items()},
            log_scale=log,
        ),
        caption="Biomarker trajectories by arm",
        fmt="svg",
    )


def _lung(report: HtmlReport, run) -> None:
    from mscsim.trial import lung_summary

    report.add_section(
        "Long-term lung outcome",
        "Survivors of follow-up at the 6- and 12-month visits: lung function (DLCO, FVC in % "
        "of predicted, below 80% = impaired) and a residual abnormality on chest CT, from "
        "each patient's simulated fibrosis (docs/model.md).",
    )
    for scope, rep in (
        ("replicate trial 0", 0),
        (f"all {run.n_replicates} replicate trials", None),
    ):
        if rep is None and run.n_replicates == 1:
            continue
        rows = []
        for day in (180, 365):
            for arm, v in lung_summary(run, rep, day).items():
                rows.append(
                    {
                        "Month": day // 30,
                        "Arm": arm,
                        "Survivors assessed": v["assessed"],
                        "DLCO < 80% (%)": _num(v["dlco_below_80_pct"]),
                        "FVC < 80% (%)": _num(v["fvc_below_80_pct"]),
                        "Residual CT abnormality (%)": _num(v["ct_abnormal_pct"]),
                        "Median DLCO (% predicted)": _num(v["dlco_median"]),
                    }
                )
        report.add_table(rows, caption=f"Lung outcome per arm, {scope}")


# ----------------------------------------------------------------------------- endpoints
def _per_arm_text(per_arm: dict[str, np.ndarray]) -> str:
    """``"events treatment 3 / control 5"`` from replicate 0 of the per-arm summaries."""
    vals = {k: float(np.asarray(v, dtype=float).reshape(-1)[0]) for k, v in per_arm.items()}
    stems = dict.fromkeys(k.rsplit("_", 1)[0] for k in vals)
    return "; ".join(
        f"{stem.replace('_', ' ')}: "
        + " / ".join(
            f"{vals[k]:.3g}" for k in (f"{stem}_treatment", f"{stem}_control") if k in vals
        )
        for stem in stems
    )


def _ci_text(low: Any, high: Any) -> str:
    lo, hi = _num(low), _num(high)
    return "" if lo is None or hi is None else f"{lo:.3g} to {hi:.3g}"


def endpoint_rows(run, analyses) -> list[dict[str, Any]]:
    """One row per endpoint analysis of replicate trial 0 (the `Endpoints` table)."""
    many = len({an.arm for an in analyses}) > 1
    rows = []
    for an in analyses:
        res = an.result
        row = {"endpoint": an.label}
        if many:
            row["arm vs control"] = an.arm
        row.update(
            {
                "measure": an.measure,
                "estimate": _num(res.estimate),
                "95% CI": _ci_text(res.ci_low, res.ci_high),
                "p": _num(an.p_value),
                "treatment / control": _per_arm_text(an.per_arm),
            }
        )
        rows.append(row)
    return rows


def replicate_rows(analyses) -> list[dict[str, Any]]:
    """Power and 5-50-95% quantiles of each endpoint's estimate over the replicate trials."""
    from mscsim.trial import power_of

    rows = []
    for an in analyses:
        pw = power_of(an)
        rows.append(
            {
                "endpoint": an.label,
                "arm": an.arm,
                "measure": an.measure,
                "power": pw["power"],
                "estimate q05": _num(pw["estimate_q05"]),
                "median": _num(pw["estimate_median"]),
                "q95": _num(pw["estimate_q95"]),
                "failed tests": pw["n_failed"],
            }
        )
    return rows


def _endpoints(report: HtmlReport, run, analyses) -> None:
    methods = {an.measure: an.method for an in analyses}
    report.add_section(
        "Endpoints",
        "Replicate trial 0 is reported as the trial. Methods: "
        + "; ".join(f"{m}: {t}" for m, t in methods.items())
        + ".",
    )
    report.add_table(endpoint_rows(run, analyses), caption="Endpoint analyses, replicate trial 0")
    if run.n_replicates > 1:
        report.add_table(
            replicate_rows(analyses),
            caption=(
                f"Over {run.n_replicates} replicate trials: power (share with p < 0.05) and "
                "quantiles of the estimate"
            ),
        )


# ----------------------------------------------------------------------------- safety
def ae_records(run) -> dict[str, np.ndarray]:
    """Flat adverse-event records: patient, term, serious, related (disease SAEs, infusion AEs)."""
    rec = _ae_records(run)
    return {
        "patient": rec["patient"],
        "term": np.array(AE_TERMS, dtype=object)[rec["term"]],
        "serious": rec["serious"],
        "related": rec["related"],
    }


def _keep(rec: dict[str, np.ndarray], serious: bool | None, related: bool | None) -> np.ndarray:
    sel = np.ones(rec["patient"].size, bool)
    if serious is not None:
        sel &= rec["serious"] == serious
    if related is not None:
        sel &= rec["related"] == related
    return sel


def ae_entries(run, replicate: int = 0) -> list[dict[str, Any]]:
    """`ae_table_rows` entries of one trial: overall categories, then each term by flags."""
    rec = ae_records(run)
    mine = run.replicate[rec["patient"]] == replicate
    rec = {k: v[mine] for k, v in rec.items()}
    arm = run.arm[rec["patient"]]
    groups: list[tuple[str, dict[str, bool], np.ndarray]] = []
    for ser, rel in AE_OVERALL.values():
        flags = {k: v for k, v in (("serious", ser), ("related", rel)) if v is not None}
        groups.append(("Any adverse event", flags, _keep(rec, ser, rel)))
    keys = sorted(
        {
            (str(t), bool(s), bool(r))
            for t, s, r in zip(rec["term"], rec["serious"], rec["related"], strict=True)
        },
        key=lambda x: (not x[1], x[2], x[0]),
    )
    for term, ser, rel in keys:
        groups.append(
            (term, {"serious": ser, "related": rel}, (rec["term"] == term) & _keep(rec, ser, rel))
        )
    out = []
    for term, flags, sel in groups:
        for a, name in enumerate(run.arm_names):
            s = sel & (arm == a)
            out.append(
                {
                    "term": term,
                    "arm": name,
                    "patients": int(np.unique(rec["patient"][s]).size),
                    "events": int(s.sum()),
                    **flags,
                }
            )
    return out


def _ae_means(run) -> list[dict[str, Any]]:
    """Mean patients with >= 1 event and mean events per trial, by category and arm."""
    rec = ae_records(run)
    arm = run.arm[rec["patient"]]
    k = len(run.arm_names)
    rows = []
    for cat, (ser, rel) in AE_OVERALL.items():
        sel = _keep(rec, ser, rel)
        ev = np.bincount(arm[sel], minlength=k) / run.n_replicates
        pts = np.bincount(run.arm[np.unique(rec["patient"][sel])], minlength=k) / run.n_replicates
        row: dict[str, Any] = {"category": cat}
        for a, name in enumerate(run.arm_names):
            row[f"{name} patients"] = pts[a]
            row[f"{name} events"] = ev[a]
        rows.append(row)
    return rows


def _safety(report: HtmlReport, run) -> None:
    rep0 = run.replicate == 0
    n_by_arm = {name: int((run.arm[rep0] == a).sum()) for a, name in enumerate(run.arm_names)}
    report.add_section(
        "Adverse events",
        "Serious adverse events from the disease (not related "
        "to the product) and infusion-associated events within 24 h of an "
        "infusion (related when caused by the product), per arm of replicate "
        "trial 0: patients with at least one event and number of events.",
    )
    report.add_table(
        ae_table_rows(ae_entries(run, 0), n_by_arm), caption="Adverse events, replicate trial 0"
    )
    if run.n_replicates > 1:
        report.add_table(
            _ae_means(run),
            float_format="{:.3g}",
            caption="Mean per trial over "
            f"{run.n_replicates} replicate trials (patients with >= 1 event; events)",
        )


# ----------------------------------------------------------------------------- power, validation
def _power(report: HtmlReport, power) -> None:
    report.add_section(
        "Power by sample size", "Share of replicate trials with p < 0.05 at each total sample size."
    )
    report.add_figure(
        plot_power_curve(power.n, power.power, replicates=power.replicates), caption="Power curve"
    )
    report.add_table(
        {
            "endpoint": list(power.power),
            **{f"n={n}": [vals[i] for vals in power.power.values()] for i, n in enumerate(power.n)},
        },
        caption=f"Power ({power.replicates} replicate trials per size, seed {power.seed})",
    )


def _validation(report: HtmlReport, validation) -> None:
    rows = [v.to_dict() if hasattr(v, "to_dict") else dict(v) for v in validation]
    report.add_section(
        "Observed vs predicted",
        "Where each published result falls in the "
        "model's predictive distribution for the same design: median, 90% "
        "predictive interval (5th-95th percentile) and percentile.",
    )
    plotted = [
        {**r, "endpoint": f"{r['endpoint']}: {r['quantity']}"}
        for r in rows
        if all(np.isfinite(float(r[k])) for k in OVP_KEYS[1:])
    ]
    if plotted:
        report.add_figure(
            plot_observed_vs_predicted(plotted),
            caption="Published results against the predictive distribution",
        )
    report.add_table(rows, caption="Observed vs predicted")


def _provenance(run) -> dict[str, Any]:
    sc = run.scenario
    return {
        **run.provenance,
        "citation": sc.citation.text,
        "doi": sc.citation.doi,
        "status_counts": dict(run.status_counts),
        "timings_s": {k: round(float(v), 3) for k, v in run.timings.items()},
    }


def trial_report(run, analyses, *, power=None, validation=None) -> HtmlReport:
    """Assemble the self-contained HTML report of a virtual trial run.

    Parameters
    ----------
    run : mscsim.trial.TrialRun
        Result of :func:`mscsim.trial.run_trial`.
    analyses : list of mscsim.trial.EndpointAnalysis
        Result of :func:`mscsim.trial.analyse` on `run`.
    power : mscsim.trial.PowerCurve, optional
        Adds the "Power by sample size" section.
    validation : list of mscsim.trial.ValidationRow, optional
        Adds the "Observed vs predicted" section.

    Returns
    -------
    HtmlReport
        Sections: Design, Participant flow (CONSORT), Survival, Biomarkers, Long-term lung
        outcome, Endpoints,
        Adverse events, then Power by sample size and Observed vs predicted when given;
        provenance and the research-use notice come with every `HtmlReport`.
    """
    sc = run.scenario
    report = HtmlReport(
        f"Virtual trial: {sc.name}",
        provenance=_provenance(run),
        subtitle=f"{sc.title} | seed {run.seed}, {run.n_replicates} replicate "
        f"trial(s) of {run.sample_size} patients",
    )
    _design(report, run)
    _consort(report, run)
    _survival(report, run)
    _biomarkers(report, run)
    _lung(report, run)
    _endpoints(report, run, analyses)
    _safety(report, run)
    if power is not None:
        _power(report, power)
    if validation:
        _validation(report, validation)
    return report
