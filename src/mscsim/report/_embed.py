"""Embed a matplotlib figure in HTML: a base64 PNG data URI or an inline SVG element.

Nothing is written to disk and nothing refers to an outside resource. Output is deterministic:
PNG/SVG metadata (software, date) is left out and SVG element ids get a per-figure prefix
so that several inline SVGs never share an id.
"""

from __future__ import annotations

import base64
import html
import io
import re
from typing import TYPE_CHECKING

from mscsim._errors import InputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = ("png", "svg")
_SVG_START = re.compile(r"<svg\b")
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_REF = re.compile(r'(\bid="|"#|url\(#)([^")]+)')


def _save(fig: Figure, fmt: str, dpi: float, salt: str) -> bytes:
    import matplotlib as mpl

    buf = io.BytesIO()
    metadata = (
        {"Software": None}
        if fmt == "png"
        else {"Creator": None, "Date": None, "Format": None, "Type": None}
    )
    with mpl.rc_context({"svg.hashsalt": salt}):
        fig.savefig(
            buf, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata, facecolor="white"
        )
    return buf.getvalue()


def figure_html(
    fig: Figure, *, fmt: str = "png", dpi: float = 110.0, alt: str = "", key: str = "fig"
) -> str:
    """Return `fig` as an HTML fragment: ``<img src="data:image/png;base64,...">`` or ``<svg>``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Figure to render (with ``bbox_inches="tight"``, on a white background).
    fmt : {"png", "svg"}
        Raster image in a data URI, or vector graphics inlined in the page.
    dpi : float
        Resolution of the PNG (SVG ignores it for vector parts).
    alt : str
        Text alternative (``alt`` attribute, or the SVG ``aria-label``).
    key : str
        Unique prefix for the SVG element ids (letters, digits, ``-`` or ``_``).
    """
    if fmt not in FORMATS:
        raise InputError("fmt", f"one of {', '.join(FORMATS)}", got=fmt)
    if not hasattr(fig, "savefig"):
        raise InputError("fig", "a matplotlib Figure", got=type(fig).__name__)
    if not dpi > 0:
        raise InputError("dpi", "a positive number", got=dpi)
    data = _save(fig, fmt, dpi, salt=key)
    if fmt == "png":
        b64 = base64.b64encode(data).decode("ascii")
        return f'<img src="data:image/png;base64,{b64}" alt="{html.escape(alt)}">'
    return _inline_svg(data.decode("utf-8"), alt=alt, key=key)


def _inline_svg(svg: str, *, alt: str, key: str) -> str:
    """Strip the XML prologue, prefix every id with `key` and label the root element."""
    match = _SVG_START.search(svg)
    if match is None:
        raise InputError("fig", "a figure that renders to SVG")
    svg = svg[match.start() :]
    ids = set(_SVG_ID.findall(svg))

    def prefixed(m: re.Match[str]) -> str:
        head, name = m.groups()
        return f"{head}{key}-{name}" if name in ids else m.group(0)

    svg = _SVG_REF.sub(prefixed, svg)
    return svg.replace("<svg", f'<svg role="img" aria-label="{html.escape(alt)}"', 1)
