"""Observed trial results against the model's predictive distribution for the same design."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mscsim._errors import InputError
from mscsim.report import _checks
from mscsim.report._mpl import axes_grid, single_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

OVP_KEYS = ("endpoint", "observed", "predicted_median", "pi_low", "pi_high", "percentile")
_NUMERIC = OVP_KEYS[1:]


def _checked_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Sequence) or not rows:
        raise InputError("rows", "a non-empty list of mappings")
    out = []
    for i, row in enumerate(rows):
        field = f"rows[{i}]"
        _checks.mapping(field, row)
        _checks.keys(field, row, OVP_KEYS)
        vals = _checks.finite(field, _checks.float_array(field, [row[k] for k in _NUMERIC]))
        checked = dict(zip(_NUMERIC, vals.tolist(), strict=True))
        if not checked["pi_low"] <= checked["predicted_median"] <= checked["pi_high"]:
            raise InputError(f"{field}.pi_low/pi_high", "pi_low <= predicted_median <= pi_high")
        _checks.within(f"{field}.percentile", np.array([checked["percentile"]]), 0.0, 100.0)
        checked["endpoint"] = str(row["endpoint"])
        checked["unit"] = str(row.get("unit") or "")
        out.append(checked)
    return out


def plot_observed_vs_predicted(
    rows: Sequence[Mapping[str, Any]],
    *,
    axes: Axes | Sequence[Axes] | None = None,
    interval_label: str = "90% predictive interval",
) -> Figure:
    """Draw each published result against the model's predictive interval for that design.

    For every endpoint, a bar spans the predictive interval, a tick marks the predicted median
    and a red dot the observed (published) value; the observed value's percentile in the
    predictive distribution is written beside it. Endpoints on different scales get their own
    panel (the default, endpoint as panel title); passing a single ``Axes`` puts all rows on one shared axis.

    Parameters
    ----------
    rows : sequence of mapping
        One mapping per endpoint with keys ``endpoint``, ``observed``, ``predicted_median``,
        ``pi_low``, ``pi_high`` (the predictive interval, 5th and 95th percentiles for a 90%
        interval), ``percentile`` (0-100) and optionally ``unit``.
    axes : Axes or sequence of Axes, optional
        One shared axes, or one axes per row; new panels are made when omitted.
    interval_label : str
        Legend text of the interval bar.

    Returns
    -------
    matplotlib.figure.Figure
    """
    checked = _checked_rows(rows)
    if axes is not None and not isinstance(axes, Sequence):
        fig, ax = single_axes(axes, (6.0, 1.0 + 0.6 * len(checked)))
        for y, row in enumerate(checked):
            _draw_row(ax, y, row, interval_label if y == 0 else None)
        ax.set_yticks(range(len(checked)), [r["endpoint"] for r in checked])
        ax.set_ylim(len(checked) - 0.5, -0.5)
        ax.legend(fontsize="small", frameon=False, loc="best")
        return fig
    fig, grid = axes_grid(len(checked), axes, ncols=1, panel=(6.4, 1.3))
    for i, (ax, row) in enumerate(zip(grid, checked, strict=True)):
        _draw_row(ax, 0, row, interval_label if i == 0 else None)
        ax.set_yticks([])
        ax.set_ylim(-0.8, 0.8)
        ax.set_title(row["endpoint"], loc="left", fontsize="medium")
        ax.set_xlabel(row["unit"], fontsize="small")
    if axes is None:
        fig.legend(fontsize="small", frameon=False, loc="outside lower center", ncols=3)
    else:
        grid[0].legend(fontsize="small", frameon=False, loc="best")
    return fig


def _draw_row(ax: Axes, y: float, row: dict[str, Any], label: str | None) -> None:
    """Interval bar, median tick, observed dot and percentile note for one endpoint."""
    ax.plot(
        [row["pi_low"], row["pi_high"]],
        [y, y],
        color="#0072B2",
        lw=6,
        alpha=0.35,
        solid_capstyle="butt",
        label=label,
    )
    ax.plot(
        [row["predicted_median"]],
        [y],
        marker="|",
        ms=16,
        mew=2,
        color="#0072B2",
        ls="none",
        label=None if label is None else "predicted median",
    )
    ax.plot(
        [row["observed"]],
        [y],
        marker="o",
        ms=7,
        color="#D55E00",
        ls="none",
        label=None if label is None else "observed (published)",
    )
    ax.annotate(
        f"percentile {row['percentile']:.0f}",
        xy=(1.0, y),
        xycoords=("axes fraction", "data"),
        xytext=(4, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize="small",
        annotation_clip=False,
        clip_on=False,
    )
    ax.grid(axis="x", alpha=0.3)
    ax.margins(x=0.08)
