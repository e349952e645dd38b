"""Packaged data tables: CSV files whose ``#`` lines are comments (sources, units, notes)."""

from __future__ import annotations

import csv
from importlib.resources import files


def read_rows(package: str, name: str) -> list[dict[str, str]]:
    """Rows of the CSV file `name` shipped in `package`, comment lines skipped."""
    text = files(package).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(ln for ln in text.splitlines() if not ln.startswith("#")))


def read_values(
    package: str, name: str, key: str = "name", value: str = "value"
) -> dict[str, float]:
    """``{row[key]: float(row[value])}`` of a packaged CSV table."""
    return {r[key]: float(r[value]) for r in read_rows(package, name)}
