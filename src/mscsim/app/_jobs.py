"""Execute one recorded job (in a worker process of the web service) and record its outcome."""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Any

from mscsim._errors import InputError
from mscsim.app._requests import JobRequest, resolve_scenario

PROGRESS_EVERY_S = 0.5


class _Progress:
    """Writes the count of finished replicates to the job row at most every 0.5 s."""

    def __init__(self, store: Path, job_id: str) -> None:
        self.store, self.job_id, self.done, self._last = store, job_id, 0, 0.0

    def __call__(self, n: int) -> None:
        from mscsim.io._jobs import set_progress

        self.done += int(n)
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            set_progress(self.store, self.job_id, self.done)


def job_folder(root: Path, job_id: str, request: JobRequest) -> Path:
    """The output folder of a job: ``<root>/<scenario>-<kind>-<job id>``."""
    return Path(root) / f"{request.scenario}-{request.kind}-{job_id}"


def execute_job(store: str | Path, root: str | Path, job_id: str, request: dict[str, Any]) -> str:
    """Run a queued job and record its result (or its one-line error); return its status.

    Replicates run in this process, or on the Dask cluster named by ``$MSCSIM_DASK`` (same
    results). Any exception becomes a ``failed`` job: failure is data, the worker keeps serving.
    """
    from mscsim.app._executor import cluster_executor
    from mscsim.io._jobs import fail_job, start_job

    store, root = Path(store), Path(root)
    if not start_job(store, job_id):
        return "skipped"
    try:
        req = JobRequest.model_validate(request)
        sc = resolve_scenario(req, store)
        with cluster_executor(None, option="MSCSIM_DASK") as executor:
            _run(store, job_id, req, sc, job_folder(root, job_id, req), executor)
        return "done"
    except InputError as exc:
        fail_job(store, job_id, str(exc))
    except Exception as exc:  # noqa: BLE001 - recorded, not raised
        fail_job(store, job_id, f"{type(exc).__name__}: {exc} | {traceback.format_exc(limit=3)}")
    return "failed"


def _run(store: Path, job_id: str, req: JobRequest, sc, out: Path, executor) -> None:
    """Run the job's study and record it done."""
    from mscsim.app._study import power_study, validate_study
    from mscsim.app._trial import run_trial_job
    from mscsim.io._jobs import finish_job

    common = {
        "seed": req.seed,
        "workers": 1,
        "executor": executor,
        "out": out,
        "progress": _Progress(store, job_id),
        "command": f"mscsim serve: job {job_id}",
    }
    if req.kind == "trial":
        res = run_trial_job(sc, replicates=req.replicates, store=store, **common)
        finish_job(store, job_id, res.summary, folder=res.folder, run_id=res.run_id)
        return
    if req.kind == "power":
        study = power_study(sc, req.sizes or (), replicates=req.replicates or 200, **common)
    else:
        study = validate_study(
            sc, replicates=req.replicates or 200, selection=req.selection, **common
        )
    finish_job(store, job_id, study.doc, folder=study.folder)
