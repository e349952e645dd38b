"""Virtual meta-analysis: pool the model's predicted results the way the published ones are pooled.

Every comparison of the evidence base that enters the published meta-analysis (same
selection rules, :func:`mscsim.evidence.select_outcome`) and that a scenario expresses
(:mod:`mscsim.evidence._designs`) is simulated ``replicates`` times with its own design. Replicate
``r`` of every trial forms one virtual evidence base, pooled by the same meta-analysis engine
and options; the published pooled estimate is then placed in the distribution of the
``replicates`` virtual pooled estimates (its percentile). Comparisons that share a control group
are split as in the published analysis.

The document also counts the comparisons significant in favour of MSC (Fisher's exact test,
p < 0.05, lower risk in the treated arm) among the published counts and, per trial, among its
virtual replicates: Ioannidis & Trikalinos' test for an excess of significant findings
(:func:`mscsim.trial._selection.excess_significance`), with each trial's chance from its own
design.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mscsim._errors import InputError
from mscsim.evidence._designs import linked_designs, virtual_counts
from mscsim.evidence._select import select_outcome
from mscsim.evidence.meta import StudyTable, ZeroCellCorrection, meta_analysis
from mscsim.stats import fisher_exact_p
from mscsim.trial._selection import ALPHA, excess_significance

_COLS = ("events_treat", "n_treat", "events_ctrl", "n_ctrl")


@dataclass(frozen=True)
class VirtualMeta:
    """Observed vs virtual pooled estimates (log scale for RR/OR) and per-trial predictions."""

    outcome: str
    measure: str
    method: str
    trial_ids: tuple[str, ...]
    excluded: tuple[tuple[str, str], ...]
    observed: float
    observed_ci: tuple[float, float]
    virtual: np.ndarray  # pooled estimate per replicate (NaN: not estimable)
    per_trial: dict[str, dict[str, Any]]
    replicates: int
    seed: int
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def percentile(self) -> float:
        """Percent of the estimable virtual pooled estimates below the published one."""
        v = self.virtual[np.isfinite(self.virtual)]
        return float(
            100.0 * (np.sum(v < self.observed) + 0.5 * np.sum(v == self.observed)) / v.size
        )

    @property
    def excess_significance(self) -> dict[str, float]:
        """Published comparisons significant in favour of MSC against the number expected
        from each trial's virtual replicates (Ioannidis & Trikalinos 2007)."""
        pt = self.per_trial.values()
        return excess_significance(
            np.array([p["significant_share"] for p in pt]),
            np.array([p["observed_significant"] for p in pt]),
        )

    def to_dict(self) -> dict[str, Any]:
        v = self.virtual[np.isfinite(self.virtual)]
        log = self.measure in ("RR", "OR")
        back = np.exp if log else (lambda x: x)
        q = np.quantile(v, [0.05, 0.10, 0.5, 0.90, 0.95]) if v.size else [np.nan] * 5
        return {
            "outcome": self.outcome,
            "measure": self.measure,
            "method": self.method,
            "trials": list(self.trial_ids),
            "excluded": [{"id": i, "reason": r} for i, r in self.excluded],
            "observed": {
                "estimate": float(back(self.observed)),
                "ci_low": float(back(self.observed_ci[0])),
                "ci_high": float(back(self.observed_ci[1])),
            },
            "virtual": {
                "replicates": self.replicates,
                "estimable": int(v.size),
                "q05": float(back(q[0])),
                "q10": float(back(q[1])),
                "median": float(back(q[2])),
                "q90": float(back(q[3])),
                "q95": float(back(q[4])),
            },
            "percentile": self.percentile,
            "virtual_estimates": [float(x) for x in v],  # analysis scale (log for RR/OR)
            "per_trial": self.per_trial,
            "excess_significance": self.excess_significance,
            "seed": self.seed,
            "provenance": self.provenance,
        }


def _split_shared(trials) -> dict[str, int]:
    shared = Counter(t.shared_control for t in trials if t.shared_control)
    return {t.id: shared.get(t.shared_control, 1) if t.shared_control else 1 for t in trials}


def _per_trial(tid: str, obs: dict[str, float], c: dict[str, np.ndarray]) -> dict[str, Any]:
    def risk(e, n):
        return np.where(n > 0, e / np.maximum(n, 1), np.nan)

    rt, rc = risk(c["events_treat"], c["n_treat"]), risk(c["events_ctrl"], c["n_ctrl"])
    ratio = np.log((c["events_treat"] + 0.5) / (c["n_treat"] + 1)) - np.log(
        (c["events_ctrl"] + 0.5) / (c["n_ctrl"] + 1)
    )
    o_ratio = np.log((obs["events_treat"] + 0.5) / (obs["n_treat"] + 1)) - np.log(
        (obs["events_ctrl"] + 0.5) / (obs["n_ctrl"] + 1)
    )

    def band(x):
        lo, med, hi = np.nanquantile(x, [0.05, 0.5, 0.95])
        return {"median": float(med), "low": float(lo), "high": float(hi)}

    def significant(e_t, n_t, e_c, n_c):  # Fisher p < alpha, lower risk when treated
        table = np.stack([np.stack([e_t, n_t - e_t], -1), np.stack([e_c, n_c - e_c], -1)], -2)
        p = fisher_exact_p(np.asarray(table).astype(np.int64))
        return (p < ALPHA) & (e_t * n_c < e_c * n_t)

    return {
        "observed": {k: float(v) for k, v in obs.items()},
        "observed_log_rr": float(o_ratio),
        "risk_treat": band(rt),
        "risk_ctrl": band(rc),
        "log_rr": band(ratio),  # 0.5-corrected, as the forest plot shows it
        "pit_log_rr": float(np.mean(ratio < o_ratio) + 0.5 * np.mean(ratio == o_ratio)),
        "observed_significant": bool(significant(*(np.asarray(obs[k]) for k in _COLS))),
        "significant_share": float(
            np.mean(significant(*(np.asarray(c[k], dtype=float) for k in _COLS)))
        ),
    }


def virtual_meta(
    outcome: str = "mortality",
    *,
    replicates: int = 200,
    seed: int = 2026,
    measure: str = "RR",
    method: str = "REML",
    products: str = "cells",
    randomized_only: bool = False,
    trials=None,
    scenarios=None,
    param_draws=None,
    taus=None,
    progress=None,
    executor=None,
) -> VirtualMeta:
    """Place the published pooled estimate among `replicates` virtual meta-analyses."""
    from mscsim.evidence import load_trials

    if replicates < 2:
        raise InputError("replicates", "an integer >= 2", got=replicates)
    trials = list(trials) if trials is not None else list(load_trials())
    sel = select_outcome(
        trials,
        outcome,
        products=products,  # type: ignore[arg-type]
        randomized_only=randomized_only,
    )
    chosen = [t for t in trials if t.id in sel.trial_ids]
    designs, missing = linked_designs(chosen, outcome, scenarios)
    if len(designs) < 2:
        raise InputError(
            "trials", "at least two comparisons expressed by scenarios", got=len(designs)
        )
    keep = [d.trial_id for d in designs]
    rows = [sel.trial_ids.index(t) for t in keep]
    obs_table = StudyTable(
        kind="binary",
        study=tuple(keep),
        data={c: np.asarray(sel.table.data[c])[rows] for c in _COLS},
    )
    zc = ZeroCellCorrection()
    obs = meta_analysis(obs_table, measure=measure, method=method, zero_cells=zc)
    counts = virtual_counts(
        designs,
        replicates=replicates,
        seed=seed,
        param_draws=param_draws,
        taus=taus,
        progress=progress,
        executor=executor,
    )
    split = _split_shared(chosen)
    pooled = np.full(replicates, np.nan)
    for r in range(replicates):
        data = {
            c: np.asarray([counts[(t, outcome)][c][r] for t in keep], dtype=float) for c in _COLS
        }
        m = np.array([split[t] for t in keep], dtype=float)
        data["events_ctrl"], data["n_ctrl"] = data["events_ctrl"] / m, data["n_ctrl"] / m
        try:
            fit = meta_analysis(
                StudyTable(kind="binary", study=tuple(keep), data=data),
                measure=measure,
                method=method,
                zero_cells=zc,
            )
        except InputError:  # e.g. every virtual trial without events: not estimable
            continue
        pooled[r] = fit.estimate
    per_trial = {
        t: _per_trial(t, {c: float(obs_table.data[c][i]) for c in _COLS}, counts[(t, outcome)])
        for i, t in enumerate(keep)
    }
    return VirtualMeta(
        outcome=outcome,
        measure=measure,
        method=method,
        trial_ids=tuple(keep),
        excluded=tuple(sel.excluded) + tuple(missing),
        observed=float(obs.estimate),
        observed_ci=(float(obs.ci_low), float(obs.ci_high)),
        virtual=pooled,
        per_trial=per_trial,
        replicates=replicates,
        seed=seed,
    )
