"""Multi-arm adaptive designs: potential outcomes, arm dropping, response-adaptive allocation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mscsim._errors import InputError
from mscsim.cli import main
from mscsim.design import AdaptiveDesign, evaluate_design, simulations_per_replicate
from mscsim.design._looks import pair_statistic
from mscsim.design._multiarm_rules import ArmRules, allocation_uniforms, prob_best, run_paths
from mscsim.trial import load_scenario, run_trial


class _Binary:
    kind = "mortality"


def _binary_stat(sel, group, y, _e):
    return pair_statistic(_Binary(), sel, group, y)


def _outcomes(risks, r, n, seed):
    """Binary potential outcomes: one uniform per patient, the same for every arm (so the
    arms are ordered patient by patient, as the model's common random numbers make them)."""
    u = np.random.default_rng(seed).random((r, n))
    return np.stack([(u < p).astype(float) for p in risks])


def _gs_rules(z, fut=None, **kw):
    k = len(z)
    f = np.full(k, -np.inf) if fut is None else np.asarray(fut, float)
    return ArmRules(np.asarray(z, float), f, **kw)


def test_assigned_arm_outcomes_are_the_randomized_patients_outcomes():
    sc = load_scenario("zarrabi2023")
    rand = run_trial(sc, replicates=4, sample_size=30)
    for a, name in enumerate(rand.arm_names):
        pot = run_trial(sc, replicates=4, sample_size=30, assign=name)
        assert np.array_equal(pot.cohort.age, rand.cohort.age)
        assert (pot.arm == a).all()
        m = rand.arm == a
        for field in ("death", "first_sae", "recovery", "intubation"):
            got, want = getattr(pot.events, field)[m], getattr(rand.events, field)[m]
            assert np.array_equal(got, want, equal_nan=True), (name, field)


def test_assign_names_an_arm():
    with pytest.raises(InputError, match="assign"):
        run_trial(load_scenario("zarrabi2023"), replicates=1, sample_size=6, assign="bogus")


def test_prob_best_matches_monte_carlo_and_sums_to_one():
    theta = np.array([[0.1, 0.3, 0.0], [0.5, -0.2, 0.4], [0.0, 0.0, 0.0]])
    s = np.array([[0.2, 0.25, 0.3], [0.1, 0.3, 0.15], [0.2, 0.2, 0.2]])
    active = np.array([[True, True, True], [True, True, False], [True, True, True]])
    p = prob_best(theta, s, active)
    rng = np.random.default_rng(1)
    for i in range(3):
        draws = rng.normal(theta[i], s[i], size=(400_000, 3))
        draws[:, ~active[i]] = -np.inf
        mc = np.bincount(draws.argmax(axis=1), minlength=3) / draws.shape[0]
        assert np.allclose(p[i], mc, atol=3e-3)
    assert np.allclose(p.sum(axis=1), 1)
    assert p[1, 2] == 0
    assert np.allclose(p[2], 1 / 3)


def test_prob_best_with_an_undefined_estimate_shares_equally():
    p = prob_best(np.array([[np.nan, 0.3]]), np.array([[np.nan, 0.1]]), np.array([[True, True]]))
    assert np.allclose(p, [[0.5, 0.5]])


def test_allocation_streams_are_per_replicate():
    full = allocation_uniforms(9, range(6), 40)
    part = allocation_uniforms(9, [2, 5], 40)
    assert np.array_equal(full[[2, 5]], part)


def test_effective_arm_is_selected_and_the_dropped_arm_gets_no_more_patients():
    r, n = 400, 300
    y = _outcomes([0.4, 0.4, 0.15], r, n, seed=2)  # control, null arm, effective arm
    rules = _gs_rules([9.0, 2.2], fut=[0.5, -np.inf], keep_best=1)  # no early efficacy stop
    u = allocation_uniforms(1, range(r), n)
    p = run_paths(_binary_stat, y, None, (150, 300), np.ones(3), rules, u, -1.0)
    assert p.success.mean() > 0.95
    assert (p.selected[p.success] == 2).mean() > 0.99
    go = p.stop == 1  # both arms futile at look 1 in a few trials (z of the effective arm ~ 2.8)
    assert go.mean() > 0.97
    assert p.dropped[go, 1].mean() > 0.95 and not p.dropped[go, 2].any()
    late = p.assigned[go & p.dropped[:, 1], 150:]
    assert not (late == 1).any()
    assert abs((late == 0).mean() - 0.5) < 0.02  # 1:1 with the remaining arm
    # the first batch is randomized 1:1:1
    assert abs((p.assigned[:, :150] == 0).mean() - 1 / 3) < 0.02


def test_response_adaptive_randomization_favours_the_better_arm():
    r, n = 300, 240
    y = _outcomes([0.4, 0.35, 0.2], r, n, seed=3)
    rules = _gs_rules([9.0, 9.0, 9.0], response_adaptive=True, control_share=0.3, min_share=0.1)
    u = allocation_uniforms(4, range(r), n)
    p = run_paths(_binary_stat, y, None, (80, 160, 240), np.ones(3), rules, u, -1.0)
    assert np.allclose(p.share[:, :, 0], 0.3)
    assert np.allclose(p.share[:, 0, 1:], 0.35)
    assert p.share[:, 2, 2].mean() > 0.45 > p.share[:, 2, 1].mean()
    assert (p.share[:, :, 1:] >= 0.1 - 1e-12).all()
    # patients follow the shares
    assert (p.assigned[:, 160:] == 2).mean() > (p.assigned[:, 160:] == 1).mean() + 0.1


def test_family_wise_error_under_the_global_null_is_at_most_alpha():
    from mscsim.design import design_boundaries

    r, n = 20_000, 300
    y = _outcomes([0.3, 0.3, 0.3], r, n, seed=5)
    # arms must differ patient by patient under the null: independent uniforms per arm
    y = (np.random.default_rng(6).random((3, r, n)) < 0.3).astype(float)
    gs = design_boundaries(2, 0.025 / 2, "asOF", info=[0.5, 1.0])
    rules = _gs_rules(gs.z, response_adaptive=True)
    u = allocation_uniforms(7, range(r), n)
    p = run_paths(_binary_stat, y, None, (150, 300), np.ones(3), rules, u, -1.0)
    fwer, se = p.success.mean(), np.sqrt(0.025 * 0.975 / r)
    assert fwer <= 0.025 + 3 * se
    assert fwer >= 0.025 / 2 - 3 * se  # Bonferroni costs at most half the level


def _design(**kw):
    base = {
        "scenario": "zarrabi2023",
        "endpoint": "mortality_end",
        "max_sample_size": 60,
        "looks": [0.5, 1.0],
        "rule": {"kind": "group_sequential", "spending": "asOF", "futility": [0.0]},
        "multi_arm": {"randomization": "response_adaptive"},
        "replicates": 12,
        "seed": 3,
    }
    return AdaptiveDesign.from_dict({**base, **kw})


def test_evaluate_multiarm_end_to_end_and_deterministic():
    sc = load_scenario("zarrabi2023")
    d = _design()
    calls = []
    oc = evaluate_design(d, sc, progress=calls.append)
    assert sum(calls) == 12 * simulations_per_replicate(d, sc) == 36
    assert oc.arms == ("msc", "msc_ev") and oc.control == "standard_care"
    assert np.isclose(sum(oc.stop_efficacy) + sum(oc.stop_futility), 1)
    total = oc.control_expected_patients + sum(a["expected_patients"] for a in oc.per_arm)
    assert np.isclose(total, oc.expected_sample_size)
    assert "Bonferroni" in oc.multiplicity
    again = evaluate_design(d, sc)
    assert json.dumps(again.to_dict(), default=str) == json.dumps(oc.to_dict(), default=str)
    null = evaluate_design(d, sc, null=True)
    assert null.best_arm is None and all(a["true_effect"] == 0 for a in null.per_arm)


def test_multiarm_validation_names_the_field():
    sc = load_scenario("zarrabi2023")
    with pytest.raises(InputError, match="multi_arm.arms"):
        evaluate_design(_design(multi_arm={"arms": ["msc", "nope"]}), sc)
    with pytest.raises(InputError, match="multi_arm.keep_best"):
        evaluate_design(_design(multi_arm={"keep_best": 3}), sc)
    with pytest.raises(InputError, match="reestimation"):
        _design(reestimation={"max_sample_size": 120})
    with pytest.raises(InputError, match="multi_arm.rar_power"):
        _design(multi_arm={"rar_power": -1})


def test_cli_multiarm_json_and_bad_arm(capsys):
    args = ["design", "adaptive", "zarrabi2023", "--n-max", "48", "--looks", "0.5,1"]
    assert main([*args, "--arms", "all", "--rar", "--replicates", "6", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scenario"]["randomization"] == "response_adaptive"
    assert [a["arm"] for a in doc["null"]["per_arm"]] == ["msc", "msc_ev"]
    assert main([*args, "--arms", "msc,bogus", "--replicates", "2"]) == 2
    err = capsys.readouterr().err
    assert "multi_arm.arms" in err and len(err.strip().splitlines()) == 1


def test_dose_finding_example_runs():
    from pathlib import Path

    from mscsim.design import load_design

    path = Path(__file__).resolve().parents[2] / "examples" / "dose_finding" / "design.yaml"
    d = load_design(path)
    assert d.multi_arm is not None and d.multi_arm.randomization == "response_adaptive"
    sc = load_scenario(d.scenario)
    small = AdaptiveDesign.from_dict({**d.model_dump(), "replicates": 3, "max_sample_size": 48})
    oc = evaluate_design(small, sc)
    assert oc.arms == ("low", "mid", "high") and oc.sizes == (16, 32, 48)
    assert np.allclose([s for s in oc.control_share if s is not None], 0.25)
