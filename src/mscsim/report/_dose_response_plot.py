"""Dose-response figure: benefit, long-term lung outcome and toxicity against dose."""

from __future__ import annotations

from collections.abc import Sequence

from mscsim.report._mpl import axes_grid


def plot_dose_response(points: Sequence, title: str = ""):
    """Four panels against dose per infusion (log axis) from :func:`mscsim.trial.dose_response`
    points: P/F gain at day 7, 28-day mortality (treated and control), 1-year lung outcome,
    infusion toxicity."""
    dose = [p.dose for p in points]
    unit = points[0].unit if points else ""
    fig, grid = axes_grid(4, None, ncols=2, panel=(4.5, 3.3))
    axes = [grid[:2], grid[2:]]
    panels = (
        (
            axes[0][0],
            "P/F gain at day 7 (mmHg)",
            [("treated - same patients untreated", [p.pf_gain_d7 for p in points])],
        ),
        (
            axes[0][1],
            "28-day mortality (%)",
            [
                ("treated", [p.mortality_d28 for p in points]),
                ("same patients untreated", [p.mortality_d28_control for p in points]),
            ],
        ),
        (
            axes[1][0],
            "1-year lung outcome, survivors (%)",
            [
                ("DLCO < 80% predicted", [p.dlco_below_80_d365 for p in points]),
                ("residual CT abnormality", [p.ct_abnormal_d365 for p in points]),
            ],
        ),
        (
            axes[1][1],
            "Infusion toxicity, treated (%)",
            [
                ("thrombo-embolic (serious)", [p.infusion_toxicity for p in points]),
                ("infusion reaction", [p.infusion_reaction for p in points]),
            ],
        ),
    )
    for ax, label, series in panels:
        for name, ys in series:
            ax.plot(dose, ys, marker="o", label=name)
        ax.set_xscale("log")
        ax.set_xlabel(f"dose per infusion ({unit})")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig
