r"""Fisher's exact test for 2x2 tables, two-sided, vectorized by distinct margins.

Given the margins (:math:`n_1` treated, :math:`n_0` controls, :math:`k` events), the number
:math:`a` of treated events is hypergeometric with weights
:math:`w(x) = \binom{n_1}{x}\binom{n_0}{k-x}`. The two-sided p-value sums the probabilities
of all tables no more likely than the observed one,

.. math::

    p(a) = \sum_{x:\; w(x) \le w(a)(1 + 10^{-14})} w(x) \Big/ \binom{n_1 + n_0}{k},

which is the rule of ``scipy.stats.fisher_exact`` (its relative tolerance ``1e-14`` decides
ties such as the mirror tables of a balanced design). Here the weights are exact Python
integers and the ratio is rounded once, so ties are found exactly and the p-value is the
correctly rounded exact value. Replicate trials share few distinct margins; each distinct
``(n_1, n_0, k)`` is computed once (and cached) for every possible ``a``, then looked up.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mscsim._errors import InputError

_TOL_DEN = 10**14  # scipy's relative tie tolerance 1e-14, as an exact fraction


@functools.lru_cache(maxsize=4096)
def _p_by_count(n1: int, n0: int, k: int) -> tuple[float, ...]:
    """Two-sided p-values for a = lo, ..., hi with margins (n1, n0, k)."""
    lo, hi = max(0, k - n0), min(k, n1)
    w = [math.comb(n1, x) * math.comb(n0, k - x) for x in range(lo, hi + 1)]
    srt = sorted(w)
    cum = list(itertools.accumulate(srt))
    total = math.comb(n1 + n0, k)
    out = []
    for wx in w:
        j = bisect.bisect_right(srt, (wx * (_TOL_DEN + 1)) // _TOL_DEN)
        out.append(min(cum[j - 1] / total, 1.0))  # int / int: correctly rounded
    return tuple(out)


def fisher_exact_p(table: ArrayLike) -> Any:
    """Two-sided Fisher exact p-value of 2x2 tables, matching ``scipy.stats.fisher_exact``.

    Parameters
    ----------
    table : array_like of int, shape (..., 2, 2)
        Counts; the two-sided p-value does not depend on which row or column comes first.

    Returns
    -------
    float or ndarray, shape (...)
        p-values; 1.0 where a row or column sum is 0 (as scipy).

    Examples
    --------
    >>> fisher_exact_p([[8, 2], [1, 5]])  # scipy.stats.fisher_exact gives 0.0349650...
    0.03496503496503497
    """
    t = np.asarray(table)
    if t.shape[-2:] != (2, 2):
        raise InputError("table", "an integer array of shape (..., 2, 2)", f"shape {t.shape}")
    if t.size and not (np.all(t >= 0) and np.all(np.mod(t, 1) == 0)):
        raise InputError(
            "table", "non-negative integer counts", t[(t < 0) | (np.mod(t, 1) != 0)][:3]
        )
    t = t.astype(np.int64)
    a, b, c, d = t[..., 0, 0], t[..., 0, 1], t[..., 1, 0], t[..., 1, 1]
    margins = np.stack([a + b, c + d, a + c], axis=-1).reshape(-1, 3)
    if margins.shape[0] == 0:
        return np.zeros(a.shape)
    uniq, inv = np.unique(margins, axis=0, return_inverse=True)
    width = int(uniq[:, :2].max()) + 1
    lookup = np.full((uniq.shape[0], width), np.nan)
    for i, (n1, n0, k) in enumerate(uniq.tolist()):
        ps = _p_by_count(n1, n0, k)
        lo = max(0, k - n0)
        lookup[i, lo : lo + len(ps)] = ps
    p = lookup[inv.ravel(), a.reshape(-1)].reshape(a.shape)
    return p.item() if p.ndim == 0 else p
