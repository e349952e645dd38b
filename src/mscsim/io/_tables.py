"""Tidy tables (Parquet + CSV) via pyarrow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mscsim.solve import Solution


def timecourse_table(solutions: Mapping[str, Solution], patient: int = 0) -> pa.Table:
    """Long table with columns arm, time_day, observable, value, unit, status."""
    cols: dict[str, list[Any]] = {
        k: [] for k in ("arm", "time_day", "observable", "value", "unit", "status")
    }
    for arm, sol in solutions.items():
        status = sol.messages()[patient]
        for name, values in sol.observables.items():
            n = sol.t.size
            cols["arm"] += [arm] * n
            cols["time_day"] += sol.t.tolist()
            cols["observable"] += [name] * n
            cols["value"] += np.asarray(values[patient], dtype=float).tolist()
            cols["unit"] += [sol.units[name]] * n
            cols["status"] += [status] * n
    return pa.table(cols)


def write_table(
    table: pa.Table, folder: Path, stem: str, formats: Sequence[str] = ("parquet", "csv")
) -> list[Path]:
    """Write `table` as ``stem.parquet`` and/or ``stem.csv`` in `folder`."""
    out = []
    if "parquet" in formats:
        out.append(folder / f"{stem}.parquet")
        pq.write_table(table, out[-1])
    if "csv" in formats:
        out.append(folder / f"{stem}.csv")
        pacsv.write_csv(table, out[-1])
    return out
