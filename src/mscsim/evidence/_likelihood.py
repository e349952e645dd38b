"""Marginal likelihood of the published per-arm counts given the calibrated parameters.

Each trial's arms share one between-trial effect per outcome, ``u ~ N(mu, tau^2)`` on the
log cumulative hazard (``mu = mu_death`` for deaths, 0 for SAEs; ``tau = tau_death`` or
``tau_sae``), and one potency of its product, ``log10 potency = v ~ N(0, tau_potency^2)``.
Potency enters the model only through ``potency / EC50_msc`` (the biophase follows
``potency * Sl``), so ``v`` is a shift of ``log10 EC50_msc`` by ``-v`` in the surrogate (clipped
to its design box). Given ``u`` and ``v``, an arm's count is ``Binomial(n, 1 - exp(-H exp(u)))``
with ``H`` from the surrogate. ``u`` is integrated out per outcome and ``v`` per trial, on fixed
grids (+-6 SD and +-4 SD); trials are independent. Vectorized over walkers for emcee.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln, logsumexp
from scipy.stats import norm

from mscsim.evidence._priors import Prior
from mscsim.evidence._surrogate import Surrogate

_NODES = np.linspace(-6.0, 6.0, 61)
_LOGW = -0.5 * _NODES**2 - np.log(np.sum(np.exp(-0.5 * _NODES**2)))
_V = np.linspace(-4.0, 4.0, 17)
_LOGWV = -0.5 * _V**2 - np.log(np.sum(np.exp(-0.5 * _V**2)))


@dataclass(frozen=True)
class Observed:
    """Published counts aligned with the surrogate's keys; ``group`` indexes (trial, outcome)."""

    events: np.ndarray
    n: np.ndarray
    key_index: np.ndarray  # column of the surrogate for each count
    group: np.ndarray  # one group per (trial, outcome) (shared u)
    is_death: np.ndarray  # per group
    labels: tuple[tuple[str, str], ...]  # per group
    bio_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    bio_trial: tuple[str, ...] = ()  # trial label of each biomarker statistic

    @property
    def trial_names(self) -> list[str]:
        return sorted({t for t, _ in self.labels} | set(self.bio_trial))

    @property
    def trial_of_group(self) -> np.ndarray:
        """Trial index of each group (the groups of one trial share its product potency)."""
        names = self.trial_names
        return np.array([names.index(t) for t, _ in self.labels], dtype=int)

    @property
    def trial_of_bio(self) -> np.ndarray:
        names = self.trial_names
        return np.array([names.index(t) for t in self.bio_trial], dtype=int)


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
    # biomarker statistics of trials still in the data, under the trial's label
    label_of = {}
    for (tid, _), c in counts.items():
        label_of[tid] = str(c.get("shared_control") or tid)
    bio = [(b, label_of[k[0]]) for b, k in enumerate(sur.bio_keys) if k[0] in label_of]
    return Observed(
        np.array(ev),
        np.array(nn),
        np.array(idx, dtype=int),
        np.array(grp, dtype=int),
        np.array([o == "mortality" for _, o in labels]),
        tuple(labels),
        np.array([b for b, _ in bio], dtype=int),
        tuple(t for _, t in bio),
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

    def _group_loglik(self, log_h: np.ndarray, x: np.ndarray) -> np.ndarray:
        """(W, groups) log-likelihood of each group with ``u`` integrated out."""
        o = self.obs
        k = self.names.index
        death = o.is_death[o.group][None, :]
        mu = np.where(death, x[:, [k("mu_death")]], 0.0)
        tau = np.where(death, x[:, [k("tau_death")]], x[:, [k("tau_sae")]])
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
        return logsumexp(per_group + _LOGW[None, None, :], axis=2)

    def _trial_loglik(self, msc: np.ndarray, x: np.ndarray) -> np.ndarray:
        """(W, trials) log-likelihood of each trial's counts and biomarkers at MSC values."""
        o, sur = self.obs, self.sur
        n_trials = len(o.trial_names)
        t = np.zeros((x.shape[0], n_trials))
        g = self._group_loglik(sur.log_hazard(msc)[:, o.key_index], x)
        np.add.at(t, (slice(None), o.trial_of_group), g)  # type: ignore[arg-type]
        if o.bio_index.size:
            mean, sd = sur.biomarkers(msc)
            obs = sur.bio_observed[o.bio_index]
            lb = norm.logpdf(obs[None, :], mean[:, o.bio_index], sd[:, o.bio_index])
            np.add.at(t, (slice(None), o.trial_of_bio), lb)  # type: ignore[arg-type]
        return t

    def log_likelihood(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        sur = self.sur
        msc = x[:, : self.d_msc]
        names = self.names
        if "tau_potency_log10" not in names or "EC50_msc" not in sur.names:
            return self._trial_loglik(msc, x).sum(axis=1)
        tau_v = x[:, names.index("tau_potency_log10")]
        j = sur.names.index("EC50_msc")
        per_v = []
        for v in _V:
            shifted = msc.copy()
            shifted[:, j] = np.clip(msc[:, j] - tau_v * v, sur.lo[j], sur.hi[j])
            per_v.append(self._trial_loglik(shifted, x))
        stacked = np.stack(per_v, axis=2)  # (W, trials, V)
        return logsumexp(stacked + _LOGWV[None, None, :], axis=2).sum(axis=1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        lp = self.log_prior(x)
        out = np.full(x.shape[0], -np.inf)
        ok = np.isfinite(lp)
        if ok.any():
            out[ok] = lp[ok] + self.log_likelihood(x[ok])
        return out
