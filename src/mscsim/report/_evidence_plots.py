"""Forest and funnel plots of evidence-synthesis results (PNG or SVG, publication quality).

The plots only draw what the results hold (`MetaResult`, `SubgroupResult`,
`SequentialResult` from `mscsim.evidence`); no statistic is computed here. Ratio measures
are drawn on the log scale with ticks labelled as ratios. matplotlib is imported lazily and
the figures use the Agg canvas, so no global backend is changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mscsim._atomic import atomic_file, check_output_file
from mscsim._errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from mscsim.evidence import MetaResult

_FORMATS = {".png": "png", ".svg": "svg"}
_TICK_SETS = (
    (0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2),
    (0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10),
    (0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50),
    (0.01, 0.1, 1, 10, 100),
)


@dataclass(frozen=True)
class _Row:
    label: str
    est: float | None = None
    lo: float | None = None
    hi: float | None = None
    weight: float | None = None
    kind: str = "study"  # study | point | diamond | pi | header | text


def _fmt(x: float | None, ratio: bool) -> str:
    if x is None or not math.isfinite(x):
        return "NA"
    return f"{math.exp(x):.2f}" if ratio else f"{x:.2f}"


def _summary_rows(res: MetaResult, label: str) -> list[_Row]:
    rows = [_Row(label, res.estimate, res.ci_low, res.ci_high, kind="diamond")]
    if res.method not in ("FE", "MH", "PETO") and res.k > 1:
        rows.append(_Row("  prediction interval", res.estimate, res.pi_low, res.pi_high, kind="pi"))
    het = (
        f"  tau\u00b2 = {res.tau2:.3f}; I\u00b2 = {res.i2:.0f}%; "
        f"Q({res.q_df}) = {res.q:.2f}, p = {res.q_p:.3g}"
    )
    rows.append(_Row(het, kind="text"))
    return rows


def _study_rows(res: MetaResult) -> list[_Row]:
    return [_Row(s.study, s.effect, s.ci_low, s.ci_high, s.weight) for s in res.studies]


def _method_label(res: MetaResult) -> str:
    return f"{res.method}{' + HKSJ' if res.hksj else ''}"


def _rows_for(result: Any) -> tuple[list[_Row], MetaResult]:
    if hasattr(result, "groups"):  # SubgroupResult
        rows: list[_Row] = []
        for name, res in result.groups:
            rows.append(_Row(f"{result.by}: {name}", kind="header"))
            rows += _study_rows(res) + _summary_rows(res, f"  subgroup ({res.k} studies)")
        rows += _summary_rows(result.overall, f"Overall ({_method_label(result.overall)})")
        rows.append(
            _Row(
                f"  subgroup differences: Q({result.q_between_df}) = "
                f"{result.q_between:.2f}, p = {result.q_between_p:.3g}",
                kind="text",
            )
        )
        return rows, result.overall
    if hasattr(result, "steps"):  # SequentialResult
        sign = "+ " if result.analysis == "cumulative" else "\u2212 "
        rows = [
            _Row(f"{sign}{lab}", r.estimate, r.ci_low, r.ci_high, kind="point")
            for lab, r in zip(result.labels, result.steps, strict=True)
        ]
        return rows, result.steps[-1]
    rows = _study_rows(result)
    if result.dropped:
        rows.append(_Row(f"not estimable (zero events): {', '.join(result.dropped)}", kind="text"))
    return rows + _summary_rows(result, f"Pooled ({_method_label(result)})"), result


def _xlim(rows: list[_Row], ratio: bool) -> tuple[float, float]:
    vals = [v for r in rows for v in (r.lo, r.hi) if v is not None and math.isfinite(v)]
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    pad = 0.05 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    if ratio:
        lo, hi = max(lo, math.log(0.01)), min(hi, math.log(100))
    return lo, hi


def _draw_row(ax: Axes, y: float, row: _Row, wmax: float) -> None:
    if row.est is None or row.lo is None or row.hi is None or not math.isfinite(row.est):
        return
    if row.kind == "diamond":
        ax.fill(
            [row.lo, row.est, row.hi, row.est],
            [y, y + 0.35, y, y - 0.35],
            color="#1f3b73",
            zorder=3,
        )
    elif row.kind == "pi":
        ax.plot([row.lo, row.hi], [y, y], color="#1f3b73", lw=1.2, ls=(0, (4, 2)))
        ax.plot([row.lo, row.lo], [y - 0.15, y + 0.15], color="#1f3b73", lw=1.2)
        ax.plot([row.hi, row.hi], [y - 0.15, y + 0.15], color="#1f3b73", lw=1.2)
    else:
        ax.plot([row.lo, row.hi], [y, y], color="black", lw=1.0, zorder=2)
        size = 30.0 if row.weight is None else 12 + 140 * row.weight / wmax
        ax.scatter(
            [row.est],
            [y],
            marker="s" if row.kind == "study" else "o",
            s=size,
            color="#4a4a4a",
            zorder=3,
        )


def _axis_labels(ax: Axes, res: MetaResult, lo: float, hi: float) -> None:
    if res.is_ratio:
        ticks: list[float] = []
        for tick_set in _TICK_SETS:  # the densest set that is not crowded
            ticks = [t for t in tick_set if lo <= math.log(t) <= hi]
            if len(ticks) <= 8:
                break
        ax.set_xticks([math.log(t) for t in ticks])
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.axvline(0.0, color="grey", lw=0.8)
        ax.set_xlabel(f"{res.measure} (log scale); < 1 favours MSC")
    else:
        ax.axvline(0.0, color="grey", lw=0.8)
        ax.set_xlabel(res.measure)


def _new_figure(nrows: int) -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 1.2 + 0.28 * nrows))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.34, 0.9 / (1.2 + 0.28 * nrows), 0.36, 1 - 1.2 / (1.2 + 0.28 * nrows)))
    return fig, ax


def plot_forest(
    result: Any, path: str | Path | None = None, *, title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Forest plot of a `MetaResult`, `SubgroupResult` or `SequentialResult`.

    Study rows show squares sized by weight with their CIs, the label on the left and the
    effect [CI] and weight on the right; the pooled estimate is a diamond with its
    prediction interval (random effects) and a heterogeneity line; subgroup results add a
    section per subgroup and the test for subgroup differences; cumulative and
    leave-one-out results show one estimate per step. Writes ``path`` (``.png`` at 300 dpi
    or ``.svg``) if given and returns the figure.
    """
    rows, ref = _rows_for(result)
    if ax is None:
        fig, ax = _new_figure(len(rows))
    else:
        fig = ax.figure
    ratio = ref.is_ratio
    lo, hi = _xlim(rows, ratio)
    ax.set_xlim(lo, hi)
    ax.set_ylim(len(rows) - 0.4, -1.2)
    weights = [r.weight for r in rows if r.weight]
    wmax = max(weights) if weights else 1.0
    trans = ax.get_yaxis_transform()
    ax.text(-0.02, -0.9, "Study", transform=trans, ha="right", fontweight="bold", fontsize=9)
    right = f"{ref.measure} [{round(ref.level * 100)}% CI]"
    ax.text(1.02, -0.9, right, transform=trans, ha="left", fontweight="bold", fontsize=9)
    if any(r.weight is not None for r in rows):
        ax.text(1.48, -0.9, "Weight", transform=trans, ha="right", fontweight="bold", fontsize=9)
    for y, row in enumerate(rows):
        bold = "bold" if row.kind in ("diamond", "header") else "normal"
        style = "italic" if row.kind in ("text", "pi") else "normal"
        ax.text(
            -0.02,
            y,
            row.label,
            transform=trans,
            ha="right",
            va="center",
            fontsize=8.5,
            fontweight=bold,
            fontstyle=style,
        )
        if row.est is not None and row.kind != "text":
            point = "" if row.kind == "pi" else f"{_fmt(row.est, ratio)} "
            ax.text(
                1.02,
                y,
                f"{point}[{_fmt(row.lo, ratio)}, {_fmt(row.hi, ratio)}]",
                transform=trans,
                ha="left",
                va="center",
                fontsize=8.5,
                fontweight=bold,
            )
        if row.weight is not None:
            ax.text(
                1.48,
                y,
                f"{row.weight:.1f}%",
                transform=trans,
                ha="right",
                va="center",
                fontsize=8.5,
            )
        _draw_row(ax, y, row, wmax)
    _axis_labels(ax, ref, lo, hi)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=10, loc="left", x=-0.9)
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_funnel(
    result: MetaResult,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Funnel plot: study effects against their standard errors (inverted axis).

    Draws the pooled estimate and the pseudo-confidence region given by
    `MetaResult.funnel_limits`; writes ``path`` (PNG/SVG) if given.
    """
    import numpy as np

    if ax is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(5.5, 4.5))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
    else:
        fig = ax.figure
    eff = np.array([s.effect for s in result.studies])
    se = np.sqrt([s.variance for s in result.studies])
    grid = np.linspace(0.0, float(se.max()) * 1.05, 50)
    low, high = result.funnel_limits(grid)
    ax.fill_betweenx(grid, low, high, color="#e8edf5", zorder=0)
    ax.plot(low, grid, color="grey", lw=0.8, ls="--")
    ax.plot(high, grid, color="grey", lw=0.8, ls="--")
    ax.axvline(result.estimate, color="#1f3b73", lw=1.0)
    ax.scatter(eff, se, color="black", s=22, zorder=3)
    ax.set_ylim(grid[-1], 0.0)
    ax.set_ylabel("standard error")
    label = f"log {result.measure}" if result.is_ratio else result.measure
    ax.set_xlabel(f"{label} ({result.method}{' + HKSJ' if result.hksj else ''})")
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    if path is not None:
        save_figure(fig, path)
    return fig


def check_figure_path(path: str | Path, option: str = "--plot") -> Path:
    """Check that `path` can take a figure (.png or .svg in an existing folder)."""
    p = check_output_file(path, option)
    if p.suffix.lower() not in _FORMATS:
        raise InputError(option, "a file name ending in .png or .svg", got=str(path))
    return p


def save_figure(fig: Figure, path: str | Path, option: str = "--plot") -> Path:
    """Write ``fig`` to ``path`` (.png at 300 dpi or .svg) atomically (see `mscsim._atomic`)."""
    p = check_figure_path(path, option)
    with atomic_file(p, option) as handle:
        fig.savefig(handle, format=_FORMATS[p.suffix.lower()], dpi=300, bbox_inches="tight")
    return p
