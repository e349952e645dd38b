"""`mscsim sensitivity`: a thin shell over `mscsim.app.sensitivity_study`."""

from __future__ import annotations

from typing import Annotated

import typer

from mscsim._errors import InputError


def sensitivity(
    method: Annotated[str, typer.Option(help="sobol (indices) or morris (screen).")] = "sobol",
    samples: Annotated[
        int, typer.Option(help="Sobol base sample N (power of 2) or Morris trajectories.")
    ] = 64,
    patients: Annotated[int, typer.Option(help="Size of the fixed virtual cohort.")] = 400,
    scenario: Annotated[
        str, typer.Option(help="Built-in scenario name or YAML file (the trial design).")
    ] = "lanzoni2021",
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    parameters: Annotated[
        str | None, typer.Option(help="Comma-separated parameters (default: the MSC ones).")
    ] = None,
    arm: Annotated[str | None, typer.Option(help="Active arm (default: the first).")] = None,
    lung_measure: Annotated[
        str, typer.Option(help="dlco_below_80, fvc_below_80 or ct_abnormal (1-year outcome).")
    ] = "dlco_below_80",
    ranges: Annotated[str, typer.Option(help="prior: the bounds of parameters.csv.")] = "prior",
    out: Annotated[
        str | None,
        typer.Option(
            help="Folder for sensitivity.json, indices.csv, samples.csv, sensitivity.png."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Global sensitivity of the MSC treatment effect to the uncertain MSC parameters.

    Effect measures on one fixed virtual cohort of the scenario (every patient treated and
    untreated): 28-day mortality risk ratio, P/F gain at day 7, 1-year lung outcome risk ratio.
    """
    from mscsim.app import sensitivity_study
    from mscsim.cli._progress import Progress, wanted
    from mscsim.cli._trial import _command, _dump
    from mscsim.trial import MSC_PARAMETERS, SensitivityConfig

    names: tuple[str, ...] = MSC_PARAMETERS
    if parameters is not None:
        names = tuple(p.strip() for p in parameters.split(",") if p.strip())
        if not names:
            raise InputError("--parameters", "comma-separated parameter names", parameters)
    cfg = SensitivityConfig.from_dict(
        {
            "scenario": scenario,
            "method": method,
            "samples": samples,
            "patients": patients,
            "seed": seed,
            "parameters": names,
            "arm": arm,
            "lung_measure": lung_measure,
            "ranges": ranges,
        }
    )
    bar = Progress(cfg.evaluations, f"{scenario} {cfg.method}", enabled=wanted(as_json))
    with bar:
        res = sensitivity_study(cfg, out=out, progress=bar, command=_command())
    if as_json:
        _dump(res.doc)
        return
    _print(res.payload, res.folder)


def _print(r, folder) -> None:
    p = r.provenance
    print(
        f"{p['scenario']}: {r.method}, {p['evaluations']} evaluations of {r.patients} patients "
        f"(seed {p['seed']}), {p['elapsed_s']:.1f} s; failed solves {r.failed_solves}"
    )
    for m, rows in r.indices.items():
        info, ref = r.measures[m], r.at_defaults[m]
        print(f"{info['label']} ({info['unit']}): {ref:.3g} at default parameters")
        if r.method == "sobol":
            print(f"  {'parameter':12s} {'S1':>17s} {'ST':>17s}")
            for x in sorted(rows, key=lambda x: -x["ST"]):
                print(
                    f"  {x['parameter']:12s} {x['S1']:8.3f} +- {x['S1_conf']:5.3f} "
                    f"{x['ST']:8.3f} +- {x['ST_conf']:5.3f}"
                )
        else:
            print(f"  {'parameter':12s} {'mu*':>19s} {'mu':>9s} {'sigma':>9s}")
            for x in sorted(rows, key=lambda x: -x["mu_star"]):
                print(
                    f"  {x['parameter']:12s} {x['mu_star']:9.3g} +- {x['mu_star_conf']:6.2g} "
                    f"{x['mu']:9.3g} {x['sigma']:9.3g}"
                )
    if folder is not None:
        print(f"written to {folder}")
