"""Replicates, power grids and validation on a Dask LocalCluster (2 worker processes) give
exactly the local results with the same seed."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("dask.distributed")

from mscsim.app import cluster_executor, power_study  # noqa: E402
from mscsim.cli import main  # noqa: E402
from mscsim.io import adam_tables  # noqa: E402
from mscsim.trial import load_scenario, run_trial  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dask_executor():
    with cluster_executor("local:2") as ex:
        assert ex.max_workers == 2
        yield ex


def test_replicates_on_dask_equal_local(dask_executor):
    sc = load_scenario("meng2020")
    local = run_trial(sc, seed=11, replicates=12, workers=1)
    remote = run_trial(sc, seed=11, replicates=12, executor=dask_executor)
    assert remote.timings["workers"] == 2.0
    a, b = adam_tables(local), adam_tables(remote)
    for name in a:
        assert a[name].equals(b[name]), name
    np.testing.assert_array_equal(local.events.death, remote.events.death)


def test_power_grid_on_dask_equals_local(dask_executor):
    local = power_study("meng2020", [18, 36], replicates=8, seed=4, workers=1)
    remote = power_study("meng2020", [18, 36], replicates=8, seed=4, executor=dask_executor)
    assert remote.doc == local.doc


def test_cli_dask_option(capsys, monkeypatch):
    argv = ["trial", "validate", "meng2020", "--replicates", "4", "--seed", "2", "--json"]
    assert main(argv) == 0
    local = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("MSCSIM_DASK", "local:2")
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == local


def test_bad_dask_spec_is_an_input_error(capsys):
    argv = ["trial", "power", "meng2020", "--n", "18", "--replicates", "2", "--dask", "local:0"]
    assert main(argv) == 2
    assert "--dask" in capsys.readouterr().err


def test_server_jobs_use_the_cluster_named_by_mscsim_dask(tmp_path, monkeypatch):
    from mscsim.app._executor import DaskExecutor
    from mscsim.app._jobs import execute_job
    from mscsim.io._jobs import add_job, get_job

    submitted = []
    real_submit = DaskExecutor.submit

    def counting(self, fn, /, *args, **kwargs):
        submitted.append(fn.__name__)
        return real_submit(self, fn, *args, **kwargs)

    monkeypatch.setattr(DaskExecutor, "submit", counting)
    store = tmp_path / "mscsim.sqlite"
    request = {"kind": "power", "scenario": "meng2020", "sizes": [18], "replicates": 6, "seed": 5}
    results = {}
    for spec in (None, "local:2"):
        if spec:
            monkeypatch.setenv("MSCSIM_DASK", spec)
        job_id = f"job{len(results)}"
        add_job(store, job_id, "power", request, total=6)
        assert execute_job(store, tmp_path, job_id, request) == "done"
        results[spec] = get_job(store, job_id)["result"]
    assert results[None] == results["local:2"]
    assert submitted and set(submitted) == {"_run_chunk"}  # the chunks went through Dask


def test_design_commands_on_dask_equal_local(capsys, monkeypatch):
    argv = ["design", "adaptive", "meng2020", "--n-max", "18", "--looks", "0.5,1"]
    argv += ["--replicates", "6", "--skip-null", "--json"]
    assert main(argv) == 0
    local = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("MSCSIM_DASK", "local:2")
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == local
