"""Which mechanisms drive the MSC benefit: sensitivity indices per effect measure (bars)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mscsim._errors import InputError
from mscsim.report._mpl import arm_color, axes_grid

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_BARS = {
    "sobol": (("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")),
    "morris": (("mu_star", "mu_star_conf", "mu*"), ("sigma", None, "sigma")),
}


def plot_sensitivity(
    result, *, axes: Sequence[Axes] | None = None, title: str | None = None
) -> Figure:
    """Draw the indices of a :class:`mscsim.trial.SensitivityResult`, one panel per measure.

    Sobol: first-order and total indices with their bootstrap intervals (error bars); Morris:
    ``mu*`` with its interval and ``sigma``. Parameters are sorted by the total index (``mu*``)
    of each panel, largest on top. Nothing is computed here: the indices come from the result.

    Parameters
    ----------
    result : SensitivityResult
        The analysis (``result.indices``, ``result.measures``, ``result.method``).
    axes : sequence of matplotlib.axes.Axes, optional
        One axes per effect measure; a new figure is made when omitted.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    method = result.method
    if method not in _BARS or not result.indices:
        raise InputError("result", "a Sobol or Morris sensitivity result with indices")
    measures = list(result.indices)
    fig, grid = axes_grid(len(measures), axes, ncols=len(measures), panel=(3.6, 4.2))
    (a_key, a_conf, a_label), (b_key, b_conf, b_label) = _BARS[method]
    for k, (ax, m) in enumerate(zip(grid, measures)):
        rows = sorted(result.indices[m], key=lambda r: r[b_key if method == "sobol" else a_key])
        y = np.arange(len(rows))
        h = 0.38
        for off, key, conf, label, color in (
            (-h / 2, a_key, a_conf, a_label, arm_color(0)),
            (h / 2, b_key, b_conf, b_label, arm_color(1)),
        ):
            vals = np.array([r[key] for r in rows])
            err = None if conf is None else np.array([r[conf] for r in rows])
            ax.barh(y + off, vals, height=h, xerr=err, color=color, label=label,
                    error_kw={"lw": 0.8, "capsize": 2})  # fmt: skip
        if method == "sobol":  # indices lie in [0, 1]; a wider interval runs off the panel
            ax.set_xlim(-0.2, 1.1)
        ax.set_yticks(y, [r["parameter"] for r in rows])
        ax.axvline(0.0, color="0.3", lw=0.8)
        info = result.measures.get(m, {})
        ax.set_title(info.get("label", m), fontsize="small", wrap=True)
        ax.set_xlabel("index" if method == "sobol" else f"effect ({info.get('unit', '')})")
        ax.grid(axis="x", alpha=0.3)
        if k == 0:
            ax.legend(fontsize="small", frameon=False, loc="lower right")
    if title:
        fig.suptitle(title, fontsize="medium")
    return fig
