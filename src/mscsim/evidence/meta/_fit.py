"""Inverse-variance pooling (fixed effect and random effects) with heterogeneity statistics.

Given effects ``y_i`` with variances ``v_i`` and tau^2 from `_tau2`:

* weights ``w_i = 1/(v_i + tau^2)``, estimate ``mu = sum w_i y_i / sum w_i``,
  ``SE = (sum w_i)^{-1/2}``, Wald test and CI with the normal quantile;
* Hartung-Knapp-Sidik-Jonkman: ``SE_HK^2 = SE^2 * q``, ``q = sum w_i (y_i - mu)^2 / (k-1)``
  (not truncated at 1, as metafor ``test="knha"``), t(k-1) quantile;
* prediction interval ``mu -/+ crit * sqrt(SE^2 + tau^2)`` (crit: z, or t(k-1) with HKSJ);
* Cochran's ``Q = sum (y_i - mu_FE)^2 / v_i`` on k-1 df;
* I^2, H^2 as metafor: random effects ``I^2 = 100 tau^2 / (tau^2 + s^2)`` with the typical
  within-study variance ``s^2 = (k-1) / tr(P)`` (= (k-1) sum w / ((sum w)^2 - sum w^2),
  ``w = 1/v``), ``H^2 = tau^2 / s^2 + 1``; fixed effect ``I^2 = 100 max(0, (Q - df) / Q)``,
  ``H^2 = Q / df``.

References
----------
Higgins JPT, Thompson SG (2002). Stat Med 21:1539-1558 (I^2, H^2).
Hartung J, Knapp G (2001). Stat Med 20:3875-3889; Sidik K, Jonkman JN (2002). Stat Med
21:3153-3159 (HKSJ).
Riley RD, Higgins JPT, Deeks JJ (2011). BMJ 342:d549 (prediction interval).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mscsim.evidence.meta._dist import chi2_sf, norm_ppf, norm_sf, t_ppf, t_sf
from mscsim.evidence.meta._tau2 import Tau2Estimate, estimate_tau2


@dataclass(frozen=True)
class Heterogeneity:
    """Cochran's Q with its df and p, and I^2 (percent) / H^2."""

    q: float
    q_df: int
    q_p: float
    i2: float
    h2: float


@dataclass(frozen=True)
class PooledFit:
    """Kernel output of `fit_iv` (the public record is `MetaResult`)."""

    estimate: float
    se: float
    stat: float
    p: float
    df: int | None
    crit: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: Tau2Estimate
    het: Heterogeneity
    weights: np.ndarray
    notes: tuple[str, ...] = ()


def cochran_q(y: np.ndarray, v: np.ndarray, mu: float | None = None) -> float:
    """``Q = sum (y_i - mu)^2 / v_i`` around ``mu`` (default: the fixed-effect mean)."""
    w = 1.0 / v
    if mu is None:
        mu = float(np.sum(w * y) / np.sum(w))
    return max(0.0, float(np.sum(w * (y - mu) ** 2)))


def q_based(q: float, k: int) -> Heterogeneity:
    """Q-based heterogeneity (fixed-effect, MH and Peto models); k <= 1 gives Q = 0, p = 1."""
    df = k - 1
    if df < 1:
        return Heterogeneity(0.0, 0, 1.0, 0.0, 1.0)
    i2 = 0.0 if q <= 0 else max(0.0, 100.0 * (q - df) / q)
    return Heterogeneity(q, df, float(chi2_sf(q, df)), i2, q / df)


def _heterogeneity(y: np.ndarray, v: np.ndarray, tau2: float, fixed: bool) -> Heterogeneity:
    k = len(y)
    q = cochran_q(y, v)
    if fixed or k < 2:
        return q_based(q, k)
    w = 1.0 / v
    s2 = (k - 1) * np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2))
    return Heterogeneity(
        q,
        k - 1,
        float(chi2_sf(q, k - 1)),
        float(100 * tau2 / (tau2 + s2)),
        float(tau2 / s2 + 1),
    )


def fit_iv(
    y: np.ndarray, v: np.ndarray, method: str, *, hksj: bool = False, level: float = 0.95
) -> PooledFit:
    """Pool effects ``y`` (variances ``v``) by inverse variance.

    Parameters
    ----------
    y, v : ndarray of shape (k,)
        Effect sizes and sampling variances.
    method : {"FE", "DL", "REML", "PM", "ML"}
        Fixed effect or the random-effects tau^2 estimator.
    hksj : bool, default False
        Hartung-Knapp-Sidik-Jonkman standard error and t(k-1) reference distribution.
    level : float, default 0.95
        Confidence level of the CI and prediction interval.
    """
    k = len(y)
    notes: list[str] = []
    tau = Tau2Estimate(0.0, float("nan")) if method == "FE" else estimate_tau2(method, y, v)
    if not tau.converged:
        notes.append(f"{method} Fisher scoring did not converge in {tau.iterations} steps")
    w = 1.0 / (v + tau.tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    se = float(np.sqrt(1.0 / np.sum(w)))
    df: int | None = None
    if hksj and k >= 2:
        rss = float(np.sum(w * (y - mu) ** 2))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - 1)
        se *= np.sqrt(s2w)
        df = k - 1
    elif hksj:
        notes.append("k = 1: HKSJ needs two studies; normal-theory interval reported")
    alpha = 1.0 - level
    crit = float(t_ppf(1 - alpha / 2, df) if df else norm_ppf(1 - alpha / 2))
    stat = mu / se if se > 0 else float("nan")
    if df:
        p = float(2 * t_sf(abs(stat), df))
    else:
        p = float(2 * norm_sf(abs(stat)))
    pi_half = crit * np.sqrt(se**2 + tau.tau2)
    return PooledFit(
        estimate=mu,
        se=se,
        stat=float(stat),
        p=p,
        df=df,
        crit=crit,
        ci_low=mu - crit * se,
        ci_high=mu + crit * se,
        pi_low=float(mu - pi_half),
        pi_high=float(mu + pi_half),
        tau2=tau,
        het=_heterogeneity(y, v, tau.tau2, method == "FE"),
        weights=100 * w / np.sum(w),
        notes=tuple(notes),
    )
