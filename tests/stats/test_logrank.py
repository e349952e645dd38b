"""Log-rank test against lifelines ``logrank_test`` and statsmodels ``survdiff``."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines.datasets import load_lung
from lifelines.statistics import logrank_test as lifelines_logrank
from statsmodels.duration.survfunc import survdiff

from mscsim import InputError
from mscsim.stats import Status, logrank_test


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("sizes", [(12, 12), (5, 9), (30, 30)])
def test_matches_lifelines_and_statsmodels(make_trials, seed, sizes):
    time, event, group = (x[0] for x in make_trials(seed, n0=sizes[0], n1=sizes[1]))
    res = logrank_test(time, event, group)
    t1, t0 = group == 1, group == 0
    ref = lifelines_logrank(time[t1], time[t0], event[t1], event[t0])
    chi2, p = survdiff(time, event.astype(int), group)
    assert res.statistic == pytest.approx(ref.test_statistic, rel=1e-12, abs=1e-14)
    assert res.p_value == pytest.approx(ref.p_value, rel=1e-10)
    assert res.statistic == pytest.approx(chi2, rel=1e-12, abs=1e-14)
    assert res.p_value == pytest.approx(p, rel=1e-10)
    assert res.status == Status.OK
    assert isinstance(res.p_value, float) and isinstance(res.status, int)  # one trial: scalars


def test_lung_sex_published_r_output():
    # R: survdiff(Surv(time, status) ~ sex, data = lung) prints Chisq = 10.3267 on 1 df,
    # p = 0.00131116, sex = 2: N = 90, Observed = 53, Expected = 73.4183 (survival package
    # `lung` data; R output as reproduced in Packt "Machine Learning with R Cookbook",
    # 2nd ed., "Using the log-rank test").
    df = load_lung()
    res = logrank_test(
        df["time"].values, df["status"].values == 1, (df["sex"].values == 2).astype(int)
    )
    assert res.statistic == pytest.approx(10.3267, abs=5e-5)
    assert res.p_value == pytest.approx(0.00131116, abs=5e-9)
    assert res.details["observed_treatment"] == 53
    assert res.details["expected_treatment"] == pytest.approx(73.4183, abs=5e-5)


def test_vectorized_equals_loop_with_masks(make_trials):
    time, event, group = make_trials(21, r=40, n0=14, n1=14)
    mask = np.random.default_rng(1).random(time.shape) < 0.85
    batch = logrank_test(time, event, group, mask=mask)
    assert batch.n_replicates == 40
    for r in range(40):
        m = mask[r]
        one = logrank_test(time[r][m], event[r][m], group[r][m])
        assert batch.statistic[r] == pytest.approx(one.statistic, rel=1e-13)
        assert batch.p_value[r] == pytest.approx(one.p_value, rel=1e-13)


def test_swapping_arms_keeps_p_and_inverts_peto_hr(make_trials):
    time, event, group = (x[0] for x in make_trials(2, n0=12, n1=12, hr=0.4))
    a = logrank_test(time, event, group)
    b = logrank_test(time, event, 1 - group)
    assert a.p_value == pytest.approx(b.p_value, rel=1e-12)
    assert a.estimate == pytest.approx(1.0 / b.estimate, rel=1e-12)
    assert a.ci_low == pytest.approx(1.0 / b.ci_high, rel=1e-12)
    # Peto one-step HR: exp((O - E) / V)
    d = a.details
    assert a.estimate == pytest.approx(np.exp(d["observed_minus_expected"] / d["variance"]))


def test_failures_are_status_not_exceptions():
    time = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]])
    event = np.array([[0, 0, 0, 0], [1, 1, 0, 1], [1, 0, 1, 1]], bool)
    group = np.array([[0, 0, 1, 1], [0, 0, 0, 0], [0, 1, 0, 1]])
    res = logrank_test(time, event, group)
    assert res.status.tolist() == [Status.NO_EVENTS, Status.EMPTY_ARM, Status.OK]
    assert np.isnan(res.p_value[:2]).all() and np.isfinite(res.p_value[2])


def test_bad_group_is_input_error():
    with pytest.raises(InputError) as err:
        logrank_test([1.0, 2.0], [1, 1], [0, 2])
    assert err.value.field == "group"
