"""The distribution functions meta-analysis needs, from `scipy.special` (not `scipy.stats`).

``scipy.stats`` costs about 0.3 s to import, more than a small meta-analysis takes; these are
the very functions its ``norm``, ``t``, ``chi2`` and ``f`` distributions call.
"""

from __future__ import annotations

from typing import Any

from scipy import special


def norm_ppf(q: Any) -> Any:
    """Standard normal quantile (``scipy.stats.norm.ppf``)."""
    return special.ndtri(q)


def norm_sf(x: Any) -> Any:
    """Standard normal upper tail (``scipy.stats.norm.sf``)."""
    return special.ndtr(-x)


def t_ppf(q: Any, df: Any) -> Any:
    """Student t quantile (``scipy.stats.t.ppf``)."""
    return special.stdtrit(df, q)


def t_sf(x: Any, df: Any) -> Any:
    """Student t upper tail (``scipy.stats.t.sf``)."""
    return special.stdtr(df, -x)


def chi2_sf(x: Any, df: Any) -> Any:
    """Chi-squared upper tail (``scipy.stats.chi2.sf``)."""
    return special.chdtrc(df, x)


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """F upper tail (``scipy.stats.f.sf``)."""
    return special.fdtrc(dfn, dfd, x)
