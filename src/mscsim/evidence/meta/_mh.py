"""Mantel-Haenszel (RR, OR, RD) and Peto (OR) fixed-effect pooling of 2x2 tables.

As metafor ``rma.mh`` / ``rma.peto``, the pooled estimate uses the raw counts of every
table (no continuity correction); the per-study effects shown next to it and the
heterogeneity Q use the zero-cell corrected ``escalc`` values. With ``n = n1 + n2``:

* OR: ``R = sum a d/n``, ``S = sum b c/n``, ``OR_MH = R/S``; Robins-Breslow-Greenland variance
  ``var(log OR) = 1/2 [sum P R_i / R^2 + sum (P S_i + Q R_i) / (R S) + sum Q S_i / S^2]``
  with ``P = (a + d)/n``, ``Q = (b + c)/n``.
* RR: ``R = sum a n2/n``, ``S = sum c n1/n``, ``RR_MH = R/S``; Greenland-Robins variance
  ``var(log RR) = sum (n1 n2 (a + c)/n^2 - a c/n) / (R S)``.
* RD: ``RD_MH = sum (a n2 - c n1)/n / sum n1 n2/n``; Sato-Greenland-Robins (1989) variance.
* Peto: ``log OR = sum (a - E) / sum V``, ``E = (a + c) n1/n``,
  ``V = (a + c)(b + d) n1 n2 / (n^2 (n - 1))``, ``SE = (sum V)^{-1/2}``,
  ``Q = sum (a - E)^2 / V - (sum (a - E))^2 / sum V``.

References
----------
Mantel N, Haenszel W (1959). J Natl Cancer Inst 22:719-748.
Robins J, Breslow N, Greenland S (1986). Biometrics 42:311-323.
Greenland S, Robins JM (1985). Biometrics 41:55-68.
Sato T, Greenland S, Robins JM (1989). Biometrics 45:1323-1324.
Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Prog Cardiovasc Dis 27:335-371.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mscsim.evidence.meta._table import StudyTable


@dataclass(frozen=True)
class CountPooled:
    """Pooled estimate from counts: estimate, SE and per-table weights (percent)."""

    estimate: float
    se: float
    weights: np.ndarray
    q: float | None = None


def _cells(table: StudyTable) -> tuple[np.ndarray, ...]:
    d = table.data
    a, c = d["events_treat"], d["events_ctrl"]
    b, dd = d["n_treat"] - a, d["n_ctrl"] - c
    return a, b, c, dd, a + b, c + dd, a + b + c + dd


def _percent(w: np.ndarray) -> np.ndarray:
    total = float(np.sum(w))
    return 100 * w / total if total > 0 else np.full_like(w, np.nan)


def mantel_haenszel(table: StudyTable, measure: str) -> CountPooled:
    """Mantel-Haenszel pooled RR, OR (log scale) or RD of a binary `StudyTable`.

    Returns NaN estimate and SE when the pooled ratio is not estimable (no events in
    one arm across all tables), as metafor does.
    """
    a, b, c, d, n1, n2, n = _cells(table)
    nan = float("nan")
    if measure == "OR":
        r_i, s_i = a * d / n, b * c / n
        R, S = float(np.sum(r_i)), float(np.sum(s_i))
        if R == 0 or S == 0:
            return CountPooled(nan, nan, _percent(s_i))
        P, Q = (a + d) / n, (b + c) / n
        var = 0.5 * (
            np.sum(P * r_i) / R**2 + np.sum(P * s_i + Q * r_i) / (R * S) + np.sum(Q * s_i) / S**2
        )
        return CountPooled(float(np.log(R / S)), float(np.sqrt(var)), _percent(s_i))
    if measure == "RR":
        r_i, s_i = a * n2 / n, c * n1 / n
        R, S = float(np.sum(r_i)), float(np.sum(s_i))
        if np.sum(a) == 0 or np.sum(c) == 0:
            return CountPooled(nan, nan, _percent(s_i))
        var = np.sum(n1 * n2 * (a + c) / n**2 - a * c / n) / (R * S)
        return CountPooled(float(np.log(R / S)), float(np.sqrt(var)), _percent(s_i))
    w = n1 * n2 / n
    beta = float(np.sum(a * n2 / n - c * n1 / n) / np.sum(w))
    num = beta * np.sum(c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + (n1 / n) * (n2 / n) * (n2 - n1) / 2)
    num += np.sum(a * (n2 - c) / n + c * (n1 - a) / n) / 2
    return CountPooled(beta, float(np.sqrt(num / np.sum(w) ** 2)), _percent(w))


def peto(table: StudyTable) -> CountPooled:
    """Peto's one-step log odds ratio with its heterogeneity Q (metafor ``rma.peto``)."""
    a, b, c, d, n1, n2, n = _cells(table)
    xt, yt = a + c, b + d
    e = xt * n1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 1, xt * yt * (n1 / n) * (n2 / n) / (n - 1), 0.0)
    sum_v = float(np.sum(v))
    if sum_v == 0:
        nan = float("nan")
        return CountPooled(nan, nan, np.full_like(v, np.nan), None)
    o_e = a - e
    pos = v > 0
    q = max(0.0, float(np.sum(o_e[pos] ** 2 / v[pos]) - np.sum(o_e) ** 2 / sum_v))
    return CountPooled(float(np.sum(o_e) / sum_v), float(np.sqrt(1 / sum_v)), _percent(v), q)
