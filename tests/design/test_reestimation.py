"""Promising-zone sample-size re-estimation: the stage-2 size rule and the simulated design."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ndtr

from mscsim import InputError
from mscsim.design import AdaptiveDesign, Reestimation, evaluate_design, stage_two_size
from mscsim.trial import load_scenario

RE = Reestimation(max_sample_size=400, cp_min=0.3, cp_target=0.8)
N1, N2_PLAN, C2, W1 = 50, 50, 1.977, math.sqrt(0.5)


def _cp(z1, n2):
    w2 = math.sqrt(1 - W1 * W1)
    return 1 - ndtr((C2 - W1 * z1) / w2 - z1 * math.sqrt(n2 / N1))


def test_stage_two_size_reaches_the_target_in_the_promising_zone():
    z1 = np.linspace(-1, 3, 81)
    n2, cp = stage_two_size(z1, N1, N2_PLAN, 400 - N1, C2, W1, RE, block=2)
    np.testing.assert_allclose(cp, [_cp(z, N2_PLAN) for z in z1], rtol=1e-12)
    zone = (cp >= 0.3) & (cp < 0.8)
    assert zone.any() and (~zone).any()
    assert np.all(n2[~zone] == N2_PLAN)  # unfavourable or already favourable: as planned
    assert np.all((n2 >= N2_PLAN) & (n2 <= 350) & (n2 % 2 == 0))
    for z, n in zip(z1[zone], n2[zone]):
        if n < 350:  # not capped: the smallest even size reaching the target
            assert _cp(z, n) >= 0.8 - 1e-9
            assert n == N2_PLAN or _cp(z, n - 2) < 0.8


def test_reestimation_needs_two_looks_and_a_larger_cap():
    with pytest.raises(InputError) as exc:
        AdaptiveDesign.from_dict(
            {"scenario": "x", "looks": [0.3, 0.6, 1], "reestimation": {"max_sample_size": 200}}
        )
    assert exc.value.field == "design"
    with pytest.raises(InputError):
        AdaptiveDesign.from_dict(
            {
                "scenario": "x",
                "looks": [0.5, 1],
                "max_sample_size": 100,
                "reestimation": {"max_sample_size": 80},
            }
        )


def test_simulated_reestimation_design():
    sc = load_scenario("lanzoni2021")
    d = AdaptiveDesign(
        scenario="lanzoni2021",
        endpoint="survival_d31",
        max_sample_size=24,
        looks=(0.5, 1.0),
        replicates=30,
        seed=4,
        reestimation={"max_sample_size": 48, "cp_min": 0.1},
    )
    a = evaluate_design(d, sc)
    assert a.to_dict() == evaluate_design(d, sc).to_dict()
    assert a.sizes == (12, 24) and a.max_sample_size == 48
    assert 12 <= a.expected_sample_size <= 48
    assert 0 <= a.reestimation["share_increased"] <= 1
    assert sum(a.stop_efficacy) + sum(a.stop_futility) == pytest.approx(1.0)
    assert sum(a.stop_efficacy) == pytest.approx(a.reject)
