"""`mscsim design boundaries`: the CLI contract."""

from __future__ import annotations

import json

import pytest

from mscsim.cli import main


def test_boundaries_json_contract(capsys):
    argv = ["design", "boundaries", "--looks", "3", "--alpha", "0.025", "--spending", "asOF"]
    assert main([*argv, "--info", "0.3,0.65,1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["z"]) == 3 and len(doc["cumulative_alpha"]) == 3
    assert doc["z"] == pytest.approx([3.92857254, 2.54789955, 1.98969755], abs=1e-5)
    assert doc["cumulative_alpha"][-1] == pytest.approx(0.025, abs=1e-7)


def test_boundaries_text(capsys):
    assert main(["design", "boundaries", "--looks", "2", "--spending", "P"]) == 0
    assert "cum. alpha" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra",
    [
        ["--looks", "3", "--spending", "XX"],
        ["--looks", "0"],
        ["--looks", "3", "--info", "0.3,0.65"],
        ["--looks", "3", "--info", "a,b,c"],
        ["--looks", "3", "--alpha", "2"],
    ],
)
def test_boundaries_bad_options_one_line_exit_2(extra, capsys):
    assert main(["design", "boundaries", *extra, "--json"]) == 2
    err = capsys.readouterr()
    assert err.out == ""
    assert err.err.count("\n") == 1 and err.err.startswith("error: --")


def test_adaptive_json_contract(capsys):
    argv = ["design", "adaptive", "lanzoni2021", "--n-max", "24", "--looks", "0.5,1"]
    assert main([*argv, "--spending", "OF", "--replicates", "4", "--seed", "2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["design"]["rule"]["spending"] == "OF"
    for key in ("scenario", "null"):
        oc = doc[key]
        assert oc["endpoint"] == "survival_d31" and oc["sizes"] == [12, 24]
        assert set(oc) >= {"reject", "stop_efficacy", "expected_sample_size", "bias"}
    assert doc["null"]["scenario"] == "lanzoni2021_null"


@pytest.mark.parametrize(
    "extra",
    [
        ["lanzoni2021", "--looks", "0.5,0.2"],
        ["lanzoni2021", "--endpoint", "bogus"],
        ["lanzoni2021", "--rule", "bayesian", "--spending", "OF"],
        ["--config", "does-not-exist.yaml"],
        [],
    ],
)
def test_adaptive_bad_options_one_line_exit_2(extra, capsys):
    assert main(["design", "adaptive", *extra, "--replicates", "2", "--json"]) == 2
    err = capsys.readouterr()
    assert err.out == "" and err.err.count("\n") == 1 and err.err.startswith("error: ")


def test_samplesize_json_and_report(tmp_path, capsys):
    out = tmp_path / "ss"
    argv = ["design", "samplesize", "lanzoni2021", "--n", "12,24", "--replicates", "3"]
    assert main([*argv, "--seed", "1", "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n"] == [12, 24] and len(doc["power"]) == 2 and len(doc["assurance"]) == 2
    assert {p.name for p in out.iterdir()} == {"samplesize.json", "report.html"}
    assert (
        "<svg" in (out / "report.html").read_text()
        or "data:image/png" in (out / "report.html").read_text()
    )


@pytest.mark.parametrize("n", ["24,12", "x", "13,24", "2"])
def test_samplesize_bad_n_exit_2(n, capsys, tmp_path):
    argv = ["design", "samplesize", "lanzoni2021", "--n", n, "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("error: --n")
    assert not (tmp_path / "o").exists()


def test_optimize_json_and_report(tmp_path, capsys):
    out = tmp_path / "opt"
    argv = ["design", "optimize", "lanzoni2021", "--trials", "3", "--replicates", "2", "--n", "8"]
    assert main([*argv, "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["candidates"]) == 3
    assert set(doc["best"]) >= {"dose", "infusions", "spacing_days", "first_day", "utility"}
    assert {p.name for p in out.iterdir()} == {"optimization.json", "report.html"}


@pytest.mark.parametrize(
    "extra", [["--dose", "1e9"], ["--dose", "1e9,1e7"], ["--trials", "0"], ["--uncertainty", "x"]]
)
def test_optimize_bad_options_exit_2(extra, capsys, tmp_path):
    argv = ["design", "optimize", "lanzoni2021", *extra, "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_adaptive_reestimation_option(capsys):
    argv = ["design", "adaptive", "lanzoni2021", "--n-max", "12", "--looks", "0.5,1"]
    assert (
        main([*argv, "--reestimate-max", "24", "--replicates", "3", "--skip-null", "--json"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["design"]["reestimation"]["max_sample_size"] == 24
    assert doc["scenario"]["max_sample_size"] == 24 and "null" not in doc
    assert "share_increased" in doc["scenario"]["reestimation"]
