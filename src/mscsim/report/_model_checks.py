"""Figures and reports of the model's checks against the evidence base (computed elsewhere).

- :func:`plot_pit`: histogram of the probability-integral-transform values of the published
  numbers (uniform when the predictive distributions are calibrated) and the coverage of
  central intervals against their nominal level;
- :func:`plot_virtual_meta`: the virtual pooled estimates with the published one, and the
  per-trial observed vs predicted log risk ratio (forest plot).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from mscsim.report._html import HtmlReport
from mscsim.report._mpl import new_figure


def plot_pit(doc: dict[str, Any]):
    """PIT histogram and calibration curve of a ``validate-model`` document."""
    fig = new_figure((9.0, 3.6))
    ax1, ax2 = fig.subplots(1, 2)
    pit = np.array([r["pit"] for r in doc["results"] if r["pit"] is not None])
    ax1.hist(pit, bins=10, range=(0, 1), color="#4C72B0", edgecolor="white")
    ax1.axhline(pit.size / 10, color="k", lw=1, ls="--", label="calibrated (uniform)")
    ax1.set_xlabel("PIT (percentile of the published number / 100)")
    ax1.set_ylabel("published numbers")
    ax1.legend(frameon=False, fontsize=8)
    levels = np.linspace(0.05, 0.95, 19)
    cover = [np.mean(np.abs(pit - 0.5) <= lv / 2) for lv in levels] if pit.size else levels * 0
    ax2.plot(levels, cover, "o-", ms=3, label="leave-one-trial-out")
    ax2.plot([0, 1], [0, 1], "k--", lw=1, label="nominal")
    ax2.set_xlabel("nominal central interval")
    ax2.set_ylabel("share of published numbers inside")
    ax2.legend(frameon=False, fontsize=8)
    return fig


def plot_virtual_meta(doc: dict[str, Any]):
    """Virtual pooled RR histogram (published marked) and the per-trial forest plot."""
    fig = new_figure((10.0, 4.2))
    ax1, ax2 = fig.subplots(1, 2)
    v = np.asarray(doc["virtual_estimates"], dtype=float)
    v = v[np.isfinite(v)]
    ax1.hist(np.exp(v), bins=30, color="#999999")
    ax1.axvline(doc["observed"]["estimate"], color="#C44E52", lw=2, label="published pooled")
    ax1.set_xscale("log")
    ax1.set_xlabel(f"pooled {doc['measure']} ({doc['outcome']})")
    ax1.set_ylabel("virtual meta-analyses")
    ax1.set_title(f"published at the {doc['percentile']:.0f}th percentile", fontsize=9)
    ax1.legend(frameon=False, fontsize=8)
    names = list(doc["per_trial"])
    for i, name in enumerate(names):
        t = doc["per_trial"][name]
        b = t["log_rr"]
        ax2.plot([np.exp(b["low"]), np.exp(b["high"])], [i, i], color="#4C72B0", lw=3, alpha=0.6)
        ax2.plot(np.exp(b["median"]), i, "|", color="#4C72B0", ms=10)
        ax2.plot(np.exp(t["observed_log_rr"]), i, "o", color="#C44E52", ms=5)
    ax2.set_yticks(range(len(names)), names, fontsize=8)
    ax2.set_xscale("log")
    # plain decimal labels (every tenth on the narrow pooled axis, 1-2-5 on the forest plot)
    for ax, subs in ((ax1, tuple(range(1, 10))), (ax2, (1.0, 2.0, 5.0))):
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
        ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax2.axvline(1.0, color="k", lw=0.8)
    ax2.set_xlabel("RR (0.5-corrected): observed (dot) vs predicted 90% interval")
    return fig


def model_validation_report(doc: dict[str, Any], provenance: dict) -> HtmlReport:
    """Leave-one-trial-out coverage, PIT and per-trial table."""
    cov = doc["coverage"]
    rep = HtmlReport(
        "Leave-one-trial-out validation",
        provenance=provenance,
        subtitle=f"{doc['replicates']} virtual trials per trial, seed {doc['seed']}",
    )
    rep.add_section(
        "Coverage",
        f"{cov['inside_90']} of {cov['compared']} published numbers inside the 90% predictive "
        f"interval ({100 * (cov['coverage_90'] or 0):.0f}%), {cov['inside_50']} inside the 50% "
        f"interval ({100 * (cov['coverage_50'] or 0):.0f}%). Each trial is predicted from a "
        "posterior refitted without it. Where selection_rr is above 1 the prediction is that "
        "of a published trial: replicate virtual trials without a significant favourable "
        "reported comparison weigh 1/selection_rr, the risk ratio of publication.",
    )
    _excess_significance(rep, doc, "trials published a p-value below 0.05 in favour of MSC")
    if "by_kind" in doc:  # documents written before it lack the split
        rep.add_table(
            [{"kind": k, **c} for k, c in doc["by_kind"].items() if c["compared"]],
            caption="Coverage by kind of number: one arm's count, share, mean or median; "
            "p-values; effect estimates (RR, HR, MD)",
        )
    rep.add_figure(plot_pit(doc), caption="PIT histogram and interval coverage.")
    rep.add_table(
        [
            {k: v for k, v in t.items() if k not in ("primary", "selection_fit")}
            for t in doc["trials"]
        ],
        caption="Per trial",
    )
    keys = ("trial", "endpoint", "quantity", "observed", "predicted_median", "pi_low", "pi_high")
    rep.add_table(
        [
            {k: r[k] for k in (*keys, "percentile", "inside_50", "inside_90")}
            for r in doc["results"]
        ],
        caption="Every published number",
    )
    return rep


def _excess_significance(rep: HtmlReport, doc: dict[str, Any], what: str) -> None:
    """A section on the document's excess-significance test, if it has one."""
    x = doc.get("excess_significance")
    if x is not None:
        rep.add_section(
            "Excess significance",
            f"{x['observed']} of {x['trials']} {what}; their predictions expect "
            f"{x['expected']:.2f} (Ioannidis & Trikalinos' test, exact p = {x['p_exact']:.2g}).",
        )


def virtual_meta_report(doc: dict[str, Any], provenance: dict) -> HtmlReport:
    """The published pooled estimate among the virtual ones, with the per-trial forest plot."""
    rep = HtmlReport("Virtual meta-analysis", provenance=provenance)
    vq = doc["virtual"]
    rep.add_section(
        "Published vs virtual pooled estimate",
        f"Published pooled {doc['measure']} {doc['observed']['estimate']:.2f}; virtual median "
        f"{vq['median']:.2f} (10-90%: {vq['q10']:.2f} to {vq['q90']:.2f}); the published "
        f"estimate lies at the {doc['percentile']:.1f}th percentile.",
    )
    _excess_significance(
        rep, doc, "published comparisons are significant in favour of MSC (Fisher's exact p < 0.05)"
    )
    rep.add_figure(plot_virtual_meta(doc), caption="Virtual meta-analyses and per-trial forest.")
    return rep
