"""Mixed-effects meta-regression (metafor ``rma(yi, vi, mods=...)``).

Model ``y = X beta + u + e``, ``u ~ N(0, tau^2)``, ``e_i ~ N(0, v_i)``. With ``W = diag(1/(v +
tau^2))``: ``beta = (X'WX)^{-1} X'W y``, ``Var(beta) = (X'WX)^{-1}`` (times
``s^2 = y'P y/(k - p)`` with HKSJ, t(k - p) reference). Residual heterogeneity
``Q_E = y'P(1/v) y`` on ``k - p`` df; omnibus ``Q_M = b' V^{-1} b`` over the non-intercept
coefficients (chi^2, or ``F = Q_M/m`` on (m, k - p) with HKSJ); ``I^2 = 100 tau^2/(tau^2 + s^2)``
with ``s^2 = (k - p)/tr P(1/v)``; ``R^2 = 100 max(0, (tau^2_0 - tau^2)/tau^2_0)`` against the
intercept-only model.

Reference: Viechtbauer W (2010), J Stat Softw 36(3); Knapp G, Hartung J (2003), Stat Med
22:2693-2710.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mscsim._errors import InputError
from mscsim.evidence.meta._dist import chi2_sf, f_sf, norm_ppf, norm_sf, t_ppf, t_sf
from mscsim.evidence.meta._result import num
from mscsim.evidence.meta._tau2 import estimate_tau2, project


@dataclass(frozen=True)
class MetaRegression:
    """Coefficients (``names``), their SE/test/CI, tau^2 and heterogeneity of a meta-regression."""

    names: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    stat: np.ndarray
    p: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: int | None
    method: str
    hksj: bool
    tau2: float
    tau2_se: float
    i2: float
    h2: float
    r2: float
    qe: float
    qe_df: int
    qe_p: float
    qm: float
    qm_df: tuple[int, ...]
    qm_p: float

    def to_dict(self) -> dict[str, Any]:
        """JSON view: one entry per coefficient plus the model-level statistics."""
        coefs = [
            {
                "name": n,
                "estimate": num(b),
                "se": num(s),
                "stat": num(t),
                "p": num(p),
                "ci_low": num(lo),
                "ci_high": num(hi),
            }
            for n, b, s, t, p, lo, hi in zip(
                self.names,
                self.coef,
                self.se,
                self.stat,
                self.p,
                self.ci_low,
                self.ci_high,
                strict=True,
            )
        ]
        return {
            "method": self.method,
            "hksj": self.hksj,
            "df": self.df,
            "coefficients": coefs,
            "tau2": num(self.tau2),
            "tau2_se": num(self.tau2_se),
            "i2": num(self.i2),
            "h2": num(self.h2),
            "r2": num(self.r2),
            "qe": num(self.qe),
            "qe_df": self.qe_df,
            "qe_p": num(self.qe_p),
            "qm": num(self.qm),
            "qm_df": list(self.qm_df),
            "qm_p": num(self.qm_p),
        }


def meta_regression(
    y: np.ndarray,
    v: np.ndarray,
    X: np.ndarray,
    *,
    names: Sequence[str] | None = None,
    method: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
) -> MetaRegression:
    """Fit a (mixed-effects) meta-regression of ``y`` on the columns of ``X``.

    ``X`` must include the intercept column if one is wanted (the first column is taken
    as the intercept and left out of the omnibus test when it is constant).
    """
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    k, p = X.shape
    if k <= p:
        raise InputError("data", f"more studies than coefficients ({p})", got=k)
    names = tuple(names) if names is not None else tuple(f"x{j}" for j in range(p))
    tau = estimate_tau2(method, y, v, X)
    w = 1.0 / (v + tau.tau2)
    XtWX_inv = np.linalg.inv(X.T @ (X * w[:, None]))
    coef = XtWX_inv @ X.T @ (w * y)
    vb = XtWX_inv
    df = None
    if hksj:
        rss = float(np.sum(w * (y - X @ coef) ** 2))
        vb = vb * (0.0 if rss <= np.finfo(float).eps else rss / (k - p))
        df = k - p
    se = np.sqrt(np.diag(vb))
    stat = coef / se
    alpha = 1.0 - level
    if df:
        pv, crit = 2 * t_sf(np.abs(stat), df), t_ppf(1 - alpha / 2, df)
    else:
        pv, crit = 2 * norm_sf(np.abs(stat)), norm_ppf(1 - alpha / 2)
    p_fe = project(1.0 / v, X, y)
    qe = max(0.0, p_fe.ypy)
    s2 = (k - p) / p_fe.trace
    i2 = 100 * tau.tau2 / (s2 + tau.tau2) if method != "FE" else max(0.0, 100 * (qe - (k - p)) / qe)
    h2 = tau.tau2 / s2 + 1 if method != "FE" else qe / (k - p)
    has_int = bool(np.allclose(X[:, 0], X[0, 0]))
    idx = np.arange(1 if has_int else 0, p)
    if idx.size:
        b, V = coef[idx], vb[np.ix_(idx, idx)]
        qm = float(b @ np.linalg.solve(V, b))
        if df:
            qm /= idx.size
            qm_df, qm_p = (int(idx.size), df), float(f_sf(qm, idx.size, df))
        else:
            qm_df, qm_p = (int(idx.size),), float(chi2_sf(qm, idx.size))
    else:
        qm, qm_df, qm_p = float("nan"), (0,), float("nan")
    r2 = float("nan")
    if has_int and p > 1 and method != "FE":
        tau0 = estimate_tau2(method, y, v, X[:, :1]).tau2
        r2 = 100 * max(0.0, (tau0 - tau.tau2) / tau0) if tau0 > 0 else 0.0
    return MetaRegression(
        names=names,
        coef=coef,
        se=se,
        stat=stat,
        p=np.asarray(pv),
        ci_low=coef - crit * se,
        ci_high=coef + crit * se,
        df=df,
        method=method,
        hksj=bool(hksj),
        tau2=tau.tau2,
        tau2_se=tau.se,
        i2=float(i2),
        h2=float(h2),
        r2=float(r2),
        qe=qe,
        qe_df=k - p,
        qe_p=float(chi2_sf(qe, k - p)),
        qm=qm,
        qm_df=qm_df,
        qm_p=qm_p,
    )
