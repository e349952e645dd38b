"""`mscsim export sbml`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from mscsim._errors import InputError
from mscsim.cli._patient_opts import (
    AT_HELP,
    DOSE_HELP,
    DOSE_KG_HELP,
    SEVERITY_HELP,
    WEIGHT_HELP,
    build_regimen,
)
from mscsim.model import MSC_COVID, typical_patient

app = typer.Typer(no_args_is_help=True, help="Export the model in standard formats.")


@app.command("sbml")
def sbml(
    out: Annotated[str, typer.Argument(help="Output SBML file (.xml).", metavar="OUT.xml")],
    severity: Annotated[str, typer.Option(help=SEVERITY_HELP)] = "severe",
    dose: Annotated[float | None, typer.Option(help=DOSE_HELP)] = None,
    dose_per_kg: Annotated[float | None, typer.Option("--dose-per-kg", help=DOSE_KG_HELP)] = None,
    at: Annotated[str | None, typer.Option(help=AT_HELP)] = None,
    weight: Annotated[float, typer.Option(help=WEIGHT_HELP)] = 75.0,
) -> None:
    """Write that very patient as SBML L3V2 (infusions as events); libsbml-validated."""
    from mscsim.io import to_sbml, validate_sbml, write_sbml

    if not out.lower().endswith((".xml", ".sbml")):
        raise InputError("OUT.xml", "the file name must end in .xml or .sbml", out)
    patient = typical_patient(severity)
    regimen = build_regimen(dose, dose_per_kg, at, weight)
    text = to_sbml(MSC_COVID, patient.params, patient.y0, regimen)
    errors = validate_sbml(text)
    if errors:  # a bug, not bad input: never write an invalid file
        raise RuntimeError("generated SBML failed validation: " + "; ".join(errors[:3]))
    write_sbml(out, text)
    print(f"wrote {out} (SBML L3V2, {len(regimen.infusions)} infusion event(s))", file=sys.stderr)


@app.command("petab")
def petab(
    out: Annotated[str, typer.Argument(help="New or empty output folder.", metavar="DIR")],
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            help="Built-in scenario name or scenario YAML (repeatable); default: every built-in."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object to stdout.")
    ] = False,
) -> None:
    """Write the biomarker calibration problem as PEtab v1 (SBML, conditions, observables,
    measurements, parameters) for pyPESTO, AMICI, Data2Dynamics or COPASI; see its README.md."""
    from mscsim.app import export_petab

    doc = export_petab(out, scenario or None)
    if as_json:
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
        return
    print(
        f"wrote {doc['dir']}/problem.yaml: {len(doc['conditions'])} conditions, "
        f"{doc['measurements']} measurements, {len(doc['estimated'])} estimated parameters, "
        f"{len(doc['skipped'])} biomarker endpoints or numbers left out (see README.md); "
        f"lint {doc['lint']}",
        file=sys.stderr,
    )
