"""Lazy matplotlib access for the report figures.

matplotlib is imported inside these functions, never at module import, and figures are built
from `matplotlib.figure.Figure` with the Agg canvas so that no GUI backend or pyplot state is
touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mscsim._errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Arm colours, in arm order (colour-blind safe, Okabe & Ito 2008 palette).
ARM_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def arm_color(index: int) -> str:
    """Colour of the `index`-th arm (cycles through `ARM_COLORS`)."""
    return ARM_COLORS[index % len(ARM_COLORS)]


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A fresh Agg-backed figure with constrained layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def single_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """Return ``(figure, axes)``: the caller's `ax` and its figure, or a new pair."""
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(figsize)
    return fig, fig.add_subplot()


def axes_grid(
    n: int, axes: Sequence[Axes] | None, *, ncols: int, panel: tuple[float, float]
) -> tuple[Figure, list[Axes]]:
    """Return ``(figure, n axes)``: the caller's `axes` or a new grid of ``ncols`` columns.

    Surplus panels of a new grid are hidden. `panel` is the size of one panel in inches.
    """
    if axes is not None:
        axes = list(axes)
        if len(axes) != n:
            raise InputError("axes", f"{n} axes, one per panel", got=f"{len(axes)} axes")
        return axes[0].figure, axes
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = new_figure((panel[0] * ncols, panel[1] * nrows))
    grid = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for extra in grid[n:]:
        extra.set_visible(False)
    return fig, grid[:n]
