r"""Kaplan-Meier estimator with Greenwood / log-log ("exponential Greenwood") intervals.

For event times :math:`t_i` with :math:`n_i` at risk and :math:`d_i` events,

.. math::

    \hat S(t) = \prod_{t_i \le t} \Bigl(1 - \frac{d_i}{n_i}\Bigr), \qquad
    \hat V(t) = \sum_{t_i \le t} \frac{d_i}{n_i (n_i - d_i)} \quad\text{(Greenwood)},

and the two-sided :math:`1-\alpha` interval is the log(-log) one, lifelines' default
(Kalbfleisch & Prentice 2002, sec. 1.3; https://www.math.wustl.edu/~sawyer/handouts/greenwood.pdf):

.. math::

    \exp\!\Bigl(-\exp\bigl(\log(-\log \hat S) \mp z_{1-\alpha/2}\,
    \sqrt{\hat V}/\log \hat S\bigr)\Bigr),

equal to 1 where :math:`\hat S = 1` and to 0 where :math:`\hat S = 0`. A term with
:math:`n_i = d_i` adds 0 to :math:`\hat V`, as in lifelines. The timeline holds 0 and every
distinct observed time (events and censorings), as lifelines ``KaplanMeierFitter`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtri

from mscsim._errors import InputError
from mscsim.stats._batch import batch_of, check_binary, check_conf_level, check_group, check_times
from mscsim.stats._risksets import sort_with_origin


@dataclass(frozen=True, kw_only=True)
class SurvivalAt:
    """Kaplan-Meier survival at one time, with its confidence interval (scalars or (R,))."""

    time: float
    survival: Any
    ci_low: Any
    ci_high: Any


@dataclass(frozen=True, kw_only=True)
class KaplanMeierResult:
    """Kaplan-Meier curve(s) of one sample.

    Arrays have shape ``(M,)`` for one trial or ``(R, M)`` for R replicates, where row ``r``
    holds ``n_times[r]`` valid columns followed by ``nan`` (or 0 for counts) padding. Column 0
    is time 0.

    Attributes
    ----------
    timeline, survival, ci_low, ci_high : ndarray
        Distinct times (0 and every observed time), :math:`\\hat S(t)` and its log-log CI.
    at_risk, events, removed : ndarray of int
        Patients at risk just before each time, events at it, and all who leave at it.
    n_times : int or ndarray of int
        Number of valid columns per replicate.
    conf_level : float
        Confidence level of the interval.
    """

    timeline: np.ndarray
    survival: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    removed: np.ndarray
    n_times: Any
    conf_level: float
    ci_method: str = "log-log (exponential Greenwood)"

    def __post_init__(self) -> None:
        for name in ("timeline", "survival", "ci_low", "ci_high", "at_risk", "events", "removed"):
            getattr(self, name).flags.writeable = False

    def _columns(self, which: str) -> np.ndarray:
        return np.atleast_2d(getattr(self, which))

    def _wrap(self, x: np.ndarray) -> Any:
        return x[0].item() if self.timeline.ndim == 1 else x

    def survival_at(self, time: float) -> SurvivalAt:
        """Step-function value :math:`\\hat S(t)` and its CI at ``time`` (right-continuous)."""
        if not (np.isscalar(time) and np.isfinite(time) and time >= 0):
            raise InputError("time", "a finite number of days >= 0", time)
        tl = self._columns("timeline")
        idx = np.sum(tl <= time, axis=1) - 1  # column 0 is time 0, so idx >= 0
        rows = np.arange(tl.shape[0])
        vals = [self._wrap(self._columns(c)[rows, idx]) for c in ("survival", "ci_low", "ci_high")]
        return SurvivalAt(time=float(time), survival=vals[0], ci_low=vals[1], ci_high=vals[2])

    def _first_crossing(self, which: str, q: float) -> Any:
        s = self._columns(which)
        below = s <= q  # nan padding compares False
        t = np.where(
            below.any(axis=1),
            self._columns("timeline")[np.arange(s.shape[0]), below.argmax(axis=1)],
            np.inf,
        )
        return self._wrap(t)

    @property
    def median(self) -> Any:
        """Median survival time: first time with :math:`\\hat S(t) \\le 0.5` (inf if none).

        This is lifelines' ``median_survival_time_`` convention (no averaging over a flat 0.5
        stretch, unlike R's ``survfit``).
        """
        return self._first_crossing("survival", 0.5)

    @property
    def median_ci(self) -> tuple[Any, Any]:
        """CI of the median: first times the lower / upper band reach 0.5 (lifelines'
        ``median_survival_times(confidence_interval_)``; Brookmeyer & Crowley 1982)."""
        return self._first_crossing("ci_low", 0.5), self._first_crossing("ci_high", 0.5)


def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    *,
    mask: ArrayLike | None = None,
    conf_level: float = 0.95,
) -> KaplanMeierResult:
    """Kaplan-Meier estimate of one sample, vectorized over replicate trials.

    Parameters
    ----------
    time : array_like, shape (N,) or (R, N)
        Time to event or censoring (days, >= 0).
    event : array_like of bool, same shape
        True for an observed event, False for censoring.
    mask : array_like of bool, same shape, optional
        Slots holding an analysed patient of this sample (default: all).
    conf_level : float
        Confidence level of the pointwise log-log interval.

    Returns
    -------
    KaplanMeierResult
        Matches lifelines ``KaplanMeierFitter().fit(time, event)``: ``survival_function_``,
        ``confidence_interval_`` and ``median_survival_time_``.

    Examples
    --------
    >>> km = kaplan_meier([5, 8, 8, 12, 20], [1, 1, 0, 1, 0])
    >>> round(km.survival_at(10).survival, 6), km.median
    (0.6, 12.0)
    """
    conf_level = check_conf_level(conf_level)
    b, a = batch_of(mask, time=time, event=event)
    t = check_times(a["time"], b.mask)
    e = check_binary(a["event"], b.mask, "event")
    s = sort_with_origin(t, e, np.zeros_like(b.mask, dtype=np.int64), b.mask)
    n = s.at_risk.astype(float)
    d = s.group_events.astype(float)
    keep = s.is_last  # one column per distinct time (including the origin 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(keep, np.log(n - d) - np.log(n), 0.0)
        var_term = np.where(keep, d / (n * (n - d)), 0.0)
    var_term[np.isinf(var_term)] = 0.0
    log_s = np.cumsum(log_term, axis=1)
    cum_var = np.cumsum(var_term, axis=1)

    order = np.argsort(~keep, axis=1, kind="stable")
    m = int(keep.sum(axis=1).max(initial=1))
    cols = order[:, :m]
    valid = np.take_along_axis(keep, cols, axis=1)

    def pick(x: np.ndarray, fill: float) -> np.ndarray:
        return np.where(valid, np.take_along_axis(x, cols, axis=1), fill)

    v = pick(log_s, np.nan)
    c = pick(cum_var, np.nan)
    z = ndtri(1.0 - (1.0 - conf_level) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.exp(-np.exp(np.log(-v) - z * np.sqrt(c) / v))
        hi = np.exp(-np.exp(np.log(-v) + z * np.sqrt(c) / v))
    lo = np.where(v == 0.0, 1.0, lo)  # S = 1: lifelines' fillna(1.0) of 0/0
    hi = np.where(v == 0.0, 1.0, hi)
    fields: dict[str, Any] = {
        "timeline": pick(s.time, np.nan),
        "survival": np.exp(v),
        "ci_low": lo,
        "ci_high": hi,
        "at_risk": pick(s.at_risk, 0).astype(np.int64),
        "events": pick(s.group_events, 0).astype(np.int64),
        "removed": pick(s.group_removed, 0).astype(np.int64),
    }
    if b.single:
        fields = {k: x[0] for k, x in fields.items()}
    return KaplanMeierResult(**fields, n_times=b.out(valid.sum(axis=1)), conf_level=conf_level)


def kaplan_meier_by_arm(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    mask: ArrayLike | None = None,
    conf_level: float = 0.95,
) -> tuple[KaplanMeierResult, KaplanMeierResult]:
    """Kaplan-Meier curves of the control (``group == 0``) and treatment (``== 1``) arms.

    Same inputs as :func:`kaplan_meier` plus ``group``; returns ``(control, treatment)``.
    """
    b, a = batch_of(mask, time=time, event=event, group=group)
    g = check_group(a["group"], b.mask)
    shape = np.shape(group)
    return tuple(  # type: ignore[return-value]
        kaplan_meier(time, event, conf_level=conf_level, mask=(b.mask & (g == arm)).reshape(shape))
        for arm in (0, 1)
    )
