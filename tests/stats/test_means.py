"""Welch t-test and change from baseline against scipy and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ttest_ind
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from mscsim import InputError
from mscsim.stats import Status, change_from_baseline, welch_t_test


def _biomarkers(seed: int, r: int = 50, n: int = 24, missing: float = 0.15):
    """Log-normal CRP-like values (mg/L) at baseline and day 6, with deaths as nan."""
    rng = np.random.default_rng(seed)
    base = rng.lognormal(np.log(100.0), 0.8, (r, n))
    group = np.tile(np.repeat([0, 1], n // 2), (r, 1))
    follow = base * rng.lognormal(np.where(group == 1, -0.6, -0.2), 0.5)
    follow[rng.random((r, n)) < missing] = np.nan
    return base, follow, group


@pytest.mark.parametrize("seed", range(3))
def test_change_from_baseline_matches_scipy_and_statsmodels(seed):
    base, follow, group = _biomarkers(seed)
    res = change_from_baseline(base, follow, group, name="CRP day 6")
    change = follow - base
    for r in range(base.shape[0]):
        x1 = change[r][(group[r] == 1) & ~np.isnan(change[r])]
        x0 = change[r][(group[r] == 0) & ~np.isnan(change[r])]
        ref = ttest_ind(x1, x0, equal_var=False)
        ci = ref.confidence_interval()
        d = res.difference
        assert d.statistic[r] == pytest.approx(ref.statistic, rel=1e-12)
        assert d.p_value[r] == pytest.approx(ref.pvalue, rel=1e-10)
        assert d.details["df"][r] == pytest.approx(ref.df, rel=1e-12)
        assert (d.ci_low[r], d.ci_high[r]) == pytest.approx((ci.low, ci.high), rel=1e-11)
        cm = CompareMeans(DescrStatsW(x1), DescrStatsW(x0))
        assert (d.ci_low[r], d.ci_high[r]) == pytest.approx(
            cm.tconfint_diff(usevar="unequal"), rel=1e-11
        )
        for arm, x in ((res.treatment, x1), (res.control, x0)):
            assert arm.n[r] == x.size
            assert arm.mean[r] == pytest.approx(x.mean(), rel=1e-12)
            assert (arm.ci_low[r], arm.ci_high[r]) == pytest.approx(
                DescrStatsW(x).tconfint_mean(), rel=1e-11
            )
    assert res.name == res.difference.name == "CRP day 6"


def test_one_trial_gives_scalars():
    res = welch_t_test([1.0, 2.0, 3.0, 4.0, np.nan, 6.0, 8.0], [0, 0, 0, 1, 1, 1, 1])
    ref = ttest_ind([4.0, 6.0, 8.0], [1.0, 2.0, 3.0], equal_var=False)
    assert isinstance(res.p_value, float) and res.p_value == pytest.approx(ref.pvalue)
    assert res.details["n_treatment"] == 3


def test_missing_and_masked_values_are_excluded():
    x = np.array([[1.0, 2.0, 3.0, 9.0, 4.0, 5.0, 7.0, 100.0]])
    g = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    mask = np.array([[True, True, True, False, True, True, True, False]])
    a = welch_t_test(x, g, mask=mask)
    x_nan = np.where(mask, x, np.nan)
    b = welch_t_test(x_nan, g)
    assert (
        a.p_value[0]
        == b.p_value[0]
        == pytest.approx(ttest_ind([4.0, 5.0, 7.0], [1.0, 2.0, 3.0], equal_var=False).pvalue)
    )


def test_too_few_values_is_status_not_error():
    x = np.array(
        [
            [1.0, np.nan, np.nan, 4.0, 5.0, 6.0],
            [1.0, 1.0, 1.0, 2.0, 2.0, 2.0],
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        ]
    )
    g = np.array([[0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0]])
    res = welch_t_test(x, g)
    assert res.status.tolist() == [Status.TOO_FEW, Status.TOO_FEW, Status.EMPTY_ARM]
    assert np.isnan(res.p_value).all()
    assert res.estimate[1] == 1.0  # the difference itself is still defined


def test_text_values_are_input_error():
    with pytest.raises(InputError) as err:
        welch_t_test(["a", "b"], [0, 1])
    assert err.value.field == "values"
