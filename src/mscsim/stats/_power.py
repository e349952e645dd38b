r"""Power and effect distribution of an endpoint over replicate virtual trials.

Power is estimated as the share :math:`\hat\pi = k/m` of the :math:`m` replicates with a
defined p-value whose p-value is below :math:`\alpha`; replicates whose test failed
(``nan`` p, see :class:`~mscsim.stats.Status`) are left out and counted. Its Monte Carlo
standard error is :math:`\sqrt{\hat\pi(1-\hat\pi)/m}`, and the Wilson 95% interval
(Wilson 1927, JASA 22:209) is given for small :math:`m` or extreme :math:`\hat\pi`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtri

from mscsim._errors import InputError
from mscsim.stats._result import EndpointResult


@dataclass(frozen=True, kw_only=True)
class PowerSummary:
    """Power and effect quantiles of one endpoint over R replicate trials.

    Attributes
    ----------
    name, effect : str
        Endpoint name and what its estimate measures.
    alpha : float
        Significance level (two-sided p < alpha counts as significant).
    n_replicates, n_valid, n_failed, n_significant : int
        Replicates in all, with a defined p-value, without one, and with p < alpha.
    power, mc_se, power_ci_low, power_ci_high : float
        :math:`\\hat\\pi` (``nan`` if no valid replicate), its Monte Carlo standard error and
        the Wilson 95% interval.
    quantile_levels, estimate_quantiles : tuple of float
        Quantiles of the effect estimate over replicates with a non-nan estimate (linear
        interpolation; an infinite estimate, e.g. a monotone-likelihood hazard ratio, is kept,
        and between two infinite values the lower one is taken).
    status_counts : dict of str to int
        Replicates per status name.
    """

    name: str
    effect: str
    alpha: float
    n_replicates: int
    n_valid: int
    n_failed: int
    n_significant: int
    power: float
    mc_se: float
    power_ci_low: float
    power_ci_high: float
    quantile_levels: tuple[float, ...]
    estimate_quantiles: tuple[float, ...]
    status_counts: dict[str, int]

    def to_dict(self, *, json_safe: bool = False) -> dict[str, Any]:
        """Plain-Python view; with ``json_safe=True`` non-finite numbers become ``None``."""

        def clean(v: Any) -> Any:
            if isinstance(v, float) and json_safe and not math.isfinite(v):
                return None
            if isinstance(v, tuple):
                return [clean(x) for x in v]
            return v

        return {k: clean(v) for k, v in self.__dict__.items()}


def _wilson(k: int, m: int, z: float) -> tuple[float, float]:
    if m == 0:
        return math.nan, math.nan
    p = k / m
    den = 1 + z * z / m
    mid = (p + z * z / (2 * m)) / den
    half = z * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def summarize_power(
    result: EndpointResult,
    *,
    alpha: float = 0.05,
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
) -> PowerSummary:
    """Power (share of replicates with p < ``alpha``) and quantiles of the effect estimate.

    Parameters
    ----------
    result : EndpointResult
        Result over R replicate trials (or one trial, counted as R = 1).
    alpha : float
        Two-sided significance level, in (0, 1).
    quantiles : sequence of float
        Quantile levels in [0, 1] of the effect distribution (linear interpolation).

    Returns
    -------
    PowerSummary

    Examples
    --------
    >>> from mscsim.stats import welch_t_test
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(200, 24)) + np.repeat([0.0, 1.5], 12)
    >>> s = summarize_power(welch_t_test(x, np.tile(np.repeat([0, 1], 12), (200, 1))))
    >>> s.n_valid, s.power > 0.8
    (200, True)
    """
    if not (isinstance(alpha, int | float) and 0.0 < alpha < 1.0):
        raise InputError("alpha", "a number in (0, 1)", alpha)
    levels = tuple(float(q) for q in quantiles)
    if not all(0.0 <= q <= 1.0 for q in levels):
        raise InputError("quantiles", "levels in [0, 1]", quantiles)
    p = np.atleast_1d(np.asarray(result.p_value, dtype=float))
    est = np.atleast_1d(np.asarray(result.estimate, dtype=float))
    valid = ~np.isnan(p)
    m, k = int(valid.sum()), int(np.sum(p[valid] < alpha))
    power = k / m if m else math.nan
    mc_se = math.sqrt(power * (1 - power) / m) if m else math.nan
    lo, hi = _wilson(k, m, float(ndtri(0.975)))
    finite_est = est[~np.isnan(est)]
    if finite_est.size and levels:
        with np.errstate(invalid="ignore"):  # inf - inf when interpolating between infs
            lin = np.quantile(finite_est, levels)
        low = np.quantile(finite_est, levels, method="lower")
        qs = tuple(float(v) for v in np.where(np.isnan(lin), low, lin))
    else:
        qs = tuple(math.nan for _ in levels)
    return PowerSummary(
        name=result.name,
        effect=result.effect,
        alpha=float(alpha),
        n_replicates=int(p.size),
        n_valid=m,
        n_failed=int(p.size - m),
        n_significant=k,
        power=power,
        mc_se=mc_se,
        power_ci_low=lo,
        power_ci_high=hi,
        quantile_levels=levels,
        estimate_quantiles=qs,
        status_counts=result.status_counts(),
    )
