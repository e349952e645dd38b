"""The run folder of a virtual trial: ADaM tables, summary, manifest and report.

Layout (all files written together, or none: see :func:`mscsim.io.atomic_output_dir`)::

    adsl.parquet  adsl.csv     one row per enrolled patient
    adtte.parquet adtte.csv    time to event (CNSR = 0 for an event)
    adae.parquet  adae.csv     one row per adverse event
    adlb.parquet  adlb.csv     biomarkers at the visit days
    summary.json               the summary given by the caller
    report.html                self-contained report (built by the caller, e.g. mscsim.app)
    manifest.json              provenance and the sha256 of every other file

This module only writes: the caller (:mod:`mscsim.app`) runs the trial, analyses it and builds
the report.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from mscsim import __version__
from mscsim._atomic import atomic_output_dir
from mscsim._errors import InputError
from mscsim.io._adam import adam_tables
from mscsim.io._tables import write_table

_CHUNK = 1 << 20
TABLE_FORMATS = ("parquet", "csv")


def jsonable(obj: Any) -> Any:
    """`obj` with numpy values made plain and non-finite floats turned into None (strict JSON)."""
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, list | tuple | set):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return str(obj)


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(jsonable(obj), indent=2, allow_nan=False) + "\n", encoding="utf-8")


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _scenario_block(run) -> dict[str, Any]:
    sc = run.scenario
    return {
        "name": sc.name,
        "title": sc.title,
        "hash": run.provenance["scenario_hash"],
        "citation": sc.citation.model_dump(mode="json"),
    }


def build_manifest(
    run,
    folder: Path,
    files: Sequence[str],
    *,
    tables: Mapping[str, pa.Table],
    timings: Mapping[str, float],
    command: str | None,
    posterior: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Provenance of a run folder: version, scenario hash, seed, timings, status, file hashes.

    Parameters
    ----------
    run : mscsim.trial.TrialRun
        The run the folder describes.
    folder : pathlib.Path
        Folder holding `files`.
    files : sequence of str
        File names to list with their size and SHA-256 (the manifest cannot list itself).
    tables : mapping of str to pyarrow.Table
        The ADaM tables, listed with their row counts and columns.
    timings : mapping of str to float
        Seconds spent writing, merged with ``run.timings``.
    command : str, optional
        The command line that made the run.
    posterior : mapping, optional
        Which posterior the replicates drew their parameters from (``posterior``,
        ``posterior_version``, ...); ``{"posterior": "none"}`` for fixed parameters.
    """
    prov = run.provenance
    return {
        "mscsim_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "scenario": _scenario_block(run),
        "seed": run.seed,
        "replicates": run.n_replicates,
        "sample_size": run.sample_size,
        "arms": list(run.arm_names),
        "model": prov.get("model"),
        "posterior": dict(posterior) if posterior else {"posterior": "none"},
        "timings_s": {**run.timings, **timings},
        "status_counts": dict(run.status_counts),
        "environment": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "pyarrow": pa.__version__,
            "platform": platform.platform(),
            # what can change the last bits of a solve: the backend that ran, the CPU's SIMD
            # level and the numerical libraries (see mscsim.solve.runtime_info)
            "solver_backend": prov.get("solver_backend"),
            "machine": prov.get("machine"),
            "cpu_simd": prov.get("cpu_simd"),
            "numba": prov.get("numba"),
            "jax": prov.get("jax"),
        },
        "tables": {
            name: {"rows": t.num_rows, "columns": t.column_names} for name, t in tables.items()
        },
        "files": [
            {"name": f, "bytes": (folder / f).stat().st_size, "sha256": sha256_of(folder / f)}
            for f in files
        ],
    }


def write_run_folder(
    run,
    out_dir: str | Path,
    *,
    summary: Mapping[str, Any],
    report=None,
    command: str | None = None,
    formats: Sequence[str] = TABLE_FORMATS,
) -> Path:
    """Write the run folder of `run` into `out_dir` (created if needed) and return its path.

    Everything is written into a temporary sibling folder first and moved into place only when
    all files are complete, so an error leaves `out_dir` as it was.

    Parameters
    ----------
    run : mscsim.trial.TrialRun
        Result of :func:`mscsim.trial.run_trial`.
    out_dir : str or pathlib.Path
        Destination folder; its parent must exist. Files of the same names are replaced.
    summary : mapping
        Written as ``summary.json`` (numpy values made plain, NaN/inf as null).
    report : object with a ``write(path)`` method, optional
        The report (e.g. :func:`mscsim.report.trial_report`), written as ``report.html``.
    command : str, optional
        Command line recorded in the manifest.
    formats : sequence of str
        Table formats, a non-empty subset of ``("parquet", "csv")`` (both by default). CSV is
        large for many replicates: ADLB has about 60 rows per patient (5 biomarkers x 12-13
        visits), about 170 bytes each.

    Returns
    -------
    pathlib.Path
        `out_dir`.
    """
    if isinstance(formats, str) or not formats or not set(formats) <= set(TABLE_FORMATS):
        raise InputError("formats", f"a non-empty subset of {list(TABLE_FORMATS)}", got=formats)
    final = Path(out_dir)
    with atomic_output_dir(final, option="--out") as tmp:
        t0 = time.perf_counter()
        tables = adam_tables(run)
        t1 = time.perf_counter()
        files: list[str] = []
        for name, table in tables.items():
            files += [p.name for p in write_table(table, tmp, name.lower(), formats)]
        t2 = time.perf_counter()
        _write_json(tmp / "summary.json", summary)
        files.append("summary.json")
        if report is not None:
            report.write(tmp / "report.html")
            files.append("report.html")
        t3 = time.perf_counter()
        timings = {"adam_tables_s": t1 - t0, "write_tables_s": t2 - t1, "report_s": t3 - t2}
        _write_json(
            tmp / "manifest.json",
            build_manifest(
                run,
                tmp,
                files,
                tables=tables,
                timings=timings,
                command=command,
                posterior={k: v for k, v in summary.items() if k.startswith("posterior")},
            ),
        )
    return final
