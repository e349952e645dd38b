"""`mscsim simulate`, `export sbml`, `params`: the CLI contract."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from mscsim.cli import main
from mscsim.model import MSC_COVID


def test_json_contract(capsys):
    assert (
        main(
            [
                "simulate",
                "--severity",
                "severe",
                "--days",
                "30",
                "--dose",
                "1e8",
                "--at",
                "10,13",
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"time", "series", "units", "status", "provenance"}
    assert (
        doc["provenance"]["backend"] in ("numpy", "numba", "jax") and doc["provenance"]["cpu_simd"]
    )
    assert doc["status"] == "ok"
    assert set(doc["series"]) == set(MSC_COVID.observable_names) == set(doc["units"])
    assert len(doc["time"]) == len(doc["series"]["crp"]) == 31
    assert doc["units"]["pf_ratio"] == "mmHg"


def test_out_writes_tables_and_plot(tmp_path):
    out = tmp_path / "run"
    assert (
        main(
            [
                "simulate",
                "--days",
                "40",
                "--dose-per-kg",
                "1e6",
                "--at",
                "10",
                "--weight",
                "80",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == ["observables.png", "timecourse.csv", "timecourse.parquet"]
    table = pq.read_table(out / "timecourse.parquet")
    assert set(table.column("arm").to_pylist()) == {"treated", "untreated"}
    assert (out / "observables.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["simulate", "--severity", "extreme"], "--severity"),
        (["simulate", "--days", "0"], "--days"),
        (["simulate", "--days", "abc"], "--days"),
        (["simulate", "--dose", "1e8", "--at", "x"], "--at"),
        (["simulate", "--dose", "1e8"], "--at"),
        (["simulate", "--dose", "-5", "--at", "10"], "--dose"),
        (["simulate", "--dose", "1e8", "--dose-per-kg", "1e6", "--at", "1"], "--dose"),
        (["simulate", "--dose-per-kg", "1e6", "--at", "1", "--weight", "2"], "--weight"),
        (["export", "sbml", "model.txt"], "OUT.xml"),
    ],
)
def test_bad_arguments_one_line_exit_2(argv, option, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and option in err
    assert list(tmp_path.iterdir()) == []


def test_export_sbml_writes_valid_file(tmp_path, capsys):
    from mscsim.io import validate_sbml

    out = tmp_path / "patient.xml"
    assert (
        main(
            ["export", "sbml", str(out), "--severity", "critical", "--dose", "1e8", "--at", "10,13"]
        )
        == 0
    )
    text = out.read_text()
    assert validate_sbml(text) == []
    assert text.count("<event ") == 2


def test_params_lists_every_parameter(capsys):
    assert main(["params", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == set(MSC_COVID.parameter_names)
