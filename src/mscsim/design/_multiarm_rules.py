r"""The sequential part of a multi-arm adaptive trial, on potential outcomes (pure numpy).

Arrays have a leading arm axis ``J`` (control first, then the active arms), then replicate
``R`` and enrollment position ``N``: ``y[j, r, i]`` is the outcome patient ``i`` of replicate
``r`` would have under arm ``j``. Patients enroll in batches between looks; each patient is
randomized with the allocation probabilities of the last look (complete randomization with a
per-patient uniform from the stream ``(seed, STREAM_ALLOCATION, replicate)``), and the look
after :math:`n_k` patients analyses every active arm against the control on the patients
enrolled so far, each followed up fully (as in :mod:`mscsim.design._looks`).

Per arm and look: z (positive favours the arm), estimate and SE from
:func:`mscsim.design._looks.pair_statistic`. The trial stops for efficacy at the first look
where an arm crosses its efficacy rule (the arm declared effective with the largest z is
*selected*); arms that meet the futility rule at an interim look are dropped (and, with
``keep_best``, all but the best at the first interim look); the trial stops when no active arm
is left, or at the last look.

Response-adaptive randomization (Thall & Wathen 2007, *Eur J Cancer* 43:859): the control keeps
its share; the active arms share the rest in proportion to :math:`P(\text{arm is best})^c`,
each at least ``min_share``. :math:`P(\text{best})` is computed under independent normal
approximations :math:`N(\hat\theta_j, \hat s_j^2)` of the benefit-signed effects by
Gauss-Hermite quadrature, :math:`P_j = \int \phi_j(x) \prod_{i \ne j} \Phi((x-\hat\theta_i)/
\hat s_i)\,dx` (no random draws).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from mscsim.design._looks import posterior_benefit

STREAM_ALLOCATION = 41
_GH_T, _GH_W = np.polynomial.hermite.hermgauss(64)


@dataclass(frozen=True)
class ArmRules:
    """What the design decides at each look, as arrays (one value per look)."""

    efficacy: np.ndarray  # z (group-sequential) or posterior probability (Bayesian) thresholds
    futility: np.ndarray  # drop an arm at or below this (interim looks; -inf: never)
    bayesian: bool = False
    prior_mean: float = 0.0
    prior_sd: float | None = None
    keep_best: int | None = None
    response_adaptive: bool = False
    rar_power: float = 0.5
    min_share: float = 0.05
    control_share: float | None = None


@dataclass(frozen=True)
class MultiArmPaths:
    """Per replicate: the stopping look, success, the selected arm and the arms' histories."""

    stop: np.ndarray  # (R,) look index at which the trial stopped
    success: np.ndarray  # (R,) an arm was declared effective
    selected: np.ndarray  # (R,) active arm index 1..m declared effective with largest z, or 0
    declared: np.ndarray  # (R, J) arm declared effective
    dropped: np.ndarray  # (R, J) arm dropped before the trial ended
    assigned: np.ndarray  # (R, N) arm index per enrollment position (valid before the stop)
    z: np.ndarray  # (R, K, J) z of each active arm vs control (nan: not analysed)
    estimate: np.ndarray  # (R, K, J)
    se: np.ndarray  # (R, K, J)
    share: np.ndarray  # (R, K, J) allocation probabilities used for the batch before look k
    undefined: int  # analyses (arm x look) whose statistic was undefined (no events)


def allocation_uniforms(seed: int, replicates, n: int) -> np.ndarray:
    """(R, N) uniforms of the per-replicate allocation streams."""
    return np.stack(
        [
            np.random.default_rng(np.random.SeedSequence([seed, STREAM_ALLOCATION, int(r)])).random(
                n
            )
            for r in replicates
        ]
    )


def prob_best(theta: np.ndarray, s: np.ndarray, active: np.ndarray) -> np.ndarray:
    """P(each active arm has the largest effect), rows of independent normals.

    ``theta``, ``s`` and ``active`` have shape (R, m); inactive arms get 0. An arm with an
    undefined estimate counts as N(0, inf): every active arm then shares equally.
    """
    r, m = theta.shape
    ok = active & np.isfinite(theta) & np.isfinite(s) & (s > 0)
    th = np.where(ok, theta, 0.0)
    sd = np.where(ok, s, 1.0)
    x = th[:, :, None] + sd[:, :, None] * np.sqrt(2) * _GH_T[None, None, :]  # (R, m, Q)
    cdf = ndtr((x[:, :, None, :] - th[:, None, :, None]) / sd[:, None, :, None])  # (R,m,m,Q)
    other = ok[:, None, :, None] & ~np.eye(m, dtype=bool)[None, :, :, None]
    cdf = np.where(other, cdf, 1.0)
    p = (cdf.prod(axis=2) * _GH_W).sum(axis=-1) / np.sqrt(np.pi)
    p = np.where(ok, p, 0.0)
    undefined = (active & ~ok).any(axis=1) | ~ok.any(axis=1)
    p[undefined] = np.where(active[undefined], 1.0, 0.0)
    tot = p.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, p / tot, 0.0)


def _allocation(base: np.ndarray, active: np.ndarray, rules: ArmRules, pbest) -> np.ndarray:
    """(R, J) allocation probabilities for the next batch.

    Fixed randomization: the base ratios among the control and the arms still in the trial
    (or the stated control share, the rest by ratio). Response-adaptive: the control keeps
    its share (stated, or its base ratio), active arms share the rest by P(best)^c.
    """
    ratio = np.where(active, base[None, :], 0.0)
    if not rules.response_adaptive and rules.control_share is None:
        return ratio / ratio.sum(axis=1, keepdims=True)
    ctrl = base[0] / base.sum() if rules.control_share is None else rules.control_share
    w = ratio[:, 1:]
    if rules.response_adaptive and pbest is not None:
        w = np.where(active[:, 1:], pbest**rules.rar_power, 0.0)
    tot = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(tot > 0, w / tot, 0.0)
    if rules.response_adaptive:  # floor of min_share of all patients per active arm
        on = active[:, 1:]
        k = np.maximum(on.sum(axis=1, keepdims=True), 1)
        floor = np.minimum(rules.min_share / (1 - ctrl), 1 / k)
        for _ in range(on.shape[1]):  # raise arms to the floor, rescale the others
            low = on & (share < floor - 1e-15)
            rest = np.where(on & ~low, share, 0.0)
            room = 1 - (low * floor).sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                scale = np.where(
                    rest.sum(1, keepdims=True) > 0, room / rest.sum(1, keepdims=True), 0
                )
            share = np.where(low, floor, rest * scale)
    out = np.concatenate([np.full((share.shape[0], 1), ctrl), (1 - ctrl) * share], axis=1)
    return out / out.sum(axis=1, keepdims=True)


def run_paths(
    statistic, y, event, sizes, base, rules: ArmRules, u: np.ndarray, benefit: float
) -> MultiArmPaths:
    """Simulate the sequential trial of every replicate.

    ``statistic(sel, group, y_obs, event_obs) -> (z, estimate, se)`` compares ``group == 1``
    with ``group == 0`` among ``sel`` (arrays (R, N) -> (R,)); ``base`` (J,) are the initial
    allocation ratios; ``u`` (R, N) the allocation uniforms.
    """
    j_arms, r, n = y.shape
    k_looks = len(sizes)
    rows = np.arange(r)[:, None]
    pos = np.arange(n)[None, :]
    active = np.ones((r, j_arms), dtype=bool)
    running = np.ones(r, dtype=bool)
    stop = np.full(r, k_looks - 1)
    success = np.zeros(r, dtype=bool)
    selected = np.zeros(r, dtype=int)
    declared = np.zeros((r, j_arms), dtype=bool)
    assigned = np.zeros((r, n), dtype=int)
    z, est, se = (np.full((r, k_looks, j_arms), np.nan) for _ in range(3))
    share = np.zeros((r, k_looks, j_arms))
    alloc = _allocation(np.asarray(base, float), active, rules, None)
    lo, undefined = 0, 0
    for k, hi in enumerate(sizes):
        share[:, k] = alloc
        cum = np.cumsum(alloc, axis=1)
        cum[:, -1] = 1.0
        batch = u[:, lo:hi, None] >= cum[:, None, :]
        assigned[:, lo:hi] = np.minimum(batch.sum(axis=-1), j_arms - 1)
        lo = hi
        a = assigned
        y_obs = y[a, rows, pos]
        e_obs = None if event is None else event[a, rows, pos]
        for j in range(1, j_arms):
            sel = (pos < hi) & ((a == 0) | (a == j)) & (running & active[:, j])[:, None]
            zz, ee, ss = statistic(sel, (a == j).astype(int), y_obs, e_obs)
            on = running & active[:, j]
            z[on, k, j], est[on, k, j], se[on, k, j] = zz[on], ee[on], ss[on]
            undefined += int(np.isnan(zz[on]).sum())
        zk, last = z[:, k, 1:], k == k_looks - 1
        if rules.bayesian:
            score = posterior_benefit(
                est[:, k, 1:], se[:, k, 1:], benefit, rules.prior_mean, rules.prior_sd
            )
        else:
            score = zk
        score = np.where(np.isfinite(score), score, np.nan)
        with np.errstate(invalid="ignore"):
            cross = active[:, 1:] & (score >= rules.efficacy[k]) & running[:, None]
            futile = active[:, 1:] & (score <= rules.futility[k]) & running[:, None]
        win = cross.any(axis=1)
        zsel = np.where(cross, np.nan_to_num(zk, nan=-np.inf), -np.inf)
        selected[win] = 1 + np.argmax(zsel[win], axis=1)
        declared[win, 1:] = cross[win]
        success |= win
        stop[win] = k
        running &= ~win
        if last:
            break
        active[running, 1:] &= ~futile[running]
        if rules.keep_best is not None and k == 0:
            ranked = np.where(active[:, 1:], np.nan_to_num(zk, nan=-np.inf), -np.inf)
            order = np.argsort(-ranked, axis=1, kind="stable")
            keep = np.zeros_like(ranked, dtype=bool)
            np.put_along_axis(keep, order[:, : rules.keep_best], True, axis=1)
            active[running, 1:] &= keep[running]
        empty = running & ~active[:, 1:].any(axis=1)
        stop[empty] = k
        running &= ~empty
        pbest = None
        if rules.response_adaptive:
            pbest = prob_best(benefit * est[:, k, 1:], se[:, k, 1:], active[:, 1:])
        alloc = np.where(
            running[:, None], _allocation(np.asarray(base, float), active, rules, pbest), alloc
        )
    dropped = ~active
    dropped[:, 0] = False
    return MultiArmPaths(
        stop, success, selected, declared, dropped, assigned, z, est, se, share, undefined
    )
