"""The one-object summary of a trial run (what `mscsim trial run --json` prints)."""

from __future__ import annotations

import math

import numpy as np

from mscsim.trial._analysis import EndpointAnalysis, arm_summary
from mscsim.trial._power import power_of


def _num(x) -> float | None:
    """A plain float, or None when not finite (strict JSON has no nan/inf)."""
    x = float(np.asarray(x).reshape(-1)[0])
    return x if math.isfinite(x) else None


def run_summary(run, analyses: list[EndpointAnalysis]) -> dict:
    """Replicate 0 is reported as 'the' trial; with replicates > 1, `replicate_summary` gives
    each endpoint's power and effect quantiles over all replicates."""
    endpoints = []
    for a in analyses:
        endpoints.append(
            {
                "name": a.id,
                "label": a.label,
                "arm": a.arm,
                "measure": a.measure,
                "estimate": _num(a.result.estimate[0]),
                "ci_low": _num(a.result.ci_low[0]),
                "ci_high": _num(a.result.ci_high[0]),
                "p_value": _num(a.p_value[0]),
                "method": a.method,
            }
        )
    out = {
        "scenario": run.scenario.name,
        "seed": run.seed,
        "replicates": run.n_replicates,
        "sample_size": run.sample_size,
        "arms": arm_summary(run, replicate=0),
        "endpoints": endpoints,
        "status_counts": dict(run.status_counts),
        "consort": {
            "screened": int(run.n_screened[0]),
            "enrolled": run.sample_size,
            "excluded": {k: v for k, v in run.excluded[0].items() if v},
        },
        "provenance": run.provenance,
    }
    if run.n_replicates > 1:
        out["replicate_summary"] = {
            f"{a.id}" if a.arm == analyses[0].arm else f"{a.id}:{a.arm}": power_of(a)
            for a in analyses
        }
    return out
