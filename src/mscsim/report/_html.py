"""`HtmlReport`: a self-contained, single-file HTML report.

Everything the page needs is inside it: CSS inline, figures as base64 PNG data URIs or inline
SVG, no scripts, no external files, fonts or network requests. Every piece of text is
HTML-escaped. `write` is atomic.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, final

from mscsim._atomic import write_text_atomic
from mscsim._errors import InputError
from mscsim.report._embed import figure_html
from mscsim.report._style import CSS, RESEARCH_NOTICE
from mscsim.report._tables import kv_html, table_html

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _paragraphs(text: str) -> str:
    """Escaped ``<p>`` blocks, one per blank-line separated paragraph."""
    blocks = [" ".join(b.split()) for b in str(text).split("\n\n")]
    return "".join(f"<p>{html.escape(b)}</p>" for b in blocks if b)


@final
class HtmlReport:
    """Builder of a self-contained HTML report page.

    Blocks (text, figures, tables) are appended to the current section, opened with
    `add_section`; blocks added before the first section sit under the title. Figures are
    rendered when added, so they can be closed right after.

    Parameters
    ----------
    title : str
        Page title and top heading.
    provenance : mapping, optional
        Shown in a collapsible "Provenance" block: e.g. version, scenario hash, seed, timings,
        solver status counts. Nested mappings become nested tables.
    subtitle : str, optional
        One line under the title.

    Examples
    --------
    >>> report = HtmlReport("Virtual trial", provenance={"seed": 1})
    >>> report.add_section("Design", "Two arms, 1:1.")
    >>> report.add_table([{"arm": "MSC", "n": 12}, {"arm": "control", "n": 12}])
    >>> "research tool, not clinical advice" in report.render()
    True
    """

    def __init__(
        self,
        title: str,
        *,
        provenance: Mapping[str, Any] | None = None,
        subtitle: str | None = None,
    ) -> None:
        if not isinstance(title, str) or not title.strip():
            raise InputError("title", "a non-empty string", got=title)
        if provenance is not None and not isinstance(provenance, Mapping):
            raise InputError("provenance", "a mapping", got=type(provenance).__name__)
        self.title = title
        self.subtitle = subtitle
        self.provenance = dict(provenance or {})
        self._intro: list[str] = []
        self._sections: list[tuple[str, list[str]]] = []
        self._n_figures = 0

    def _blocks(self) -> list[str]:
        return self._sections[-1][1] if self._sections else self._intro

    def add_section(self, heading: str, text: str | None = None) -> None:
        """Open a new section with `heading` (and an optional first paragraph)."""
        if not isinstance(heading, str) or not heading.strip():
            raise InputError("heading", "a non-empty string", got=heading)
        self._sections.append((heading, []))
        if text:
            self.add_text(text)

    def add_text(self, text: str) -> None:
        """Add paragraphs of plain text (blank lines separate paragraphs; no markup)."""
        self._blocks().append(_paragraphs(text))

    def add_figure(
        self,
        fig: Figure,
        *,
        caption: str | None = None,
        fmt: str = "png",
        dpi: float = 110.0,
    ) -> None:
        """Embed `fig` as a base64 PNG (``fmt="png"``) or inline SVG (``fmt="svg"``)."""
        self._n_figures += 1
        body = figure_html(
            fig,
            fmt=fmt,
            dpi=dpi,
            alt=caption or f"Figure {self._n_figures}",
            key=f"fig{self._n_figures}",
        )
        cap = ""
        if caption:
            cap = f"<figcaption>Figure {self._n_figures}. {html.escape(caption)}</figcaption>"
        self._blocks().append(f'<figure id="figure-{self._n_figures}">{body}{cap}</figure>')

    def add_table(
        self,
        data: Any,
        *,
        caption: str | None = None,
        float_format: str = "{:.4g}",
    ) -> None:
        """Add a table from a list of dicts (union of keys) or a dict of equal-length columns.

        Floats are written with `float_format`, None as an empty cell; all text is escaped.
        """
        self._blocks().append(table_html(data, caption=caption, float_format=float_format))

    def render(self) -> str:
        """The whole page as one HTML string."""
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(self.title)}</title>",
            f"<style>{CSS}</style></head><body><main>",
            f"<header><h1>{html.escape(self.title)}</h1>",
        ]
        if self.subtitle:
            parts.append(f'<p class="subtitle">{html.escape(self.subtitle)}</p>')
        parts.append(
            f'<p class="notice" role="note"><strong>{html.escape(RESEARCH_NOTICE)}'
            "</strong></p></header>"
        )
        if self.provenance:
            parts.append(
                '<details class="provenance" open><summary>Provenance</summary>'
                f"{kv_html(self.provenance)}</details>"
            )
        if self._sections:
            links = "".join(
                f'<li><a href="#section-{i}">{html.escape(h)}</a></li>'
                for i, (h, _) in enumerate(self._sections, start=1)
            )
            parts.append(
                f'<nav aria-label="Contents"><strong>Contents</strong><ol>{links}</ol></nav>'
            )
        parts.extend(self._intro)
        for i, (heading, blocks) in enumerate(self._sections, start=1):
            parts.append(f'<section id="section-{i}"><h2>{html.escape(heading)}</h2>')
            parts.extend(blocks)
            parts.append("</section>")
        parts.append(f"<footer>{html.escape(RESEARCH_NOTICE)}</footer></main></body></html>\n")
        return "\n".join(parts)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to `path` atomically (temporary file, then rename); return the path."""
        return write_text_atomic(path, self.render())
