"""Write the biomarker calibration problem as PEtab v1 files, and lint them with `petab`.

Files: ``problem.yaml`` (the entry point), ``model.xml`` (SBML L3V2), ``conditions.tsv``,
``observables.tsv``, ``measurements.tsv``, ``parameters.tsv``, ``sources.tsv`` (where each
measurement comes from; not a PEtab table) and ``README.md`` (what is and is not in it).
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import yaml

from mscsim.io._petab_problem import BIOMARKERS, Problem
from mscsim.io._petab_readme import readme_text
from mscsim.io._petab_sbml import petab_sbml
from mscsim.io._petab_tables import (
    condition_rows,
    measurement_rows,
    observable_rows,
    parameter_rows,
)
from mscsim.io._sbml import validate_sbml

FILES = {
    "model": "model.xml",
    "conditions": "conditions.tsv",
    "observables": "observables.tsv",
    "measurements": "measurements.tsv",
    "parameters": "parameters.tsv",
}
YAML = "problem.yaml"


def _tsv(rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {k: repr(v) if isinstance(v, float) else v for k, v in r.items()} for r in rows
    )
    return buf.getvalue()


def petab_files(problem: Problem) -> dict[str, str]:
    """File name -> text of every file of the export."""
    sbml = petab_sbml(problem.n_slots, BIOMARKERS)
    errors = validate_sbml(sbml)
    if errors:  # a bug, not bad input
        raise RuntimeError("generated SBML failed validation: " + "; ".join(errors[:3]))
    entry = {
        "format_version": 1,
        "parameter_file": FILES["parameters"],
        "problems": [
            {
                "sbml_files": [FILES["model"]],
                "condition_files": [FILES["conditions"]],
                "measurement_files": [FILES["measurements"]],
                "observable_files": [FILES["observables"]],
            }
        ],
    }
    sources = [
        {
            "simulationConditionId": m.condition,
            "observableId": f"obs_{m.observable}",
            "time": m.time,
            "statistic": m.statistic,
            "source": m.source,
            "quote": " ".join(m.quote.split()),
        }
        for m in problem.measurements
    ]
    return {
        YAML: yaml.safe_dump(entry, sort_keys=False),
        FILES["model"]: sbml,
        FILES["conditions"]: _tsv(condition_rows(problem)),
        FILES["observables"]: _tsv(observable_rows()),
        FILES["measurements"]: _tsv(measurement_rows(problem)),
        FILES["parameters"]: _tsv(parameter_rows(problem)),
        "sources.tsv": _tsv(sources),
        "README.md": readme_text(problem),
    }


def write_petab(problem: Problem, folder: str | Path) -> list[Path]:
    """Write the files into the existing `folder` (callers make it atomic); their paths."""
    out = []
    for name, text in petab_files(problem).items():
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


def lint_petab(yaml_path: str | Path) -> tuple[bool, list[str]]:
    """Run ``petab.v1.lint_problem`` (needs ``mscsim[petab]``): (errors found, its messages)."""
    import petab.v1 as petab

    handler = _Collect()
    root = logging.getLogger("petab")
    root.addHandler(handler)
    try:
        failed = petab.lint_problem(petab.Problem.from_yaml(str(yaml_path)))
    finally:
        root.removeHandler(handler)
    return bool(failed), handler.messages
