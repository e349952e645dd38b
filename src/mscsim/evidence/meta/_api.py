"""`meta_analysis`: the one call that pools a `StudyTable` (metafor ``rma``/``rma.mh``/``rma.peto``)."""

from __future__ import annotations

import numpy as np

from mscsim._errors import InputError
from mscsim.evidence.meta._dist import norm_ppf, norm_sf
from mscsim.evidence.meta._effects import EffectSizes, ZeroCellCorrection, compute_effects
from mscsim.evidence.meta._fit import PooledFit, fit_iv, q_based
from mscsim.evidence.meta._mh import mantel_haenszel, peto
from mscsim.evidence.meta._result import MetaResult, StudyRow
from mscsim.evidence.meta._table import StudyTable
from mscsim.evidence.meta._tau2 import Tau2Estimate
from mscsim.evidence.meta._types import (
    BINARY_MEASURES,
    check_level,
    check_measure,
    check_method,
)


def _rows(
    table: StudyTable, eff: EffectSizes, weights: np.ndarray, z: float
) -> tuple[StudyRow, ...]:
    rows = []
    for j, i in enumerate(eff.keep):
        half = z * np.sqrt(eff.vi[j])
        rows.append(
            StudyRow(
                study=eff.study[j],
                effect=float(eff.yi[j]),
                variance=float(eff.vi[j]),
                weight=float(weights[j]),
                ci_low=float(eff.yi[j] - half),
                ci_high=float(eff.yi[j] + half),
                year=None if table.year is None else table.year[i],
                fields={n: v[i] for n, v in table.fields.items()},
            )
        )
    return tuple(rows)


def _count_fit(
    table: StudyTable, eff: EffectSizes, method: str, measure: str, level: float
) -> PooledFit:
    """MH or Peto pooled estimate on the raw counts, Q on the escalc effects."""
    pooled = peto(table) if method == "PETO" else mantel_haenszel(table, measure)
    if pooled.q is not None:
        het = q_based(pooled.q, eff.k)
    elif np.isfinite(pooled.estimate) and eff.k > 1:
        het = q_based(max(0.0, float(np.sum((eff.yi - pooled.estimate) ** 2 / eff.vi))), eff.k)
    else:
        het = q_based(0.0, 1 if not np.isfinite(pooled.estimate) else eff.k)
    z = float(norm_ppf(1 - (1 - level) / 2))
    mu, se = pooled.estimate, pooled.se
    stat = mu / se if se > 0 else float("nan")
    p = float(2 * norm_sf(abs(stat)))
    notes = () if np.isfinite(mu) else (f"{method} estimate not estimable from these counts",)
    return PooledFit(
        mu,
        se,
        stat,
        p,
        None,
        z,
        mu - z * se,
        mu + z * se,
        mu - z * se,
        mu + z * se,
        Tau2Estimate(0.0, float("nan")),
        het,
        pooled.weights[eff.keep],
        notes,
    )


def meta_analysis(
    table: StudyTable,
    *,
    measure: str = "RR",
    method: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    zero_cells: ZeroCellCorrection | None = None,
) -> MetaResult:
    """Pool the studies of ``table``.

    Parameters
    ----------
    table : StudyTable
        Binary (RR/OR/RD), continuous (MD/SMD) or generic (GEN) per-study data.
    measure : {"RR", "OR", "RD", "MD", "SMD", "GEN"}, default "RR"
        Effect measure; RR and OR are analysed on the log scale.
    method : {"FE", "MH", "PETO", "DL", "REML", "PM", "ML"}, default "REML"
        Fixed effect (inverse variance), Mantel-Haenszel, Peto (OR only), or random
        effects with the named tau^2 estimator (metafor's default is REML).
    hksj : bool, default False
        Hartung-Knapp-Sidik-Jonkman adjustment (inverse-variance methods only).
    level : float, default 0.95
        Confidence level (95 is also accepted).
    zero_cells : ZeroCellCorrection, optional
        Zero-cell handling for binary measures; the result reports what was done.

    Returns
    -------
    MetaResult

    Raises
    ------
    InputError
        Unknown measure/method, a method that does not fit the measure, HKSJ with MH or
        Peto, or no study with an estimable effect.

    Examples
    --------
    >>> from mscsim.evidence.meta import StudyTable, meta_analysis
    >>> t = StudyTable(kind="binary", study=("a", "b"), data={"events_treat": [2, 4],
    ...     "n_treat": [20, 30], "events_ctrl": [6, 9], "n_ctrl": [20, 31]})
    >>> round(meta_analysis(t, measure="RR", method="FE").exp()["estimate"], 3)
    0.411
    """
    measure = check_measure(measure)
    method = check_method(method, measure)
    level = check_level(level)
    if hksj and method in ("MH", "PETO"):
        raise InputError("hksj", "only with FE|DL|REML|PM|ML", got=method)
    zc = zero_cells or ZeroCellCorrection()
    eff = compute_effects(table, "PETO" if method == "PETO" else measure, zc)
    if eff.k == 0:
        raise InputError(
            "data", "at least one study with an estimable effect", got=f"all {table.k} dropped"
        )
    if method in ("MH", "PETO"):
        fit = _count_fit(table, eff, method, measure, level)
    else:
        fit = fit_iv(eff.yi, eff.vi, method, hksj=hksj, level=level)
    z = float(norm_ppf(1 - (1 - level) / 2))
    binary = measure in BINARY_MEASURES
    return MetaResult(
        measure=measure,
        method=method,
        hksj=bool(hksj and fit.df),
        level=level,
        k=eff.k,
        estimate=fit.estimate,
        se=fit.se,
        stat=fit.stat,
        p=fit.p,
        df=fit.df,
        crit=fit.crit,
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        pi_low=fit.pi_low,
        pi_high=fit.pi_high,
        tau2=fit.tau2.tau2,
        tau2_se=fit.tau2.se,
        i2=fit.het.i2,
        h2=fit.het.h2,
        q=fit.het.q,
        q_df=fit.het.q_df,
        q_p=fit.het.q_p,
        studies=_rows(table, eff, fit.weights, z),
        zero_cells=zc.describe("PETO" if method == "PETO" else measure) if binary else None,
        corrected=eff.corrected if binary else (),
        dropped=eff.dropped if binary else (),
        notes=fit.notes,
    )
