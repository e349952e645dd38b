"""Biomarker trajectories by arm: median line and a percentile band per arm, one panel each."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from mscsim._errors import InputError
from mscsim.report import _checks
from mscsim.report._mpl import arm_color, axes_grid

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_BAND_KEYS = ("median", "low", "high")


def _checked_panel(
    name: str, arms: object, n_time: int, log: bool
) -> dict[str, dict[str, np.ndarray]]:
    field = f"series[{name!r}]"
    _checks.mapping(field, arms)
    out: dict[str, dict[str, np.ndarray]] = {}
    for arm, band in arms.items():
        sub = f"{field}[{arm!r}]"
        _checks.mapping(sub, band)
        _checks.keys(sub, band, _BAND_KEYS)
        out[arm] = {
            k: _checks.float_array(f"{sub}.{k}", band[k], length=n_time) for k in _BAND_KEYS
        }
        if log:
            values = np.concatenate(list(out[arm].values()))
            if np.any(values[~np.isnan(values)] <= 0):
                raise InputError(f"{sub}", "positive values on a log-scale panel")
    return out


def plot_biomarker_trajectories(
    time: Sequence[float],
    series: Mapping[str, Mapping[str, Mapping[str, Sequence[float]]]],
    *,
    units: Mapping[str, str],
    log_scale: Collection[str] = (),
    band_label: str = "5-95% range",
    axes: Sequence[Axes] | None = None,
    ncols: int = 2,
    xlabel: str = "Days since enrollment",
) -> Figure:
    """Draw each biomarker's median trajectory per arm with a shaded percentile band.

    Parameters
    ----------
    time : sequence of float
        Shared time grid (non-decreasing), e.g. days since enrollment.
    series : mapping
        ``{biomarker: {arm: {"median": [...], "low": [...], "high": [...]}}}``, each list one value
        per time point; ``low``/``high`` are the band edges named by `band_label` (by default the
        5th and 95th percentiles across virtual patients). NaN leaves a gap.
    units : mapping of str to str
        Unit of every biomarker, shown in its y-axis label (e.g. ``{"IL-6": "pg/mL"}``).
    log_scale : collection of str
        Biomarkers drawn on a logarithmic y axis (e.g. cytokines); their values must be positive.
    band_label : str
        Legend text of the band.
    axes : sequence of matplotlib.axes.Axes, optional
        One axes per biomarker, in `series` order; a grid with `ncols` columns is made if omitted.
    ncols : int
        Columns of a new grid.
    xlabel : str
        x-axis label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = _checks.nondecreasing("time", _checks.float_array("time", time))
    _checks.mapping("series", series)
    _checks.mapping("units", units)
    for name in series:
        if not isinstance(units.get(name), str) or not units[name]:
            raise InputError(f"units[{name!r}]", "a unit for every biomarker, e.g. 'pg/mL'")
    unknown = [name for name in log_scale if name not in series]
    if unknown:
        raise InputError("log_scale", f"names among {', '.join(series)}", got=unknown[0])
    panels = {
        name: _checked_panel(name, arms, t.size, name in log_scale) for name, arms in series.items()
    }
    fig, grid = axes_grid(len(panels), axes, ncols=ncols, panel=(4.8, 3.2))
    arm_order = list(dict.fromkeys(arm for arms in panels.values() for arm in arms))
    for ax, (name, arms) in zip(grid, panels.items(), strict=True):
        for arm, band in arms.items():
            color = arm_color(arm_order.index(arm))
            ax.fill_between(t, band["low"], band["high"], color=color, alpha=0.18, lw=0)
            ax.plot(t, band["median"], color=color, lw=1.8, marker="o", ms=3, label=arm)
        if name in log_scale:
            ax.set_yscale("log")
        ax.set_title(name)
        ax.set_ylabel(f"{name} ({units[name]})")
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
    _legend(grid[0], band_label)
    return fig


def _legend(ax: Axes, band_label: str) -> None:
    """Legend of arms (median lines) plus one grey patch explaining the band."""
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(color="0.5", alpha=0.3, lw=0))
    labels.append(band_label)
    ax.legend(
        handles,
        [f"{lab} (median)" for lab in labels[:-1]] + labels[-1:],
        fontsize="small",
        frameon=False,
    )
