"""``mscsim validate-model``: leave-one-trial-out predictive checks of the calibrated model.

For every built-in (or given) scenario with published results, the posterior is refitted
without that trial's counts (every evidence comparison the scenario links is left out; the
surrogate is the calibration's, which does not depend on the data) and the trial is predicted
from the refit: ``replicates`` virtual trials of its design, each with its own posterior draw
(parameter and between-trial uncertainty). Every published number of the scenario is placed
in its predictive distribution (mid-rank percentile = PIT value); coverage of the central 50%
and 90% intervals (quantiles of the predictions) is reported over all numbers, per trial and for the primary results. A
trial whose counts were never in the calibration data (non-randomized, or no counts in the
evidence base) is predicted from the full posterior: it was never seen.

The document also has Ioannidis & Trikalinos' test for an excess of significant published
trials (:func:`mscsim.trial._selection.excess_significance`: observed vs expected from each
trial's own predictions). With ``selection`` other than ``"none"`` (the default) the prediction
is that of a published trial (:mod:`mscsim.trial._selection`): with ``"fitted"`` the risk ratio
of publication is refitted without the trial too (maximum likelihood over the other trials'
published significance and the positive shares of their own predictions), so no number of a
trial sets its own weights; ``"hopewell"`` or a number is used as given.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np

from mscsim.evidence._calibrate import CalibrationConfig, calibrate, surrogate_from
from mscsim.evidence._posterior import Posterior, PosteriorDraws


class _Predicted(NamedTuple):
    """One trial's prediction from its (refitted) posterior, before it is scored."""

    scenario: Any
    run: Any
    analyses: list
    positive_share: float  # replicates with a reported comparison significant in favour
    published_positive: bool
    left: tuple[str, ...]  # evidence comparisons left out of its calibration
    posterior: Posterior


def _row_flags(r: dict[str, Any]) -> dict[str, Any]:
    """A validation row with its PIT value (mid-rank percentile / 100); ``inside_50`` and
    ``inside_90`` compare with the 25-75% and 5-95% quantiles of the predictions."""
    pct = r["percentile"]
    return {**r, "pit": float(pct / 100.0) if np.isfinite(pct) else None}


def coverage_by_kind(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Coverage of the arm numbers, p-values and effect estimates separately
    (:attr:`mscsim.trial.ValidationRow.kind`)."""
    kinds = ("arm", "p-value", "effect")
    return {k: _coverage([r for r in rows if r["kind"] == k]) for k in kinds}


def _coverage(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    return {
        "compared": n,
        "inside_50": sum(r["inside_50"] for r in rows),
        "inside_90": sum(r["inside_90"] for r in rows),
        "coverage_50": (sum(r["inside_50"] for r in rows) / n) if n else None,
        "coverage_90": (sum(r["inside_90"] for r in rows) / n) if n else None,
    }


def leave_one_trial_out(
    posterior: Posterior,
    *,
    replicates: int = 200,
    seed: int = 2026,
    steps: int | None = None,
    scenarios=None,
    trials=None,
    progress=None,
    selection: str | float = "none",
) -> dict[str, Any]:
    """The leave-one-trial-out document (module docstring); ``steps`` shortens the refits."""
    from mscsim.trial import analyse, builtin_names, load_scenario, run_trial, validate_run
    from mscsim.trial._selection import (
        RR_FITTED,
        excess_significance,
        fit_selection_rr,
        observed_positive,
        positive_replicates,
        selection_rr,
    )

    fixed_rr = None if selection == "fitted" else selection_rr(selection)

    pool = list(scenarios) if scenarios is not None else [load_scenario(n) for n in builtin_names()]
    cfg = CalibrationConfig.of(posterior)
    if steps is not None:
        cfg = replace(cfg, steps=int(steps), burn=min(cfg.burn, int(steps) // 3))
    sur = surrogate_from(posterior)
    seen = {d["trial"] for d in posterior.meta.get("data", [])}
    per_trial, all_rows, done = [], [], []
    for sc in pool:
        if not sc.used_results():
            continue
        left = tuple(sorted(set(sc.evidence.values()) & seen))
        if left:
            post = calibrate(
                replace(cfg, exclude=tuple(cfg.exclude) + left),
                trials=trials,
                scenarios=pool,
                surrogate=sur,
            )
        else:
            post = posterior
        run = run_trial(
            sc, seed=seed, replicates=replicates, param_draws=PosteriorDraws(post, seed)
        )
        analyses = analyse(run)
        share = float(positive_replicates(run, analyses).mean())
        done.append(_Predicted(sc, run, analyses, share, observed_positive(sc), left, post))
        if progress is not None:
            progress(1)
    shares = np.array([d.positive_share for d in done])
    positive = np.array([d.published_positive for d in done], dtype=bool)
    for i, d in enumerate(done):
        others = np.arange(len(done)) != i
        fit = None
        if fixed_rr is not None:
            rr = fixed_rr
        elif others.sum() < 2:  # nothing to refit from: the shipped fit
            rr = RR_FITTED
        else:
            fit = fit_selection_rr(shares[others], positive[others])
            rr = fit["rr"]
        rows = [
            _row_flags({**r.to_dict(), "trial": d.scenario.name})
            for r in validate_run(d.run, d.analyses, selection_rr=rr)
        ]
        all_rows += rows
        per_trial.append(
            {
                "trial": d.scenario.name,
                "positive_share": round(d.positive_share, 4),
                "published_positive": d.published_positive,
                "selection_rr": round(rr, 4),
                "selection_fit": None if fit is None else {k: round(v, 4) for k, v in fit.items()},
                "left_out_of_calibration": list(d.left),
                "posterior": "refit without the trial" if d.left else "full (trial never seen)",
                "refit_ess_min": (
                    round(min(d.posterior.meta["diagnostics"]["ess"].values()))
                    if d.left and "diagnostics" in d.posterior.meta
                    else None
                ),
                **_coverage(rows),
                "primary": _coverage([r for r in rows if r["primary"]]),
            }
        )
    pit = np.array([r["pit"] for r in all_rows if r["pit"] is not None])
    hist = np.histogram(pit, bins=10, range=(0.0, 1.0))[0].tolist() if pit.size else []
    return {
        "replicates": replicates,
        "seed": seed,
        "posterior_version": posterior.version,
        "refit_steps": cfg.steps,
        "selection": "refit without each trial" if fixed_rr is None else fixed_rr,
        "selection_all_trials": fit_selection_rr(shares, positive) if done else None,
        "excess_significance": excess_significance(shares, positive) if done else None,
        "coverage": _coverage(all_rows),
        "primary": _coverage([r for r in all_rows if r["primary"]]),
        "by_kind": coverage_by_kind(all_rows),
        "pit_histogram": hist,
        "trials": per_trial,
        "results": all_rows,
    }
