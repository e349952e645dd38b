"""`mscsim design boundaries | adaptive`: a thin shell over `mscsim.design`."""

from __future__ import annotations

import json
import math
import sys
from typing import Annotated

import typer

from mscsim._errors import InputError
from mscsim.cli._trial import DaskOpt

app = typer.Typer(no_args_is_help=True, help="Design the next trial.")


def _dump(obj) -> None:
    from mscsim.io import jsonable

    json.dump(jsonable(obj), sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


def _floats(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(option, "comma-separated numbers, e.g. 0.3,0.65,1", text) from None


@app.command("boundaries")
def boundaries(
    looks: Annotated[int, typer.Option(help="Number of analyses K (interim looks + final).")],
    alpha: Annotated[float, typer.Option(help="Overall one-sided significance level.")] = 0.025,
    spending: Annotated[
        str, typer.Option(help="OF, P, asOF, asP (Lan-DeMets) or HP (Haybittle-Peto).")
    ] = "asOF",
    info: Annotated[
        str | None, typer.Option(help="Information fractions, e.g. 0.3,0.65,1 (default equal).")
    ] = None,
    futility: Annotated[
        str | None, typer.Option(help="Non-binding futility z bounds per interim look, e.g. 0,0.5.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """One-sided group-sequential efficacy boundaries (z scale) and the alpha spent per look."""
    from mscsim.design import design_boundaries

    d = design_boundaries(
        looks, alpha, spending, _floats(info, "--info"), _floats(futility, "--futility")
    )
    if as_json:
        _dump(d.to_dict())
        return
    print(f"{d.spending} design, K = {d.looks}, one-sided alpha = {d.alpha:g}")
    print(f"{'look':>4s} {'info':>7s} {'z':>8s} {'nominal p':>10s} {'cum. alpha':>11s}")
    for k in range(d.looks):
        print(
            f"{k + 1:4d} {d.info[k]:7.3f} {d.z[k]:8.4f} {d.nominal_p[k]:10.6f} "
            f"{d.cumulative_alpha[k]:11.6f}"
        )
    if d.alpha_with_futility is not None:
        print(f"level if the (non-binding) futility bounds are obeyed: {d.alpha_with_futility:.6f}")


def _multi_arm(arms: str | None, rar: bool | None, keep_best: int | None) -> dict | None:
    if arms is None and not rar and keep_best is None:
        return None
    names = None if arms in (None, "all") else [a.strip() for a in arms.split(",") if a.strip()]
    return {
        "arms": names,
        "randomization": "response_adaptive" if rar else "fixed",
        "keep_best": keep_best,
    }


def _design_from_options(scenario, config, **opts):
    from mscsim.design import AdaptiveDesign, load_design

    if config is not None:
        if scenario is not None or any(v is not None for v in opts.values()):
            raise InputError("--config", "give either a design file or SCENARIO with options")
        return load_design(config)
    if scenario is None:
        raise InputError("SCENARIO", "a built-in scenario name or YAML file (or --config FILE)")
    rule: dict = {"kind": opts["rule"] or "group_sequential"}
    if rule["kind"] == "group_sequential":
        rule |= {"spending": opts["spending"] or "asOF", "alpha": opts["alpha"] or 0.025}
        rule["futility"] = _floats(opts["futility"], "--futility")
    elif rule["kind"] == "bayesian":
        if opts["spending"] is not None or opts["futility"] is not None:
            raise InputError("--rule", "--spending/--futility apply to group_sequential only")
    data = {
        "scenario": scenario,
        "endpoint": opts["endpoint"],
        "arm": opts["arm"],
        "max_sample_size": opts["n_max"],
        "looks": _floats(opts["looks"], "--looks") or [1.0],
        "rule": rule,
        "reestimation": None
        if opts["reestimate_max"] is None
        else {"max_sample_size": opts["reestimate_max"]},
        "replicates": opts["replicates"] or 1000,
        "seed": opts["seed"],
        "multi_arm": _multi_arm(opts["arms"], opts["rar"], opts["keep_best"]),
        "looks_by": opts["looks_by"],
        "accrual_days": opts["accrual_days"],
        "max_events": opts["max_events"],
    }
    return AdaptiveDesign.from_dict({k: v for k, v in data.items() if v is not None})


@app.command("adaptive")
def adaptive(
    scenario: Annotated[
        str | None, typer.Argument(help="Built-in scenario name or YAML file.")
    ] = None,
    config: Annotated[
        str | None, typer.Option(help="Adaptive-design YAML (references its scenario).")
    ] = None,
    endpoint: Annotated[str | None, typer.Option(help="Endpoint id to monitor.")] = None,
    arm: Annotated[str | None, typer.Option(help="Active arm (default: the first).")] = None,
    n_max: Annotated[int | None, typer.Option("--n-max", help="Maximum total sample size.")] = None,
    looks: Annotated[
        str | None, typer.Option(help="Fractions of --n-max at each look, e.g. 0.5,1.")
    ] = None,
    rule: Annotated[str | None, typer.Option(help="group_sequential or bayesian.")] = None,
    spending: Annotated[str | None, typer.Option(help="OF, P, asOF, asP or HP.")] = None,
    alpha: Annotated[float | None, typer.Option(help="One-sided level (default 0.025).")] = None,
    futility: Annotated[
        str | None, typer.Option(help="Non-binding futility z per interim look.")
    ] = None,
    reestimate_max: Annotated[
        int | None,
        typer.Option(help="Promising-zone sample-size re-estimation up to this total (2 looks)."),
    ] = None,
    arms: Annotated[
        str | None,
        typer.Option(help="Multi-arm design: active arms vs control, e.g. a,b (or all)."),
    ] = None,
    rar: Annotated[
        bool | None,
        typer.Option("--rar", help="Multi-arm: response-adaptive randomization (Thall-Wathen)."),
    ] = None,
    keep_best: Annotated[
        int | None, typer.Option(help="Multi-arm: keep the best K arms at the first interim look.")
    ] = None,
    replicates: Annotated[int | None, typer.Option(help="Virtual trials (default 1000).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    looks_by: Annotated[
        str | None, typer.Option(help="patients (default) or events (--looks: event fractions).")
    ] = None,
    accrual_days: Annotated[
        float | None, typer.Option(help="Days to enroll --n-max patients (looks by events).")
    ] = None,
    max_events: Annotated[
        int | None, typer.Option(help="Events at the final look (default: expected events).")
    ] = None,
    skip_null: Annotated[
        bool, typer.Option("--skip-null", help="Do not simulate the null scenario.")
    ] = False,
    workers: Annotated[int | None, typer.Option(help="Processes.")] = None,
    dask: DaskOpt = None,
    out: Annotated[
        str | None, typer.Option(help="Folder for adaptive.json and report.html.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Operating characteristics of a group-sequential or Bayesian design by virtual trials."""
    from mscsim.app import cluster_executor
    from mscsim.cli._progress import Progress
    from mscsim.design import evaluate_design, null_scenario, simulations_per_replicate
    from mscsim.trial import load_scenario

    d = _design_from_options(
        scenario,
        config,
        endpoint=endpoint,
        arm=arm,
        n_max=n_max,
        looks=looks,
        rule=rule,
        spending=spending,
        alpha=alpha,
        futility=futility,
        reestimate_max=reestimate_max,
        arms=arms,
        rar=rar,
        keep_best=keep_best,
        replicates=replicates,
        seed=seed,
        looks_by=looks_by,
        accrual_days=accrual_days,
        max_events=max_events,
    )
    if workers is not None and not 1 <= workers <= 256:
        raise InputError("--workers", "an integer between 1 and 256", workers)
    sc = load_scenario(d.scenario)
    doc: dict = {"design": d.model_dump(mode="json")}
    for key, null in (("scenario", False), ("null", True)):
        if null and skip_null:
            continue
        runs = simulations_per_replicate(d, null_scenario(sc) if null else sc)
        label = f"{sc.name}{' null' if null else ''}"
        bar = Progress(d.replicates * runs, label, enabled=not as_json)
        with cluster_executor(dask) as executor:
            oc = evaluate_design(d, sc, null=null, workers=workers, executor=executor, progress=bar)
        doc[key] = oc.to_dict()
        cal = doc[key].get("calendar")
        if cal is not None and d.max_events is None:  # the null run uses the same D
            d = d.model_copy(update={"max_events": cal["max_events"]})
    if out is not None:
        from mscsim.report import adaptive_report

        doc["seed"] = doc["scenario"]["seed"] if "scenario" in doc else d.seed
        _write_study(out, "adaptive.json", doc, lambda p: adaptive_report(doc, p), sc)
    if as_json:
        _dump(doc)
        return
    for key in ("scenario", "null"):
        if key in doc:
            _print_oc(key, doc[key])


def _print_oc(key: str, oc: dict) -> None:
    if "per_arm" in oc:
        _print_multiarm(key, oc)
        return
    what = "type I error" if key == "null" else "power"
    print(
        f"{oc['scenario']} / {oc['endpoint']}: {what} {oc['reject']:.4f} "
        f"(MC SE {oc['reject_mc_se']:.4f}, {oc['replicates']} trials); "
        f"E[N] = {oc['expected_sample_size']:.1f}, max N = {oc['max_sample_size']}"
    )
    cal = oc.get("calendar")
    for j, n in enumerate(oc["sizes"]):
        where = f"n = {n:4d}"
        if cal:
            day, enr = (
                math.nan if v is None else v
                for v in (cal["mean_time_days"][j], cal["mean_enrolled"][j])
            )
            where = f"{n} events, day {day:.0f}, n {enr:.1f}"
        print(
            f"  look {j + 1} ({where}): stop for efficacy {oc['stop_efficacy'][j]:.4f}, "
            f"futility/fail {oc['stop_futility'][j]:.4f}"
        )
    if cal:
        print(
            f"  expected duration {cal['expected_duration_days']:.0f} days "
            f"(accrual {cal['accrual_days']:g} d, max events {cal['max_events']}, "
            f"reached in {cal['reached_max_events']:.3f} of trials)"
        )
    if oc.get("reestimation"):
        r = oc["reestimation"]
        print(
            f"  sample size increased in {r['share_increased']:.3f} of trials (cap {r['cap']}); "
            f"mean size if continued {r['mean_size_if_continued']}"
        )
    print(
        f"  {oc['effect']}: mean at stop {oc['mean_estimate_at_stop']:.4f}, "
        f"at max n {oc['mean_estimate_final']:.4f}, bias {oc['bias']:+.4f}"
    )


def _print_multiarm(key: str, oc: dict) -> None:
    what = "family-wise type I error" if key == "null" else "power (any arm declared effective)"
    print(
        f"{oc['scenario']} / {oc['endpoint']} ({oc['randomization']} randomization, "
        f"{oc['multiplicity']}): {what} {oc['reject']:.4f} (MC SE {oc['reject_mc_se']:.4f}, "
        f"{oc['replicates']} trials); E[N] = {oc['expected_sample_size']:.1f}, "
        f"max N = {oc['max_sample_size']}"
    )
    for j, n in enumerate(oc["sizes"]):
        print(
            f"  look {j + 1} (n = {n:4d}): stop for efficacy {oc['stop_efficacy'][j]:.4f}, "
            f"no arm left / fail {oc['stop_futility'][j]:.4f}"
        )
    print(f"  {oc['control']} (control): E[patients] {oc['control_expected_patients']:.1f}")
    for a in oc["per_arm"]:
        print(
            f"  {a['arm']}: declared effective {a['declared_effective']:.4f}, selected "
            f"{a['selected']:.4f}, dropped {a['dropped']:.4f}, E[patients] "
            f"{a['expected_patients']:.1f}, true {oc['effect']} {a['true_effect']:+.4f}"
        )
    best = (
        "no arm better than control"
        if oc["best_arm"] is None
        else (f"best arm {oc['best_arm']} selected in {oc['correct_selection']:.4f} of trials")
    )
    print(f"  {best}; winner's estimate bias {oc['selection_bias']:+.4f}")


def _write_study(out: str, name: str, doc: dict, report, scenario) -> None:
    """Write `name` (JSON, with provenance) and report.html into `out`, atomically."""
    from mscsim import __version__
    from mscsim.io import atomic_output_dir, jsonable
    from mscsim.trial import scenario_hash

    prov = {
        "mscsim_version": __version__,
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "seed": doc.get("seed"),
        "command": " ".join(["mscsim", *sys.argv[1:]]),
    }
    with atomic_output_dir(out) as folder:
        (folder / name).write_text(
            json.dumps(jsonable({**doc, "provenance": prov}), indent=1, allow_nan=False)
        )
        report(prov).write(folder / "report.html")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError("--n", "comma-separated integers, e.g. 24,48,96,192", text) from None
    if not sizes or any(s < 4 or s > 100_000 for s in sizes) or sizes != sorted(set(sizes)):
        raise InputError("--n", "increasing integers between 4 and 100000", text)
    return sizes


@app.command("samplesize")
def samplesize(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")],
    n: Annotated[str, typer.Option("--n", help="Total sample sizes, e.g. 24,48,96,192.")],
    target: Annotated[float, typer.Option(help="Target power / assurance.")] = 0.8,
    endpoint: Annotated[str | None, typer.Option(help="Endpoint id.")] = None,
    arm: Annotated[str | None, typer.Option(help="Active arm (default: the first).")] = None,
    alpha: Annotated[float, typer.Option(help="Two-sided level of the trial's test.")] = 0.05,
    replicates: Annotated[int, typer.Option(help="Virtual trials per size.")] = 200,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    no_assurance: Annotated[
        bool, typer.Option("--no-assurance", help="Power at fixed parameters only.")
    ] = False,
    uncertainty: Annotated[
        str, typer.Option(help="Assurance over the calibrated 'posterior' or the assumed 'prior'.")
    ] = "posterior",
    workers: Annotated[int | None, typer.Option(help="Processes.")] = None,
    dask: DaskOpt = None,
    out: Annotated[
        str | None, typer.Option(help="Folder for samplesize.json and report.html.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Power and assurance by sample size; the smallest n reaching the target."""
    from mscsim.app import cluster_executor
    from mscsim.cli._progress import Progress
    from mscsim.design import sample_size
    from mscsim.trial import load_scenario

    sizes = _sizes(n)
    if not 1 <= replicates <= 1_000_000:
        raise InputError("--replicates", "an integer between 1 and 1000000", replicates)
    if not 0 < alpha < 1:
        raise InputError("--alpha", "a number in (0, 1)", alpha)
    if workers is not None and not 1 <= workers <= 256:
        raise InputError("--workers", "an integer between 1 and 256", workers)
    sc = load_scenario(scenario)
    block = sum(sc.allocation.values())
    if any(s % block for s in sizes):
        raise InputError("--n", f"each size must be a multiple of the allocation total ({block})")
    total = replicates * len(sizes) * (1 if no_assurance else 2)
    with cluster_executor(dask) as executor:
        res = sample_size(
            sc,
            sizes,
            target=target,
            endpoint=endpoint,
            arm=arm,
            alpha=alpha,
            replicates=replicates,
            seed=seed,
            assurance=not no_assurance,
            workers=workers,
            executor=executor,
            progress=Progress(total, f"{sc.name} sample size", enabled=not as_json),
            uncertainty=uncertainty,
        )
    _samplesize_out(res, out, sc, as_json)


def _samplesize_out(res, out, sc, as_json) -> None:
    from mscsim.report import samplesize_report

    doc = res.to_dict()
    if out is not None:
        _write_study(out, "samplesize.json", doc, lambda p: samplesize_report(res, p), sc)
    if as_json:
        _dump(doc)
        return
    print(f"{res.scenario} / {res.endpoint}: success = two-sided p < {res.alpha:g} favouring MSCs")
    print(f"{'n':>6s} {'power':>7s} {'assurance':>10s}")
    for j, s in enumerate(res.n):
        a = "" if res.assurance is None else f"{res.assurance[j]:10.3f}"
        print(f"{s:6d} {res.power[j]:7.3f} {a}")
    print(f"smallest n with power >= {res.target:g}: {res.n_for_power}")
    if res.assurance is not None:
        print(f"smallest n with assurance >= {res.target:g}: {res.n_for_assurance}")


@app.command("optimize")
def optimize_(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")],
    trials: Annotated[int, typer.Option(help="Candidate regimens to evaluate.")] = 40,
    replicates: Annotated[int, typer.Option(help="Virtual trials per candidate.")] = 20,
    n: Annotated[int | None, typer.Option("--n", help="Patients per virtual trial.")] = None,
    seed: Annotated[int | None, typer.Option(help="Trial seed (shared by candidates).")] = None,
    optimizer_seed: Annotated[int, typer.Option(help="Seed of the TPE sampler.")] = 0,
    dose: Annotated[str, typer.Option(help="Dose range per infusion, e.g. 1e7,1e9.")] = "1e7,1e9",
    dose_unit: Annotated[str, typer.Option(help="cells or cells/kg.")] = "cells",
    infusions: Annotated[str, typer.Option(help="Range of infusions, e.g. 1,3.")] = "1,3",
    spacing: Annotated[str, typer.Option(help="Range of days between infusions.")] = "1,7",
    first_day: Annotated[str, typer.Option(help="Range of the first infusion day.")] = "0,7",
    max_infusion_ae: Annotated[
        float, typer.Option(help="Tolerated excess infusion-AE rate.")
    ] = 0.1,
    w_lung: Annotated[
        float, typer.Option(help="Utility weight per 10 points of 1-year DLCO %.")
    ] = 0.1,
    uncertainty: Annotated[
        str, typer.Option(help="posterior (calibrated), prior (assumed) or none.")
    ] = "posterior",
    workers: Annotated[int | None, typer.Option(help="Processes.")] = None,
    dask: DaskOpt = None,
    out: Annotated[
        str | None, typer.Option(help="Folder for optimization.json and report.html.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Search dose, number of infusions, spacing, first day and eligibility (optuna TPE)."""
    from mscsim.app import cluster_executor
    from mscsim.cli._progress import Progress
    from mscsim.design import OptimizeSpec, optimize
    from mscsim.report import optimize_report
    from mscsim.trial import load_scenario

    def pair(text: str, option: str, cast):
        vals = _floats(text, option) or []
        if len(vals) != 2:
            raise InputError(option, "two comma-separated numbers: low,high", text)
        return [cast(v) for v in vals]

    if workers is not None and not 1 <= workers <= 256:
        raise InputError("--workers", "an integer between 1 and 256", workers)
    spec = OptimizeSpec.from_dict(
        {
            "scenario": scenario,
            "space": {
                "dose": pair(dose, "--dose", float),
                "dose_unit": dose_unit,
                "infusions": pair(infusions, "--infusions", int),
                "spacing_days": pair(spacing, "--spacing", int),
                "first_day": pair(first_day, "--first-day", int),
            },
            "utility": {"max_infusion_ae": max_infusion_ae, "w_lung": w_lung},
            "trials": trials,
            "replicates": replicates,
            "sample_size": n,
            "seed": seed,
            "optimizer_seed": optimizer_seed,
            "uncertainty": uncertainty,
        }
    )
    sc = load_scenario(scenario)
    with cluster_executor(dask) as executor:
        res = optimize(
            spec,
            workers=workers,
            executor=executor,
            progress=Progress(trials, f"{sc.name} optimize", not as_json),
        )
    doc = res.to_dict()
    if out is not None:
        _write_study(out, "optimization.json", doc, lambda p: optimize_report(res, p), sc)
    if as_json:
        _dump(doc)
        return
    b = res.best
    print(
        f"{res.scenario}: recommended {b['dose']:.3g} {spec.space.dose_unit} x {b['infusions']} "
        f"infusion(s), every {b['spacing_days']} d from day {b['first_day']}, "
        f"eligibility {b['severity_window']}"
    )
    print(
        f"  utility {b['utility']:.4f} (MC SE {b['utility_se']:.4f}); survival diff "
        f"{b['survival_diff']:+.3f}, 1-year DLCO diff {b['dlco_diff']:+.1f} %-points, excess "
        f"infusion AE "
        f"{b['excess_infusion_ae']:+.3f}"
    )
    print(f"  near-optimal set ({res.near_optimal['count']} candidates): {res.near_optimal}")
