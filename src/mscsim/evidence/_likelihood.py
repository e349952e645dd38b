"""Marginal likelihood of the published per-arm counts given the calibrated parameters.

Each trial's arms share one between-trial effect per outcome, ``u ~ N(mu, tau^2)`` on the
log cumulative hazard (``mu = mu_death`` for deaths, 0 for SAEs; ``tau = tau_death`` or
``tau_sae``). Given ``u``, an arm's count is ``Binomial(n, 1 - exp(-H exp(u)))`` with ``H``
from the surrogate. The trial's likelihood integrates ``u`` out on a fixed grid (trapezoid
over +-6 SD); trials are independent. Vectorized over walkers for emcee.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, logsumexp

from mscsim.evidence._priors import Prior
from mscsim.evidence._surrogate import Surrogate

_NODES = np.linspace(-6.0, 6.0, 121)
_LOGW = -0.5 * _NODES**2 - np.log(np.sum(np.exp(-0.5 * _NODES**2)))


@dataclass(frozen=True)
class Observed:
    """Published counts aligned with the surrogate's keys; ``group`` indexes (trial, outcome)."""

    events: np.ndarray
    n: np.ndarray
    key_index: np.ndarray  # column of the surrogate for each count
    group: np.ndarray  # one group per (trial, outcome) (shared u)
    is_death: np.ndarray  # per group
    labels: tuple[tuple[str, str], ...]  # per group


def observed_counts(sur: Surrogate, counts: dict[tuple[str, str], dict[str, float]]) -> Observed:
    """Counts ``{(trial id, outcome): {events_treat, n_treat, events_ctrl, n_ctrl}}`` aligned.

    Comparisons sharing a control group (same trial id prefix and equal control counts) are
    entered with the control arm once: each count enters the likelihood exactly once.
    """
    labels: list[tuple[str, str]] = []
    ev, nn, idx, grp = [], [], [], []
    seen_ctrl: dict[tuple[object, str, float, float], int] = {}
    for j, (tid, outcome, side) in enumerate(sur.keys):
        c = counts.get((tid, outcome))
        if c is None:
            continue
        e, n = float(c[f"events_{side}"]), float(c[f"n_{side}"])
        shared = c.get("shared_control")
        if side == "ctrl" and shared:
            if (shared, outcome, e, n) in seen_ctrl:
                continue
            seen_ctrl[(shared, outcome, e, n)] = len(labels)
        label = (str(shared) if shared else tid, outcome)
        if label not in labels:
            labels.append(label)
        ev.append(e)
        nn.append(n)
        idx.append(j)
        grp.append(labels.index(label))
    return Observed(
        np.array(ev),
        np.array(nn),
        np.array(idx, dtype=int),
        np.array(grp, dtype=int),
        np.array([o == "mortality" for _, o in labels]),
        tuple(labels),
    )


class LogPosterior:
    """log prior + log marginal likelihood, for an array of parameter vectors (W, d)."""

    def __init__(self, sur: Surrogate, obs: Observed, priors: tuple[Prior, ...]):
        self.sur, self.obs, self.priors = sur, obs, priors
        self.d_msc = len(sur.names)
        self.names = tuple(p.name for p in priors)
        self._lbinom = (
            gammaln(obs.n + 1) - gammaln(obs.events + 1) - gammaln(obs.n - obs.events + 1)
        )

    def log_prior(self, x: np.ndarray) -> np.ndarray:
        return np.array([sum(p.logpdf(float(v)) for p, v in zip(self.priors, row)) for row in x])

    def log_likelihood(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        o = self.obs
        log_h = self.sur.log_hazard(x[:, : self.d_msc])[:, o.key_index]  # (W, m)
        k = self.names.index
        mu = np.where(o.is_death[o.group][None, :], x[:, [k("mu_death")]], 0.0)
        tau = np.where(o.is_death[o.group][None, :], x[:, [k("tau_death")]], x[:, [k("tau_sae")]])
        # (W, m, nodes): log cumulative hazard of each count at each node
        lh = log_h[:, :, None] + mu[:, :, None] + tau[:, :, None] * _NODES[None, None, :]
        h = np.exp(lh)
        log_p = np.log(-np.expm1(-np.maximum(h, 1e-300)))
        ll = (
            self._lbinom[None, :, None]
            + o.events[None, :, None] * log_p
            - (o.n - o.events)[None, :, None] * h
        )
        n_groups = int(o.group.max()) + 1
        per_group = np.zeros((x.shape[0], n_groups, _NODES.size))
        np.add.at(per_group, (slice(None), o.group, slice(None)), ll)  # type: ignore[arg-type]
        return logsumexp(per_group + _LOGW[None, None, :], axis=2).sum(axis=1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        lp = self.log_prior(x)
        out = np.full(x.shape[0], -np.inf)
        ok = np.isfinite(lp)
        if ok.any():
            out[ok] = lp[ok] + self.log_likelihood(x[ok])
        return out
