r"""Cox proportional-hazards model with one binary covariate (treatment), vectorized.

With :math:`x \in \{0, 1\}` the treatment indicator, each event :math:`j` at a time with
:math:`n_0, n_1` at risk and :math:`d = d_0 + d_1` tied events contributes to the partial
log-likelihood

.. math::

    \ell(\beta) = \sum_j \Bigl[\beta x_j - \log\bigl(A_j + B_j e^{\beta}\bigr)\Bigr],
    \quad A_j = n_0 - \tfrac{l_j}{d} d_0,\quad B_j = n_1 - \tfrac{l_j}{d} d_1,

where :math:`l_j = 0, 1, \dots, d-1` numbers the tied events (Efron 1977, JASA 72:557) or
:math:`l_j = 0` (Breslow 1974). With :math:`p_j = B_j e^\beta / (A_j + B_j e^\beta)` the score
is :math:`U = \sum_j (x_j - p_j)` and the information :math:`I = \sum_j p_j (1 - p_j)`; Newton-
Raphson with step halving runs on all replicates at once from :math:`\beta = 0`.

The estimate is finite iff :math:`U(-\infty) > 0 > U(+\infty)`, with
:math:`U(+\infty) = \sum_j (x_j - [n_{1j} > 0])` and :math:`U(-\infty) = \sum_j (x_j -
[n_{0j} = 0])`; otherwise the likelihood is monotone (Heinze & Schemper 2001, Biometrics
57:114) and the hazard ratio is reported as 0 or inf with status ``MONOTONE``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import chdtrc, ndtri

from mscsim._errors import InputError
from mscsim.stats._batch import batch_of, check_binary, check_conf_level, check_group, check_times
from mscsim.stats._result import EndpointResult, Status
from mscsim.stats._risksets import sort_with_origin

_TIES = ("efron", "breslow")


def _terms(
    beta: np.ndarray, log_a: np.ndarray, log_b: np.ndarray, x_sum: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log-likelihood, score and information at ``beta`` (shape (R,))."""
    lb = log_b + beta[:, None]
    log_den = np.logaddexp(log_a, lb)
    p = np.exp(lb - log_den)
    ll = beta * x_sum - np.sum(log_den, axis=1)
    return ll, x_sum - np.sum(p, axis=1), np.sum(p * (1.0 - p), axis=1)


def _newton(
    log_a: np.ndarray, log_b: np.ndarray, x_sum: np.ndarray, max_iter: int, tol: float
) -> tuple[np.ndarray, ...]:
    """Vectorized Newton-Raphson with step halving; returns beta, ll, info, converged, iters."""
    r = x_sum.shape[0]
    beta = np.zeros(r)
    ll, u, info = _terms(beta, log_a, log_b, x_sum)
    done = np.zeros(r, dtype=bool)
    iters = np.zeros(r, dtype=np.int64)
    for _ in range(max_iter):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        la, lb, xs = log_a[act], log_b[act], x_sum[act]
        step = u[act] / info[act]
        new = beta[act] + step
        ll_new, u_new, i_new = _terms(new, la, lb, xs)
        for _ in range(60):  # the log-likelihood is concave: halving always ends
            bad = ~(ll_new >= ll[act] - 1e-12 * np.abs(ll[act]))
            if not bad.any():
                break
            step[bad] *= 0.5
            new[bad] = beta[act][bad] + step[bad]
            ll_b, u_b, i_b = _terms(new[bad], la[bad], lb[bad], xs[bad])
            ll_new[bad], u_new[bad], i_new[bad] = ll_b, u_b, i_b
        beta[act], ll[act], u[act], info[act] = new, ll_new, u_new, i_new
        iters[act] += 1
        done[act] = np.abs(step) < tol
    return beta, ll, info, done, iters


def cox_ph(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    mask: ArrayLike | None = None,
    ties: str = "efron",
    name: str = "Cox hazard ratio",
    conf_level: float = 0.95,
    max_iter: int = 50,
    tol: float = 1e-10,
) -> EndpointResult:
    """Hazard ratio of treatment (``group == 1``) vs control from a Cox model, per replicate.

    Parameters
    ----------
    time, event, group : array_like, shape (N,) or (R, N)
        Time to event or censoring (days, >= 0), event indicator, arm (0 = control,
        1 = treatment).
    mask : array_like of bool, same shape, optional
        Slots holding an analysed patient (default: all).
    ties : {"efron", "breslow"}
        Handling of tied event times; Efron is lifelines' and statsmodels' default.
    name : str
        Endpoint name stored in the result.
    conf_level : float
        Confidence level of the Wald interval :math:`\\exp(\\hat\\beta \\pm z\\,se)`.

    Other Parameters
    ----------------
    max_iter : int
        Newton-Raphson iterations at most.
    tol : float
        Convergence when the Newton step in :math:`\\beta` is below ``tol``.

    Returns
    -------
    EndpointResult
        ``estimate`` = :math:`e^{\\hat\\beta}`, Wald CI, ``statistic`` = Wald z,
        ``p_value`` = two-sided Wald p (as lifelines ``CoxPHFitter`` and statsmodels
        ``PHReg``). ``details``: ``log_hr``, ``se``, ``loglik``, ``lr_statistic`` and ``lr_p``
        (likelihood-ratio test against :math:`\\beta = 0`, finite even for a monotone
        likelihood), ``iterations``. Status ``MONOTONE`` gives an estimate of 0 or inf and
        ``nan`` CI, z and Wald p; ``NO_EVENTS`` (also: no event while both arms are at risk)
        / ``EMPTY_ARM`` give ``nan``. Never raises for data-driven failures.

    Notes
    -----
    Agrees with statsmodels ``PHReg(ties=...)`` to ~1e-12. lifelines ``CoxPHFitter`` (Efron
    only) stops Newton-Raphson at its default tolerances (step 1e-7, relative log-likelihood
    change 1e-9), which can leave its HR ~1e-4 (relative) from the optimum; with ``fit_options={"precision": 1e-12,
    "r_precision": 1e-14}`` it agrees with this function to ~1e-6.
    """
    if ties not in _TIES:
        raise InputError("ties", "one of " + ", ".join(_TIES), ties)
    conf_level = check_conf_level(conf_level)
    b, a = batch_of(mask, time=time, event=event, group=group)
    t = check_times(a["time"], b.mask)
    e = check_binary(a["event"], b.mask, "event")
    g = check_group(a["group"], b.mask)
    s = sort_with_origin(t, e, g, b.mask)

    ev = s.event
    n1 = s.at_risk1
    n0 = s.at_risk - n1
    d = np.maximum(s.group_events, 1).astype(float)
    d1 = s.group_events1
    frac = s.event_rank / d if ties == "efron" else np.zeros_like(d)
    big_a = np.where(ev, n0 - frac * (s.group_events - d1), 1.0)
    big_b = np.where(ev, n1 - frac * d1, 0.0)
    with np.errstate(divide="ignore"):
        log_a, log_b = np.log(big_a), np.log(big_b)
    x = ev & (s.group == 1)
    x_sum = x.sum(axis=1).astype(float)
    u_pos = np.sum(x, axis=1) - np.sum(ev & (n1 > 0), axis=1)  # U(+inf) <= 0
    u_neg = np.sum(x, axis=1) - np.sum(ev & (n0 == 0), axis=1)  # U(-inf) >= 0

    n_arm1 = np.sum(b.mask & (g == 1), axis=1)
    n_arm0 = np.sum(b.mask & (g == 0), axis=1)
    status = np.full(x_sum.shape, Status.OK, dtype=np.int64)
    status[(u_pos == 0) | (u_neg == 0)] = Status.MONOTONE
    status[(u_pos == 0) & (u_neg == 0)] = Status.NO_EVENTS
    status[(n_arm0 == 0) | (n_arm1 == 0)] = Status.EMPTY_ARM
    fin = status == Status.OK

    beta = np.full(x_sum.shape, np.nan)
    ll = np.full(x_sum.shape, np.nan)
    info = np.full(x_sum.shape, np.nan)
    iters = np.zeros(x_sum.shape, dtype=np.int64)
    if fin.any():
        bf, lf, inf_, conv, it = _newton(log_a[fin], log_b[fin], x_sum[fin], max_iter, tol)
        beta[fin], ll[fin], info[fin], iters[fin] = bf, lf, inf_, it
        status[np.flatnonzero(fin)[~conv]] = Status.NOT_CONVERGED
    up = (status == Status.MONOTONE) & (u_pos == 0)
    down = (status == Status.MONOTONE) & (u_neg == 0)
    beta[up], beta[down] = np.inf, -np.inf
    # limits of the log-likelihood at beta = +inf / -inf (terms with B = 0 / A = 0 stay)
    ll[up] = -np.sum(np.where(big_b[up] > 0, log_b[up], log_a[up]), axis=1)
    ll[down] = -np.sum(np.where(big_a[down] > 0, log_a[down], log_b[down]), axis=1)
    ll0 = _terms(np.zeros_like(x_sum), log_a, log_b, x_sum)[0]

    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(np.isfinite(beta), 1.0 / np.sqrt(info), np.nan)
        wald_z = beta / se
        lr = np.where(np.isfinite(ll), np.maximum(2.0 * (ll - ll0), 0.0), np.nan)
    zc = ndtri(1.0 - (1.0 - conf_level) / 2.0)
    return EndpointResult(
        name=name,
        method=f"Cox proportional hazards ({ties.capitalize()} ties), Wald CI and p",
        effect="hazard ratio",
        estimate=b.out(np.exp(beta)),
        ci_low=b.out(np.exp(beta - zc * se)),
        ci_high=b.out(np.exp(beta + zc * se)),
        p_value=b.out(chdtrc(1.0, wald_z * wald_z)),
        statistic=b.out(wald_z),
        status=b.out(status),
        null_value=1.0,
        conf_level=conf_level,
        details={
            "log_hr": b.out(beta),
            "se": b.out(se),
            "loglik": b.out(ll),
            "lr_statistic": b.out(lr),
            "lr_p": b.out(chdtrc(1.0, lr)),
            "iterations": b.out(iters),
        },
    )
