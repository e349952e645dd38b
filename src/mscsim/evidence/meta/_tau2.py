"""Between-study variance (tau^2) estimators, written for a design matrix ``X`` (k x p).

All follow metafor ``rma.uni`` (Viechtbauer 2005, 2010). With ``W = diag(w)`` and
``P(w) = W - W X (X'W X)^{-1} X'W`` (through `project`, never formed: memory is O(k)):

* HE (Hedges): ``(y'P0 y - tr(P0 V)) / (k - p)`` with ``P0 = I - X(X'X)^{-1}X'``; it is the
  starting value of the Fisher scoring below.
* DL (DerSimonian & Laird 1986): ``(Q_E - (k - p)) / tr(P(1/v))``.
* PM (Paule & Mandel 1982): the root of ``Q(tau^2) = y'P(1/(v + tau^2)) y = k - p``.
* ML / REML: Fisher scoring ``tau^2 += (y'PPy - sum w) / sum w^2`` (ML) or
  ``(y'PPy - tr P) / tr(PP)`` (REML), from the HE value, with step halving at 0, stopping
  when the change is below ``threshold`` (metafor default 1e-5), followed by metafor's check
  that the likelihood at tau^2 = 0 is not larger.

Every estimate is truncated at 0.

References
----------
DerSimonian R, Laird N (1986). Control Clin Trials 7:177-188.
Paule RC, Mandel J (1982). J Res Natl Bur Stand 87:377-385.
Viechtbauer W (2005). J Educ Behav Stat 30:261-293.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: metafor ``control`` defaults: Fisher-scoring threshold, iteration cap, ll0check tolerance.
THRESHOLD = 1e-5
MAXITER = 100
LL_TOL = np.finfo(float).eps ** 0.25


@dataclass(frozen=True)
class Tau2Estimate:
    """A tau^2 estimate with its standard error (NaN where metafor gives none)."""

    tau2: float
    se: float
    iterations: int = 0
    converged: bool = True


def _design(k: int, X: np.ndarray | None) -> np.ndarray:
    return np.ones((k, 1)) if X is None else np.asarray(X, dtype=float).reshape(k, -1)


@dataclass(frozen=True)
class Projected:
    """What the estimators need of ``P = W - W X (X'WX)^{-1} X'W``, in O(k p^2) time and
    O(k p) memory (P itself, k x k, is never formed).

    ``Py`` (vector), ``ypy = y'Py``, ``trace = tr P`` and ``trace_pp = tr(PP) = sum(P * P)``.
    With ``A = X'WX`` and ``B_j = X'W^j X``: ``Py = w (y - X beta)``, ``tr P = sum w -
    tr(A^-1 B_2)``, ``tr PP = sum w^2 - 2 tr(A^-1 B_3) + tr((A^-1 B_2)^2)``.
    """

    Py: np.ndarray
    ypy: float
    trace: float
    trace_pp: float


def project(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> Projected:
    """`Projected` quantities of ``P(w)`` for design ``X`` and effects ``y``."""
    WX = X * w[:, None]
    A = X.T @ WX
    beta = np.linalg.solve(A, WX.T @ y)
    Py = w * (y - X @ beta)
    A_b2 = np.linalg.solve(A, WX.T @ WX)
    A_b3 = np.linalg.solve(A, WX.T @ (WX * w[:, None]))
    trace = float(np.sum(w) - np.trace(A_b2))
    trace_pp = float(np.sum(w * w) - 2 * np.trace(A_b3) + np.sum(A_b2 * A_b2.T))
    return Projected(Py, float(y @ Py), trace, trace_pp)


def tau2_he(y: np.ndarray, v: np.ndarray, X: np.ndarray | None = None) -> float:
    """Hedges' (HE) estimator, untruncated (metafor uses it as the Fisher-scoring start)."""
    X = _design(len(y), X)
    k, p = X.shape
    # P0 = I - X (X'X)^-1 X' (never formed): y'P0y is the OLS residual sum of squares and
    # tr(P0 V) = sum v - tr((X'X)^-1 X'VX)
    XtX = X.T @ X
    resid = y - X @ np.linalg.solve(XtX, X.T @ y)
    tr_p0v = float(np.sum(v) - np.trace(np.linalg.solve(XtX, X.T @ (X * v[:, None]))))
    return float((resid @ resid - tr_p0v) / (k - p))


def tau2_dl(y: np.ndarray, v: np.ndarray, X: np.ndarray | None = None) -> Tau2Estimate:
    """DerSimonian-Laird moment estimator."""
    X = _design(len(y), X)
    k, p = X.shape
    pr = project(1.0 / v, X, y)
    tr_p = pr.trace
    tau2 = max(0.0, float((pr.ypy - (k - p)) / tr_p))
    se = np.sqrt(1 / tr_p**2 * (2 * (k - p) + 4 * tau2 * tr_p + 2 * tau2**2 * pr.trace_pp))
    return Tau2Estimate(tau2, float(se))


def q_generalised(tau2: float, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """Generalised Q statistic ``y'P(1/(v + tau^2))y``."""
    return project(1.0 / (v + tau2), X, y).ypy


def tau2_pm(y: np.ndarray, v: np.ndarray, X: np.ndarray | None = None) -> Tau2Estimate:
    """Paule-Mandel estimator: root of ``Q(tau^2) = k - p`` (0 if ``Q(0) < k - p``)."""
    X = _design(len(y), X)
    k, p = X.shape
    target = k - p
    if q_generalised(0.0, y, v, X) <= target:
        tau2 = 0.0
    else:
        hi = max(1.0, 10 * float(np.var(y)))
        while q_generalised(hi, y, v, X) > target:
            hi *= 10
        from scipy.optimize import brentq  # ~0.1 s to import: only for this estimator

        tau2 = brentq(lambda t: q_generalised(t, y, v, X) - target, 0.0, hi, xtol=1e-12)
    w = 1.0 / (v + tau2)
    se = np.sqrt(2 * k**2 / (k - p) / np.sum(w) ** 2)
    return Tau2Estimate(float(tau2), float(se))


def _loglik(tau2: float, y: np.ndarray, v: np.ndarray, X: np.ndarray, reml: bool) -> float:
    w = 1.0 / (v + tau2)
    XtWX = X.T @ (X * w[:, None])
    beta = np.linalg.solve(XtWX, X.T @ (w * y))
    rss = float(np.sum(w * (y - X @ beta) ** 2))
    k, p = X.shape
    ll = -0.5 * np.sum(np.log(v + tau2)) - 0.5 * rss
    if reml:
        return float(ll - 0.5 * (k - p) * np.log(2 * np.pi) - 0.5 * np.linalg.slogdet(XtWX)[1])
    return float(ll - 0.5 * k * np.log(2 * np.pi))


def tau2_likelihood(
    y: np.ndarray,
    v: np.ndarray,
    X: np.ndarray | None = None,
    *,
    reml: bool = True,
    threshold: float = THRESHOLD,
    maxiter: int = MAXITER,
) -> Tau2Estimate:
    """ML (``reml=False``) or REML estimator by metafor's Fisher scoring."""
    X = _design(len(y), X)
    tau2 = max(0.0, tau2_he(y, v, X))
    change, it, conv = threshold + 1.0, 0, True
    while change > threshold:
        it += 1
        w = 1.0 / (v + tau2)
        pr = project(w, X, y)
        Py = pr.Py
        if reml:
            adj = (Py @ Py - pr.trace) / pr.trace_pp
        else:
            adj = (Py @ Py - np.sum(w)) / np.sum(w**2)
        while tau2 + adj < 0:
            adj /= 2
        old, tau2 = tau2, float(tau2 + adj)
        change = abs(old - tau2)
        if it > maxiter:
            conv = False
            break
    if (
        conv
        and _loglik(0.0, y, v, X, reml) - _loglik(tau2, y, v, X, reml) > LL_TOL
        and tau2 > threshold
    ):
        tau2 = 0.0
    w = 1.0 / (v + tau2)
    if reml:
        se = np.sqrt(2 / project(w, X, y).trace_pp)
    else:
        se = np.sqrt(2 / np.sum(w**2))
    return Tau2Estimate(max(0.0, tau2), float(se), iterations=it, converged=conv)


def estimate_tau2(
    method: str, y: np.ndarray, v: np.ndarray, X: np.ndarray | None = None
) -> Tau2Estimate:
    """Dispatch on ``method`` (FE/MH/PETO give tau^2 = 0)."""
    if len(y) - _design(len(y), X).shape[1] < 1:
        return Tau2Estimate(0.0, float("nan"))
    if method == "DL":
        return tau2_dl(y, v, X)
    if method == "PM":
        return tau2_pm(y, v, X)
    if method in ("REML", "ML"):
        return tau2_likelihood(y, v, X, reml=method == "REML")
    return Tau2Estimate(0.0, float("nan"))
