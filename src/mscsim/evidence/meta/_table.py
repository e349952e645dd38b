"""`StudyTable`: the validated per-study input of every analysis (counts, means or yi/vi)."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from mscsim._errors import InputError

Kind = Literal["binary", "continuous", "generic"]

#: Columns each kind of table needs, in the order the CSV contract lists them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "binary": ("events_treat", "n_treat", "events_ctrl", "n_ctrl"),
    "continuous": ("mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl"),
    "generic": ("yi", "vi"),
}
_CSV_HELP = (
    "columns study,events_treat,n_treat,events_ctrl,n_ctrl (binary) or "
    "study,mean_treat,sd_treat,n_treat,mean_ctrl,sd_ctrl,n_ctrl (continuous)"
)


def _as_array(name: str, values: Sequence[float] | np.ndarray, k: int) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.shape != (k,):
        raise InputError(name, f"{k} values, one per study", got=arr.shape)
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise InputError(f"{name}[{int(bad[0])}]", "a finite number", got=float(arr[bad[0]]))
    arr.setflags(write=False)
    return arr


def _check_nonneg(table: StudyTable, names: Sequence[str], strict: bool) -> None:
    for name in names:
        arr = table.data[name]
        bad = np.flatnonzero(arr <= 0) if strict else np.flatnonzero(arr < 0)
        if bad.size:
            i = int(bad[0])
            allowed = "a positive number" if strict else "a non-negative number"
            raise InputError(f"{name} ({table.study[i]})", allowed, got=float(arr[i]))


@dataclass(frozen=True)
class StudyTable:
    """Per-study data of one meta-analysis.

    Parameters
    ----------
    kind : {"binary", "continuous", "generic"}
        ``binary``: ``events_treat, n_treat, events_ctrl, n_ctrl`` (treated arm first);
        ``continuous``: ``mean_treat, sd_treat, n_treat, mean_ctrl, sd_ctrl, n_ctrl``;
        ``generic``: effect sizes ``yi`` with sampling variances ``vi``.
    study : tuple of str
        Unique study labels.
    data : mapping of str to ndarray
        The columns of `COLUMNS` for ``kind`` (read-only float arrays).
    year : tuple of int or None, optional
        Publication year per study (orders the cumulative meta-analysis).
    fields : mapping of str to tuple of str
        Categorical study attributes (cell source, design, ...) for subgroup analyses.

    Raises
    ------
    InputError
        On a missing column, wrong length, negative counts, events above arm size,
        non-positive sizes/SDs/variances or duplicate study labels.
    """

    kind: Kind
    study: tuple[str, ...]
    data: Mapping[str, np.ndarray]
    year: tuple[int | None, ...] | None = None
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in COLUMNS:
            raise InputError("kind", "binary|continuous|generic", got=self.kind)
        k = len(self.study)
        if k == 0:
            raise InputError("study", "at least one study")
        if len(set(self.study)) != k:
            dup = next(s for s in self.study if self.study.count(s) > 1)
            raise InputError("study", "unique study labels", got=dup)
        missing = [c for c in COLUMNS[self.kind] if c not in self.data]
        if missing:
            raise InputError(
                "columns",
                f"{self.kind} tables need {','.join(COLUMNS[self.kind])}",
                got=f"missing {','.join(missing)}",
            )
        arrays = {c: _as_array(c, self.data[c], k) for c in COLUMNS[self.kind]}
        object.__setattr__(self, "data", arrays)
        if self.year is not None and len(self.year) != k:
            raise InputError("year", f"{k} values, one per study", got=len(self.year))
        for name, values in self.fields.items():
            if len(values) != k:
                raise InputError(name, f"{k} values, one per study", got=len(values))
        self._check_values()

    def _check_values(self) -> None:
        d = self.data
        if self.kind == "binary":
            _check_nonneg(self, ("events_treat", "events_ctrl"), strict=False)
            _check_nonneg(self, ("n_treat", "n_ctrl"), strict=True)
            for ev, n in (("events_treat", "n_treat"), ("events_ctrl", "n_ctrl")):
                bad = np.flatnonzero(d[ev] > d[n])
                if bad.size:
                    i = int(bad[0])
                    raise InputError(
                        f"{ev} ({self.study[i]})", f"at most {n} = {d[n][i]:g}", got=float(d[ev][i])
                    )
        elif self.kind == "continuous":
            _check_nonneg(self, ("sd_treat", "sd_ctrl", "n_treat", "n_ctrl"), strict=True)
        else:
            _check_nonneg(self, ("vi",), strict=True)

    @property
    def k(self) -> int:
        """Number of studies."""
        return len(self.study)

    def subset(self, index: Sequence[int] | np.ndarray) -> StudyTable:
        """The table restricted to the rows in ``index`` (in that order)."""
        idx = [int(i) for i in np.asarray(index, dtype=int)]
        return StudyTable(
            kind=self.kind,
            study=tuple(self.study[i] for i in idx),
            data={c: v[idx] for c, v in self.data.items()},
            year=None if self.year is None else tuple(self.year[i] for i in idx),
            fields={n: tuple(v[i] for i in idx) for n, v in self.fields.items()},
        )


#: Bounds on what a user's CSV may ask for (a meta-analysis of more studies is not plausible).
MAX_CSV_BYTES = 64 * 2**20
MAX_STUDIES = 100_000


def _parse_number(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(where, "a number", got=text) from None


def _parse_year(text: str, where: str) -> int:
    value = _parse_number(text.strip(), where)
    if not (math.isfinite(value) and value == int(value) and 1800 <= value <= 2200):
        raise InputError(where, "a whole year between 1800 and 2200", got=text.strip())
    return int(value)


def _read_rows(reader: Iterator[list[str]]) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV; duplicated or empty column names and ragged rows are errors."""
    header = [h.strip() for h in next(reader, [])]
    seen: set[str] = set()
    for name in header:
        if not name:
            raise InputError("columns", "a name for every column", got=",".join(header))
        if name in seen:
            raise InputError("columns", "each column name once", got=f"{name} repeated")
        seen.add(name)
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(header):
            raise InputError(
                f"line {line}", f"{len(header)} fields like the header", got=len(cells)
            )
        if len(rows) >= MAX_STUDIES:
            raise InputError("data", f"at most {MAX_STUDIES} studies", got="more rows")
        rows.append(dict(zip(header, cells, strict=True)))
    return header, rows


def read_table_csv(path: str | Path) -> StudyTable:
    """Read a user's study table from CSV.

    The header decides the kind: binary tables have ``study,events_treat,n_treat,
    events_ctrl,n_ctrl``; continuous tables ``study,mean_treat,sd_treat,n_treat,mean_ctrl,
    sd_ctrl,n_ctrl``. An optional ``year`` column orders cumulative analyses; any other
    column is kept as a categorical field for ``by=`` subgroup analyses.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("data", "an existing CSV file", got=str(path))
    if p.stat().st_size > MAX_CSV_BYTES:
        raise InputError("data", f"a CSV file of at most {MAX_CSV_BYTES // 2**20} MiB", got=str(p))
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            header, rows = _read_rows(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise InputError("data", "a UTF-8 text file", got=f"byte {exc.start} undecodable") from None
    except csv.Error as exc:
        raise InputError("data", "a well-formed CSV file", got=str(exc)) from None
    if not rows or "study" not in header:
        raise InputError("columns", _CSV_HELP, got=",".join(header) or "empty file")
    kind = next((k for k in ("binary", "continuous") if set(COLUMNS[k]) <= set(header)), None)
    if kind is None:
        raise InputError("columns", _CSV_HELP, got=",".join(header))
    data: dict[str, list[float]] = {c: [] for c in COLUMNS[kind]}
    for i, row in enumerate(rows, start=2):
        for c in COLUMNS[kind]:
            data[c].append(_parse_number((row[c] or "").strip(), f"{c} (line {i})"))
    year = None
    if "year" in header:
        year = tuple(
            _parse_year(r["year"], f"year (line {i})") for i, r in enumerate(rows, start=2)
        )
    extra = [c for c in header if c not in COLUMNS[kind] and c not in ("study", "year")]
    fields = {c: tuple((r[c] or "").strip() for r in rows) for c in extra}
    study = tuple((r["study"] or "").strip() for r in rows)
    if "" in study:
        raise InputError(f"study (line {study.index('') + 2})", "a non-empty study label")
    return StudyTable(kind=kind, study=study, data=data, year=year, fields=fields)
