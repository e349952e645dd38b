"""Observables of one patient over time, treated vs untreated (draws, never computes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mscsim.report._mpl import new_figure

_LOG = {"viral_load", "il6", "tnf", "il10", "crp", "msc_lung"}


def plot_timecourse(
    time: Sequence[float],
    series: Mapping[str, Mapping[str, Sequence[float]]],
    units: Mapping[str, str],
    *,
    title: str | None = None,
    dose_days: Sequence[float] = (),
    ncols: int = 4,
) -> Any:
    """Grid of panels, one per observable; `series` is ``{label: {observable: values}}``."""
    names = list(next(iter(series.values())).keys())
    nrows = -(-len(names) // ncols)
    fig = new_figure(figsize=(3.4 * ncols, 2.5 * nrows))
    t = np.asarray(time, dtype=float)
    for k, name in enumerate(names):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        for label, obs in series.items():
            y = np.asarray(obs[name], dtype=float)
            if name in _LOG:
                y = np.where(y > 0, y, np.nan)
            ax.plot(t, y, label=label, lw=1.4)
        if name in _LOG:
            ax.set_yscale("log")
        if name == "pf_ratio":
            for lvl in (300, 200, 100):
                ax.axhline(lvl, color="0.7", lw=0.6, ls="--")
        for d in dose_days:
            ax.axvline(d, color="tab:green", lw=0.6, alpha=0.5)
        ax.set_title(f"{name} [{units.get(name, '')}]", fontsize=9)
        ax.set_xlabel("days since symptom onset", fontsize=8)
        ax.tick_params(labelsize=7)
        if k == 0:
            ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
