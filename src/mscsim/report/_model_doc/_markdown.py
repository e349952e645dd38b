"""Markdown building blocks of the model page: numbers, table cells, tables, links, templates."""

from __future__ import annotations

from importlib.resources import files
from urllib.parse import urlparse


def num(v: float) -> str:
    """Compact number: 6 significant digits, ``5e+07`` -> ``5e7``."""
    s = f"{v:.6g}"
    if "e" in s:
        m, e = s.split("e")
        s = f"{m}e{int(e)}"
    return s


def cell(text: str) -> str:
    """Escape text for a Markdown table cell (pipes, emphasis stars, HTML)."""
    return text.replace("|", r"\|").replace("*", r"\*").replace("<", "&lt;").strip()


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (cells already escaped)."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def source_link(url: str) -> str:
    """Markdown link with a short label (``doi:...``, ``PMC...`` or the host)."""
    if not url:
        return ""
    u = urlparse(url)
    pmc = [p for p in u.path.split("/") if p.startswith("PMC")]
    if u.netloc.endswith("doi.org"):
        label = "doi:" + u.path.lstrip("/")
    elif pmc:
        label = pmc[0]
    else:
        label = u.netloc.removeprefix("www.")
    target = f"<{url}>" if any(c in url for c in "() ") else url
    return f"[{label}]({target})"


def template(name: str) -> str:
    """A hand-written part of the page, shipped next to this module (stripped)."""
    return files("mscsim.report._model_doc").joinpath(name).read_text(encoding="utf-8").strip()
