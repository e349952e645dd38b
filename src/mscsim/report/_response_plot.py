"""Response surface of a regimen search: utility against one regimen variable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mscsim._errors import InputError
from mscsim.report._mpl import arm_color, single_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_response(
    candidates: Sequence[dict],
    x: str,
    *,
    color_by: str | None = None,
    log_x: bool = False,
    best: dict | None = None,
    ax: Axes | None = None,
    xlabel: str | None = None,
) -> Figure:
    """Mean utility (± its Monte Carlo SE) of every candidate against ``candidates[i][x]``.

    Candidates come from an optimization result (computed upstream); infeasible ones (toxicity
    constraint broken) are drawn hollow, the recommended one is circled.
    """
    if not candidates or any(x not in c or "utility" not in c for c in candidates):
        raise InputError("candidates", f"a non-empty list of dicts with 'utility' and {x!r}")
    fig, ax = single_axes(ax, (5.5, 3.6))
    xs = np.array([float(c[x]) for c in candidates])
    us = np.array([float(c["utility"]) for c in candidates])
    se = np.array([float(c.get("utility_se", 0.0)) for c in candidates])
    se = np.where(np.isfinite(se), se, 0.0)
    groups = sorted({c[color_by] for c in candidates}) if color_by else [None]
    for g_i, g in enumerate(groups):
        sel = np.array([color_by is None or c[color_by] == g for c in candidates])
        feas = np.array([bool(c.get("feasible", True)) for c in candidates])
        col = arm_color(g_i)
        label = None if g is None else f"{color_by} = {g}"
        ax.errorbar(xs[sel], us[sel], yerr=se[sel], fmt="none", ecolor=col, alpha=0.4, lw=0.8)
        ax.scatter(xs[sel & feas], us[sel & feas], color=col, s=18, label=label)
        ax.scatter(xs[sel & ~feas], us[sel & ~feas], facecolors="none", edgecolors=col, s=18)
    if best is not None:
        ax.scatter(
            [float(best[x])],
            [float(best["utility"])],
            s=120,
            facecolors="none",
            edgecolors="black",
            lw=1.5,
            label="recommended",
        )
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel("Mean utility (± MC SE)")
    if color_by or best is not None:
        ax.legend(fontsize=7, frameon=False)
    return fig
