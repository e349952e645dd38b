"""A quadratic surrogate of each trial arm's outcome risk over the MSC parameters.

The simulator is run at ``points`` design points (a scrambled Sobol sequence over the
priors' boxes, plus the box centre), every point with the same seed (common random numbers)
and no between-trial effect, ``replicates`` virtual trials of every linked design each. An
arm's risk ``p`` (events over patients, pooled over replicates) is mapped to its cumulative
hazard ``log(-log(1 - p))`` and fitted by least squares with a full quadratic in the scaled
parameters. A trial effect ``u`` multiplies the cumulative hazard by ``exp(u)`` (as in
:mod:`mscsim.trial._between_trial`), so the likelihood never calls the simulator. The fit is
checked by leave-one-out residuals and, after calibration, by running the simulator at the
posterior mean (:func:`mscsim.evidence._calibrate.check_surrogate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement

import numpy as np
from scipy.stats import qmc

from mscsim.evidence._designs import Design, virtual_counts
from mscsim.evidence._priors import Prior
from mscsim.trial._trial_effects import NO_SPREAD


class FixedDraw:
    """``param_draws`` giving every replicate the same parameter values (picklable)."""

    def __init__(self, values: dict[str, float]):
        self.values = dict(values)

    def __call__(self, seed: int, replicate: int) -> dict[str, float]:
        return self.values


def features(z: np.ndarray) -> np.ndarray:
    """Full quadratic in the columns of ``z`` (n, d): 1, z_i, z_i z_j."""
    z = np.atleast_2d(z)
    d = z.shape[1]
    cols = [np.ones(z.shape[0])] + [z[:, i] for i in range(d)]
    cols += [z[:, i] * z[:, j] for i, j in combinations_with_replacement(range(d), 2)]
    return np.stack(cols, axis=1)


@dataclass(frozen=True)
class Surrogate:
    """log cumulative hazard of every (design key) arm as a quadratic in the MSC parameters."""

    names: tuple[str, ...]
    lo: np.ndarray  # design box on the sampling scale
    hi: np.ndarray
    keys: tuple[tuple[str, str, str], ...]  # (trial id, outcome, "treat" | "ctrl")
    coef: np.ndarray  # (n_terms, n_keys)
    loo_rmse: np.ndarray  # leave-one-out RMSE of log H per key
    points: np.ndarray  # design points (sampling scale)
    log_h: np.ndarray  # simulated log H at the points (n_points, n_keys)

    def scaled(self, x: np.ndarray) -> np.ndarray:
        return 2.0 * (np.atleast_2d(x) - self.lo) / (self.hi - self.lo) - 1.0

    def log_hazard(self, x: np.ndarray) -> np.ndarray:
        """(n, n_keys) predicted log cumulative hazards at sampling-scale points ``x`` (n, d)."""
        return features(self.scaled(x)) @ self.coef


def _risk_to_log_h(events: np.ndarray, n: np.ndarray) -> np.ndarray:
    p = np.clip(
        events / np.maximum(n, 1.0), 0.5 / np.maximum(n, 1.0), 1.0 - 0.5 / np.maximum(n, 1.0)
    )
    return np.log(-np.log1p(-p))


def simulate_points(
    designs: list[Design],
    msc: tuple[Prior, ...],
    x: np.ndarray,
    *,
    replicates: int,
    seed: int,
    progress=None,
) -> tuple[tuple[tuple[str, str, str], ...], np.ndarray, np.ndarray]:
    """(keys, events, n) pooled over replicates at each point of ``x`` (n_points, d)."""
    keys = tuple((d.trial_id, d.outcome, side) for d in designs for side in ("treat", "ctrl"))
    ev = np.zeros((x.shape[0], len(keys)))
    nn = np.zeros_like(ev)
    for i, xi in enumerate(x):
        vals = {p.name: float(p.value(v)) for p, v in zip(msc, xi)}
        counts = virtual_counts(
            designs, replicates=replicates, seed=seed, param_draws=FixedDraw(vals), taus=NO_SPREAD
        )
        for j, (tid, outcome, side) in enumerate(keys):
            c = counts[(tid, outcome)]
            ev[i, j], nn[i, j] = c[f"events_{side}"].sum(), c[f"n_{side}"].sum()
        if progress is not None:
            progress(1)
    return keys, ev, nn


def fit_surrogate(
    designs: list[Design],
    msc: tuple[Prior, ...],
    *,
    points: int,
    replicates: int,
    seed: int,
    progress=None,
) -> Surrogate:
    """Simulate the design points and fit the quadratic (module docstring)."""
    lo = np.array([p.box()[0] for p in msc])
    hi = np.array([p.box()[1] for p in msc])
    u = qmc.Sobol(len(msc), scramble=True, seed=np.random.default_rng([seed, 7])).random(points)
    x = np.vstack([0.5 * (lo + hi), lo + u * (hi - lo)])
    keys, ev, nn = simulate_points(
        designs, msc, x, replicates=replicates, seed=seed, progress=progress
    )
    y = _risk_to_log_h(ev, nn)
    f = features(2.0 * (x - lo) / (hi - lo) - 1.0)
    coef, *_ = np.linalg.lstsq(f, y, rcond=None)
    hat = np.einsum("ij,ji->i", f, np.linalg.pinv(f))  # leverages
    loo = (y - f @ coef) / (1.0 - hat)[:, None]
    return Surrogate(
        names=tuple(p.name for p in msc),
        lo=lo,
        hi=hi,
        keys=keys,
        coef=coef,
        loo_rmse=np.sqrt(np.mean(loo**2, axis=0)),
        points=x,
        log_h=y,
    )
