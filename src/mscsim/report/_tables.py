"""HTML for tables and key/value blocks, with every value escaped."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from mscsim._errors import InputError


def format_value(value: Any, float_format: str = "{:.4g}") -> str:
    """Plain text for one cell: ints as is, floats with `float_format`, None as empty.

    numpy scalars and arrays are converted to Python values first; sequences are joined
    with commas.
    """
    if isinstance(value, np.generic | np.ndarray):
        value = value.tolist()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        return float_format.format(number)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return ", ".join(format_value(v, float_format) for v in value)
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def normalize_rows(data: Any) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows from a list of dicts (union of keys) or a dict of equal-length columns."""
    if isinstance(data, Mapping):
        columns = [str(c) for c in data]
        try:
            if any(isinstance(v, str | bytes) for v in data.values()):
                raise TypeError
            values = [list(v) for v in data.values()]
        except TypeError:
            raise InputError("table", "columns as sequences of equal length") from None
        if len({len(v) for v in values}) > 1:
            raise InputError("table", "columns as sequences of equal length")
        return columns, [list(r) for r in zip(*values, strict=True)]
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        raise InputError("table", "a list of dicts or a dict of columns", got=type(data).__name__)
    columns: dict[str, None] = {}
    for i, row in enumerate(data):
        if not isinstance(row, Mapping):
            raise InputError(f"table[{i}]", "a dict of column -> value", got=type(row).__name__)
        columns.update(dict.fromkeys(str(k) for k in row))
    rows = [[{str(k): v for k, v in row.items()}.get(c) for c in columns] for row in data]
    return list(columns), rows


def table_html(
    data: Any,
    *,
    caption: str | None = None,
    float_format: str = "{:.4g}",
    empty_text: str = "No rows.",
) -> str:
    """A ``<table>`` from rows or columns; numeric cells are right-aligned.

    A table without rows (or columns) is shown as its caption and `empty_text`.
    """
    columns, rows = normalize_rows(data)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    if not columns or not rows:
        label = f"{html.escape(caption)}: " if caption else ""
        return f'<p class="empty">{label}{html.escape(empty_text)}</p>'
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in columns)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{html.escape(format_value(v, float_format))}</td>'
            if _is_number(v)
            else f"<td>{html.escape(format_value(v, float_format))}</td>"
            for v in row
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def kv_html(data: Mapping[str, Any], float_format: str = "{:.6g}") -> str:
    """A two-column key/value table; nested mappings become nested tables."""
    rows = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            cell = kv_html(value, float_format) if value else ""
        else:
            cell = html.escape(format_value(value, float_format))
        rows.append(f'<tr><th scope="row">{html.escape(str(key))}</th><td>{cell}</td></tr>')
    return f'<table class="kv"><tbody>{"".join(rows)}</tbody></table>'
