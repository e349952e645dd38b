r"""Binary endpoints (death by day 28, any infusion-associated AE): RR, OR, RD and their p.

With the 2x2 table of treatment events :math:`a` of :math:`n_1 = a + b` and control events
:math:`c` of :math:`n_0 = c + d`:

* risk ratio :math:`RR = (a/n_1)/(c/n_0)`,
  :math:`se(\log RR) = \sqrt{1/a - 1/n_1 + 1/c - 1/n_0}`;
* odds ratio :math:`OR = ad/(bc)`, :math:`se(\log OR) = \sqrt{1/a + 1/b + 1/c + 1/d}`
  (Woolf 1955);
* risk difference :math:`RD = a/n_1 - c/n_0`,
  :math:`se = \sqrt{p_1(1-p_1)/n_1 + p_0(1-p_0)/n_0}`;

with Wald intervals on the log scale for the ratios (Agresti 2013, *Categorical Data
Analysis*, sec. 3.1). When a zero cell leaves the ratio or its standard error undefined
(:math:`a` or :math:`c` = 0 for RR, any cell for OR), 0.5 is added to all four cells
(Haldane-Anscombe) and ``details["corrected"]`` is True. The risk difference needs no
correction (its interval collapses to a point when both risks are 0 or 1).

The p-value is the two-sided test the trial reports (``test``):

* ``"fisher"`` (default): Fisher's exact test (:func:`fisher_exact_p`); ``statistic`` is
  :math:`a`;
* ``"chi2"``: Pearson's chi-square test without continuity correction,
  :math:`X^2 = N (ad - bc)^2 / (n_1 n_0 m_1 m_0)` on 1 degree of freedom (:math:`m_1, m_0`:
  the column totals, :math:`N = n_1 + n_0`), as ``scipy.stats.chi2_contingency(t,
  correction=False)`` and R's ``chisq.test(t, correct = FALSE)``; ``statistic`` is
  :math:`X^2`. When no patient or every patient has the event (a zero column) the statistic
  is 0 and p = 1, where scipy raises and R returns NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import chdtrc, ndtri

from mscsim._errors import InputError
from mscsim.stats._batch import batch_of, check_binary, check_conf_level, check_group
from mscsim.stats._fisher import fisher_exact_p
from mscsim.stats._result import EndpointResult, Status

MEASURES = ("risk_ratio", "odds_ratio", "risk_difference")
#: Tests of a 2x2 table: Fisher's exact test, Pearson's chi-square without correction.
TESTS = ("fisher", "chi2")
_TEST_TEXT = {
    "fisher": "Fisher exact two-sided p",
    "chi2": "Pearson chi-square p (no continuity correction)",
}


def pearson_chi2(table: ArrayLike) -> tuple[Any, Any]:
    """Pearson's chi-square statistic and two-sided p of 2x2 tables, no continuity correction.

    Parameters
    ----------
    table : array_like of int, shape (2, 2) or (R, 2, 2)
        ``[[a, b], [c, d]]`` as from :func:`count_table`.

    Returns
    -------
    (statistic, p) : float or ndarray of shape (R,)
        A zero row or column gives statistic 0 and p = 1 (no evidence of a difference).

    Examples
    --------
    >>> x2, p = pearson_chi2([[10, 10], [16, 4]])  # Dilogo 2021: 10/20 vs 16/20 deaths
    >>> round(float(x2), 4), round(float(p), 4)
    (3.956, 0.0467)
    """
    t = np.asarray(table, dtype=float)
    one = t.ndim == 2
    t = t.reshape(-1, 2, 2)
    a, b, c, d = t[:, 0, 0], t[:, 0, 1], t[:, 1, 0], t[:, 1, 1]
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        x2 = np.where(margins > 0, (a + b + c + d) * (a * d - b * c) ** 2 / margins, 0.0)
    p = chdtrc(1.0, x2)
    return (x2[0], p[0]) if one else (x2, p)


def count_table(outcome: ArrayLike, group: ArrayLike, *, mask: ArrayLike | None = None) -> Any:
    """2x2 tables ``[[a, b], [c, d]]``: rows treatment, control; columns event, no event.

    Parameters
    ----------
    outcome : array_like of bool, shape (N,) or (R, N)
        True if the patient had the event.
    group : array_like of int, same shape
        0 = control, 1 = treatment.
    mask : array_like of bool, same shape, optional
        Slots holding an analysed patient (default: all).

    Returns
    -------
    ndarray of int, shape (2, 2) or (R, 2, 2)
        The layout of ``scipy.stats.fisher_exact`` and statsmodels ``Table2x2``.
    """
    b, x = batch_of(mask, outcome=outcome, group=group)
    g = check_group(x["group"], b.mask)
    y = check_binary(x["outcome"], b.mask, "outcome")
    t = np.empty((g.shape[0], 2, 2), dtype=np.int64)
    for row, arm in enumerate((1, 0)):
        in_arm = b.mask & (g == arm)
        t[:, row, 0] = np.sum(in_arm & y, axis=1)
        t[:, row, 1] = np.sum(in_arm & ~y, axis=1)
    return b.out(t)


def _measure(t: np.ndarray, measure: str) -> tuple[np.ndarray, ...]:
    """Estimate, standard error (log scale for ratios) and correction flag per table."""
    a, b, c, d = (t[:, i, j].astype(float) for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
    if measure == "risk_difference":
        n1, n0 = a + b, c + d
        with np.errstate(divide="ignore", invalid="ignore"):
            p1, p0 = a / n1, c / n0
            se = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
        return p1 - p0, se, np.zeros(a.shape, dtype=bool)
    fix = (a == 0) | (c == 0) if measure == "risk_ratio" else (t.reshape(-1, 4) == 0).any(1)
    a, b, c, d = (np.where(fix, v + 0.5, v) for v in (a, b, c, d))
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "risk_ratio":
            est = np.log(a / (a + b)) - np.log(c / (c + d))
            se = np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
        else:
            est = np.log(a) + np.log(d) - np.log(b) - np.log(c)
            se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return est, se, fix


def compare_proportions(
    outcome: ArrayLike,
    group: ArrayLike,
    *,
    mask: ArrayLike | None = None,
    measure: str = "risk_ratio",
    name: str | None = None,
    conf_level: float = 0.95,
    test: str = "fisher",
) -> EndpointResult:
    """Compare the risk of a binary outcome between arms, per replicate trial.

    Parameters
    ----------
    outcome, group, mask
        As in :func:`count_table`.
    measure : {"risk_ratio", "odds_ratio", "risk_difference"}
        Effect measure (treatment vs control).
    name : str, optional
        Endpoint name (default: ``measure``).
    conf_level : float
        Confidence level of the Wald interval.
    test : {"fisher", "chi2"}
        The test behind ``p_value`` (see the module docstring).

    Returns
    -------
    EndpointResult
        ``p_value`` from `test`; ``details``: ``events_treatment``,
        ``n_treatment``, ``events_control``, ``n_control``, ``se`` and ``corrected``
        (0.5 added to all cells). An arm without analysed patients gives status
        ``EMPTY_ARM`` and ``nan`` everywhere (scipy would return p = 1).

    Examples
    --------
    >>> died = [1, 0, 0, 0, 0, 1, 1, 1, 0, 0]
    >>> arm = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    >>> r = compare_proportions(died, arm)  # 1/5 treated vs 3/5 controls died
    >>> round(r.estimate, 4), round(r.p_value, 4)
    (0.3333, 0.5238)
    """
    _check_options(measure, test)
    conf_level = check_conf_level(conf_level)
    b, _ = batch_of(mask, outcome=outcome, group=group)
    t = np.asarray(count_table(outcome, group, mask=mask)).reshape(-1, 2, 2)
    return _compare_tables(t, b.out, measure, name, conf_level, test)


def compare_counts(
    events_treatment: int,
    n_treatment: int,
    events_control: int,
    n_control: int,
    *,
    measure: str = "risk_ratio",
    test: str = "fisher",
    conf_level: float = 0.95,
) -> EndpointResult:
    """:func:`compare_proportions` from published counts (one 2x2 table).

    Examples
    --------
    >>> r = compare_counts(0, 8, 8, 24)  # 0/8 vs 8/24 deaths: 0.5 added to every cell
    >>> round(r.estimate, 4), round(r.p_value, 4), bool(r.details["corrected"])
    (0.1634, 0.0815, True)
    """
    _check_options(measure, test)
    for field, (k, n) in {
        "events_treatment": (events_treatment, n_treatment),
        "events_control": (events_control, n_control),
    }.items():
        if not 0 <= k <= n:
            raise InputError(field, "a count between 0 and the arm's patients", k)
    t = np.array(
        [
            [
                [events_treatment, n_treatment - events_treatment],
                [events_control, n_control - events_control],
            ]
        ],
        dtype=np.int64,
    )

    def out(v: Any) -> Any:
        return v[0].item() if hasattr(v[0], "item") else v[0]

    return _compare_tables(t, out, measure, None, check_conf_level(conf_level), test)


def _check_options(measure: str, test: str) -> None:
    if measure not in MEASURES:
        raise InputError("measure", "one of " + ", ".join(MEASURES), measure)
    if test not in TESTS:
        raise InputError("test", "one of " + ", ".join(TESTS), test)


def _compare_tables(
    t: np.ndarray, out: Any, measure: str, name: str | None, conf_level: float, test: str
) -> EndpointResult:
    """The comparison of :func:`compare_proportions` on tables ``(R, 2, 2)``; `out` shapes
    each per-table array like the input."""
    n1, n0 = t[:, 0].sum(axis=1), t[:, 1].sum(axis=1)
    empty = (n1 == 0) | (n0 == 0)
    est, se, fix = _measure(t, measure)
    z = ndtri(1.0 - (1.0 - conf_level) / 2.0)
    lo, hi = est - z * se, est + z * se
    if measure != "risk_difference":
        est, lo, hi = np.exp(est), np.exp(lo), np.exp(hi)
    if test == "chi2":
        stat, p = pearson_chi2(t)
    else:
        p, stat = np.asarray(fisher_exact_p(t), dtype=float), t[:, 0, 0].astype(float)
    est, lo, hi, p = (np.where(empty, np.nan, v) for v in (est, lo, hi, p))
    status = np.where(empty, Status.EMPTY_ARM, Status.OK).astype(np.int64)
    return EndpointResult(
        name=name or measure,
        method=(
            f"{measure.replace('_', ' ')}, "
            f"{'log-scale ' if measure != 'risk_difference' else ''}Wald CI "
            "(0.5 added to all cells if a zero cell makes it undefined); " + _TEST_TEXT[test]
        ),
        effect=measure.replace("_", " "),
        estimate=out(est),
        ci_low=out(lo),
        ci_high=out(hi),
        p_value=out(p),
        statistic=out(np.where(empty, np.nan, stat)),
        status=out(status),
        null_value=0.0 if measure == "risk_difference" else 1.0,
        conf_level=conf_level,
        details={
            "events_treatment": out(t[:, 0, 0]),
            "n_treatment": out(n1),
            "events_control": out(t[:, 1, 0]),
            "n_control": out(n0),
            "se": out(np.where(empty, np.nan, se)),
            "corrected": out(fix & ~empty),
        },
    )
