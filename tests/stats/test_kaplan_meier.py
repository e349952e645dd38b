"""Kaplan-Meier against lifelines ``KaplanMeierFitter`` on the same data."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_lung
from lifelines.utils import median_survival_times

from mscsim import InputError
from mscsim.stats import kaplan_meier, kaplan_meier_by_arm


def _assert_matches_lifelines(km, time, event, alpha=0.05):
    ref = KaplanMeierFitter(alpha=alpha).fit(time, event)
    m = km.n_times
    np.testing.assert_array_equal(km.timeline[:m], ref.survival_function_.index.values)
    np.testing.assert_allclose(km.survival[:m], ref.survival_function_.iloc[:, 0], atol=1e-12)
    np.testing.assert_allclose(km.ci_low[:m], ref.confidence_interval_.iloc[:, 0], atol=1e-10)
    np.testing.assert_allclose(km.ci_high[:m], ref.confidence_interval_.iloc[:, 1], atol=1e-10)
    assert km.median == ref.median_survival_time_
    ref_ci = median_survival_times(ref.confidence_interval_)
    assert km.median_ci == (ref_ci.iloc[0, 0], ref_ci.iloc[0, 1])
    np.testing.assert_array_equal(km.at_risk[:m], ref.event_table["at_risk"].values)
    np.testing.assert_array_equal(km.events[:m], ref.event_table["observed"].values)
    for day in (0.0, 3.0, 7.5, 14.0, 28.0, 100.0):
        at = km.survival_at(day)
        assert at.survival == pytest.approx(
            float(ref.survival_function_at_times(day).iloc[0]), abs=1e-12
        )
        ci = ref.confidence_interval_.asof(day)
        assert (at.ci_low, at.ci_high) == pytest.approx((ci.iloc[0], ci.iloc[1]), abs=1e-10)


@pytest.mark.parametrize("seed", range(8))
def test_matches_lifelines_with_ties_and_censoring(make_trials, seed):
    time, event, _ = make_trials(seed, n0=12, n1=12)
    _assert_matches_lifelines(kaplan_meier(time[0], event[0]), time[0], event[0])


def test_matches_lifelines_continuous_times_and_90_percent(make_trials):
    time, event, _ = make_trials(3, n0=40, n1=40, whole_days=False)
    km = kaplan_meier(time[0], event[0], conf_level=0.9)
    _assert_matches_lifelines(km, time[0], event[0], alpha=0.1)


@pytest.mark.parametrize(
    "time, event",
    [
        ([0.0, 0.0, 2.0, 3.0, 3.0], [1, 0, 1, 1, 0]),  # events and censoring at time 0
        ([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1]),  # every patient dies: S reaches 0
        ([5.0, 5.0, 5.0], [1, 1, 1]),  # all die together: S = 0 at once, var term 0
        ([2.0, 4.0, 6.0, 8.0], [0, 0, 0, 0]),  # all censored: S = 1, CI = 1
        ([7.0], [1]),  # one patient
        ([1.0, 2.0, 2.0, 3.0, 4.0, 5.0], [1, 1, 1, 0, 1, 1]),  # S hits exactly 0.5
    ],
)
def test_edge_cases_match_lifelines(time, event):
    t, e = np.asarray(time), np.asarray(event)
    _assert_matches_lifelines(kaplan_meier(t, e), t, e)


def test_lung_medians_by_sex():
    # R survival::survfit(Surv(time, status) ~ sex, data = lung): median 270 (male, sex = 1)
    # and 426 (female, sex = 2) days, overall 310 days (survival package `lung` data, also
    # shipped as lifelines.datasets.load_lung, status recoded 0/1).
    df = load_lung()
    t, e, g = df["time"].values, df["status"].values == 1, (df["sex"].values == 2).astype(int)
    male, female = kaplan_meier_by_arm(t, e, g)
    assert (male.median, female.median, kaplan_meier(t, e).median) == (270.0, 426.0, 310.0)


def test_batch_with_variable_sizes_equals_one_trial_at_a_time(make_trials):
    time, event, _ = make_trials(11, r=6, n0=10, n1=10)
    rng = np.random.default_rng(0)
    mask = rng.random(time.shape) < 0.8
    mask[2] = False
    mask[2, :3] = True  # a 3-patient trial
    time = np.where(mask, time, np.nan)  # outside the mask anything goes
    km = kaplan_meier(time, event, mask=mask)
    assert km.survival.shape[0] == 6
    for r in range(6):
        one = kaplan_meier(time[r][mask[r]], event[r][mask[r]])
        m = one.n_times
        assert km.n_times[r] == m
        np.testing.assert_array_equal(km.timeline[r, :m], one.timeline)
        np.testing.assert_array_equal(km.survival[r, :m], one.survival)
        assert np.isnan(km.survival[r, m:]).all()
        assert km.median[r] == one.median
        assert km.survival_at(10.0).survival[r] == one.survival_at(10.0).survival


def test_by_arm_uses_each_arm_only(make_trials):
    time, event, group = make_trials(5, r=3)
    control, treated = kaplan_meier_by_arm(time, event, group)
    for r in range(3):
        sel = group[r] == 1
        ref = kaplan_meier(time[r][sel], event[r][sel])
        np.testing.assert_array_equal(treated.survival[r, : ref.n_times], ref.survival)
        assert control.at_risk[r, 0] == np.sum(group[r] == 0)


def test_empty_sample_gives_nan_not_error():
    km = kaplan_meier([1.0, 2.0], [1, 0], mask=np.array([False, False]))
    assert km.n_times == 1 and np.isnan(km.survival[0]) and np.isnan(km.ci_low[0])


def test_result_is_read_only():
    km = kaplan_meier([1.0, 2.0, 3.0], [1, 0, 1])
    with pytest.raises(ValueError):
        km.survival[0] = 0.5


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"time": [1.0, -2.0], "event": [1, 1]}, "time"),
        ({"time": [1.0, np.nan], "event": [1, 1]}, "time"),
        ({"time": [1.0, 2.0], "event": [1, 2]}, "event"),
        ({"time": [1.0, 2.0], "event": [1, 1, 0]}, "event"),
        ({"time": [[[1.0]]], "event": [[[1]]]}, "time"),
        ({"time": [1.0, 2.0], "event": [1, 1], "mask": [1, 0]}, "mask"),
        ({"time": [1.0, 2.0], "event": [1, 1], "conf_level": 1.5}, "conf_level"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(InputError) as err:
        kaplan_meier(**kwargs)
    assert err.value.field == field


def test_survival_at_rejects_negative_day():
    with pytest.raises(InputError):
        kaplan_meier([1.0], [1]).survival_at(-1.0)
