"""An embedded results store of trial runs: one SQLite file, no server, no configuration.

Two tables (created on first use):

``runs``
    ``run_id`` (autoincrement), ``created`` (UTC ISO 8601), ``scenario``, ``scenario_hash``,
    ``seed``, ``replicates``, ``sample_size``, ``mscsim_version``, ``folder`` (absolute path of
    the run folder), ``summary_json`` (the run summary as JSON).
``endpoints``
    ``run_id``, ``endpoint``, ``arm``, ``measure``, ``estimate``, ``ci_low``, ``ci_high``,
    ``p_value`` (replicate 0, "the" trial), ``power`` (share of replicates with p < 0.05, or
    NULL for a single trial) and ``method``.

Each run is recorded in one transaction, so the store never holds half a run.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mscsim import __version__
from mscsim._errors import InputError
from mscsim.io._run_folder import jsonable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    scenario TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    seed INTEGER NOT NULL,
    replicates INTEGER NOT NULL,
    sample_size INTEGER NOT NULL,
    mscsim_version TEXT NOT NULL,
    folder TEXT,
    summary_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS endpoints (
    run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    arm TEXT,
    measure TEXT,
    estimate REAL,
    ci_low REAL,
    ci_high REAL,
    p_value REAL,
    power REAL,
    method TEXT
);
CREATE INDEX IF NOT EXISTS endpoints_run ON endpoints(run_id);
"""
_RUN_COLUMNS = (
    "run_id",
    "created",
    "scenario",
    "scenario_hash",
    "seed",
    "replicates",
    "sample_size",
    "mscsim_version",
    "folder",
    "summary_json",
)


def _connect(store_path: str | Path) -> sqlite3.Connection:
    path = Path(store_path)
    if path.exists() and not path.is_file():
        raise InputError("store", f"{path} exists and is not a file")
    if not path.resolve().parent.is_dir():
        raise InputError("store", f"a file in an existing folder ({path.resolve().parent} is none)")
    try:
        con = sqlite3.connect(path, timeout=30.0)
        con.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:
        raise InputError("store", f"an SQLite file ({exc})", got=str(path)) from None
    return con


def _power_of(summary: Mapping[str, Any], name: str, arm: str | None) -> float | None:
    reps = summary.get("replicate_summary") or {}
    entry = reps.get(name) or reps.get(f"{name}:{arm}")
    return None if not entry else jsonable(entry.get("power"))


def _endpoint_rows(run_id: int, summary: Mapping[str, Any]) -> list[tuple]:
    rows = []
    for e in summary.get("endpoints", []):
        e = jsonable(e)
        name = e.get("name") or e.get("id")
        rows.append(
            (
                run_id,
                name,
                e.get("arm"),
                e.get("measure"),
                e.get("estimate"),
                e.get("ci_low"),
                e.get("ci_high"),
                e.get("p_value"),
                _power_of(summary, name, e.get("arm")),
                e.get("method"),
            )
        )
    return rows


def record_run(
    store_path: str | Path, run, summary: Mapping[str, Any], folder: str | Path | None
) -> int:
    """Record `run`, its `summary` and its run `folder` in the store; return the new run_id.

    Parameters
    ----------
    store_path : str or pathlib.Path
        SQLite file (created with its tables if missing; its folder must exist).
    run : mscsim.trial.TrialRun
        The run (scenario, seed, replicates, sample size).
    summary : mapping
        The run summary (``mscsim.trial.run_summary``): its ``endpoints`` list (``name``,
        ``arm``, ``measure``, ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``method``)
        fills the ``endpoints`` table, with power from ``replicate_summary`` when present.
    folder : str or pathlib.Path, optional
        The run folder written by :func:`write_run_folder`.
    """
    text = json.dumps(jsonable(summary), allow_nan=False, sort_keys=True)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    where = None if folder is None else str(Path(folder).resolve())
    with closing(_connect(store_path)) as con, con:
        cur = con.execute(
            "INSERT INTO runs (created, scenario, scenario_hash, seed, replicates, sample_size, "
            "mscsim_version, folder, summary_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                created,
                run.scenario.name,
                run.provenance["scenario_hash"],
                int(run.seed),
                int(run.n_replicates),
                int(run.sample_size),
                __version__,
                where,
                text,
            ),
        )
        run_id = int(cur.lastrowid)
        con.executemany(
            "INSERT INTO endpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _endpoint_rows(run_id, summary),
        )
    return run_id


def list_runs(store_path: str | Path) -> list[dict[str, Any]]:
    """All recorded runs, oldest first, as dicts of the ``runs`` columns.

    ``summary_json`` is parsed back into ``summary``. A store that does not exist yet has no
    runs (and is not created).
    """
    if not Path(store_path).exists():
        return []
    with closing(_connect(store_path)) as con:
        rows = con.execute(f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs ORDER BY run_id").fetchall()
    out = []
    for row in rows:
        rec = dict(zip(_RUN_COLUMNS, row, strict=True))
        rec["summary"] = json.loads(rec.pop("summary_json"))
        out.append(rec)
    return out


def endpoint_rows(store_path: str | Path, run_id: int) -> list[dict[str, Any]]:
    """The ``endpoints`` rows of one run, in the order recorded."""
    cols = (
        "endpoint",
        "arm",
        "measure",
        "estimate",
        "ci_low",
        "ci_high",
        "p_value",
        "power",
        "method",
    )
    if not Path(store_path).exists():
        return []
    with closing(_connect(store_path)) as con:
        rows = con.execute(
            f"SELECT {', '.join(cols)} FROM endpoints WHERE run_id = ? ORDER BY rowid",
            (int(run_id),),
        ).fetchall()
    return [dict(zip(cols, r, strict=True)) for r in rows]
