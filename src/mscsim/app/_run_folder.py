"""Build a trial run folder: the report is made here, the files are written by mscsim.io."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mscsim.io._run_folder import TABLE_FORMATS
from mscsim.io._run_folder import write_run_folder as _write_files


def write_run_folder(
    run,
    out_dir: str | Path,
    *,
    analyses,
    summary: Mapping[str, Any],
    power=None,
    validation=None,
    command: str | None = None,
    formats: Sequence[str] = TABLE_FORMATS,
) -> Path:
    """Write the run folder of `run` (ADaM tables, summary, report.html, manifest) atomically.

    Parameters
    ----------
    run : mscsim.trial.TrialRun
        Result of :func:`mscsim.trial.run_trial`.
    out_dir : str or pathlib.Path
        Destination folder; its parent must exist. Files of the same names are replaced.
    analyses : list of mscsim.trial.EndpointAnalysis
        Endpoint analyses of `run` (:func:`mscsim.trial.analyse`), for the report.
    summary : mapping
        Written as ``summary.json``.
    power : mscsim.trial.PowerCurve, optional
        Power curve shown in the report.
    validation : list of mscsim.trial.ValidationRow, optional
        Observed-vs-predicted rows shown in the report.
    command : str, optional
        Command line recorded in the manifest.
    formats : sequence of str
        Table formats, a non-empty subset of ``("parquet", "csv")``.

    Returns
    -------
    pathlib.Path
        `out_dir`; on any error it is left as it was (see :func:`mscsim.io.write_run_folder`).
    """
    from mscsim.report import trial_report

    report = trial_report(run, analyses, power=power, validation=validation)
    return _write_files(
        run, out_dir, summary=summary, report=report, command=command, formats=formats
    )
