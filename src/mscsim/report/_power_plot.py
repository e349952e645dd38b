"""Power against sample size, one line per endpoint, with the conventional 80% reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from mscsim._errors import InputError
from mscsim.report import _checks
from mscsim.report._mpl import arm_color, single_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_power_curve(
    n: Sequence[int],
    power: Mapping[str, Sequence[float]],
    *,
    target: float = 0.8,
    replicates: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str = "Patients randomized (all arms)",
    ylabel: str = "Power (share of replicates with p < 0.05)",
) -> Figure:
    """Draw estimated power against total sample size for each endpoint.

    Power is the share of virtual replicate trials with :math:`p < \\alpha`, computed upstream;
    this function only draws it, with a dashed reference line at `target` (0.8 by convention,
    Cohen 1988, *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., ch. 1.4).

    Parameters
    ----------
    n : sequence of int
        Total sample sizes, strictly increasing.
    power : mapping of str to sequence of float
        ``{endpoint: [power at each n]}``, values in [0, 1] (NaN leaves a gap).
    target : float
        Height of the reference line.
    replicates : int, optional
        Replicate trials per size, shown in the legend title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.
    title, xlabel, ylabel : str
        Labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    sizes = _checks.finite("n", _checks.float_array("n", n))
    if sizes.size == 0 or np.any(np.diff(sizes) <= 0) or np.any(sizes <= 0):
        raise InputError("n", "positive sample sizes in increasing order")
    _checks.mapping("power", power)
    lines = {
        name: _checks.within(
            f"power[{name!r}]", _checks.float_array(f"power[{name!r}]", p, length=sizes.size), 0, 1
        )
        for name, p in power.items()
    }
    if not 0.0 < target < 1.0:
        raise InputError("target", "a power strictly between 0 and 1", got=target)
    fig, ax = single_axes(ax, (6.0, 4.0))
    for i, (name, p) in enumerate(lines.items()):
        ax.plot(sizes, p, marker="o", lw=1.8, color=arm_color(i), label=name)
    ax.axhline(target, color="0.3", ls="--", lw=1.0, label=f"{target:.0%} power")
    ax.set_ylim(0.0, 1.02)
    ax.set_xticks(sizes, [f"{s:g}" for s in sizes])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    legend_title = None
    if replicates is not None:
        legend_title = f"{_checks.count('replicates', replicates)} replicates per size"
    ax.legend(title=legend_title, fontsize="small", title_fontsize="small", frameon=False)
    if title:
        ax.set_title(title)
    return fig
