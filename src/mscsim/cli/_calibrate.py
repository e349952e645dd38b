"""``mscsim calibrate``: Bayesian calibration against the evidence base (thin shell)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from mscsim.cli._progress import Progress, wanted


def calibrate(
    seed: Annotated[int, typer.Option(help="Seed of the surrogate design and the sampler.")] = 2026,
    points: Annotated[
        int, typer.Option(help="Surrogate design points (simulator runs), a power of 2.")
    ] = 32,
    replicates: Annotated[
        int, typer.Option(help="Virtual trials per design point and trial.")
    ] = 40,
    walkers: Annotated[int, typer.Option(help="emcee walkers.")] = 32,
    steps: Annotated[int, typer.Option(help="emcee steps per walker.")] = 12000,
    burn: Annotated[int, typer.Option(help="Steps discarded as burn-in.")] = 2000,
    out: Annotated[str, typer.Option(help="Posterior JSON file to write.")] = "posterior.json",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Calibrate the MSC effect and the trial-level risk to the evidence base (emcee)."""
    from mscsim.app._calibrate import calibrate_job

    bars = {
        "surrogate": Progress(points + 1, "surrogate (simulator runs)", wanted(as_json)),
        "mcmc": Progress(steps, "emcee", wanted(as_json)),
    }
    try:
        res = calibrate_job(
            seed=seed,
            points=points,
            replicates=replicates,
            walkers=walkers,
            steps=steps,
            burn=burn,
            out=out,
            progress=lambda stage, k: bars[stage](k),
        )
    finally:
        for b in bars.values():
            b.close()
    if as_json:
        print(json.dumps(res, indent=1))
        return
    d = res["diagnostics"]
    print(f"posterior {res['version']} -> {res['posterior']} ({res['seconds']} s)")
    print(
        f"  acceptance {d['acceptance_fraction']:.2f}; chain > 50 autocorrelation times: "
        f"{d['chain_over_50_tau']}; surrogate LOO RMSE (log hazard) max "
        f"{res['surrogate_loo_rmse_max']:.3f}"
    )
    for name, q in res["summary"].items():
        print(
            f"  {name:10s} median {q['median']:.4g}  (90% {q['q05']:.4g} to {q['q95']:.4g})  "
            f"ESS {d['ess'][name]:.0f}"
        )


def validate_model(
    replicates: Annotated[int, typer.Option(help="Virtual trials per trial.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the virtual trials and draws.")] = 2026,
    steps: Annotated[
        int | None,
        typer.Option(
            help="emcee steps of each refit (burn-in: a third, at most the calibration's)."
        ),
    ] = 4000,
    posterior: Annotated[
        str, typer.Option(help="'default' (shipped) or a posterior file from `mscsim calibrate`.")
    ] = "default",
    out: Annotated[
        str | None, typer.Option(help="Folder for validate_model.json and report.html.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    selection: Annotated[
        str,
        typer.Option(
            help="Predict published trials: 'none' (default), 'hopewell' (risk ratio of "
            "publication 1.78), 'fitted' (refitted without each trial) or a risk ratio >= 1."
        ),
    ] = "none",
) -> None:
    """Leave-one-trial-out check: predict each trial from a posterior refitted without it."""
    from mscsim.app._model_checks import validate_model_job
    from mscsim.trial import builtin_names

    with Progress(len(builtin_names()), "trials", wanted(as_json)) as bar:
        doc = validate_model_job(
            replicates=replicates,
            seed=seed,
            steps=steps,
            posterior=posterior,
            out=out,
            progress=bar,
            command="mscsim validate-model",
            selection=selection,
        )
    if as_json:
        print(json.dumps(doc, indent=1, default=str))
        return
    c, p = doc["coverage"], doc["primary"]
    print(
        f"leave-one-trial-out ({doc['replicates']} virtual trials each, {doc['seconds']} s): "
        f"{c['inside_90']}/{c['compared']} published numbers inside the 90% interval, "
        f"{c['inside_50']}/{c['compared']} inside the 50% interval; primary results "
        f"{p['inside_90']}/{p['compared']} inside 90%"
    )
    x = doc["excess_significance"]
    if x is not None:
        print(
            f"  significant in favour of MSC: {x['observed']} of {x['trials']} published trials, "
            f"{x['expected']:.1f} expected from their predictions (excess-significance test "
            f"p = {x['p_exact']:.2g})"
        )
    for t in doc["trials"]:
        print(
            f"  {t['trial']:22s} {t['inside_90']:>2d}/{t['compared']:<2d} inside 90%  "
            f"{t['inside_50']:>2d} inside 50%  ({t['posterior']})"
        )
    if out:
        print(f"wrote {out} (validate_model.json, report.html)")
