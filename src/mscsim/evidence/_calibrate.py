"""``mscsim calibrate``: Bayesian calibration against the evidence base's per-arm counts.

Data: per-arm deaths and SAE counts of every randomized comparison of the evidence base that a
scenario expresses (:mod:`mscsim.evidence._designs`); ``exclude`` leaves trials out (the
leave-one-trial-out check). Model: the simulator through its surrogate
(:mod:`mscsim.evidence._surrogate`), the trial effects integrated out
(:mod:`mscsim.evidence._likelihood`), priors from bounds and class
(:mod:`mscsim.evidence._priors`). Sampler: emcee's affine-invariant ensemble, seeded; its
own convergence criterion (chain longer than 50 integrated autocorrelation times) is
reported, with the acceptance fraction and the effective sample size.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mscsim import __version__
from mscsim._errors import InputError
from mscsim.evidence._designs import Design, linked_designs
from mscsim.evidence._likelihood import LogPosterior, observed_counts
from mscsim.evidence._posterior import Posterior
from mscsim.evidence._priors import MSC_PARAMETERS, priors
from mscsim.evidence._surrogate import (
    Surrogate,
    arm_statistics,
    fit_surrogate,
    statistic_contrasts,
)

OUTCOMES = ("mortality", "sae")


@dataclass(frozen=True)
class CalibrationConfig:
    """Settings of one calibration (all fixed by the seed)."""

    seed: int = 2026
    points: int = 32  # surrogate design points, a power of 2 (plus the centre)
    replicates: int = 40  # virtual trials per design point and trial
    walkers: int = 32
    steps: int = 12000
    burn: int = 2000
    keep: int = 2000  # draws stored
    randomized_only: bool = True
    exclude: tuple[str, ...] = ()
    msc_parameters: tuple[str, ...] = MSC_PARAMETERS

    @classmethod
    def of(cls, posterior: Posterior) -> CalibrationConfig:
        """The configuration a posterior was calibrated with (its ``config`` record)."""
        doc: dict[str, Any] = posterior.meta.get("config", {})
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in doc.items()}
        return cls(**fields)

    def __post_init__(self) -> None:
        if self.points < 2 or self.points & (self.points - 1):
            raise InputError(
                "points", "a power of 2 (Sobol design), e.g. 16, 32, 64", got=self.points
            )
        for name in ("replicates", "walkers", "steps", "keep"):
            if getattr(self, name) < 2:
                raise InputError(name, "an integer >= 2", got=getattr(self, name))
        if not 0 <= self.burn < self.steps:
            raise InputError("burn", f"an integer in [0, steps={self.steps})", got=self.burn)


def calibration_data(
    cfg: CalibrationConfig, trials=None, scenarios=None
) -> tuple[list[Design], dict[tuple[str, str], dict[str, float]], list[tuple[str, str]]]:
    """(designs, published counts per (trial, outcome), [(id, why left out)])."""
    from mscsim.evidence import load_trials

    trials = list(trials if trials is not None else load_trials())
    designs, counts, left = [], {}, []
    for outcome in OUTCOMES:
        usable = []
        for t in trials:
            out = getattr(t, outcome, None)
            if t.id in cfg.exclude:
                continue
            if cfg.randomized_only and t.design != "RCT":
                continue
            if out is None or out.events_ctrl is None or out.events_treat.value is None:
                continue
            nt, nc = (out.n_treat or t.n_treat).value, (out.n_ctrl or t.n_ctrl).value
            if nt is None or nc is None or out.events_ctrl.value is None:
                continue
            usable.append(t)
            counts[(t.id, outcome)] = {
                "events_treat": out.events_treat.value,
                "n_treat": nt,
                "events_ctrl": out.events_ctrl.value,
                "n_ctrl": nc,
                "shared_control": t.shared_control,
            }
        d, miss = linked_designs(usable, outcome, scenarios)
        designs += d
        left += [(i, f"{outcome}: {why}") for i, why in miss]
        for i, _ in miss:
            counts.pop((i, outcome), None)
    if not designs:
        raise InputError(
            "evidence", "at least one randomized comparison a scenario expresses", got=0
        )
    return designs, counts, left


def data_hash(designs: Sequence[Design], counts: dict) -> str:
    """SHA-256 of the fitted data: the published counts, which design/endpoint reads them and the
    published per-arm statistics of those designs (a posterior whose hash differs from the
    current data's must be rebuilt)."""
    doc = {
        "counts": {f"{k[0]}|{k[1]}": v for k, v in sorted(counts.items())},
        "designs": sorted(
            f"{d.trial_id}|{d.outcome}|{d.scenario.name}|{d.arm}|{d.endpoint.id}" for d in designs
        ),
        "arm_statistics": {"|".join(k): v for k, v in arm_statistics(designs)},
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _sample(logp: LogPosterior, cfg: CalibrationConfig, progress=None):
    import emcee

    rng = np.random.default_rng([cfg.seed, 11])
    d = len(logp.priors)
    if cfg.walkers < 2 * d:
        raise InputError(
            "walkers", f"an integer >= {2 * d} (twice the parameters)", got=cfg.walkers
        )
    p0 = np.stack([p.sample(rng, cfg.walkers) for p in logp.priors], axis=1)
    sampler = emcee.EnsembleSampler(cfg.walkers, d, logp, vectorize=True)
    sampler.random_state = np.random.RandomState(cfg.seed % 2**32).get_state()
    for _ in sampler.sample(p0, iterations=cfg.steps):
        if progress is not None:
            progress(1)
    chain = sampler.get_chain()  # (steps, walkers, d)
    tau = emcee.autocorr.integrated_time(chain[cfg.burn :], quiet=True)
    kept = chain[cfg.burn :].reshape(-1, d)
    n_after = chain.shape[0] - cfg.burn
    diag = {
        "sampler": f"emcee {emcee.__version__} EnsembleSampler (stretch move)",
        "walkers": cfg.walkers,
        "steps": cfg.steps,
        "burn": cfg.burn,
        "acceptance_fraction": float(np.mean(sampler.acceptance_fraction)),
        "autocorr_time": {n: float(t) for n, t in zip(logp.names, tau)},
        "ess": {n: float(n_after * cfg.walkers / t) for n, t in zip(logp.names, tau)},
        "chain_over_50_tau": bool(np.all(n_after > 50 * tau)),
    }
    return kept, diag


def build_surrogate(cfg: CalibrationConfig, designs: list[Design], progress=None) -> Surrogate:
    """The surrogate over `designs` (independent of the counts: reusable when trials are left
    out)."""
    pri = priors(cfg.msc_parameters)
    return fit_surrogate(
        designs,
        pri[: len(cfg.msc_parameters)],
        points=cfg.points,
        replicates=cfg.replicates,
        seed=cfg.seed,
        progress=progress,
    )


def calibrate(
    cfg: CalibrationConfig,
    *,
    trials=None,
    scenarios=None,
    progress=None,
    surrogate: Surrogate | None = None,
) -> Posterior:
    """Fit the surrogate (unless given), sample the posterior, return it with its provenance.

    ``progress(stage, k)`` is called with stage ``"surrogate"`` (per design point) and
    ``"mcmc"`` (per step).
    """
    designs, counts, left = calibration_data(cfg, trials, scenarios)
    pri = priors(cfg.msc_parameters)
    fresh = surrogate is None
    sur = surrogate or build_surrogate(
        cfg, designs, (lambda k: progress("surrogate", k)) if progress else None
    )
    obs = observed_counts(sur, counts)
    logp = LogPosterior(sur, obs, pri)
    kept, diag = _sample(logp, cfg, (lambda k: progress("mcmc", k)) if progress else None)
    rng = np.random.default_rng([cfg.seed, 13])
    idx = np.sort(rng.choice(kept.shape[0], size=min(cfg.keep, kept.shape[0]), replace=False))
    x = kept[idx]
    values = np.stack([p.value(x[:, j]) for j, p in enumerate(pri)], axis=1)
    meta = {
        "created_by": f"mscsim {__version__} (mscsim calibrate)",
        "code_version": __version__,
        "seed": cfg.seed,
        "config": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
        "priors": [
            {
                "name": p.name,
                "class": p.cls,
                "kind": p.kind,
                "scale": p.scale,
                "lower": p.lower,
                "upper": p.upper,
                "loc": p.loc,
                "sd": p.sd,
            }
            for p in pri
        ],
        "diagnostics": diag,
        "data": [
            {
                "trial": k[0],
                "outcome": k[1],
                **{c: v for c, v in c_.items() if c != "shared_control"},
            }
            for k, c_ in sorted(counts.items())
        ],
        "arm_statistics": [
            {"trial": k[0], "endpoint": k[1], "arm": k[2], "statistic": k[3], "value": v}
            for k, v in arm_statistics(designs)
        ],
        # what the likelihood reads of them: active minus control, within each trial
        "statistic_contrasts": [
            {"trial": k[0], "endpoint": k[1], "contrast": k[2], "statistic": k[3], "value": v}
            for k, v in statistic_contrasts(designs)
        ],
        "left_out": [{"id": i, "reason": r} for i, r in left],
        "data_hash": data_hash(designs, counts),
        "surrogate": surrogate_report(sur),
        "log_prob_median": float(np.median(logp(x))),
    }
    if fresh:  # the surrogate against the simulator at a point it was not fitted on
        meta["surrogate"]["check"] = check_surrogate(
            sur, designs, pri[: len(cfg.msc_parameters)], np.median(x, axis=0), cfg
        )
    return Posterior(tuple(p.name for p in pri), values, meta)


def check_surrogate(sur: Surrogate, designs, msc_priors, x_median, cfg) -> dict:
    """Simulate every design at the posterior median of the MSC parameters (no trial effect,
    the calibration's seed and replicates) and compare each arm's risk with the surrogate's."""
    from mscsim.evidence._surrogate import simulate_points

    xm = np.asarray(x_median[: len(msc_priors)], dtype=float)[None, :]
    keys, ev, nn, _ = simulate_points(
        designs, msc_priors, xm, replicates=cfg.replicates, seed=cfg.seed
    )
    sim = ev[0] / np.maximum(nn[0], 1.0)
    pred = 1.0 - np.exp(-np.exp(sur.log_hazard(xm)[0]))
    diff = np.abs(sim - pred)
    worst = int(np.argmax(diff))
    return {
        "at": {p.name: float(p.value(v)) for p, v in zip(msc_priors, xm[0])},
        "max_abs_risk_difference": float(diff[worst]),
        "worst_arm": "|".join(keys[worst]),
        "mean_abs_risk_difference": float(diff.mean()),
    }


def surrogate_report(sur: Surrogate) -> dict:
    return {
        "points": int(sur.points.shape[0]),
        "terms": int(sur.coef.shape[0]),
        "loo_rmse_log_hazard": {
            f"{k[0]}|{k[1]}|{k[2]}": float(v) for k, v in zip(sur.keys, sur.loo_rmse)
        },
        "loo_rmse_log_hazard_max": float(np.max(sur.loo_rmse)),
        "model": {
            "names": list(sur.names),
            "lo": sur.lo.tolist(),
            "hi": sur.hi.tolist(),
            "keys": [list(k) for k in sur.keys],
            "coef": sur.coef.tolist(),
            "statistic_keys": [list(k) for k in sur.stat_keys],
            "statistic_observed": sur.stat_observed.tolist(),
            "statistic_coef_mean": sur.stat_coef_mean.tolist(),
            "statistic_coef_logsd": sur.stat_coef_logsd.tolist(),
        },
    }


def surrogate_from(posterior: Posterior) -> Surrogate:
    """The surrogate a posterior was sampled with (stored in its ``surrogate.model``; files
    written before the per-arm statistics were stored have none)."""
    m = posterior.meta["surrogate"]["model"]
    keys = tuple(tuple(k) for k in m["keys"])
    n_terms = len(m["coef"])
    stat_keys = tuple(tuple(k) for k in m.get("statistic_keys", []))

    def coef(name: str) -> np.ndarray:
        return np.asarray(m.get(name, []), dtype=float).reshape(n_terms, len(stat_keys))

    return Surrogate(
        names=tuple(m["names"]),
        lo=np.asarray(m["lo"], dtype=float),
        hi=np.asarray(m["hi"], dtype=float),
        keys=keys,  # type: ignore[arg-type]
        coef=np.asarray(m["coef"], dtype=float),
        loo_rmse=np.full(len(keys), np.nan),
        points=np.zeros((0, len(m["names"]))),
        log_h=np.zeros((0, len(keys))),
        stat_keys=stat_keys,  # type: ignore[arg-type]
        stat_observed=np.asarray(m.get("statistic_observed", []), dtype=float),
        stat_coef_mean=coef("statistic_coef_mean"),
        stat_coef_logsd=coef("statistic_coef_logsd"),
    )


def posterior_mode(posterior: Posterior, trials=None, scenarios=None) -> dict[str, float]:
    """The stored draw with the highest log posterior (the surrogate's, as sampled)."""
    cfg = CalibrationConfig.of(posterior)
    _, counts, _ = calibration_data(cfg, trials, scenarios)
    pri = priors(cfg.msc_parameters)
    sur = surrogate_from(posterior)
    logp = LogPosterior(sur, observed_counts(sur, counts), pri)
    x = np.stack(
        [
            np.log10(posterior.draws[:, j]) if p.scale == "log10" else posterior.draws[:, j]
            for j, p in enumerate(pri)
        ],
        axis=1,
    )
    return posterior.draw(int(np.argmax(logp(x))))
