"""Kaplan-Meier curves per arm with confidence bands and a numbers-at-risk table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mscsim._errors import InputError
from mscsim.report import _checks
from mscsim.report._mpl import arm_color, new_figure, single_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_KM_KEYS = ("time", "survival", "ci_low", "ci_high")


def _checked_arm(arm: str, curve: Any, n_risk: int | None) -> dict[str, np.ndarray]:
    name = f"curves[{arm!r}]"
    _checks.mapping(name, curve)
    _checks.keys(name, curve, _KM_KEYS)
    time = _checks.nondecreasing(f"{name}.time", _checks.float_array(f"{name}.time", curve["time"]))
    if time.size == 0:
        raise InputError(f"{name}.time", "at least one time point")
    out = {"time": time}
    for key in _KM_KEYS[1:]:
        arr = _checks.float_array(f"{name}.{key}", curve[key], length=time.size)
        out[key] = _checks.within(f"{name}.{key}", arr, 0.0, 1.0)
    _checks.finite(f"{name}.survival", out["survival"])
    if n_risk is not None:
        if "at_risk" not in curve:
            raise InputError(f"{name}.at_risk", "one count per at_risk_times entry")
        risk = _checks.float_array(f"{name}.at_risk", curve["at_risk"], length=n_risk)
        if np.any(~np.isfinite(risk) | (risk < 0) | (risk != np.round(risk))):
            raise InputError(f"{name}.at_risk", "non-negative integer counts")
        out["at_risk"] = risk.astype(int)
    return out


def plot_km(
    curves: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    at_risk_times: Sequence[float] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str = "Days since enrollment",
    ylabel: str = "Survival probability",
    ci_label: str = "95% CI",
) -> Figure:
    """Draw Kaplan-Meier survival curves per arm with pointwise confidence bands.

    The estimates are drawn as right-continuous step functions, :math:`\\hat S(t) =
    \\hat S(t_i)` for :math:`t_i \\le t < t_{i+1}` (Kaplan & Meier 1958, JASA 53:457), with the
    band between ``ci_low`` and ``ci_high`` shaded. Nothing is estimated here.

    Parameters
    ----------
    curves : mapping of str to mapping
        ``{arm: {"time": [...], "survival": [...], "ci_low": [...], "ci_high": [...]}}``: the
        step points of each arm's estimate (time non-decreasing, probabilities in [0, 1]; NaN
        allowed in the CI). With `at_risk_times`, each arm also needs ``"at_risk"``: the number
        at risk at each of those times.
    at_risk_times : sequence of float, optional
        Times of the numbers-at-risk table drawn under the axes; they also become the x ticks.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.
    title, xlabel, ylabel, ci_label : str
        Labels; ``ci_label`` names the band in the legend.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    _checks.mapping("curves", curves)
    risk_t = None
    if at_risk_times is not None:
        risk_t = _checks.finite(
            "at_risk_times", _checks.float_array("at_risk_times", at_risk_times)
        )
    arms = {
        arm: _checked_arm(arm, curve, None if risk_t is None else risk_t.size)
        for arm, curve in curves.items()
    }
    table = None
    if ax is None and risk_t is not None:
        fig = new_figure((6.4, 4.4 + 0.22 * (len(arms) + 1)))
        grid = fig.add_gridspec(2, 1, height_ratios=(4.4, 0.22 * (len(arms) + 1)))
        ax = fig.add_subplot(grid[0])
        table = fig.add_subplot(grid[1], sharex=ax)
    fig, ax = single_axes(ax, (6.4, 4.4))
    for i, (arm, c) in enumerate(arms.items()):
        color = arm_color(i)
        ax.step(c["time"], c["survival"], where="post", color=color, lw=1.8, label=arm)
        ax.fill_between(
            c["time"],
            c["ci_low"],
            c["ci_high"],
            step="post",
            color=color,
            alpha=0.18,
            lw=0,
            label=f"{arm} {ci_label}",
        )
    ax.set_ylim(0.0, 1.03)
    ax.set_xlim(left=min(0.0, min(float(c["time"][0]) for c in arms.values())))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize="small", frameon=False)
    if title:
        ax.set_title(title)
    if risk_t is not None:
        _draw_at_risk(ax, table, risk_t, arms)
    return fig


def _draw_at_risk(
    ax: Axes, table: Axes | None, times: np.ndarray, arms: dict[str, dict[str, np.ndarray]]
) -> None:
    """Draw the numbers-at-risk table in `table` (or a strip under `ax`) at the x ticks."""
    ax.set_xticks(times)
    ax.set_xlim(right=max(ax.get_xlim()[1], float(times.max())))
    n = len(arms)
    if table is None:
        height = 0.065 * (n + 1)
        table = ax.inset_axes((0.0, -0.17 - height, 1.0, height), sharex=ax)
    table.set_ylim(n - 0.5, -1.5)
    table.set_yticks(range(n), list(arms))
    for i, label in enumerate(table.get_yticklabels()):
        label.set_color(arm_color(i))
    table.tick_params(left=False, bottom=False, labelbottom=False, pad=14)
    for spine in table.spines.values():
        spine.set_visible(False)
    table.patch.set_visible(False)
    table.text(
        0.0,
        -1,
        "Number at risk",
        transform=table.get_yaxis_transform(),
        ha="left",
        va="center",
        fontsize="small",
        fontweight="bold",
    )
    for i, c in enumerate(arms.values()):
        for t, k in zip(times, c["at_risk"], strict=True):
            table.text(t, i, str(int(k)), ha="center", va="center", fontsize="small")
