"""The shared result record and the power summary."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from mscsim import InputError
from mscsim.stats import EndpointResult, Status, cox_ph, logrank_test, summarize_power


def _result(p, est, status=None):
    p, est = np.asarray(p, float), np.asarray(est, float)
    return EndpointResult(
        name="death by day 28",
        method="test",
        effect="risk ratio",
        estimate=est,
        ci_low=est / 2,
        ci_high=est * 2,
        p_value=p,
        statistic=np.zeros_like(p),
        status=np.zeros(p.shape, int) if status is None else np.asarray(status),
        null_value=1.0,
        details={"se": np.ones_like(p)},
    )


def test_record_is_frozen_and_read_only():
    res = _result([0.01, 0.2], [0.5, 1.2])
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.name = "x"  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.estimate[0] = 3.0
    with pytest.raises(ValueError):
        res.details["se"][0] = 3.0


def test_to_dict_and_json_safe():
    res = _result([0.01, np.nan], [0.5, np.inf], status=[0, Status.MONOTONE])
    d = res.to_dict()
    assert {"name", "estimate", "ci_low", "ci_high", "p_value", "method"} <= d.keys()
    assert d["estimate"][0] == 0.5 and d["estimate"][1] == np.inf
    safe = res.to_dict(json_safe=True)
    assert safe["estimate"] == [0.5, None] and safe["p_value"] == [0.01, None]
    json.dumps(safe, allow_nan=False)
    assert res.status_counts() == {"OK": 1, "MONOTONE": 1}


def test_replicate_slices_to_scalars(make_trials):
    time, event, group = make_trials(3, r=4)
    res = cox_ph(time, event, group)
    one = res.replicate(2)
    assert one.n_replicates is None and res.n_replicates == 4
    assert one.estimate == res.estimate[2] and one.details["se"] == res.details["se"][2]
    assert isinstance(one.to_dict()["p_value"], float)
    with pytest.raises(InputError):
        res.replicate(4)


def test_shape_mismatch_is_rejected():
    with pytest.raises(InputError):
        EndpointResult(
            name="x",
            method="m",
            effect="e",
            estimate=np.ones(2),
            ci_low=np.ones(3),
            ci_high=np.ones(2),
            p_value=np.ones(2),
            statistic=np.ones(2),
            status=np.zeros(2, int),
            null_value=1.0,
        )


def test_power_counts_failed_replicates_apart():
    p = [0.01, 0.04, 0.2, np.nan, 0.049, np.nan, 0.7, 0.05]
    est = [0.3, 0.4, 0.9, np.nan, 0.5, np.inf, 1.1, 0.6]
    s = summarize_power(_result(p, est), alpha=0.05, quantiles=(0.0, 0.5, 1.0))
    assert (s.n_replicates, s.n_valid, s.n_failed, s.n_significant) == (8, 6, 2, 3)
    assert s.power == 0.5  # p = 0.05 is not < 0.05
    assert s.mc_se == pytest.approx(np.sqrt(0.25 / 6))
    # nan estimates are left out, the infinite one (monotone likelihood) is kept
    assert s.estimate_quantiles == (0.3, 0.6, np.inf)


def test_power_wilson_interval():
    # Wilson (1927) score interval, 0 successes in 10: upper = z^2 / (n + z^2) = 0.2775
    s = summarize_power(_result([0.5] * 10, [1.0] * 10))
    assert s.power == 0.0 and s.power_ci_low == 0.0
    assert s.power_ci_high == pytest.approx(1.959964**2 / (10 + 1.959964**2), rel=1e-6)


def test_power_of_a_null_effect_is_near_alpha(make_trials):
    # type-I error of the log-rank test at hr = 1: 2000 replicates, MC se ~0.005
    time, event, group = make_trials(17, r=2000, hr=1.0)
    s = summarize_power(logrank_test(time, event, group))
    assert 0.02 < s.power < 0.07


@pytest.mark.parametrize("kwargs", [{"alpha": 0.0}, {"alpha": 1.2}, {"quantiles": (0.5, 1.5)}])
def test_power_bad_arguments(kwargs):
    with pytest.raises(InputError):
        summarize_power(_result([0.1], [1.0]), **kwargs)
