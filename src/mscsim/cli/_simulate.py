"""`mscsim simulate` and `mscsim params`."""

from __future__ import annotations

import json
import math
import sys
from typing import Annotated

import numpy as np
import typer

from mscsim._atomic import check_output_dir
from mscsim._errors import InputError
from mscsim.cli._patient_opts import (
    AT_HELP,
    DOSE_HELP,
    DOSE_KG_HELP,
    SEVERITY_HELP,
    WEIGHT_HELP,
    build_regimen,
)
from mscsim.model import MSC_COVID, Regimen


def simulate(
    severity: Annotated[str, typer.Option(help=SEVERITY_HELP)] = "severe",
    days: Annotated[float, typer.Option(help="Days to simulate from symptom onset (1-3650).")] = 60,
    dose: Annotated[float | None, typer.Option(help=DOSE_HELP)] = None,
    dose_per_kg: Annotated[float | None, typer.Option("--dose-per-kg", help=DOSE_KG_HELP)] = None,
    at: Annotated[str | None, typer.Option(help=AT_HELP)] = None,
    weight: Annotated[float, typer.Option(help=WEIGHT_HELP)] = 75.0,
    step: Annotated[float, typer.Option(help="Output grid spacing in days.")] = 1.0,
    out: Annotated[
        str | None, typer.Option(help="Folder for the tidy table (Parquet, CSV) and plot.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object to stdout.")
    ] = False,
) -> None:
    """Simulate a typical patient, with and without MSC infusions."""
    from mscsim.app import simulate_typical

    if not math.isfinite(days) or not 1 <= days <= 3650:
        raise InputError("--days", "must be between 1 and 3650", days)
    regimen = build_regimen(dose, dose_per_kg, at, weight, days)
    if out is not None:
        check_output_dir(out, "--out")
    doc, sols = simulate_typical(severity, days, regimen, step)
    if out is not None:
        _write_outputs(out, sols, severity, regimen)
    if as_json:
        json.dump(doc, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    elif out is None:
        _print_summary(sols)


def _print_summary(sols: dict) -> None:
    for arm, sol in sols.items():
        o = sol.observables
        print(
            f"{arm:9s} status={sol.messages()[0]}  P/F nadir {np.nanmin(o['pf_ratio'][0]):.0f} mmHg"
            f"  CRP peak {np.nanmax(o['crp'][0]):.0f} mg/L  IL-6 peak {np.nanmax(o['il6'][0]):.1f} pg/mL"
            f"  fibrosis at end {o['fibrosis'][0][-1]:.3f}"
        )


def _write_outputs(out: str, sols: dict, severity: str, regimen: Regimen) -> None:
    from mscsim.io import atomic_output_dir, timecourse_table, write_table
    from mscsim.report import plot_timecourse

    main = next(reversed(sols.values()))
    with atomic_output_dir(out) as folder:
        write_table(timecourse_table(sols), folder, "timecourse")
        fig = plot_timecourse(
            main.t,
            {arm: sol.patient(0) for arm, sol in sols.items()},
            main.units,
            title=f"typical {severity} patient"
            + (f", {regimen.total_cells:.3g} MSC in total" if regimen else ""),
            dose_days=[d for d, _ in regimen.infusions],
        )
        fig.savefig(folder / "observables.png", dpi=110)
    print(f"wrote {out}/timecourse.parquet, timecourse.csv, observables.png", file=sys.stderr)


def params(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the model's parameter table (value, unit, bounds, class, source)."""
    rows = [
        {
            "name": p.name,
            "value": p.value,
            "unit": p.unit,
            "lower": p.lower,
            "upper": p.upper,
            "class": p.kind,
            "description": p.description,
            "source": p.source,
            "note": p.note,
        }
        for p in MSC_COVID.parameters
    ]
    if as_json:
        json.dump(rows, sys.stdout)
        sys.stdout.write("\n")
        return
    print(f"{'name':12s} {'value':>11s} {'unit':22s} {'class':10s} source")
    for r in rows:
        print(
            f"{r['name']:12s} {r['value']:11.4g} {r['unit']:22s} {r['class']:10s} {r['source'] or '-'}"
        )
