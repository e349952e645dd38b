"""`mscsim evidence ...` through `mscsim.cli.main`: JSON contract, plots, bad input (exit 2)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import yaml

from mscsim.cli import main

from ._data import BCG, NEW, NORMAND

REQUIRED = {
    "k",
    "measure",
    "method",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "tau2",
    "i2",
    "q",
    "q_df",
    "q_p",
    "studies",
}


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["evidence", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def run_json(capsys, *args: str) -> dict:
    rc, out, err = run(capsys, *args, "--json")
    assert rc == 0, err
    return json.loads(out)


def _bcg_csv(path: Path) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["study", "events_treat", "n_treat", "events_ctrl", "n_ctrl", "year", "alloc"])
        for r in BCG:
            w.writerow([f"{r[1]} {r[2]}", r[3], r[3] + r[4], r[5], r[5] + r[6], r[2], r[8]])
    return path


def test_meta_json_contract_on_builtin_evidence(capsys):
    d = run_json(capsys, "meta", "--outcome", "mortality")
    assert REQUIRED <= set(d) and "exp" in d
    assert (d["measure"], d["method"], d["k"]) == ("RR", "REML", len(d["studies"]))
    assert set(d["exp"]) == {"estimate", "ci_low", "ci_high", "pi_low", "pi_high"}
    assert d["exp"]["estimate"] == pytest.approx(math.exp(d["estimate"]))
    assert d["ci_low"] < d["estimate"] < d["ci_high"] and d["pi_low"] <= d["ci_low"]
    assert 0 <= d["i2"] <= 100 and d["q_df"] == d["k"] - 1
    assert {"effect", "variance", "weight"} <= set(d["studies"][0])
    assert sum(s["weight"] for s in d["studies"]) == pytest.approx(100)
    assert d["zero_cells"]["dropped"] == ["Shi 2021"]
    assert "Bowdish2023" in d["selection"]["included"]


def test_meta_on_user_csv_matches_metafor(capsys, tmp_path):
    # metafor DL on dat.bcg (test_misc_metan_vs_rma.uni_with_dat.bcg.r): -0.7141 [-1.0644, -0.3638]
    d = run_json(
        capsys,
        "meta",
        "--data",
        str(_bcg_csv(tmp_path / "bcg.csv")),
        "--measure",
        "RR",
        "--method",
        "DL",
    )
    assert (d["estimate"], d["ci_low"], d["ci_high"], d["tau2"]) == pytest.approx(
        (-0.7141, -1.0644, -0.3638, 0.3088), abs=5e-5
    )
    assert d["k"] == 13 and d["data"].endswith("bcg.csv")
    # metafor README, test="knha": CI -1.1084 .. -0.3206
    d = run_json(capsys, "meta", "--data", str(tmp_path / "bcg.csv"), "--method", "REML", "--hksj")
    assert (d["ci_low"], d["ci_high"], d["df"]) == pytest.approx((-1.1084, -0.3206, 12), abs=5e-5)


def test_meta_on_continuous_csv(capsys, tmp_path):
    path = tmp_path / "normand.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["study", "mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl"])
        for s, n1, m1, s1, n2, m2, s2 in NORMAND:
            w.writerow([s, m1, s1, n1, m2, s2, n2])
    d = run_json(capsys, "meta", "--data", str(path), "--measure", "SMD", "--method", "DL")
    assert d["measure"] == "SMD" and d["k"] == 9 and "exp" not in d
    d = run_json(capsys, "meta", "--data", str(path), "--method", "FE")
    assert d["measure"] == "MD"


def test_subgroups_sensitivity_and_egger(capsys):
    d = run_json(capsys, "meta", "--by", "cell_source", "--method", "DL")
    assert d["by"] == "cell_source" and {g["group"] for g in d["subgroups"]} >= {"UC", "BM"}
    assert {"q_between", "q_between_df", "q_between_p"} <= set(d)
    rct = run_json(capsys, "meta", "--randomized-only", "--blinded-only")
    assert rct["k"] < d["k"]
    e = run_json(capsys, "meta", "--egger")
    assert e["egger"]["model"] == "rma" and e["egger"]["k"] == e["k"]


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plots_are_written(capsys, tmp_path, suffix):
    forest, funnel = tmp_path / f"forest{suffix}", tmp_path / f"funnel{suffix}"
    rc, out, err = run(capsys, "meta", "--plot", str(forest), "--funnel", str(funnel))
    assert rc == 0, err
    head = forest.read_bytes()[:8]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<?xml" in head
    assert funnel.stat().st_size > 1000
    assert "random effects (REML)" in out


def test_cumulative_and_leave_one_out(capsys, tmp_path):
    csv_path = str(_bcg_csv(tmp_path / "bcg.csv"))
    d = run_json(capsys, "cumulative", "--data", csv_path)
    assert d["analysis"] == "cumulative" and d["k"] == 13 and d["order_by"] == "year"
    assert d["steps"][-1]["estimate"] == pytest.approx(-0.714532, abs=1e-6)  # metafor cumul
    assert REQUIRED - {"studies"} <= set(d["steps"][0])
    d = run_json(capsys, "leave-one-out", "--method", "DL", "--plot", str(tmp_path / "l.png"))
    assert d["analysis"] == "leave-one-out" and len(d["steps"]) == d["k"] == 13
    assert all(s["k"] <= 12 for s in d["steps"])  # Shi 2021 (double zero) is dropped for RR
    assert (tmp_path / "l.png").is_file()


def test_list_and_add_use_the_given_store(capsys, tmp_path):
    d = run_json(capsys, "list")
    n = d["count"]
    assert n == len(d["trials"]) and d["trials"][0]["id"] == "Lanzoni2021"
    src = tmp_path / "new.yaml"
    src.write_text(yaml.safe_dump(NEW), encoding="utf-8")
    store = tmp_path / "s.yaml"
    rc, out, err = run(capsys, "add", str(src), "--store", str(store))
    assert rc == 0 and "Example2024" in out and store.is_file()
    assert run_json(capsys, "list", "--store", str(store))["count"] == n + 1
    assert run_json(capsys, "list")["count"] == n  # default store untouched
    assert "Example2024" in run_json(capsys, "meta", "--store", str(store))["selection"]["included"]
    rc, out, err = run(capsys, "list")
    assert rc == 0 and "Bowdish2023" in out


def _one_line_error(capsys, *args: str) -> str:
    rc, out, err = run(capsys, *args)
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


def test_bad_input_exits_2_with_one_line(capsys, tmp_path):
    good = tmp_path / "bcg.csv"
    _bcg_csv(good)
    rows = good.read_text().splitlines()
    missing = tmp_path / "missing.csv"
    missing.write_text("\n".join(r.rsplit(",", 3)[0] for r in rows) + "\n")
    assert "columns" in _one_line_error(capsys, "meta", "--data", str(missing))
    neg = tmp_path / "neg.csv"
    neg.write_text(rows[0] + "\nA,-1,10,2,10,2000,x\n")
    assert "events_treat (A)" in _one_line_error(capsys, "meta", "--data", str(neg))
    over = tmp_path / "over.csv"
    over.write_text(rows[0] + "\nA,11,10,2,10,2000,x\n")
    assert "at most n_treat" in _one_line_error(capsys, "meta", "--data", str(over))
    assert "method:" in _one_line_error(capsys, "meta", "--method", "BAYES")
    assert "measure:" in _one_line_error(capsys, "meta", "--measure", "HR")
    assert "by:" in _one_line_error(capsys, "meta", "--by", "colour")
    assert "--plot:" in _one_line_error(capsys, "meta", "--plot", str(tmp_path / "f.pdf"))
    assert "--funnel:" in _one_line_error(capsys, "meta", "--funnel", str(tmp_path / "f.pdf"))
    assert "data:" in _one_line_error(capsys, "meta", "--data", str(tmp_path / "nope.csv"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: X\n", encoding="utf-8")
    assert "X." in _one_line_error(capsys, "add", str(bad), "--store", str(tmp_path / "s.yaml"))
    assert not (tmp_path / "s.yaml").exists()
