"""Power by replicate trials, and power over a list of sample sizes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mscsim.trial._analysis import EndpointAnalysis, analyse
from mscsim.trial._engine import run_trial_batches

ALPHA = 0.05
#: Patients per batch of replicates whose tables are held at once (then reduced to p-values).
BATCH_PATIENTS = 200_000


def power_of(a: EndpointAnalysis, alpha: float = ALPHA) -> dict:
    """Share of replicates with p < alpha (a failed test counts as not significant)."""
    return _power(np.asarray(a.p_value, dtype=float), np.asarray(a.result.estimate, float), alpha)


def _power(p: np.ndarray, est: np.ndarray, alpha: float = ALPHA) -> dict:
    fin = est[np.isfinite(est)]
    q = np.quantile(fin, [0.05, 0.5, 0.95]) if fin.size else [np.nan] * 3
    return {
        "power": float(np.mean(np.nan_to_num(p, nan=1.0) < alpha)),
        "n_failed": int(np.isnan(p).sum()),
        "estimate_q05": float(q[0]),
        "estimate_median": float(q[1]),
        "estimate_q95": float(q[2]),
    }


@dataclass(frozen=True)
class PowerCurve:
    """Power of each endpoint at each total sample size."""

    scenario: str
    seed: int
    replicates: int
    n: list[int]
    power: dict[str, list[float]]
    n_failed: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "replicates": self.replicates,
            "n": self.n,
            "power": self.power,
            "n_failed": self.n_failed,
        }


def power_curve(
    scenario,
    sizes,
    *,
    replicates: int,
    seed: int | None = None,
    workers: int | None = None,
    progress=None,
    executor=None,
    param_draws=None,
) -> PowerCurve:
    """Run `replicates` virtual trials at each size in `sizes` (total enrolled); `param_draws`
    as in :func:`run_trial` (e.g. a posterior draw per replicate)."""
    seed = scenario.seed if seed is None else int(seed)
    # the solves go on to day 365 only if an endpoint reads a long-term lung outcome
    lungs = any(ep.kind == "lung_outcome" for ep in scenario.endpoints.all)
    power: dict[str, list[float]] = {}
    failed: dict[str, list[int]] = {}
    for n in sizes:
        p: dict[str, list[np.ndarray]] = {}
        est: dict[str, list[np.ndarray]] = {}
        for run in run_trial_batches(  # batch by batch: p-values kept, patients let go
            scenario,
            batch=max(1, BATCH_PATIENTS // int(n)),
            seed=seed,
            replicates=replicates,
            sample_size=int(n),
            workers=workers,
            progress=progress,
            executor=executor,
            param_draws=param_draws,
            lung_outcomes=lungs,
        ):
            for a in analyse(run):
                key = a.id if len(run.arm_names) == 2 else f"{a.id}:{a.arm}"
                p.setdefault(key, []).append(np.asarray(a.p_value, dtype=float))
                est.setdefault(key, []).append(np.asarray(a.result.estimate, dtype=float))
        for key in p:
            st = _power(np.concatenate(p[key]), np.concatenate(est[key]))
            power.setdefault(key, []).append(st["power"])
            failed.setdefault(key, []).append(st["n_failed"])
    return PowerCurve(
        scenario=scenario.name,
        seed=seed,
        replicates=replicates,
        n=[int(x) for x in sizes],
        power=power,
        n_failed=failed,
    )
