"""Export the biomarker calibration problem as PEtab (``mscsim export petab DIR``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from mscsim._errors import InputError

LINT_NOT_RUN = "not run: petab is not installed (pip install 'mscsim[petab]')"


def export_petab(out: str | Path, scenarios: list[str] | None = None) -> dict[str, Any]:
    """Write the PEtab problem of `scenarios` (built-in names or YAML paths; default: every
    built-in scenario) into the new or empty folder `out`; return a summary.

    The files are written to a private temporary folder, linted with ``petab`` when it is
    installed (a lint error is a bug: nothing is written), and moved in together.
    """
    from mscsim import __version__
    from mscsim._atomic import atomic_output_dir, check_output_dir
    from mscsim.io._petab import YAML, lint_petab, write_petab
    from mscsim.io._petab_problem import build_problem

    final = check_output_dir(out, "DIR")
    if final.is_dir() and any(final.iterdir()):
        raise InputError("DIR", "a new or empty folder", str(out))
    problem = build_problem(scenarios)
    if not problem.measurements:
        raise InputError(
            "--scenario",
            "at least one scenario with a published per-arm biomarker change "
            "(n with mean and SD, or median and IQR, under published_results)",
            scenarios,
        )
    lint = LINT_NOT_RUN
    with atomic_output_dir(final, "DIR") as tmp:
        paths = write_petab(problem, tmp)
        if importlib.util.find_spec("petab") is not None:
            failed, messages = lint_petab(tmp / YAML)
            if failed:
                raise RuntimeError(
                    "generated PEtab problem failed petab lint: " + "; ".join(messages)
                )
            lint = "passed (petab.v1.lint_problem)"
    return {
        "dir": str(final),
        "files": sorted(p.name for p in paths),
        "conditions": [c.id for c in problem.conditions],
        "measurements": len(problem.measurements),
        "estimated": [e.name for e in problem.estimated],
        "skipped": [f"{s.where}: {s.reason}" for s in problem.skipped],
        "lint": lint,
        "version": __version__,
    }
