"""Marginal likelihood of the published per-arm counts given the calibrated parameters.

Each trial's arms share one between-trial effect per outcome, ``u ~ N(mu, tau^2)`` on the
log cumulative hazard (``mu = mu_death`` for deaths, 0 for SAEs; ``tau = tau_death`` or
``tau_sae``), and one effect of its product (``SHIFTS``): with ``tau_efficacy_log10`` the
log10 maximal MSC effects (``Emax_kgf``, ``Imax_tsg``) move together by ``v ~ N(0, tau^2)``;
with ``tau_potency_log10`` the potency does, which the model sees only through
``potency / EC50_msc`` (the biophase follows ``potency * Sl``), i.e. as ``log10 EC50_msc - v``.
Shifted values are clipped to the surrogate's design box. Given ``u`` and ``v``, an arm's count
is ``Binomial(n, 1 - exp(-H exp(u)))`` with ``H`` from the surrogate; published per-arm
statistics (biomarker changes, median times to improvement) are normal around the surrogate's
prediction. ``u`` is integrated out per outcome and ``v`` per trial, on fixed grids (+-6 SD and
+-4 SD); trials are independent. Vectorized over walkers for emcee.
"""

from __future__ import annotations

import itertools
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
_V2 = np.linspace(-3.0, 3.0, 7)  # two product effects: a coarser product grid
_LOGWV2 = -0.5 * _V2**2 - np.log(np.sum(np.exp(-0.5 * _V2**2)))

#: Between-trial effects of the infused product, as shifts of the surrogate's log10 dimensions
#: per unit of a standard normal: potency acts as 1 / EC50_msc (the biophase follows
#: potency * Sl); efficacy scales the maximal MSC effects.
SHIFTS: dict[str, dict[str, float]] = {
    "tau_potency_log10": {"EC50_msc": -1.0},
    "tau_efficacy_log10": {"Emax_kgf": 1.0, "Imax_tsg": 1.0},
}


@dataclass(frozen=True)
class Observed:
    """Published counts aligned with the surrogate's keys; ``group`` indexes (trial, outcome)."""

    events: np.ndarray
    n: np.ndarray
    key_index: np.ndarray  # column of the surrogate for each count
    group: np.ndarray  # one group per (trial, outcome) (shared u)
    is_death: np.ndarray  # per group
    labels: tuple[tuple[str, str], ...]  # per group
    stat_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    stat_trial: tuple[str, ...] = ()  # trial label of each statistic

    @property
    def trial_names(self) -> list[str]:
        return sorted({t for t, _ in self.labels} | set(self.stat_trial))

    @property
    def trial_of_group(self) -> np.ndarray:
        """Trial index of each group (the groups of one trial share its product potency)."""
        names = self.trial_names
        return np.array([names.index(t) for t, _ in self.labels], dtype=int)

    @property
    def trial_of_stat(self) -> np.ndarray:
        names = self.trial_names
        return np.array([names.index(t) for t in self.stat_trial], dtype=int)


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
    # statistics of trials still in the data, under the trial's label
    label_of = {}
    for (tid, _), c in counts.items():
        label_of[tid] = str(c.get("shared_control") or tid)
    stats = [(b, label_of[k[0]]) for b, k in enumerate(sur.stat_keys) if k[0] in label_of]
    return Observed(
        np.array(ev),
        np.array(nn),
        np.array(idx, dtype=int),
        np.array(grp, dtype=int),
        np.array([o == "mortality" for _, o in labels]),
        tuple(labels),
        np.array([b for b, _ in stats], dtype=int),
        tuple(t for _, t in stats),
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
        # fixed per data set: computed once, not on every evaluation and grid node
        self._n_trials = len(obs.trial_names)
        self._trial_of_group = obs.trial_of_group
        self._trial_of_stat = obs.trial_of_stat
        self._shifts = [n for n in SHIFTS if n in self.names and set(SHIFTS[n]) <= set(sur.names)]

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
        t = np.zeros((x.shape[0], self._n_trials))
        g = self._group_loglik(sur.log_hazard(msc)[:, o.key_index], x)
        np.add.at(t, (slice(None), self._trial_of_group), g)  # type: ignore[arg-type]
        if o.stat_index.size:
            mean, sd = sur.statistics(msc)
            obs = sur.stat_observed[o.stat_index]
            lb = norm.logpdf(obs[None, :], mean[:, o.stat_index], sd[:, o.stat_index])
            np.add.at(t, (slice(None), self._trial_of_stat), lb)  # type: ignore[arg-type]
        return t

    def log_likelihood(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        sur = self.sur
        msc = x[:, : self.d_msc]
        active = self._shifts
        if not active:
            return self._trial_loglik(msc, x).sum(axis=1)
        nodes = _V if len(active) == 1 else _V2
        logw = _LOGWV if len(active) == 1 else _LOGWV2
        per_v = []
        for combo in itertools.product(range(nodes.size), repeat=len(active)):
            shifted = msc.copy()
            for name, i in zip(active, combo):
                tau = x[:, self.names.index(name)]
                for dim, sign in SHIFTS[name].items():
                    j = sur.names.index(dim)
                    shifted[:, j] = shifted[:, j] + sign * tau * nodes[i]
            shifted = np.clip(shifted, sur.lo, sur.hi)
            w = sum(logw[i] for i in combo)
            per_v.append(self._trial_loglik(shifted, x) + w)
        stacked = np.stack(per_v, axis=2)  # (W, trials, nodes)
        return logsumexp(stacked, axis=2).sum(axis=1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        lp = self.log_prior(x)
        out = np.full(x.shape[0], -np.inf)
        ok = np.isfinite(lp)
        if ok.any():
            out[ok] = lp[ok] + self.log_likelihood(x[ok])
        return out
