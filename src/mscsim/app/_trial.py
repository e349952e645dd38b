"""Run a virtual trial as one job: simulate, analyse, write the run folder, record it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mscsim._errors import InputError

DEFAULT_ROOT = Path("mscsim-runs")
CSV_MAX_REPLICATES = 100  # CSV copies only for small runs (ADLB alone is ~2.5 GB at 10,000 x 24)
MAX_REPLICATES = 1_000_000
MAX_WORKERS = 256


@dataclass(frozen=True)
class TrialResult:
    """What a trial job produced: the summary (``--json``), the run folder and the store record."""

    summary: dict[str, Any]
    folder: Path
    store: Path
    run_id: int

    def files(self) -> list[str]:
        """Names of the files in the run folder, as listed in its manifest (plus the manifest)."""
        import json

        manifest = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        return [f["name"] for f in manifest["files"]] + ["manifest.json"]


def check_replicates(k: int | None, option: str = "--replicates") -> None:
    if k is not None and not 1 <= k <= MAX_REPLICATES:
        raise InputError(option, f"must be an integer between 1 and {MAX_REPLICATES}", k)


def check_workers(w: int | None, option: str = "--workers") -> None:
    if w is not None and not 1 <= w <= MAX_WORKERS:
        raise InputError(option, f"must be an integer between 1 and {MAX_WORKERS}", w)


def check_store(db: Path, option: str = "--store") -> None:
    """The results store must be an SQLite file (or absent) in an existing folder."""
    if db.exists():
        if not db.is_file():
            raise InputError(option, "an SQLite file, not a folder", got=str(db))
        with db.open("rb") as fh:
            head = fh.read(16)
        if head and head != b"SQLite format 3\x00":
            raise InputError(option, "an SQLite file (this file is something else)", got=str(db))
    elif db.parent != DEFAULT_ROOT and not db.parent.is_dir():
        raise InputError(option, "a file in an existing folder", got=str(db))


def trial_paths(
    name: str, seed: int, replicates: int, out: str | Path | None, store: str | Path | None
) -> tuple[Path, Path]:
    """The run folder and the store of a run: ``mscsim-runs/<name>-s<seed>-r<K>`` and
    ``mscsim.sqlite`` next to the run folder, unless given. Both are checked before any work
    and ``mscsim-runs/`` is created only once they pass (nothing half-written on bad input)."""
    from mscsim._atomic import check_output_dir

    folder = Path(out) if out else DEFAULT_ROOT / f"{name}-s{seed}-r{replicates}"
    db = (
        Path(store) if store else (DEFAULT_ROOT if out is None else folder.parent) / "mscsim.sqlite"
    )
    if out is not None:
        check_output_dir(folder, "--out")
    check_store(db)
    if out is None:
        DEFAULT_ROOT.mkdir(exist_ok=True)
    return folder, db


def run_trial_job(
    scenario,
    *,
    seed: int | None = None,
    replicates: int | None = None,
    out: str | Path | None = None,
    store: str | Path | None = None,
    workers: int | None = None,
    executor=None,
    progress: Callable[[int], None] | None = None,
    command: str | None = None,
    posterior: str | Path | None = "default",
) -> TrialResult:
    """Run `scenario` (a Scenario or a built-in name / YAML path) and write all its outputs.

    Parameters
    ----------
    scenario : mscsim.trial.Scenario or str
        The trial design.
    seed, replicates : int, optional
        Defaults from the scenario.
    out : str or pathlib.Path, optional
        Run folder (default ``mscsim-runs/<scenario>-s<seed>-r<K>``).
    store : str or pathlib.Path, optional
        SQLite results store (default ``mscsim.sqlite`` next to the run folder).
    workers : int, optional
        Local processes; ignored when `executor` is given.
    executor : concurrent.futures.Executor, optional
        Where replicate chunks run (e.g. :func:`cluster_executor` for Dask).
    progress : callable, optional
        Called with the number of replicates just finished.
    command : str, optional
        Command line recorded in the manifest.
    posterior : str or pathlib.Path, optional
        ``"default"``: each replicate draws the calibrated parameters from the shipped
        posterior; ``"none"``: fixed parameters; or a file from ``mscsim calibrate``.
    """
    from mscsim.app._run_folder import write_run_folder
    from mscsim.evidence._posterior import posterior_draws
    from mscsim.io import record_run
    from mscsim.trial import analyse, load_scenario, run_summary, run_trial, validate_run

    check_replicates(replicates)
    check_workers(workers)
    sc = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    k = sc.replicates if replicates is None else replicates
    s = sc.seed if seed is None else seed
    folder, db = trial_paths(sc.name, s, k, out, store)
    draws, post_prov = posterior_draws(posterior, sc, s)
    trial = run_trial(
        sc,
        seed=s,
        replicates=k,
        workers=workers,
        executor=executor,
        progress=progress,
        param_draws=draws,
    )
    analyses = analyse(trial)
    summary = {**run_summary(trial, analyses), **post_prov}
    validation = validate_run(trial, analyses) if k >= 20 and sc.used_results() else None
    formats = ("parquet", "csv") if k <= CSV_MAX_REPLICATES else ("parquet",)
    written = write_run_folder(
        trial,
        folder,
        analyses=analyses,
        summary=summary,
        validation=validation,
        command=command,
        formats=formats,
    )
    run_id = record_run(db, trial, summary, written)
    return TrialResult(summary=summary, folder=written, store=db, run_id=run_id)
