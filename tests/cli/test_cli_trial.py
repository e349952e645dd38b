"""`mscsim trial list | run | power | validate`: the CLI contract other tools rely on."""

from __future__ import annotations

import json
import sqlite3

import pytest

from mscsim.cli import main


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_list(capsys):
    assert main(["trial", "list", "--json"]) == 0
    names = {s["name"] for s in _json(capsys)}
    assert {
        "lanzoni2021",
        "meng2020",
        "shi2021",
        "monsel2022",
        "dilogo2021",
        "bowdish2023",
        "rebelatto2022",
        "adas2021",
        "xu2021",
        "leng2020",
        "gregoire2022",
    } <= names


def test_run_json_contract_and_outputs(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["trial", "run", "lanzoni2021", "--seed", "5", "--out", str(out), "--json"]) == 0
    doc = _json(capsys)
    assert doc["scenario"] == "lanzoni2021" and doc["seed"] == 5
    assert set(doc["arms"]) == {"uc_msc", "vehicle"}
    for arm in doc["arms"].values():
        assert set(arm) >= {
            "n",
            "deaths",
            "survival_day28",
            "patients_with_sae",
            "patients_with_infusion_ae",
        }
    assert sum(a["n"] for a in doc["arms"].values()) == 24
    for e in doc["endpoints"]:
        assert set(e) >= {"name", "estimate", "ci_low", "ci_high", "p_value", "method"}
    assert "status_counts" in doc
    names = {p.name for p in out.iterdir()}
    assert {
        "adsl.parquet",
        "adtte.parquet",
        "adae.parquet",
        "adlb.parquet",
        "adsl.csv",
        "manifest.json",
        "report.html",
        "summary.json",
    } <= names
    with sqlite3.connect(tmp_path / "mscsim.sqlite") as db:
        assert db.execute("select scenario, seed from runs").fetchall() == [("lanzoni2021", 5)]


def test_same_seed_same_tables(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        assert (
            main(["trial", "run", "meng2020", "--seed", "3", "--out", str(folder), "--json"]) == 0
        )
        capsys.readouterr()
    for name in ("adsl.csv", "adtte.csv", "adae.csv", "adlb.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_power_json(capsys):
    assert main(["trial", "power", "meng2020", "--n", "18,36", "--replicates", "3", "--json"]) == 0
    doc = _json(capsys)
    assert doc["n"] == [18, 36]
    assert doc["power"] and all(
        len(v) == 2 and all(0 <= p <= 1 for p in v) for v in doc["power"].values()
    )


def test_validate_json(capsys):
    assert main(["trial", "validate", "meng2020", "--replicates", "4", "--json"]) == 0
    rows = _json(capsys)["results"]
    assert rows
    for r in rows:
        assert set(r) >= {
            "endpoint",
            "observed",
            "predicted_median",
            "pi_low",
            "pi_high",
            "percentile",
        }
        assert 0 <= r["percentile"] <= 100
        assert r["selection_rr"] == 1.0  # no publication selection unless asked for


BAD_YAML = """\
name: broken
title: a broken scenario
"""


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["trial", "run", "no_such_scenario"], "SCENARIO"),
        (["trial", "power", "lanzoni2021", "--n", "24,x"], "--n"),
        (["trial", "power", "lanzoni2021", "--n", "25"], "--n"),
        (["trial", "run", "lanzoni2021", "--replicates", "0"], "--replicates"),
        (["trial", "validate", "lanzoni2021", "--selection", "0.5"], "--selection"),
        (["trial", "validate", "lanzoni2021", "--selection", "strong"], "--selection"),
        (["validate-model", "--selection", "nan"], "--selection"),
    ],
)
def test_bad_input_one_line_exit_2(argv, field, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("error:")
    assert list(tmp_path.iterdir()) == []


def test_bad_scenario_file_names_the_field_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "trial.yaml").write_text(BAD_YAML)
    assert main(["trial", "run", "trial.yaml"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "citation" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trial.yaml"]


def test_power_and_validate_write_reports(tmp_path, capsys):
    assert (
        main(
            [
                "trial",
                "power",
                "meng2020",
                "--n",
                "18",
                "--replicates",
                "2",
                "--out",
                str(tmp_path / "p"),
            ]
        )
        == 0
    )
    assert (
        main(["trial", "validate", "meng2020", "--replicates", "2", "--out", str(tmp_path / "v")])
        == 0
    )
    capsys.readouterr()
    assert json.loads((tmp_path / "p" / "power.json").read_text())["n"] == [18]
    assert json.loads((tmp_path / "v" / "validation.json").read_text())["results"]
    for folder in ("p", "v"):
        html = (tmp_path / folder / "report.html").read_text()
        assert "<img" in html or "<svg" in html
        assert "Research use only" in html or "research" in html.lower()


def test_json_output_is_strict_even_for_infinite_estimates(capsys):
    from mscsim.cli._trial import _dump

    _dump(
        {"estimate": float("inf"), "ci": [float("nan"), 1.5]}
    )  # e.g. Cox HR under monotone likelihood
    assert json.loads(capsys.readouterr().out) == {"estimate": None, "ci": [None, 1.5]}
