"""The REST API contract, its validation and its limits (in-process, real job workers)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from conftest import AUTH, TOKEN, wait_job  # noqa: I001
from mscsim.cli import main


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from mscsim.web import ServerConfig, create_app

    store = tmp_path_factory.mktemp("api") / "mscsim.sqlite"
    config = ServerConfig(store=store, token=TOKEN, max_queue=3, max_upload_bytes=64 * 1024)
    with TestClient(create_app(config), client=("127.0.0.1", 50000)) as c:
        yield c


@pytest.fixture(scope="module")
def done_run(client):
    r = client.post("/api/runs", json={"scenario": "lanzoni2021", "seed": 7}, headers=AUTH)
    assert r.status_code == 202
    return wait_job(client.get, r.json()["id"])


def test_health_scenarios_and_openapi(client):
    assert client.get("/api/health").status_code == 200
    names = [s["name"] for s in client.get("/api/scenarios").json()]
    assert "lanzoni2021" in names
    spec = client.get("/api/openapi.json").json()
    assert {"/api/runs", "/api/runs/{job_id}", "/api/scenarios"} <= set(spec["paths"])
    assert client.get("/api/docs").status_code == 404  # Swagger UI would load a CDN


def test_summary_equals_the_cli_json(client, done_run, tmp_path, capsys):
    assert done_run["status"] == "done", done_run
    argv = ["trial", "run", "lanzoni2021", "--seed", "7", "--json", "--out", str(tmp_path / "r")]
    assert main(argv) == 0
    assert done_run["summary"] == json.loads(capsys.readouterr().out)
    assert {"report.html", "manifest.json", "adtte.parquet"} <= set(done_run["files"])
    assert done_run["progress"] == {"done": 1, "total": 1}
    report = client.get(done_run["files"]["report.html"])
    assert report.status_code == 200 and "<html" in report.text.lower()


def test_cli_and_server_runs_share_one_history(client, done_run, tmp_path, capsys):
    store = client.app.state.config.store
    argv = ["trial", "run", "meng2020", "--seed", "2", "--json", "--store", str(store),
            "--out", str(tmp_path / "cli")]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    hist = client.get("/api/history").json()
    assert [h["scenario"] for h in hist][-2:] == ["lanzoni2021", "meng2020"]
    assert done_run["run_id"] in [h["run_id"] for h in hist]


def test_writes_need_the_token(client):
    body = {"scenario": "lanzoni2021", "seed": 7}
    assert client.post("/api/runs", json=body).status_code == 401
    bad = {"Authorization": "Bearer wrong-token-wrong-token"}
    assert client.post("/api/runs", json=body, headers=bad).status_code == 401
    assert client.post("/api/scenarios", content=b"name: x", headers=bad).status_code == 401


def test_reads_from_other_hosts_need_the_token(client):
    from fastapi.testclient import TestClient

    remote = TestClient(client.app, client=("10.1.2.3", 4000))  # shares the running service
    assert remote.get("/api/scenarios").status_code == 401
    assert remote.get("/api/scenarios", headers=AUTH).status_code == 200
    assert remote.get("/api/health").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scenario": "lanzoni2021", "seed": -1}, "seed"),
        ({"scenario": "../../etc/passwd"}, "scenario"),
        ({"scenario": "nosuchtrial"}, "scenario"),
        ({"scenario": "lanzoni2021", "colour": "red"}, "colour"),
        ({"scenario": "lanzoni2021", "sample_size": 1}, "sample_size"),
        ({"scenario": "lanzoni2021", "arms": [{"name": "uc_msc", "dose_per_infusion": 0}]},
         "arms[0].dose_per_infusion"),
        ({"scenario": "lanzoni2021", "arms": [{"name": "x"}]}, "arms"),
        ({"scenario": "lanzoni2021", "replicates": 20000}, "replicates"),
        ({"scenario": "lanzoni2021", "kind": "power", "sizes": [25]}, "sizes"),
    ],
)  # fmt: skip
def test_bad_requests_are_422_naming_the_field(client, body, field):
    r = client.post("/api/runs", json=body, headers=AUTH)
    assert r.status_code == 422, r.text
    locs = [".".join(str(p) for p in d["loc"] if p != "body") for d in r.json()["detail"]]
    assert field in locs


def test_upload_validates_with_the_scenario_models(client):
    from importlib import resources

    text = resources.files("mscsim.trial.scenarios").joinpath("meng2020.yaml").read_text()
    bad = text.replace("sample_size:", "sample_size: -4\nxsample_size:", 1)
    r = client.post("/api/scenarios", content=bad.encode(), headers=AUTH)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][0] in (
        "sample_size",
        "xsample_size",
    )
    evil = b"!!python/object/apply:os.system ['echo pwned']"
    r = client.post("/api/scenarios", content=evil, headers=AUTH)
    assert r.status_code == 422  # safe YAML only
    big = b"#" * (65 * 1024)
    assert client.post("/api/scenarios", content=big, headers=AUTH).status_code == 413
    edited = text.replace("sample_size: 18", "sample_size: 36", 1)
    r = client.post("/api/scenarios", content=edited.encode(), headers=AUTH)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert sid in [s["name"] for s in client.get("/api/scenarios").json()]
    assert client.get(f"/api/scenarios/{sid}").json()["sample_size"] == 36


def test_files_are_served_only_from_the_job_folder(client, done_run):
    jid = done_run["id"]
    for name in ("..%2Fmscsim.sqlite", "%2Fetc%2Fpasswd", "api-token", "nosuch.csv"):
        assert client.get(f"/api/runs/{jid}/files/{name}").status_code == 404
    assert client.get("/api/runs/..%2F..%2Fetc/files/passwd").status_code == 404
    assert client.get("/api/runs/0123abcd").status_code == 404


def test_plot_data_of_a_trial(client, done_run):
    pl = client.get(f"/api/runs/{done_run['id']}/plots").json()
    assert set(pl["km"]) == set(done_run["summary"]["arms"])
    for arm, curve in pl["km"].items():
        assert curve["n"] == done_run["summary"]["arms"][arm]["n"]
        assert curve["survival"][0] == 1.0 and all(0 <= s <= 1 for s in curve["survival"])
    assert pl["consort"]["enrolled"] == 24
    assert {"CRP", "IL6", "PFRATIO"} <= set(pl["biomarkers"])


def test_queue_is_bounded(client):
    runner = client.app.state.runner
    body = {"scenario": "meng2020", "seed": 1, "replicates": 2}
    codes = [client.post("/api/runs", json=body, headers=AUTH).status_code for _ in range(6)]
    assert codes.count(202) <= runner.config.max_queue and 429 in codes
    assert codes[: codes.index(429)] == [202] * codes.index(429)
    for job in client.get("/api/runs").json():
        if job["status"] in ("queued", "running"):
            assert wait_job(client.get, job["job_id"])["status"] == "done"


def test_power_and_validate_jobs(client):
    r = client.post("/api/runs", json={"scenario": "meng2020", "kind": "power", "sizes": [18, 36],
                                       "replicates": 2, "seed": 3}, headers=AUTH)  # fmt: skip
    job = wait_job(client.get, r.json()["id"])
    assert job["status"] == "done" and job["result"]["n"] == [18, 36]
    assert "power.json" in job["files"]
    pl = client.get(f"/api/runs/{job['id']}/plots").json()
    assert pl["power"]["n"] == [18, 36]
    r = client.post("/api/runs", json={"scenario": "meng2020", "kind": "validate", "replicates": 20,
                                       "seed": 3, "selection": "hopewell"}, headers=AUTH)  # fmt: skip
    job = wait_job(client.get, r.json()["id"])
    assert job["status"] == "done" and job["result"]["selection"]["rr"] == 1.78
    assert all(row["selection_rr"] == 1.78 for row in job["result"]["results"])
    for bad in ("0.5", "strong"):
        r = client.post("/api/runs", json={"scenario": "meng2020", "kind": "validate",
                                           "selection": bad}, headers=AUTH)  # fmt: skip
        assert r.status_code == 422


def test_evidence_and_simulate(client):
    from mscsim.app import evidence_meta

    assert client.get("/api/evidence/meta").json() == evidence_meta()
    assert client.get("/api/evidence/meta?outcome=nonsense").status_code == 422
    sim = client.get("/api/simulate?severity=severe&days=30&dose=1e8&at=10,13").json()
    assert sim["infusions"] == [{"day": 10.0, "cells": 1e8}, {"day": 13.0, "cells": 1e8}]
    assert client.get("/api/simulate?severity=nope").status_code == 422


def test_generated_token_is_private(tmp_path, monkeypatch):
    from mscsim.web import resolve_token

    monkeypatch.delenv("MSCSIM_API_TOKEN", raising=False)
    token, new = resolve_token(tmp_path / "mscsim.sqlite")
    assert new and len(token) >= 32
    mode = stat.S_IMODE(os.stat(tmp_path / "api-token").st_mode)
    assert mode == 0o600
    assert resolve_token(tmp_path / "mscsim.sqlite") == (token, False)
    monkeypatch.setenv("MSCSIM_API_TOKEN", "from-the-environment-123")
    assert resolve_token(tmp_path / "mscsim.sqlite") == ("from-the-environment-123", False)
