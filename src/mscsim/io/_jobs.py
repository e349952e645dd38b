"""Jobs and uploaded scenarios of the web service, kept in the SQLite results store.

The service records every job in the same file as the ``runs`` table (``mscsim trial run``
writes there too), so command-line and server runs share one history. Tables, created on
first use:

``jobs``
    ``job_id`` (hex), ``kind`` (trial, power, validate), ``status`` (queued, running, done,
    failed, interrupted), ``created``/``started``/``finished`` (UTC ISO 8601), ``request_json``,
    ``done``/``total`` (progress in replicates), ``run_id`` (the ``runs`` row of a trial),
    ``folder`` (absolute path of its output folder), ``result_json`` (what the CLI prints with
    ``--json``), ``error`` (one line), ``retry_of`` (the interrupted job it resubmits).
``scenarios``
    ``scenario_id``, ``name``, ``created``, ``yaml`` (uploaded text, validated before storing).

The store runs in SQLite's WAL mode, so readers never wait for the job that writes, and every
state change is one committed transaction: a killed server loses no finished job.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mscsim.io._run_folder import jsonable
from mscsim.io._store import _connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    created TEXT NOT NULL,
    started TEXT,
    finished TEXT,
    request_json TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    run_id INTEGER,
    folder TEXT,
    result_json TEXT,
    error TEXT,
    retry_of TEXT
);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created);
CREATE TABLE IF NOT EXISTS scenarios (
    scenario_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    yaml TEXT NOT NULL
);
"""
STATUSES = ("queued", "running", "done", "failed", "interrupted")
_COLUMNS = (
    "job_id",
    "kind",
    "status",
    "created",
    "started",
    "finished",
    "request_json",
    "done",
    "total",
    "run_id",
    "folder",
    "result_json",
    "error",
    "retry_of",
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@contextmanager
def _db(store: str | Path) -> Iterator[sqlite3.Connection]:
    """A connection in WAL mode with the job tables; commits on success."""
    with closing(_connect(store)) as con:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.executescript(_SCHEMA)
        with con:
            yield con


def init_jobs(store: str | Path) -> None:
    """Create the job tables (and the store) if missing."""
    with _db(store):
        pass


def add_job(
    store: str | Path,
    job_id: str,
    kind: str,
    request: Mapping[str, Any],
    total: int,
    retry_of: str | None = None,
) -> None:
    """Record a new queued job."""
    with _db(store) as con:
        con.execute(
            "INSERT INTO jobs (job_id, kind, status, created, request_json, total, retry_of) "
            "VALUES (?, ?, 'queued', ?, ?, ?, ?)",
            (job_id, kind, _now(), json.dumps(jsonable(request)), int(total), retry_of),
        )


def start_job(store: str | Path, job_id: str) -> bool:
    """Mark a queued job running; False when it is no longer queued (e.g. interrupted)."""
    with _db(store) as con:
        cur = con.execute(
            "UPDATE jobs SET status='running', started=? WHERE job_id=? AND status='queued'",
            (_now(), job_id),
        )
        return cur.rowcount == 1


def set_progress(store: str | Path, job_id: str, done: int) -> None:
    with _db(store) as con:
        con.execute(
            "UPDATE jobs SET done=? WHERE job_id=? AND status='running'", (int(done), job_id)
        )


def finish_job(
    store: str | Path,
    job_id: str,
    result: Any,
    *,
    folder: str | Path | None = None,
    run_id: int | None = None,
) -> bool:
    """Mark a running job done with its result; False when it was not running any more."""
    text = json.dumps(jsonable(result), allow_nan=False, sort_keys=True)
    where = None if folder is None else str(Path(folder).resolve())
    with _db(store) as con:
        cur = con.execute(
            "UPDATE jobs SET status='done', finished=?, done=total, result_json=?, folder=?, "
            "run_id=? WHERE job_id=? AND status='running'",
            (_now(), text, where, run_id, job_id),
        )
        return cur.rowcount == 1


def fail_job(store: str | Path, job_id: str, error: str, status: str = "failed") -> None:
    """Mark a queued or running job failed (or interrupted), with a one-line reason."""
    with _db(store) as con:
        con.execute(
            "UPDATE jobs SET status=?, finished=?, error=? "
            "WHERE job_id=? AND status IN ('queued', 'running')",
            (status, _now(), " ".join(str(error).split())[:2000], job_id),
        )


def interrupt_unfinished(store: str | Path, reason: str) -> list[str]:
    """Mark every queued or running job interrupted (at start-up); return their ids."""
    with _db(store) as con:
        ids = [
            r[0]
            for r in con.execute(
                "SELECT job_id FROM jobs WHERE status IN ('queued', 'running')"
            ).fetchall()
        ]
        con.execute(
            "UPDATE jobs SET status='interrupted', finished=?, error=? "
            "WHERE status IN ('queued', 'running')",
            (_now(), reason),
        )
    return ids


def _job_dict(row: tuple) -> dict[str, Any]:
    rec = dict(zip(_COLUMNS, row, strict=True))
    rec["request"] = json.loads(rec.pop("request_json"))
    result = rec.pop("result_json")
    rec["result"] = None if result is None else json.loads(result)
    return rec


def get_job(store: str | Path, job_id: str) -> dict[str, Any] | None:
    """One job as a dict (``request`` and ``result`` parsed), or None."""
    with _db(store) as con:
        row = con.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE job_id=?", (job_id,)
        ).fetchone()
    return None if row is None else _job_dict(row)


def list_jobs(store: str | Path, limit: int = 100) -> list[dict[str, Any]]:
    """The newest `limit` jobs, newest first, without their results."""
    with _db(store) as con:
        rows = con.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM jobs ORDER BY created DESC LIMIT ?", (int(limit),)
        ).fetchall()
    out = []
    for row in rows:
        rec = _job_dict(row)
        rec.pop("result")
        out.append(rec)
    return out


def add_scenario(store: str | Path, scenario_id: str, name: str, text: str) -> None:
    """Store an uploaded (already validated) scenario; the same id twice keeps the first."""
    with _db(store) as con:
        con.execute(
            "INSERT OR IGNORE INTO scenarios VALUES (?, ?, ?, ?)", (scenario_id, name, _now(), text)
        )


def get_scenario_text(store: str | Path, scenario_id: str) -> str | None:
    with _db(store) as con:
        row = con.execute(
            "SELECT yaml FROM scenarios WHERE scenario_id=?", (scenario_id,)
        ).fetchone()
    return None if row is None else row[0]


def list_uploaded(store: str | Path) -> list[dict[str, str]]:
    with _db(store) as con:
        rows = con.execute("SELECT scenario_id, name, created FROM scenarios ORDER BY created")
        return [{"id": r[0], "name": r[1], "created": r[2]} for r in rows.fetchall()]
