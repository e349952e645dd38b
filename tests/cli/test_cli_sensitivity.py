"""`mscsim sensitivity`: smoke test with tiny samples, outputs, and bad input (exit 2)."""

from __future__ import annotations

import csv
import json

import pytest

pytest.importorskip("SALib")

from mscsim.cli import main  # noqa: E402

TINY = ["sensitivity", "--samples", "2", "--patients", "30", "--parameters", "potency,k_l"]


def test_sobol_json_and_folder(tmp_path, capsys):
    out = tmp_path / "sens"
    assert main([*TINY, "--seed", "4", "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["provenance"]["seed"] == 4 and doc["provenance"]["evaluations"] == 8
    assert set(doc["indices"]) == {"mortality_rr_d28", "pf_gain_d7", "lung_rr_d365"}
    assert {r["parameter"] for r in doc["indices"]["pf_gain_d7"]} == {"potency", "k_l"}
    assert "X" not in doc
    files = {p.name for p in out.iterdir()}
    assert files == {"sensitivity.json", "indices.csv", "samples.csv", "sensitivity.png"}
    saved = json.loads((out / "sensitivity.json").read_text())
    assert saved["indices"] == doc["indices"] and len(saved["X"]) == 8
    with open(out / "indices.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6 and set(rows[0]) == {
        "measure",
        "parameter",
        "S1",
        "S1_conf",
        "ST",
        "ST_conf",
    }
    assert (out / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"


def test_morris_text_output(capsys):
    assert main([*TINY, "--method", "morris"]) == 0
    text = capsys.readouterr().out
    assert "morris, 6 evaluations of 30 patients" in text and "mu*" in text


@pytest.mark.parametrize(
    "args, field",
    [
        (["--samples", "3"], "samples"),
        (["--method", "fast"], "method"),
        (["--parameters", "potency,nope"], "parameters"),
        (["--parameters", ","], "--parameters"),
        (["--scenario", "no_such_trial"], "scenario"),
        (["--lung-measure", "x"], "lung_measure"),
        (["--ranges", "posterior"], "ranges"),
        (["--arm", "vehicle"], "arm"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, args, field):
    out = tmp_path / "never"
    argv = ["sensitivity", "--samples", "2", "--patients", "20", *args, "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("error:") and field in err
    assert not out.exists()
