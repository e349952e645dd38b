r"""Means per arm and Welch's t-test, for biomarker changes from baseline (CRP, IL-6, P/F).

Per arm, with the :math:`n` non-missing values (``nan`` = missing, e.g. a patient who died):
mean :math:`\bar x`, :math:`s^2` with :math:`n-1` degrees of freedom and the interval
:math:`\bar x \pm t_{n-1,\,1-\alpha/2}\, s/\sqrt n`. Between arms (treatment - control),
Welch's test (Welch 1947, Biometrika 34:28):

.. math::

    se = \sqrt{s_1^2/n_1 + s_0^2/n_0}, \quad
    \nu = \frac{se^4}{(s_1^2/n_1)^2/(n_1-1) + (s_0^2/n_0)^2/(n_0-1)}, \quad
    t = (\bar x_1 - \bar x_0)/se,

with two-sided p from :math:`t_\nu` and interval :math:`\bar x_1 - \bar x_0 \pm
t_{\nu,\,1-\alpha/2}\, se`, as ``scipy.stats.ttest_ind(equal_var=False)`` and statsmodels
``CompareMeans.ttest_ind(usevar="unequal")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import stdtr, stdtrit

from mscsim._errors import InputError
from mscsim.stats._batch import Batch, batch_of, check_conf_level, check_group
from mscsim.stats._result import EndpointResult, Status


@dataclass(frozen=True, kw_only=True)
class ArmMean:
    """Mean of one arm with its t-based CI (scalars, or arrays of shape (R,))."""

    arm: int
    n: Any
    mean: Any
    sd: Any
    ci_low: Any
    ci_high: Any


def _arm_stats(x: np.ndarray, use: np.ndarray) -> tuple[np.ndarray, ...]:
    """n, mean and variance (ddof 1) of the used entries of each row (two-pass)."""
    n = use.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(use, x, 0.0).sum(axis=1) / n
        var = np.where(use, (x - mean[:, None]) ** 2, 0.0).sum(axis=1) / (n - 1)
    return n, mean, np.where(n > 1, var, np.nan)


def _values(values: np.ndarray, field: str) -> np.ndarray:
    """Float values; ``nan`` (missing) is allowed, text is not."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(field, "numbers (nan for missing)", str(exc)) from None


def _welch(b: Batch, x: np.ndarray, g: np.ndarray, name: str, conf_level: float):
    q = 1.0 - (1.0 - conf_level) / 2.0
    use = b.mask & np.isfinite(x)
    arms = []
    stats = []
    for arm in (0, 1):
        n, mean, var = _arm_stats(x, use & (g == arm))
        with np.errstate(invalid="ignore", divide="ignore"):
            half = stdtrit(np.maximum(n - 1, 1), q) * np.sqrt(var / n)
        arms.append(
            ArmMean(
                arm=arm,
                n=b.out(n),
                mean=b.out(mean),
                sd=b.out(np.sqrt(var)),
                ci_low=b.out(mean - half),
                ci_high=b.out(mean + half),
            )
        )
        stats.append((n, mean, var))
    (n0, m0, v0), (n1, m1, v1) = stats
    with np.errstate(invalid="ignore", divide="ignore"):
        w0, w1 = v0 / n0, v1 / n1
        se = np.sqrt(w0 + w1)
        df = (w0 + w1) ** 2 / (w0**2 / (n0 - 1) + w1**2 / (n1 - 1))
        diff = m1 - m0
        t = diff / se
    status = np.full(diff.shape, Status.OK, dtype=np.int64)
    status[~(np.isfinite(t) & (se > 0))] = Status.TOO_FEW
    slots = [np.sum(b.mask & (g == arm), axis=1) for arm in (0, 1)]
    status[(slots[0] == 0) | (slots[1] == 0)] = Status.EMPTY_ARM
    ok = status == Status.OK
    t, df = np.where(ok, t, np.nan), np.where(ok, df, np.nan)
    with np.errstate(invalid="ignore"):
        half = stdtrit(df, q) * se
        p = 2.0 * stdtr(df, -np.abs(t))
    diff = np.where(ok | (status == Status.TOO_FEW), diff, np.nan)
    res = EndpointResult(
        name=name,
        method="Welch t-test (unequal variances), t-based CI",
        effect="mean difference",
        estimate=b.out(diff),
        ci_low=b.out(diff - half),
        ci_high=b.out(diff + half),
        p_value=b.out(p),
        statistic=b.out(t),
        status=b.out(status),
        null_value=0.0,
        conf_level=conf_level,
        details={
            "se": b.out(se),
            "df": b.out(df),
            "n_control": b.out(n0),
            "n_treatment": b.out(n1),
        },
    )
    return arms[0], arms[1], res


def welch_t_test(
    values: ArrayLike,
    group: ArrayLike,
    *,
    mask: ArrayLike | None = None,
    name: str = "mean difference",
    conf_level: float = 0.95,
) -> EndpointResult:
    """Welch's t-test of mean(treatment) - mean(control), per replicate; ``nan`` = missing.

    Parameters
    ----------
    values : array_like of float, shape (N,) or (R, N)
        Outcome per patient; ``nan`` marks a missing value, which is excluded.
    group : array_like of int, same shape
        0 = control, 1 = treatment.
    mask : array_like of bool, same shape, optional
        Slots holding an analysed patient (default: all).
    name : str
        Endpoint name stored in the result.
    conf_level : float
        Confidence level of the interval.

    Returns
    -------
    EndpointResult
        ``statistic`` is Welch's t; ``details``: ``se``, ``df``, ``n_control``,
        ``n_treatment`` (non-missing counts). Status ``TOO_FEW`` (fewer than 2 values in an
        arm, or zero variance in both) or ``EMPTY_ARM`` gives ``nan`` test results.

    Examples
    --------
    >>> r = welch_t_test([1.0, 2.0, 3.0, 4.0, float("nan"), 6.0, 8.0], [0, 0, 0, 1, 1, 1, 1])
    >>> round(r.estimate, 3), round(r.p_value, 4)
    (4.0, 0.0548)
    """
    conf_level = check_conf_level(conf_level)
    b, a = batch_of(mask, values=values, group=group)
    g = check_group(a["group"], b.mask)
    return _welch(b, _values(a["values"], "values"), g, name, conf_level)[2]


@dataclass(frozen=True, kw_only=True)
class ChangeFromBaseline:
    """Per-arm mean change from baseline with CIs, and the between-arm Welch comparison."""

    name: str
    control: ArmMean
    treatment: ArmMean
    difference: EndpointResult


def change_from_baseline(
    baseline: ArrayLike,
    follow_up: ArrayLike,
    group: ArrayLike,
    *,
    mask: ArrayLike | None = None,
    name: str = "change from baseline",
    conf_level: float = 0.95,
) -> ChangeFromBaseline:
    """Change ``follow_up - baseline`` of a biomarker, per arm and between arms.

    Parameters
    ----------
    baseline, follow_up : array_like of float, shape (N,) or (R, N)
        Biomarker at baseline and at the follow-up day; ``nan`` in either (e.g. the patient
        died before follow-up) excludes the patient from this endpoint.
    group, mask, name, conf_level
        As in :func:`welch_t_test`.

    Returns
    -------
    ChangeFromBaseline
        ``control`` / ``treatment`` mean change with t-based CI, ``difference`` the Welch
        test of treatment - control.
    """
    conf_level = check_conf_level(conf_level)
    b, a = batch_of(mask, baseline=baseline, follow_up=follow_up, group=group)
    g = check_group(a["group"], b.mask)
    x = _values(a["follow_up"], "follow_up") - _values(a["baseline"], "baseline")
    control, treatment, diff = _welch(b, x, g, name, conf_level)
    return ChangeFromBaseline(name=name, control=control, treatment=treatment, difference=diff)
