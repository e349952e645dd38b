"""Adaptive designs simulated with the model: look statistics, stopping rules, null scenario."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtr
from scipy.stats import chi2 as chi2_dist

from mscsim import InputError
from mscsim.design import (
    AdaptiveDesign,
    LookStatistics,
    decisions,
    design_boundaries,
    evaluate_design,
    load_design,
    look_sizes,
    look_statistics,
    null_scenario,
    pick_endpoint,
)
from mscsim.stats import logrank_test
from mscsim.trial import analyse, load_scenario, power_curve, run_trial

SEED = 11


@pytest.fixture(scope="module")
def lanzoni():
    return load_scenario("lanzoni2021")


@pytest.fixture(scope="module")
def run40(lanzoni):
    """40 replicate trials of lanzoni2021 at n = 40."""
    return run_trial(lanzoni, seed=SEED, replicates=40, sample_size=40)


def test_null_scenario_switches_the_msc_effect_off(lanzoni):
    null = null_scenario(lanzoni)
    active = null.arm("uc_msc")
    ctrl = null.control_arm
    assert active.dose_per_infusion == 0 and active.product == ctrl.product
    assert active.infusion_days == ctrl.infusion_days
    assert [a.name for a in null.arms] == [a.name for a in lanzoni.arms]
    assert null.endpoints == lanzoni.endpoints and null.allocation == lanzoni.allocation


def test_last_look_is_the_trial_log_rank(run40, lanzoni):
    ep = pick_endpoint(lanzoni, "survival_d31")
    st = look_statistics(run40, ep, "uc_msc", (20, 40))
    lr = next(a for a in analyse(run40) if a.id == "survival_d31")
    np.testing.assert_allclose(chi2_dist.sf(st.z[:, 1] ** 2, 1), lr.p_value, rtol=1e-9)
    # benefit (positive z) means fewer deaths than expected on MSCs: Peto log HR < 0
    fin = np.isfinite(st.z[:, 1])  # a replicate without deaths has no statistic
    assert fin.sum() >= 30
    assert np.all(np.sign(st.z[fin, 1]) == -np.sign(st.estimate[fin, 1]))


def test_interim_look_uses_the_first_patients_enrolled(run40, lanzoni):
    ep = pick_endpoint(lanzoni, "survival_d31")
    st = look_statistics(run40, ep, "uc_msc", (20, 40))
    # the interim look is the final analysis of the first 20 patients of each replicate
    first20 = np.tile(np.arange(40) < 20, run40.n_replicates)
    t = np.minimum(run40.events.death, 31.0)
    e = run40.events.death <= 31.0
    g = (run40.arm == 0).astype(int)

    m = run40.as_matrix
    lr = logrank_test(m(t), m(e), m(g), mask=m(first20))
    np.testing.assert_allclose(st.z[:, 0] ** 2, lr.statistic, rtol=1e-9)
    assert np.any(st.z[:, 0] != st.z[:, 1])


def test_no_look_design_power_matches_trial_power(lanzoni):
    """K = 1 at one-sided 0.025 rejects exactly when the log-rank p < 0.05 favours MSCs."""
    n, reps = 40, 40
    d = AdaptiveDesign(
        scenario="lanzoni2021",
        endpoint="survival_d31",
        max_sample_size=n,
        replicates=reps,
        seed=SEED,
        looks=(1.0,),
    )
    oc = evaluate_design(d, lanzoni)
    run = run_trial(lanzoni, seed=SEED, replicates=reps, sample_size=n)
    lr = next(a for a in analyse(run) if a.id == "survival_d31")
    benefit_sig = np.mean((lr.p_value < 0.05) & (lr.result.estimate < 1))
    assert oc.reject == pytest.approx(benefit_sig, abs=1e-12)
    curve = power_curve(lanzoni, [n], replicates=reps, seed=SEED)
    assert oc.reject <= curve.power["survival_d31"][0]
    assert curve.power["survival_d31"][0] == pytest.approx(np.mean(lr.p_value < 0.05))


def _canonical_z(r, info, drift, rng):
    inc = np.diff(np.concatenate([[0.0], info]))
    s = np.cumsum(rng.normal(drift * inc, np.sqrt(inc), size=(r, len(info))), axis=1)
    return s / np.sqrt(info)


@pytest.mark.parametrize("spending", ["asOF", "P", "HP"])
def test_decisions_reproduce_the_boundary_crossing_probabilities(spending):
    """On z statistics with the canonical joint distribution, stopping matches the theory."""
    info = np.array([0.3, 0.65, 1.0])
    rng = np.random.default_rng(5)
    r = 200_000
    z = _canonical_z(r, info, 0.0, rng)
    stats = LookStatistics(z, -z, np.ones_like(z), (30, 65, 100), "synthetic", -1.0)
    d = AdaptiveDesign(scenario="x", looks=tuple(info), rule={"spending": spending})
    first, success = decisions(stats, d)
    gs = design_boundaries(3, 0.025, spending, info=info)
    se = np.sqrt(0.025 * 0.975 / r)
    assert abs(success.mean() - 0.025) < 4 * se
    per_look = np.diff(np.concatenate([[0.0], gs.cumulative_alpha]))
    for j in range(3):
        assert abs(np.mean(success & (first == j)) - per_look[j]) < 4 * np.sqrt(per_look[j] / r)


def test_futility_stops_and_lowers_rejection():
    info = np.array([0.5, 1.0])
    z = _canonical_z(50_000, info, 0.0, np.random.default_rng(2))
    stats = LookStatistics(z, -z, np.ones_like(z), (50, 100), "synthetic", -1.0)
    plain = AdaptiveDesign(scenario="x", looks=(0.5, 1.0))
    fut = AdaptiveDesign(scenario="x", looks=(0.5, 1.0), rule={"futility": [0.0]})
    f0, s0 = decisions(stats, plain)
    f1, s1 = decisions(stats, fut)
    assert np.mean((f1 == 0) & ~s1) == pytest.approx(0.5, abs=0.01)  # P(Z1 <= 0) = 1/2
    assert s1.mean() <= s0.mean()
    gs = design_boundaries(2, 0.025, "asOF", info=[0.5, 1], futility=[0.0])
    assert s1.mean() == pytest.approx(gs.alpha_with_futility, abs=4 * np.sqrt(0.025 / 50_000))


def test_bayesian_flat_prior_is_a_z_threshold():
    z = _canonical_z(10_000, np.array([0.5, 1.0]), 1.0, np.random.default_rng(3))
    se = np.full_like(z, 0.2)
    stats = LookStatistics(z, -z * se, se, (50, 100), "synthetic", -1.0)
    d = AdaptiveDesign(
        scenario="x",
        looks=(0.5, 1.0),
        rule={"kind": "bayesian", "efficacy": 0.99, "futility": 0.1, "final": 0.975},
    )
    first, success = decisions(stats, d)
    p = ndtr(z)
    expect_first = np.where((p[:, 0] >= 0.99) | (p[:, 0] <= 0.1), 0, 1)
    np.testing.assert_array_equal(first, expect_first)
    expect_success = np.where(expect_first == 0, p[:, 0] >= 0.99, p[:, 1] >= 0.975)
    np.testing.assert_array_equal(success, expect_success)


def test_sceptical_prior_stops_less_often_for_benefit():
    z = _canonical_z(10_000, np.array([0.5, 1.0]), 2.0, np.random.default_rng(4))
    se = np.full_like(z, 0.3)
    stats = LookStatistics(z, -z * se, se, (50, 100), "synthetic", -1.0)
    rule = {"kind": "bayesian", "futility": None}
    flat = AdaptiveDesign(scenario="x", looks=(0.5, 1.0), rule=rule)
    scep = AdaptiveDesign(scenario="x", looks=(0.5, 1.0), rule={**rule, "prior_sd": 0.2})
    assert decisions(stats, scep)[1].mean() < decisions(stats, flat)[1].mean()


def test_look_sizes_round_to_blocks():
    assert look_sizes(96, (1 / 3, 2 / 3, 1.0), 2) == (32, 64, 96)
    with pytest.raises(InputError):
        look_sizes(10, (0.4, 0.45, 1.0), 2)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"scenario": "lanzoni2021", "looks": [0.5, 0.4, 1.0]}, "looks"),
        ({"scenario": "lanzoni2021", "looks": [0.5]}, "looks"),
        ({"scenario": "lanzoni2021", "rule": {"kind": "magic"}}, "rule"),
        ({"scenario": "lanzoni2021", "rule": {"spending": "XX"}}, "rule.group_sequential.spending"),
        ({"scenario": "lanzoni2021", "unknown": 1}, "unknown"),
        ({"scenario": "lanzoni2021", "replicates": 0}, "replicates"),
    ],
)
def test_bad_design_names_the_field(data, field):
    with pytest.raises(InputError) as exc:
        AdaptiveDesign.from_dict(data)
    assert exc.value.field == field


def test_design_yaml_resolves_a_relative_scenario(tmp_path, lanzoni):
    import shutil
    from importlib import resources

    src = resources.files("mscsim.trial") / "scenarios" / "lanzoni2021.yaml"
    shutil.copy(str(src), tmp_path / "my_trial.yaml")
    (tmp_path / "design.yaml").write_text(
        "scenario: my_trial.yaml\nendpoint: survival_d31\nlooks: [0.5, 1.0]\n"
        "rule: {kind: group_sequential, spending: OF}\nreplicates: 3\nseed: 1\n"
    )
    d = load_design(tmp_path / "design.yaml")
    assert d.scenario == str(tmp_path / "my_trial.yaml")
    assert load_scenario(d.scenario).name == "lanzoni2021"


def test_evaluate_is_deterministic_and_reports_operating_characteristics(lanzoni):
    d = AdaptiveDesign(
        scenario="lanzoni2021",
        endpoint="survival_d31",
        max_sample_size=40,
        replicates=20,
        seed=3,
        looks=(0.5, 1.0),
        rule={"spending": "P"},
    )
    a = evaluate_design(d, lanzoni, null=True)
    b = evaluate_design(d, lanzoni, null=True)
    assert a.to_dict() == b.to_dict()
    assert a.scenario == "lanzoni2021_null" and a.sizes == (20, 40)
    assert sum(a.stop_efficacy) == pytest.approx(a.reject)
    assert sum(a.stop_efficacy) + sum(a.stop_futility) == pytest.approx(1.0)
    assert 20 <= a.expected_sample_size <= 40 and a.max_sample_size == 40
