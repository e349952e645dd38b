"""`mscsim trial list | run | power | validate`: a thin shell over `mscsim.app`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from mscsim._errors import InputError
from mscsim.cli._progress import Progress, wanted

app = typer.Typer(no_args_is_help=True, help="Virtual randomized trials of MSC therapy.")

SCENARIO_HELP = "Built-in scenario name (see 'mscsim trial list') or a YAML file."
ScenarioArg = Annotated[str, typer.Argument(help=SCENARIO_HELP, metavar="SCENARIO_OR_YAML")]
SEED_MAX = 2**63 - 1


def _seed(value: int | None) -> int | None:
    """Checked as the option is parsed, before any work (a callback keeps --help narrow)."""
    if value is not None and not 0 <= value <= SEED_MAX:
        raise typer.BadParameter("must be an integer from 0 to 2^63-1")
    return value


SeedOpt = Annotated[
    int | None,
    typer.Option(callback=_seed, help="Random seed, 0 to 2^63-1 (default: the scenario's)."),
]
WorkersOpt = Annotated[
    int | None, typer.Option(help="Processes (default: all cores for large runs).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        "--dask",
        help="Run replicates on a Dask cluster: a scheduler address, or local:N for N local "
        "worker processes (default $MSCSIM_DASK; none: local processes).",
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        metavar="NAME=VALUE",
        help="Model parameter override, repeatable; checked against the parameter's bounds.",
    ),
]


SelectionOpt = Annotated[
    str,
    typer.Option(
        help="Predict a published trial: replicates without a significant favourable reported "
        "comparison weigh 1/RR. 'none' (RR 1), 'hopewell' (1.78, Hopewell 2009), 'fitted' "
        "(fitted to the built-in trials) or a risk ratio >= 1."
    ),
]
PosteriorOpt = Annotated[
    str,
    typer.Option(
        help="Parameter uncertainty: 'default' (a draw per replicate from the shipped "
        "calibration), 'none' (fixed parameters) or a posterior file from `mscsim calibrate`.",
    ),
]


def _scenario(name: str, params: list[str] | None):
    """Load a scenario and apply ``--param`` overrides (validated before any work)."""
    from mscsim.trial import load_scenario
    from mscsim.trial._scenario import parse_parameter_overrides

    overrides = parse_parameter_overrides(params)
    sc = load_scenario(name)
    return sc.with_overrides(parameters=overrides) if overrides else sc


def _dump(obj) -> None:
    """One strict-JSON object on stdout (non-finite numbers, e.g. an infinite HR, become null)."""
    from mscsim.io import jsonable

    json.dump(jsonable(obj), sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


def _check_replicates(k: int | None) -> None:
    from mscsim.app._trial import check_replicates

    check_replicates(k)


def _check_workers(w: int | None) -> None:
    from mscsim.app._trial import check_workers

    check_workers(w)


def _progress(total: int, label: str, quiet: bool) -> Progress:
    """A progress bar for `total` units; never drawn with --json/--quiet or off a terminal."""
    return Progress(total, label, enabled=wanted(quiet))


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the built-in scenarios with their sources."""
    from mscsim.trial import list_scenarios

    rows = [s.model_dump() for s in list_scenarios()]
    if as_json:
        _dump(rows)
        return
    for r in rows:
        print(f"{r['name']:14s} n={r['sample_size']:<4d} {r['title']}")


@app.command("run")
def run(
    scenario: ScenarioArg,
    seed: SeedOpt = None,
    replicates: Annotated[
        int | None, typer.Option(help="Independent virtual trials to run.")
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(help="Run folder (default: <scenario>-s<seed>-r<K> in mscsim-runs)."),
    ] = None,
    store: Annotated[
        str | None, typer.Option(help="SQLite results store (default mscsim-runs/mscsim.sqlite).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON object.")
    ] = False,
    workers: WorkersOpt = None,
    dask: DaskOpt = None,
    param: ParamOpt = None,
    posterior: PosteriorOpt = "default",
) -> None:
    """Run a virtual trial (and K replicates): tables, manifest, report, results store."""
    from mscsim.app import cluster_executor, run_trial_job

    _check_replicates(replicates)
    _check_workers(workers)
    sc = _scenario(scenario, param)
    k = sc.replicates if replicates is None else replicates
    with cluster_executor(dask) as executor:
        res = run_trial_job(
            sc,
            seed=seed,
            replicates=replicates,
            out=out,
            store=store,
            workers=workers,
            executor=executor,
            progress=_progress(k, f"{sc.name}", as_json),
            command=_command(),
            posterior=posterior,
        )
    if as_json:
        _dump(res.summary)
    else:
        _print_run(res.summary, res.folder, res.store)


def _command() -> str:
    return " ".join(["mscsim", *sys.argv[1:]])


def _print_run(summary: dict, folder: Path, db: Path) -> None:
    print(
        f"{summary['scenario']}: seed {summary['seed']}, {summary['replicates']} replicate(s), "
        f"n = {summary['sample_size']}"
    )
    for arm, v in summary["arms"].items():
        print(
            f"  {arm:14s} n={v['n']:<4d} deaths={v['deaths']:<3d} survival d28={v['survival_day28']:.2f} "
            f"SAE pts={v['patients_with_sae']} infusion-AE pts={v['patients_with_infusion_ae']}"
        )
    for e in summary["endpoints"]:
        est = "nan" if e["estimate"] is None else f"{e['estimate']:.3g}"
        lo = "nan" if e["ci_low"] is None else f"{e['ci_low']:.3g}"
        hi = "nan" if e["ci_high"] is None else f"{e['ci_high']:.3g}"
        p = "nan" if e["p_value"] is None else f"{e['p_value']:.3g}"
        print(f"  {e['name']:24s} {e['measure']:26s} {est:>8s} ({lo}, {hi})  p={p}")
    print(f"wrote {folder} (report.html, ADaM tables, manifest.json); recorded in {db}")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(
            "--n", "must be comma-separated integers >= 2, e.g. 24,100,200", text
        ) from None
    if not sizes or any(s < 2 or s > 100_000 for s in sizes):
        raise InputError("--n", "must be comma-separated integers between 2 and 100000", text)
    return sizes


@app.command("power")
def power(
    scenario: ScenarioArg,
    n: Annotated[str, typer.Option("--n", help="Total sample sizes, e.g. 24,100,200.")],
    replicates: Annotated[int, typer.Option(help="Virtual trials per sample size.")] = 200,
    seed: SeedOpt = None,
    as_json: JsonOpt = False,
    workers: WorkersOpt = None,
    out: Annotated[str | None, typer.Option(help="Folder for power.json and report.html.")] = None,
    dask: DaskOpt = None,
    param: ParamOpt = None,
    posterior: PosteriorOpt = "default",
) -> None:
    """Power of every endpoint at each sample size (share of replicates with p < 0.05)."""
    from mscsim.app import cluster_executor, power_study

    _check_replicates(replicates)
    _check_workers(workers)
    sizes = _sizes(n)
    sc = _scenario(scenario, param)
    with cluster_executor(dask) as executor:
        res = power_study(
            sc,
            sizes,
            replicates=replicates,
            seed=seed,
            workers=workers,
            executor=executor,
            out=out,
            progress=_progress(replicates * len(sizes), f"{sc.name} power", as_json),
            command=_command(),
            posterior=posterior,
        )
    curve = res.payload
    if as_json:
        _dump(res.doc)
        return
    print(f"power of {sc.name} ({replicates} virtual trials per size, alpha 0.05)")
    print(f"{'endpoint':28s}" + "".join(f"{'n=' + str(s):>9s}" for s in curve.n))
    for ep, vals in curve.power.items():
        print(f"{ep:28s}" + "".join(f"{v:9.2f}" for v in vals))


@app.command("validate")
def validate(
    scenario: ScenarioArg,
    replicates: Annotated[int, typer.Option(help="Virtual trials of the published design.")] = 200,
    seed: SeedOpt = None,
    as_json: JsonOpt = False,
    workers: WorkersOpt = None,
    out: Annotated[
        str | None, typer.Option(help="Folder for validation.json and report.html.")
    ] = None,
    dask: DaskOpt = None,
    param: ParamOpt = None,
    posterior: PosteriorOpt = "default",
    selection: SelectionOpt = "none",
) -> None:
    """Where each published result falls in the model's predictive distribution.

    Every number of a used published result is compared, or listed under "warnings" when the
    model has no counterpart for it; "coverage" counts the numbers inside the 90% interval.
    With --selection the prediction is that of a published trial: replicates without a
    significant favourable reported comparison weigh 1/RR.
    """
    from mscsim.app import cluster_executor, validate_study

    _check_replicates(replicates)
    _check_workers(workers)
    sc = _scenario(scenario, param)
    with cluster_executor(dask) as executor:
        res = validate_study(
            sc,
            replicates=replicates,
            seed=seed,
            workers=workers,
            executor=executor,
            out=out,
            progress=_progress(replicates, f"{sc.name} validate", as_json),
            command=_command(),
            posterior=posterior,
            selection=selection,
        )
    if as_json:
        _dump(res.doc)
        return
    doc, rows = res.doc, res.doc["results"]
    print(f"{sc.name}: observed vs predicted ({replicates} virtual trials of the published design)")
    cov = doc["coverage"]
    print(f"  inside the 90% interval: {cov['inside_90']} of {cov['compared']} published numbers")
    sel = doc["selection"]
    print(
        f"  {100 * sel['positive_share']:.0f}% of the virtual trials have a reported comparison "
        f"significant in favour of MSC"
        + (f"; the others weigh 1/{sel['rr']:.3g} (--selection)" if sel["rr"] != 1 else "")
    )
    for w in doc["warnings"]:
        print(f"  warning: {w}")
    for r in rows:
        print(
            f"  {r['endpoint']:22s} {r['quantity']:36s} observed {r['observed']:8.3g}  predicted "
            f"{r['predicted_median']:8.3g} (90% PI {r['pi_low']:.3g} to {r['pi_high']:.3g})  "
            f"percentile {r['percentile']:5.1f}"
        )
