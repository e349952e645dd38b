"""Cox hazard ratio against statsmodels ``PHReg`` and lifelines ``CoxPHFitter``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_lung
from statsmodels.duration.hazard_regression import PHReg

from mscsim import InputError
from mscsim.stats import Status, cox_ph

# lifelines stops Newton-Raphson at its default tolerances (step 1e-7, relative log-likelihood
# change 1e-9), which leaves its HR up to ~3e-4 (relative) from the optimum on these data; these
# options make it converge, after which it agrees with statsmodels and with us to ~1e-6.
TIGHT = {"precision": 1e-12, "r_precision": 1e-14}


def _statsmodels(time, event, group, ties):
    fit = PHReg(time, group[:, None].astype(float), status=event.astype(int), ties=ties).fit()
    lo, hi = np.exp(fit.conf_int()[0])
    return fit, lo, hi


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_matches_statsmodels(make_trials, seed, ties):
    time, event, group = (x[0] for x in make_trials(seed, n0=12, n1=12))
    res = cox_ph(time, event, group, ties=ties)
    fit, lo, hi = _statsmodels(time, event, group, ties)
    assert res.status == Status.OK
    assert res.details["log_hr"] == pytest.approx(fit.params[0], abs=1e-9)
    assert res.details["se"] == pytest.approx(fit.bse[0], rel=1e-9)
    assert (res.ci_low, res.ci_high) == pytest.approx((lo, hi), rel=1e-9)
    assert res.p_value == pytest.approx(fit.pvalues[0], rel=1e-8)
    assert res.details["loglik"] == pytest.approx(fit.llf, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_matches_lifelines(make_trials, seed):
    time, event, group = (x[0] for x in make_trials(seed + 100, n0=12, n1=12))
    res = cox_ph(time, event, group)
    df = pd.DataFrame({"T": time, "E": event.astype(int), "x": group})
    cph = CoxPHFitter().fit(df, "T", "E", fit_options=TIGHT)
    row = cph.summary.loc["x"]
    assert res.estimate == pytest.approx(row["exp(coef)"], rel=1e-5)
    assert res.ci_low == pytest.approx(row["exp(coef) lower 95%"], rel=1e-5)
    assert res.ci_high == pytest.approx(row["exp(coef) upper 95%"], rel=1e-5)
    assert res.p_value == pytest.approx(row["p"], rel=1e-5)
    lrt = cph.log_likelihood_ratio_test()
    assert res.details["lr_statistic"] == pytest.approx(lrt.test_statistic, rel=1e-6)


def test_lung_sex_published_r_output():
    # R: coxph(Surv(time, status) ~ sex, data = lung) (Efron ties) prints coef -0.5310,
    # exp(coef) 0.5880, se(coef) 0.1672, z -3.176, p 0.00149, lower .95 0.4237, upper .95 0.816,
    # likelihood ratio test 10.63 on 1 df, p = 0.001111 (survival package `lung` data; output
    # as reproduced in the STHDA "Cox Proportional-Hazards Model" tutorial).
    df = load_lung()
    res = cox_ph(df["time"].values, df["status"].values == 1, (df["sex"].values == 2).astype(int))
    assert res.details["log_hr"] == pytest.approx(-0.5310, abs=5e-5)
    assert res.estimate == pytest.approx(0.5880, abs=5e-5)
    assert res.details["se"] == pytest.approx(0.1672, abs=5e-5)
    assert res.statistic == pytest.approx(-3.176, abs=5e-4)
    assert res.p_value == pytest.approx(0.00149, abs=5e-6)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.4237, 0.816), abs=5e-4)
    assert res.details["lr_statistic"] == pytest.approx(10.63, abs=5e-3)
    assert res.details["lr_p"] == pytest.approx(0.001111, abs=5e-7)


def test_vectorized_equals_loop(make_trials):
    time, event, group = make_trials(7, r=30, n0=12, n1=12, hr=0.5)
    mask = np.random.default_rng(2).random(time.shape) < 0.9
    batch = cox_ph(time, event, group, mask=mask)
    for r in range(30):
        m = mask[r]
        one = cox_ph(time[r][m], event[r][m], group[r][m])
        assert batch.status[r] == one.status
        np.testing.assert_allclose(
            [batch.estimate[r], batch.ci_low[r], batch.p_value[r]],
            [one.estimate, one.ci_low, one.p_value],
            rtol=1e-10,
        )


def test_monotone_likelihood_gives_inf_or_zero_with_status():
    time = np.arange(1.0, 13.0)
    group = np.tile([0, 1], 6)  # arms interleaved in time
    event = group == 0  # every death in the control arm: HR -> 0
    res = cox_ph(time, event, group)
    assert res.status == Status.MONOTONE and res.estimate == 0.0
    assert np.isnan(res.ci_low) and np.isnan(res.p_value)
    # the likelihood-ratio test stays defined: compare with statsmodels' log-likelihood far out
    model = PHReg(time, group[:, None].astype(float), status=event.astype(int), ties="efron")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ll_far, ll0 = model.loglike(np.array([-40.0])), model.loglike(np.array([0.0]))
    assert res.details["loglik"] == pytest.approx(ll_far, rel=1e-12)
    assert res.details["lr_statistic"] == pytest.approx(2 * (ll_far - ll0), rel=1e-12)
    up = cox_ph(time, group == 1, group)  # every death treated: HR -> inf
    assert up.status == Status.MONOTONE and up.estimate == np.inf


def test_failures_never_raise_in_a_batch():
    time = np.tile(np.arange(1.0, 9.0), (5, 1))
    group = np.tile([0, 1], (5, 4))
    event = np.ones((5, 8), bool)
    event[1] = False  # no events
    group[2] = 0  # empty treatment arm
    event[3] = group[3] == 1  # monotone
    event[4, [0, 5]] = False
    res = cox_ph(time, event, group)
    assert res.status.tolist() == [
        Status.OK,
        Status.NO_EVENTS,
        Status.EMPTY_ARM,
        Status.MONOTONE,
        Status.OK,
    ]
    assert np.isnan(res.estimate[[1, 2]]).all() and res.estimate[3] == np.inf


def test_events_only_where_the_other_arm_is_gone_carry_no_information():
    # treated patient censored at 0.5; the only death (control) happens after it left
    res = cox_ph([0.5, 1.0, 2.0], [0, 1, 0], [1, 0, 0])
    assert res.status == Status.NO_EVENTS and np.isnan(res.estimate)


def test_not_converged_is_flagged(make_trials):
    time, event, group = (x[0] for x in make_trials(4, hr=0.3))
    res = cox_ph(time, event, group, max_iter=1)
    assert res.status == Status.NOT_CONVERGED and np.isfinite(res.estimate)


def test_bad_ties_is_input_error():
    with pytest.raises(InputError) as err:
        cox_ph([1.0, 2.0], [1, 1], [0, 1], ties="exact")
    assert err.value.field == "ties"
