"""`mscsim calibrate`, `mscsim validate-model` and `mscsim evidence meta --virtual` from the CLI."""

from __future__ import annotations

import json

import pytest

from mscsim.cli import main


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["calibrate", "--points", "24"], "points"),
        (["calibrate", "--steps", "100", "--burn", "100"], "burn"),
        (["validate-model", "--steps", "5"], "--steps"),
        (["validate-model", "--posterior", "none"], "--posterior"),
        (["validate-model", "--posterior", "missing.json"], "--posterior"),
        (["evidence", "meta", "--virtual", "--data", "x.csv"], "--data"),
        (["evidence", "meta", "--virtual", "--replicates", "1"], "replicates"),
        (["trial", "validate", "lanzoni2021", "--posterior", "nope.json"], "--posterior"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, tmp_path, monkeypatch, args, field) -> None:
    monkeypatch.chdir(tmp_path)
    rc = main(args)
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and field in err
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_virtual_meta_cli_writes_json_and_report(capsys, tmp_path) -> None:
    out = tmp_path / "vm"
    rc = main(["evidence", "meta", "--virtual", "--replicates", "3", "--json", "--out", str(out)])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and doc["virtual"]["replicates"] == 3
    assert doc["provenance"]["posterior_version"]  # the shipped posterior was used
    assert (out / "virtual_meta.json").exists() and (out / "report.html").exists()


def test_trial_validate_records_the_posterior(capsys) -> None:
    rc = main(["trial", "validate", "monsel2022", "--replicates", "4", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and doc["posterior"] == "default" and doc["posterior_version"]
    rc = main(
        ["trial", "validate", "monsel2022", "--replicates", "4", "--json", "--posterior", "none"]
    )
    assert rc == 0 and json.loads(capsys.readouterr().out)["posterior"] == "none"


def test_trial_run_manifest_records_the_posterior(capsys, tmp_path) -> None:
    from mscsim.evidence._posterior import load_posterior

    out = tmp_path / "run"
    args = ["trial", "run", "monsel2022", "--replicates", "2", "--out", str(out)]
    rc = main([*args, "--store", str(tmp_path / "s.sqlite"), "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    manifest = json.loads((out / "manifest.json").read_text())
    version = load_posterior("default").version
    assert manifest["posterior"]["posterior_version"] == summary["posterior_version"] == version
    assert manifest["environment"]["solver_backend"]
