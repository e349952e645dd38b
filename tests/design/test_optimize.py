"""Regimen optimization: recovers a known optimum, deterministic, evaluates real trials."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mscsim import InputError
from mscsim.design import (
    OptimizeSpec,
    candidate_scenario,
    optimize,
    replicate_utility,
    trial_evaluator,
)
from mscsim.trial import load_scenario, run_trial

OPTIMUM = {
    "dose": 1e8,
    "infusions": 2,
    "spacing_days": 4,
    "first_day": 3,
    "severity_window": "moderate+severe",
}


def synthetic(cand: dict) -> dict:
    """A utility whose best regimen is OPTIMUM (a smooth bowl plus a bonus for one window)."""
    u = (
        -((math.log10(cand["dose"]) - 8.0) ** 2)
        - 0.1 * (cand["infusions"] - 2) ** 2
        - 0.05 * (cand["spacing_days"] - 4) ** 2
        - 0.05 * (cand["first_day"] - 3) ** 2
        + (0.3 if cand["severity_window"] == "moderate+severe" else 0.0)
    )
    return {"utility": u, "utility_se": 0.0}


def test_recovers_the_known_optimum_of_a_synthetic_utility():
    spec = OptimizeSpec(scenario="synthetic", trials=150, optimizer_seed=1)
    res = optimize(spec, synthetic)
    b = res.best
    assert abs(math.log10(b["dose"]) - 8.0) < 0.15
    for k in ("infusions", "spacing_days", "first_day", "severity_window"):
        assert b[k] == OPTIMUM[k], k
    assert len(res.candidates) == 150


def test_deterministic_for_a_seed_and_seed_dependent():
    spec = OptimizeSpec(scenario="synthetic", trials=25, optimizer_seed=3)
    a = optimize(spec, synthetic)
    b = optimize(spec, synthetic)
    assert a.candidates == b.candidates
    c = optimize(spec.model_copy(update={"optimizer_seed": 4}), synthetic)
    assert c.candidates != a.candidates


def test_candidate_scenario_sets_the_regimen_and_window():
    sc = load_scenario("lanzoni2021")
    cand = {**OPTIMUM, "infusions": 3}
    new = candidate_scenario(sc, cand, "uc_msc", "cells")
    assert new.arm("uc_msc").infusion_days == (3, 7, 11)
    assert new.arm("uc_msc").dose_per_infusion == 1e8
    assert new.arm("vehicle").infusion_days == (3, 7, 11)  # blinded vehicle on the same days
    assert new.arm("vehicle").dose_per_infusion == 0
    assert new.eligibility.ards_severity == ("moderate", "severe")
    with pytest.raises(InputError):
        candidate_scenario(sc, {**cand, "first_day": 30}, "uc_msc", "cells")


def test_replicate_utility_matches_direct_counts():
    sc = load_scenario("lanzoni2021")
    run = run_trial(sc, seed=2, replicates=3, sample_size=24)
    spec = OptimizeSpec(scenario="lanzoni2021", utility={"w_lung": 0.0, "penalty": 0.0})
    per = replicate_utility(run, "uc_msc", spec.utility)
    r = 1
    sel = run.replicate == r
    alive = run.events.death[sel] > 28
    act = run.arm[sel] == 0
    expect = alive[act].mean() - alive[~act].mean()
    assert per["survival_diff"][r] == pytest.approx(expect)
    np.testing.assert_allclose(per["benefit"], per["survival_diff"])


def test_real_model_evaluation_uses_common_random_numbers():
    sc = load_scenario("lanzoni2021")
    spec = OptimizeSpec(scenario="lanzoni2021", replicates=4, sample_size=12, seed=5)
    ev = trial_evaluator(spec, sc)
    a, b = ev(OPTIMUM), ev(OPTIMUM)
    assert a == b
    assert set(a) >= {"utility", "utility_se", "survival_diff", "dlco_diff", "excess_infusion_ae"}
    excess = max(0.0, a["excess_infusion_ae"] - spec.utility.max_infusion_ae)
    assert a["utility"] == pytest.approx(a["benefit"] - spec.utility.penalty * excess)
    # common random numbers: two doses, same patients and randomization; control arm unchanged
    runs = [
        run_trial(
            candidate_scenario(sc, {**OPTIMUM, "dose": d}, "uc_msc", "cells"),
            seed=5,
            replicates=4,
            sample_size=12,
        )
        for d in (1e7, 1e9)
    ]
    np.testing.assert_array_equal(runs[0].arm, runs[1].arm)
    ctl = runs[0].arm == 1
    np.testing.assert_array_equal(runs[0].events.death[ctl], runs[1].events.death[ctl])
    pf = [np.nan_to_num(r.visits["pf_ratio"][~ctl], nan=-1.0) for r in runs]
    assert np.any(pf[0] != pf[1])  # the dose reaches the active arm
    assert "dlco_d365" in runs[0].lung


def test_bad_spec_names_the_field():
    with pytest.raises(InputError) as exc:
        OptimizeSpec.from_dict({"scenario": "x", "space": {"dose": [1e9, 1e7]}})
    assert exc.value.field == "space"
    with pytest.raises(InputError) as exc:
        OptimizeSpec.from_dict({"scenario": "x", "trials": 0})
    assert exc.value.field == "trials"
