"""Reports of power and validation studies (figures from precomputed results)."""

from __future__ import annotations

from typing import Any

from mscsim.report._html import HtmlReport
from mscsim.report._ovp_plot import plot_observed_vs_predicted
from mscsim.report._power_plot import plot_power_curve


def power_report(curve: Any, provenance: dict) -> HtmlReport:
    """Power of each endpoint against total sample size (a `PowerCurve`)."""
    rep = HtmlReport(
        f"Power: {curve.scenario}",
        provenance=provenance,
        subtitle=f"{curve.replicates} virtual trials per sample size, seed {curve.seed}, alpha 0.05",
    )
    rep.add_section(
        "Power curve",
        "Share of replicate virtual trials with p < 0.05 for each endpoint; a test "
        "that could not be computed counts as not significant.",
    )
    rep.add_figure(
        plot_power_curve(curve.n, curve.power, replicates=curve.replicates),
        caption="Power by total sample size (0.8 reference line).",
    )
    rows = [
        {"endpoint": ep, **{f"n={n}": p for n, p in zip(curve.n, vals)}}
        for ep, vals in curve.power.items()
    ]
    rep.add_table(rows, caption="Power per endpoint and sample size")
    return rep


def validation_report(scenario: str, rows: list[dict], provenance: dict) -> HtmlReport:
    """Observed published results against the model's predictive distribution."""
    rep = HtmlReport(f"Observed vs predicted: {scenario}", provenance=provenance)
    rep.add_section(
        "Observed vs predicted",
        "Each published number against the distribution of the same "
        "statistic over replicate virtual trials of the published design (median, 90% "
        "predictive interval, percentile of the observed value). Where selection_rr is above "
        "1 the prediction is that of a published trial: replicates without a significant "
        "favourable reported comparison weigh 1/selection_rr.",
    )
    ovp = [
        {
            "endpoint": f"{r['endpoint']}: {r['quantity']}",
            "observed": r["observed"],
            "predicted_median": r["predicted_median"],
            "pi_low": r["pi_low"],
            "pi_high": r["pi_high"],
            "percentile": r["percentile"],
        }
        for r in rows
    ]
    if ovp:
        rep.add_figure(
            plot_observed_vs_predicted(ovp), caption="Observed (point) vs 90% predictive interval."
        )
    rep.add_table(rows, caption="Published results and predictions")
    return rep
