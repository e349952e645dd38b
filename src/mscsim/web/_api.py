"""The REST API: scenarios, jobs (trial runs, power, validation), files, evidence, simulate."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse

from mscsim import __version__
from mscsim._errors import InputError
from mscsim.app._requests import UPLOAD_PREFIX, JobRequest, resolve_scenario
from mscsim.web._runner import QueueFull
from mscsim.web._security import allow_read, require_token

api = APIRouter(prefix="/api")
READ = [Depends(allow_read)]
WRITE = [Depends(require_token)]


def unprocessable(exc: InputError) -> HTTPException:
    """422 naming the field: ``{"detail": [{"loc": [field], "msg": ...}], ...}``."""
    return HTTPException(
        422, [{"loc": [exc.field], "msg": str(exc), "type": "value_error", "input": None}]
    )


def _store(request: Request) -> Path:
    return request.app.state.config.store


@api.get("/health")
def health(request: Request) -> dict[str, Any]:
    runner = request.app.state.runner
    return {
        "status": "ok",
        "version": __version__,
        "jobs_in_flight": runner.in_flight,
        "max_queue": runner.config.max_queue,
    }


@functools.cache
def _builtin_rows() -> tuple[dict[str, Any], ...]:
    """The built-in scenarios (package data: they do not change while the server runs)."""
    from mscsim.trial import list_scenarios

    return tuple({**s.model_dump(mode="json"), "source": "built-in"} for s in list_scenarios())


@api.get("/scenarios", dependencies=READ)
def scenarios(request: Request) -> list[dict[str, Any]]:
    """Built-in scenarios (with their sources) and uploaded ones; ``name`` is what to run."""
    from mscsim.io._jobs import list_uploaded

    rows = [dict(r) for r in _builtin_rows()]
    for up in list_uploaded(_store(request)):
        rows.append({"name": up["id"], "title": up["name"], "source": "upload"})
    return rows


@api.get("/scenarios/{name}", dependencies=READ)
def scenario(name: str, request: Request) -> dict[str, Any]:
    """A scenario's full design (for the edit form)."""
    try:
        sc = resolve_scenario(JobRequest(scenario=name), _store(request))
    except InputError:
        raise HTTPException(404, f"no scenario {name!r}") from None
    except ValueError:
        raise HTTPException(404, "no such scenario") from None
    return sc.model_dump(mode="json")


@api.post("/scenarios", status_code=201, dependencies=WRITE)
async def upload_scenario(request: Request) -> dict[str, Any]:
    """Upload a scenario YAML (the request body); it is validated before it is kept."""
    from mscsim.io._jobs import add_scenario
    from mscsim.trial import canonical_json, scenario_from_yaml

    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise unprocessable(InputError("scenario", "UTF-8 YAML text")) from None
    try:
        sc = scenario_from_yaml(text, "scenario")
    except InputError as exc:
        raise unprocessable(exc) from None
    sid = UPLOAD_PREFIX + hashlib.sha256(canonical_json(sc).encode()).hexdigest()[:16]
    add_scenario(_store(request), sid, sc.name, text)
    return {"id": sid, "name": sid, "scenario": sc.name, "title": sc.title}


@api.post("/runs", status_code=202, dependencies=WRITE)
def submit(body: JobRequest, request: Request) -> dict[str, Any]:
    """Queue a trial run, power curve or validation; 202 with the job id."""
    return _submit(body, request)


def _submit(body: JobRequest, request: Request, retry_of: str | None = None) -> dict[str, Any]:
    from mscsim.app._study import check_sizes

    config = request.app.state.config
    try:
        sc = resolve_scenario(body, config.store)
        if body.kind == "power":
            check_sizes(body.sizes or (), sc, option="sizes")
        total = body.replicate_count(sc)
        if total > config.max_replicates:
            raise InputError("replicates", f"at most {config.max_replicates} per job", total)
    except InputError as exc:
        raise unprocessable(exc) from None
    try:
        job_id = request.app.state.runner.submit(
            body.kind, body.model_dump(mode="json"), total, retry_of
        )
    except QueueFull:
        raise HTTPException(429, "job queue full, retry later", {"Retry-After": "5"}) from None
    return {"id": job_id, "status": "queued", "url": f"/api/runs/{job_id}"}


@api.get("/runs", dependencies=READ)
def jobs(request: Request, limit: int = Query(100, ge=1, le=1000)) -> list[dict[str, Any]]:
    from mscsim.io._jobs import list_jobs

    return list_jobs(_store(request), limit)


def _job(job_id: str, request: Request) -> dict[str, Any]:
    from mscsim.io._jobs import get_job

    if len(job_id) > 64 or not job_id.isalnum():
        raise HTTPException(404, "no such job")
    job = get_job(_store(request), job_id)
    if job is None:
        raise HTTPException(404, "no such job")
    return job


def _files(job: dict[str, Any]) -> list[str]:
    folder = job.get("folder")
    if job["status"] != "done" or not folder or not Path(folder).is_dir():
        return []
    return sorted(p.name for p in Path(folder).iterdir() if p.is_file())


@api.get("/runs/{job_id}", dependencies=READ)
def job(job_id: str, request: Request) -> dict[str, Any]:
    """Status and progress; when done, ``summary`` (trial) or ``result`` and file links."""
    rec = _job(job_id, request)
    out = {
        "id": rec["job_id"],
        **{k: rec[k] for k in ("kind", "status", "created", "started", "finished", "request")},
        "progress": {"done": rec["done"], "total": rec["total"]},
        "error": rec["error"],
        "retry_of": rec["retry_of"],
        "run_id": rec["run_id"],
    }
    if rec["status"] == "done":
        out["summary" if rec["kind"] == "trial" else "result"] = rec["result"]
        out["files"] = {n: f"/api/runs/{job_id}/files/{n}" for n in _files(rec)}
    return out


@api.post("/runs/{job_id}/resubmit", status_code=202, dependencies=WRITE)
def resubmit(job_id: str, request: Request) -> dict[str, Any]:
    """Run an interrupted or failed job again (a new job that names the old one)."""
    rec = _job(job_id, request)
    if rec["status"] not in ("interrupted", "failed"):
        raise HTTPException(
            409, f"only interrupted or failed jobs are resubmitted ({rec['status']})"
        )
    return _submit(JobRequest.model_validate(rec["request"]), request, retry_of=job_id)


@api.get("/runs/{job_id}/files/{name}", dependencies=READ)
def job_file(job_id: str, name: str, request: Request) -> FileResponse:
    """A file of the job's output folder; only names that the folder holds are served."""
    rec = _job(job_id, request)
    if name not in _files(rec):
        raise HTTPException(404, "no such file")
    path = Path(rec["folder"]) / name
    return FileResponse(path, filename=name if not name.endswith(".html") else None)


@api.get("/runs/{job_id}/plots", dependencies=READ)
def job_plots(job_id: str, request: Request) -> dict[str, Any]:
    from mscsim.app._plots import plot_data

    rec = _job(job_id, request)
    if rec["status"] != "done":
        raise HTTPException(409, f"job is {rec['status']}")
    return plot_data(rec["kind"], rec["folder"], rec["result"])


@api.get("/history", dependencies=READ)
def history(request: Request) -> list[dict[str, Any]]:
    """Every recorded trial run, from the CLI and from this service, oldest first."""
    from mscsim.io import list_runs

    return [
        {k: r[k] for k in r if k != "summary"} | {"endpoints": r["summary"].get("endpoints")}
        for r in list_runs(_store(request))
    ]


@api.get("/evidence/meta", dependencies=READ)
def evidence(
    outcome: str = Query("mortality", pattern="^[a-z_]{1,32}$"),
    method: str = Query("REML", pattern="^[A-Z]{1,8}$"),
    measure: str | None = Query(None, pattern="^[A-Z]{1,8}$"),
    hksj: bool = False,
    randomized_only: bool = False,
) -> dict[str, Any]:
    """Pooled built-in evidence (``mscsim evidence meta --json``), with per-study effects."""
    from mscsim.app import evidence_meta

    try:
        return evidence_meta(
            outcome, method=method, measure=measure, hksj=hksj, randomized_only=randomized_only
        )
    except InputError as exc:
        raise unprocessable(exc) from None


@api.get("/simulate", dependencies=READ)
def simulate(
    severity: str = Query("severe", pattern="^[a-z]{1,16}$"),
    days: float = Query(60, ge=1, le=365),
    dose: float | None = Query(None, gt=0, le=1e10),
    at: str | None = Query(None, pattern=r"^[0-9.,]{1,64}$"),
) -> dict[str, Any]:
    """A typical patient with and without infusions (``mscsim simulate --json``)."""
    from mscsim.app import simulate_typical
    from mscsim.model import Regimen

    try:
        days_at = [float(x) for x in (at or "10").split(",") if x]
        regimen = Regimen.fixed(dose, days_at) if dose else Regimen()
        doc, _ = simulate_typical(severity, days, regimen)
    except (InputError, ValueError) as exc:
        err = exc if isinstance(exc, InputError) else InputError("at", str(exc))
        raise unprocessable(err) from None
    return doc
