"""The service as a process: kill -9 loses no finished result, interrupted jobs are marked and
can be resubmitted, SIGTERM stops gracefully, and a generated token is printed once."""

from __future__ import annotations

import hashlib
import json
import signal
import time
from pathlib import Path

import httpx
import pytest

from conftest import AUTH, Server, wait_job  # noqa: I001

pytestmark = pytest.mark.slow


def _get(srv: Server):
    return lambda path: httpx.get(srv.url + path, timeout=30)


def _post(srv: Server, path: str, body: dict | None = None) -> httpx.Response:
    return httpx.post(srv.url + path, json=body, headers=AUTH, timeout=30)


def _manifest_ok(folder: Path) -> bool:
    manifest = json.loads((folder / "manifest.json").read_text())
    return all(
        hashlib.sha256((folder / f["name"]).read_bytes()).hexdigest() == f["sha256"]
        for f in manifest["files"]
    )


def _wait_running(get, job_id: str, timeout: float = 120) -> None:
    t0 = time.monotonic()
    while get(f"/api/runs/{job_id}").json()["status"] == "queued":
        assert time.monotonic() - t0 < timeout, "job never started"
        time.sleep(0.1)


def test_kill_9_keeps_finished_results_and_marks_running_jobs(tmp_path):
    store = tmp_path / "mscsim.sqlite"
    srv = Server(store).start()
    get = _get(srv)
    done_id = _post(srv, "/api/runs", {"scenario": "lanzoni2021", "seed": 7}).json()["id"]
    done = wait_job(get, done_id)
    assert done["status"] == "done"
    long_id = _post(srv, "/api/runs", {"scenario": "lanzoni2021", "seed": 8, "replicates": 400})
    long_id = long_id.json()["id"]
    queued_id = _post(srv, "/api/runs", {"scenario": "meng2020", "seed": 1}).json()["id"]
    _wait_running(get, long_id)
    srv.kill9()  # the whole process group: server and job workers

    srv2 = Server(store).start()
    get2 = _get(srv2)
    try:
        again = get2(f"/api/runs/{done_id}").json()
        assert again["status"] == "done" and again["summary"] == done["summary"]
        folder = Path(get2(f"/api/runs/{done_id}").json()["files"] and store.parent)
        job_folder = next(folder.glob(f"*-{done_id}"))
        assert _manifest_ok(job_folder)
        for jid in (long_id, queued_id):
            rec = get2(f"/api/runs/{jid}").json()
            assert rec["status"] == "interrupted" and "stopped" in rec["error"]
        r = _post(srv2, f"/api/runs/{queued_id}/resubmit")
        assert r.status_code == 202
        redo = wait_job(get2, r.json()["id"])
        assert redo["status"] == "done" and redo["retry_of"] == queued_id
        assert _post(srv2, f"/api/runs/{done_id}/resubmit").status_code == 409
    finally:
        srv2.stop()


def test_sigterm_stops_gracefully(tmp_path):
    srv = Server(tmp_path / "mscsim.sqlite").start()
    get = _get(srv)
    running = _post(srv, "/api/runs", {"scenario": "meng2020", "seed": 2, "replicates": 20})
    running = running.json()["id"]
    waiting = [
        _post(srv, "/api/runs", {"scenario": "meng2020", "seed": s}).json()["id"] for s in (3, 4, 5)
    ]
    _wait_running(get, running)
    srv.proc.send_signal(signal.SIGTERM)
    # uvicorn shuts down, then re-raises the signal so the exit status says SIGTERM
    assert srv.proc.wait(180) in (0, -signal.SIGTERM)
    assert "Traceback" not in srv.log()
    srv2 = Server(tmp_path / "mscsim.sqlite").start()
    try:
        states = {j: _get(srv2)(f"/api/runs/{j}").json()["status"] for j in [running, *waiting]}
        assert states[running] == "done"  # the running job finished before the stop
        assert set(states.values()) <= {"done", "interrupted"}
        assert "interrupted" in states.values()  # queued jobs were not run
    finally:
        srv2.stop()


def test_generated_token_is_printed_once(tmp_path):
    store = tmp_path / "mscsim.sqlite"
    srv = Server(store, token=None).start()
    srv.stop()
    token = (tmp_path / "api-token").read_text().strip()
    assert srv.log().count(token) == 1
    srv2 = Server(store, token=None).start()
    try:
        assert token not in srv2.log()  # printed once, at the first start only
        h = {"Authorization": f"Bearer {token}"}
        r = httpx.post(srv2.url + "/api/runs", json={"scenario": "x"}, headers=h, timeout=30)
        assert r.status_code == 422  # authorised, then validated
    finally:
        srv2.stop()
