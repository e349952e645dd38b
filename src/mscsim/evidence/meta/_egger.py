"""Egger's regression test for funnel-plot asymmetry (metafor ``regtest``).

``model="rma"`` (metafor's default): the fitted model is refitted as a meta-regression on the
standard error, ``y_i = b0 + b1 SE_i + u_i + e_i``, with the same tau^2 estimator and test
(z, or t(k-2) with HKSJ); the test of ``b1 = 0`` is the asymmetry test and ``b0`` is the
"limit estimate" (the effect of an infinitely precise study).
``model="lm"``: Egger et al.'s weighted least squares ``lm(y ~ SE, weights = 1/v)`` with the
residual variance estimated, t(k-2) test.

References
----------
Egger M, Davey Smith G, Schneider M, Minder C (1997). BMJ 315:629-634.
Sterne JAC, Egger M (2005). In: Publication Bias in Meta-Analysis, Wiley, ch. 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from mscsim._errors import InputError
from mscsim.evidence.meta._dist import t_ppf, t_sf
from mscsim.evidence.meta._metareg import meta_regression
from mscsim.evidence.meta._result import MetaResult, num


@dataclass(frozen=True)
class EggerResult:
    """Egger's test: statistic for the SE slope, its df (t) and p; limit estimate and CI."""

    model: str
    method: str
    k: int
    test: str
    stat: float
    df: int | None
    p: float
    slope: float
    slope_se: float
    limit_estimate: float
    limit_ci_low: float
    limit_ci_high: float

    def to_dict(self) -> dict[str, Any]:
        """JSON view of every field."""
        return {
            "model": self.model,
            "method": self.method,
            "k": self.k,
            "test": self.test,
            "stat": num(self.stat),
            "df": self.df,
            "p": num(self.p),
            "slope": num(self.slope),
            "slope_se": num(self.slope_se),
            "limit_estimate": num(self.limit_estimate),
            "limit_ci_low": num(self.limit_ci_low),
            "limit_ci_high": num(self.limit_ci_high),
        }


def egger_test(result: MetaResult, *, model: Literal["rma", "lm"] = "rma") -> EggerResult:
    """Egger's regression test on the studies of a fitted `MetaResult`.

    The ``rma`` model reuses the result's tau^2 estimator (FE for MH/Peto results) and its
    HKSJ setting. Needs at least 3 studies.
    """
    y = np.array([s.effect for s in result.studies])
    v = np.array([s.variance for s in result.studies])
    k = len(y)
    if k < 3:
        raise InputError("data", "at least 3 studies for Egger's test", got=k)
    sei = np.sqrt(v)
    X = np.column_stack([np.ones(k), sei])
    if model == "rma":
        method = "FE" if result.method in ("MH", "PETO") else result.method
        fit = meta_regression(
            y, v, X, names=("intrcpt", "sei"), method=method, hksj=result.hksj, level=result.level
        )
        return EggerResult(
            "rma",
            method,
            k,
            "t" if fit.df else "z",
            float(fit.stat[1]),
            fit.df,
            float(fit.p[1]),
            float(fit.coef[1]),
            float(fit.se[1]),
            float(fit.coef[0]),
            float(fit.ci_low[0]),
            float(fit.ci_high[0]),
        )
    if model != "lm":
        raise InputError("model", "rma|lm", got=model)
    w = 1.0 / v
    XtWX_inv = np.linalg.inv(X.T @ (X * w[:, None]))
    b = XtWX_inv @ X.T @ (w * y)
    sigma2 = float(np.sum(w * (y - X @ b) ** 2) / (k - 2))
    se = np.sqrt(np.diag(XtWX_inv) * sigma2)
    t = b / se
    crit = t_ppf(1 - (1 - result.level) / 2, k - 2)
    return EggerResult(
        "lm",
        "FE",
        k,
        "t",
        float(t[1]),
        k - 2,
        float(2 * t_sf(abs(t[1]), k - 2)),
        float(b[1]),
        float(se[1]),
        float(b[0]),
        float(b[0] - crit * se[0]),
        float(b[0] + crit * se[0]),
    )
