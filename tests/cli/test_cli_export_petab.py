"""`mscsim export petab DIR`: the CLI contract (files, one-line errors, nothing half-written)."""

from __future__ import annotations

import json

import pytest

from mscsim.cli import main

FILES = {
    "README.md",
    "conditions.tsv",
    "measurements.tsv",
    "model.xml",
    "observables.tsv",
    "parameters.tsv",
    "problem.yaml",
    "sources.tsv",
}


def test_export_petab_writes_the_problem(tmp_path, capsys):
    out = tmp_path / "petab"
    assert main(["export", "petab", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {p.name for p in out.iterdir()} == FILES == set(doc["files"])
    assert doc["measurements"] >= 1 and "EC50_msc" in doc["estimated"]
    try:
        import petab  # noqa: F401

        assert doc["lint"].startswith("passed")
    except ImportError:
        assert doc["lint"].startswith("not run")
    header = (out / "measurements.tsv").read_text().splitlines()[0].split("\t")
    assert header[:5] == [
        "observableId",
        "simulationConditionId",
        "time",
        "measurement",
        "noiseParameters",
    ]


@pytest.mark.parametrize("kind", ["nonempty", "file"])
def test_bad_dir_exits_2_with_one_line(tmp_path, capsys, kind):
    target = tmp_path / "x"
    if kind == "nonempty":
        target.mkdir()
        (target / "keep.txt").write_text("mine")
    else:
        target.write_text("a file")
    assert main(["export", "petab", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "DIR" in err
    if kind == "nonempty":
        assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_failure_leaves_nothing_behind(tmp_path, monkeypatch):
    import mscsim.io._petab as petab_io

    def broken(problem, folder):
        (folder / "problem.yaml").write_text("half")
        raise RuntimeError("disk gone")

    monkeypatch.setattr(petab_io, "write_petab", broken)
    out = tmp_path / "petab"
    with pytest.raises(RuntimeError):
        from mscsim.app import export_petab

        export_petab(out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
