"""Power and observed-vs-predicted studies as jobs: a JSON document and an optional folder."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mscsim._errors import InputError
from mscsim.app._trial import check_replicates, check_workers

MAX_SIZE = 100_000


@dataclass(frozen=True)
class StudyResult:
    """A power or validation study: the document ``--json`` prints and its folder, if any."""

    doc: dict[str, Any]
    folder: Path | None
    payload: Any = None  # the PowerCurve or the validation rows


def _load(scenario):
    from mscsim.trial import load_scenario

    return load_scenario(scenario) if isinstance(scenario, str | Path) else scenario


def _check_out(out: str | Path | None) -> None:
    """An output folder is checked before any work (see mscsim._atomic.check_output_dir)."""
    from mscsim._atomic import check_output_dir

    if out is not None:
        check_output_dir(out, "--out")


def _write_study(out, name: str, doc: dict, kind: str, payload, sc, command) -> Path:
    """Write `name` (JSON, with provenance) and report.html into `out`, atomically."""
    from mscsim import __version__
    from mscsim.io import atomic_output_dir, jsonable
    from mscsim.report import power_report, validation_report
    from mscsim.trial import scenario_hash

    prov = {
        "mscsim_version": __version__,
        "scenario": sc.name,
        "scenario_hash": scenario_hash(sc),
        "seed": doc.get("seed"),
        "replicates": doc.get("replicates"),
        "command": command,
        **{k: v for k, v in doc.items() if k.startswith("posterior")},
    }
    with atomic_output_dir(out) as folder:
        (folder / name).write_text(
            json.dumps(jsonable({**doc, "provenance": prov}), indent=1, allow_nan=False)
        )
        rep = (
            power_report(payload, prov)
            if kind == "power"
            else validation_report(sc.name, payload, prov)
        )
        rep.write(folder / "report.html")
    return Path(out)


def check_sizes(sizes: Sequence[int], sc, option: str = "--n") -> list[int]:
    """Total sample sizes: each between 2 and 100000 and a multiple of the allocation total."""
    sizes = [int(s) for s in sizes]
    if not sizes or any(s < 2 or s > MAX_SIZE for s in sizes):
        raise InputError(option, f"must be integers between 2 and {MAX_SIZE}", sizes)
    total = sum(sc.allocation.values())
    for s in sizes:
        if s < len(sc.arms) or s % total:
            raise InputError(
                option, f"each size must be a multiple of the allocation total ({total})", s
            )
    return sizes


def power_study(
    scenario,
    sizes: Sequence[int],
    *,
    replicates: int = 200,
    seed: int | None = None,
    workers: int | None = None,
    executor=None,
    out: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    command: str | None = None,
    posterior: str | Path | None = "default",
) -> StudyResult:
    """Power of every endpoint at each total sample size (share of replicates with p < 0.05).

    `posterior`: ``"default"`` (the shipped calibration: a parameter draw per replicate),
    ``"none"`` (fixed parameters) or a posterior file from ``mscsim calibrate``.
    """
    from mscsim.evidence._posterior import posterior_draws
    from mscsim.trial import power_curve

    check_replicates(replicates)
    check_workers(workers)
    _check_out(out)
    sc = _load(scenario)
    sizes = check_sizes(sizes, sc)
    draws, post_prov = posterior_draws(posterior, sc, sc.seed if seed is None else int(seed))
    curve = power_curve(
        sc,
        sizes,
        replicates=replicates,
        seed=seed,
        workers=workers,
        executor=executor,
        progress=progress,
        param_draws=draws,
    )
    doc = {**curve.to_dict(), **post_prov}
    folder = None
    if out is not None:
        folder = _write_study(out, "power.json", doc, "power", curve, sc, command)
    return StudyResult(doc=doc, folder=folder, payload=curve)


def validate_study(
    scenario,
    *,
    replicates: int = 200,
    seed: int | None = None,
    workers: int | None = None,
    executor=None,
    out: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    command: str | None = None,
    posterior: str | Path | None = "default",
    selection: str | float = "none",
) -> StudyResult:
    """Where each published result falls in the model's predictive distribution.

    Every number of a used published result is compared, or listed under ``warnings`` when the
    model has no counterpart for it; ``coverage`` counts the numbers inside the 90% interval.
    `posterior` as in :func:`power_study`. `selection` other than ``"none"`` makes the
    prediction that of a published trial (:mod:`mscsim.trial._selection`): ``"hopewell"``,
    ``"fitted"`` (the risk ratio fitted to the built-in trials) or a risk ratio.
    """
    from mscsim.evidence._posterior import posterior_draws
    from mscsim.trial import analyse, run_trial, unsupported_numbers, validate_run
    from mscsim.trial._selection import positive_replicates, selection_rr

    rr = selection_rr(selection)
    check_replicates(replicates)
    check_workers(workers)
    _check_out(out)
    sc = _load(scenario)
    if not sc.used_results():
        raise InputError(
            "SCENARIO", f"scenario {sc.name!r} has no published results to validate against"
        )
    draws, post_prov = posterior_draws(posterior, sc, sc.seed if seed is None else int(seed))
    trial = run_trial(
        sc,
        seed=seed,
        replicates=replicates,
        workers=workers,
        executor=executor,
        progress=progress,
        param_draws=draws,
    )
    analyses = analyse(trial)
    rows = [r.to_dict() for r in validate_run(trial, analyses, selection_rr=rr)]
    primary = [r for r in rows if r["primary"]]
    doc = {
        "scenario": sc.name,
        "seed": trial.seed,
        "replicates": replicates,
        "coverage": {
            "inside_90": sum(r["inside_90"] for r in rows),
            "compared": len(rows),
            "primary_inside_90": sum(r["inside_90"] for r in primary),
            "primary_compared": len(primary),
        },
        "selection": {
            "rr": rr,
            "positive_share": float(positive_replicates(trial, analyses).mean()),
        },
        "warnings": unsupported_numbers(sc),
        "results": rows,
        **post_prov,
    }
    folder = None
    if out is not None:
        folder = _write_study(out, "validation.json", doc, "validation", rows, sc, command)
    return StudyResult(doc=doc, folder=folder, payload=rows)
