"""The application layer: CLI and web call the same jobs; io only reads and writes."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import mscsim
from mscsim._errors import InputError
from mscsim.app import power_study, run_trial_job, simulate_typical, validate_study
from mscsim.cli import main

SRC = Path(mscsim.__file__).parent


def _imports(package: str) -> set[str]:
    """Modules imported by `package`, and ``module:name`` for each name imported from one."""
    names = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}:{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
    return names


# What runs a job: io may use the trial package's vocabulary (event terms, AE records) to
# shape tables, but neither runs, analyses nor validates a trial, nor builds a report.
JOB_RUNNERS = {"run_trial", "analyse", "power_curve", "validate_run", "run_summary"}
JOB_MODULES = ("_engine", "_analysis", "_power", "_validate", "_summary")


@pytest.mark.parametrize("package", ["model", "solve", "population", "trial", "stats", "io"])
def test_core_and_io_import_no_front_end(package):
    front = ("mscsim.app", "mscsim.cli", "mscsim.web", "mscsim.report")
    found = _imports(package)
    assert sorted(m for m in found if m.startswith(front)) == []
    if package == "io":
        runners = {
            m
            for m in found
            if m.split(":")[-1] in JOB_RUNNERS
            or m.split(":")[0].removeprefix("mscsim.trial.") in JOB_MODULES
        }
        assert runners == set()


def test_trial_job_equals_cli_json(tmp_path, capsys):
    res = run_trial_job("lanzoni2021", seed=7, out=tmp_path / "a", store=tmp_path / "s.sqlite")
    assert main(["trial", "run", "lanzoni2021", "--seed", "7", "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert main(["trial", "run", "lanzoni2021", "--seed", "7", "--out", str(tmp_path / "c"),
                 "--json"]) == 0  # fmt: skip
    cli = json.loads(capsys.readouterr().out)
    assert mscsim.io.jsonable(res.summary) == cli
    assert res.run_id == 1 and res.store == tmp_path / "s.sqlite"
    assert {"report.html", "manifest.json", "adtte.parquet", "summary.json"} <= set(res.files())
    assert json.loads((res.folder / "summary.json").read_text()) == cli


def test_study_jobs_validate_their_inputs(tmp_path):
    with pytest.raises(InputError, match="--n"):
        power_study("lanzoni2021", [25], replicates=2)
    with pytest.raises(InputError, match="--replicates"):
        validate_study("lanzoni2021", replicates=0)
    with pytest.raises(InputError, match="--days"):
        simulate_typical("severe", days=0)
    res = power_study("meng2020", [18], replicates=2, out=tmp_path / "p")
    assert res.doc["n"] == [18] and (tmp_path / "p" / "power.json").is_file()
