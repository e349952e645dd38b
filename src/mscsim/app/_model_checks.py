"""Jobs that check the model against the evidence base: virtual meta-analysis, leave-one-trial-out.

Each returns the JSON document the CLI prints and, with ``out``, writes it with an HTML
report into a folder (atomically).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _write(out: str | Path, name: str, doc: dict[str, Any], report) -> Path:
    from mscsim.io import atomic_output_dir, jsonable

    with atomic_output_dir(out) as folder:
        (folder / name).write_text(json.dumps(jsonable(doc), indent=1, allow_nan=False))
        report.write(folder / "report.html")
    return Path(out)


def _provenance(seed: int, replicates: int, post, command: str | None) -> dict[str, Any]:
    from mscsim import __version__

    return {
        "mscsim_version": __version__,
        "seed": seed,
        "replicates": replicates,
        "posterior_version": None if post is None else post.version,
        "posterior_data_hash": None if post is None else post.meta.get("data_hash"),
        "command": command,
    }


def virtual_meta_job(
    outcome: str = "mortality",
    *,
    measure: str = "RR",
    method: str = "REML",
    products: str = "cells",
    randomized_only: bool = False,
    replicates: int = 200,
    seed: int = 2026,
    posterior: str | Path | None = "default",
    out: str | Path | None = None,
    store: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    command: str | None = None,
) -> dict[str, Any]:
    """Pool the model's predictions for every expressible trial as the published ones are."""
    from mscsim._atomic import check_output_dir
    from mscsim.app._trial import check_replicates
    from mscsim.evidence import load_trials
    from mscsim.evidence._posterior import PosteriorDraws, load_posterior
    from mscsim.evidence._virtual import virtual_meta
    from mscsim.report._model_checks import virtual_meta_report

    check_replicates(replicates)
    if out is not None:
        check_output_dir(out, "--out")
    post = load_posterior(posterior)
    t0 = time.perf_counter()
    res = virtual_meta(
        outcome,
        replicates=replicates,
        seed=seed,
        measure=measure,
        method=method,
        products=products,
        randomized_only=randomized_only,
        trials=load_trials(store),
        param_draws=None if post is None else PosteriorDraws(post, seed),
        progress=progress,
    )
    prov = _provenance(seed, replicates, post, command)
    doc = {**res.to_dict(), "provenance": prov, "seconds": round(time.perf_counter() - t0, 1)}
    if out is not None:
        _write(out, "virtual_meta.json", doc, virtual_meta_report(doc, prov))
    return doc


def validate_model_job(
    *,
    replicates: int = 200,
    seed: int = 2026,
    steps: int | None = 4000,
    posterior: str | Path = "default",
    out: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    command: str | None = None,
    selection: str | float = "none",
) -> dict[str, Any]:
    """Leave-one-trial-out predictive coverage of every built-in trial's published numbers
    (`selection`: ``"none"``, ``"hopewell"`` or a number fixes the publication risk ratio;
    ``"fitted"`` refits it without each trial; :mod:`mscsim.trial._selection`)."""
    from mscsim._atomic import check_output_dir
    from mscsim._errors import InputError
    from mscsim.app._trial import check_replicates
    from mscsim.evidence._loto import leave_one_trial_out
    from mscsim.evidence._posterior import load_posterior
    from mscsim.report._model_checks import model_validation_report
    from mscsim.trial._selection import selection_rr

    if selection != "fitted":
        selection_rr(selection)  # a one-line error before any work
    check_replicates(replicates)
    if steps is not None and steps < 10:
        raise InputError("--steps", "an integer >= 10", got=steps)
    if out is not None:
        check_output_dir(out, "--out")
    post = load_posterior(posterior)
    if post is None:
        raise InputError("--posterior", "default or a posterior file (refits need one)", got="none")
    t0 = time.perf_counter()
    doc = leave_one_trial_out(
        post,
        replicates=replicates,
        seed=seed,
        steps=steps,
        progress=progress,
        selection=selection,
    )
    prov = _provenance(seed, replicates, post, command)
    doc = {**doc, "provenance": prov, "seconds": round(time.perf_counter() - t0, 1)}
    if out is not None:
        _write(out, "validate_model.json", doc, model_validation_report(doc, prov))
    return doc
