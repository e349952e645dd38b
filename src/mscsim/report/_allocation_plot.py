"""Allocation of a multi-arm adaptive design: mean share of each arm per look."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mscsim._errors import InputError
from mscsim.report._mpl import arm_color, single_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_allocation(oc: dict, ax: Axes | None = None) -> Figure:
    """Mean allocation probability of the control and every active arm for the patients
    enrolled before each look (trials still running), from a multi-arm result dict."""
    if "per_arm" not in oc or "control_share" not in oc:
        raise InputError("oc", "a multi-arm operating-characteristics dict (design adaptive)")
    fig, ax = single_axes(ax, (5.5, 3.4))
    looks = np.arange(1, len(oc["sizes"]) + 1)
    rows = [(f"{oc['control']} (control)", oc["control_share"])]
    rows += [(a["arm"], a["mean_share"]) for a in oc["per_arm"]]
    for i, (name, share) in enumerate(rows):
        y = np.array([np.nan if s is None else s for s in share], dtype=float)
        ax.plot(looks, y, marker="o", color=arm_color(i), label=name)
    ax.set_xticks(looks, [f"{k}\n(n ≤ {n})" for k, n in zip(looks, oc["sizes"], strict=True)])
    ax.set_xlabel("batch before look")
    ax.set_ylabel("mean allocation share")
    ax.set_ylim(0, 1)
    ax.legend(frameon=False, fontsize=8)
    return fig
