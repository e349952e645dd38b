"""Global sensitivity analysis: SALib through mscsim's wrapper on known answers, and on the
MSC treatment effect of a small fixed cohort (reproducible, batch-independent)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("SALib")

from mscsim._errors import InputError  # noqa: E402
from mscsim.trial import (  # noqa: E402
    MSC_PARAMETERS,
    ParameterRange,
    SensitivityConfig,
    SensitivityResult,
    gsa,
    load_scenario,
    sensitivity,
)
from mscsim.trial._sensitivity_effects import FixedCohort  # noqa: E402


def _uniform(name, lo, hi):
    return ParameterRange(name, lo, hi, "uniform", (lo + hi) / 2, "1", "assumed")


def _ishigami(X):
    a, b = 7.0, 0.1
    x1, x2, x3 = X[:, 0], X[:, 1], X[:, 2]
    return {"y": np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)}


def test_sobol_ishigami_with_an_inert_parameter():
    """Ishigami (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, 4.5.1; SALib's
    ``test_functions/Ishigami.py``): analytic S1 = (0.3139, 0.4424, 0) and ST = (0.5576,
    0.4424, 0.2437) for a=7, b=0.1. A fourth, inert input has S1 = ST = 0."""
    ranges = [_uniform(f"x{i}", -np.pi, np.pi) for i in range(1, 5)]
    X, Y, idx = gsa(_ishigami, ranges, method="sobol", samples=2048, seed=3, resamples=200)
    assert X.shape == (2048 * 6, 4)
    rows = {r["parameter"]: r for r in idx["y"]}
    for name, s1, st in (("x1", 0.3139, 0.5576), ("x2", 0.4424, 0.4424), ("x3", 0.0, 0.2437)):
        assert rows[name]["S1"] == pytest.approx(s1, abs=0.05)
        assert rows[name]["ST"] == pytest.approx(st, abs=0.05)
        assert abs(rows[name]["ST"] - st) <= 2 * rows[name]["ST_conf"] + 0.01
    assert rows["x4"]["ST"] == pytest.approx(0.0, abs=1e-12)
    assert rows["x4"]["S1"] == pytest.approx(0.0, abs=1e-12)


def test_log_uniform_ranges_are_sampled_on_the_log_scale():
    """Y = log10(x1) + x2 with x1 log-uniform on [1, 100] and x2 uniform on [0, 2]: both terms
    are uniform on [0, 2], so S1 = ST = 0.5 each (a uniform x1 would give x1 far more)."""
    log = ParameterRange("x1", 1.0, 100.0, "log-uniform", 10.0, "1", "assumed")
    X, _, idx = gsa(
        lambda X: {"y": np.log10(X[:, 0]) + X[:, 1]},
        [log, _uniform("x2", 0.0, 2.0)],
        samples=1024,
        seed=1,
        resamples=100,
    )
    assert np.median(X[:, 0]) == pytest.approx(10.0, rel=0.1)  # log-uniform median
    for r in idx["y"]:
        assert r["S1"] == pytest.approx(0.5, abs=0.05) and r["ST"] == pytest.approx(0.5, abs=0.05)


def test_morris_linear_function_and_inert_parameter():
    """Y = 3 x1 + x2 on the unit square: every elementary effect (per unit of the normalised
    range) is exactly 3 and 1; an inert x3 has mu* = sigma = 0."""
    ranges = [_uniform(n, 0.0, 1.0) for n in ("x1", "x2", "x3")]
    _, _, idx = gsa(
        lambda X: {"y": 3 * X[:, 0] + X[:, 1]}, ranges, method="morris", samples=20, seed=2
    )
    rows = {r["parameter"]: r for r in idx["y"]}
    assert rows["x1"]["mu_star"] == pytest.approx(3.0) and rows["x1"]["sigma"] == pytest.approx(0)
    assert rows["x2"]["mu_star"] == pytest.approx(1.0)
    assert rows["x3"]["mu_star"] == 0.0 and rows["x3"]["sigma"] == 0.0


def test_non_finite_measure_is_an_input_error():
    ranges = [_uniform(n, 0.0, 1.0) for n in ("a", "b")]
    with pytest.raises(InputError, match="patients"):
        gsa(lambda X: {"y": np.where(X[:, 0] > 0.5, np.nan, 1.0)}, ranges, samples=4)


def test_prior_ranges_and_scales():
    r = {n: ParameterRange.prior(n) for n in MSC_PARAMETERS}
    assert (r["EC50_msc"].lower, r["EC50_msc"].upper) == (1e6, 1e9)
    assert r["EC50_msc"].scale == "log-uniform"  # 3 decades
    assert r["cap_lung"].scale == "log-uniform" and r["k_e0"].scale == "log-uniform"
    assert r["k_l"].scale == "log-uniform"  # 0.2-3 /day: more than a decade
    assert r["potency"].scale == "uniform"  # starts at 0
    assert r["f_trap"].scale == "uniform"  # 0.3-1: less than a decade
    for p in r.values():
        assert p.lower <= p.default <= p.upper
    with pytest.raises(InputError, match="parameters"):
        ParameterRange.prior("no_such_parameter")


@pytest.mark.parametrize(
    "data, field",
    [
        ({"samples": 3}, "samples"),
        ({"method": "fast"}, "method"),
        ({"parameters": ["potency", "potency"]}, "parameters"),
        ({"patients": 2}, "patients"),
        ({"ranges": "posterior"}, "ranges"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_config_errors_name_the_field(data, field):
    with pytest.raises(InputError, match=field):
        SensitivityConfig.from_dict(data)


def test_config_evaluations():
    assert SensitivityConfig(samples=8).evaluations == 8 * (len(MSC_PARAMETERS) + 2)
    assert SensitivityConfig(method="morris", samples=5).evaluations == 5 * 13


@pytest.fixture(scope="module")
def cohort():
    return FixedCohort.build(load_scenario("lanzoni2021"), 7, 60)


def test_no_potency_means_no_effect(cohort):
    """Potency 0: the infused cells have no paracrine effect, so on the same patients the
    treated arm equals the control arm (P/F to solver round-off: dosing adds solver steps)."""
    y, lost = cohort.effects(["potency"], np.array([[0.0], [1.0]]))
    assert lost.tolist() == [0, 0]
    assert y["mortality_rr_d28"][0] == 1.0 and y["lung_rr_d365"][0] == 1.0
    assert abs(y["pf_gain_d7"][0]) < 0.01
    assert y["pf_gain_d7"][1] > 1.0  # the default product helps oxygenation


def test_effects_do_not_depend_on_the_batch(cohort):
    names = ["potency", "EC50_msc", "Emax_kgf"]
    X = np.array([[1.0, 5e7, 0.19], [5.0, 1e8, 3.0], [0.5, 2e6, 0.0]])
    together, _ = cohort.effects(names, X)
    alone = [cohort.effects(names, X[i : i + 1])[0] for i in range(3)]
    for k, v in together.items():
        np.testing.assert_allclose(v, [a[k][0] for a in alone], rtol=1e-9, atol=1e-9)


def test_control_arm_is_inert_to_msc_parameters(cohort):
    """The control is followed once at default parameters; MSC parameters must not move it."""
    names = list(MSC_PARAMETERS)
    X = np.array([[ParameterRange.prior(n).upper for n in names]])
    ctl = cohort._outcomes(cohort._follow(cohort.control, 1, cohort.overrides(names, X)))
    for k, v in cohort.control_outcomes.items():
        np.testing.assert_array_equal(ctl[k], v)


@pytest.fixture(scope="module")
def small_run():
    cfg = SensitivityConfig(samples=2, patients=40, parameters=("potency", "EC50_msc", "k_l"))
    return cfg, sensitivity(cfg)


def test_treatment_effect_run_is_reproducible(small_run):
    cfg, a = small_run
    b = sensitivity(cfg.model_copy(update={"batch": 40}))  # one evaluation per solver call
    assert a.indices == b.indices
    for k in a.Y:
        np.testing.assert_allclose(a.Y[k], b.Y[k], rtol=1e-9)
    assert a.X.shape == (2 * 5, 3) and set(a.indices) == set(a.measures)
    assert a.provenance["seed"] == load_scenario("lanzoni2021").seed
    assert a.provenance["scenario_hash"] and a.provenance["evaluations"] == 10
    c = sensitivity(cfg.model_copy(update={"seed": 11}))
    assert not np.array_equal(a.X, c.X)


def test_result_round_trip(small_run):
    _, a = small_run
    b = SensitivityResult.from_dict(a.to_dict())
    assert b.indices == a.indices and b.provenance == a.provenance
    np.testing.assert_array_equal(b.X, a.X)
    assert len(a.rows()) == 3 * 3 and len(a.sample_rows()) == 10


def test_controlled_scenario_and_arm_required():
    with pytest.raises(InputError, match="arm"):
        sensitivity(SensitivityConfig(samples=2, patients=20, arm="vehicle"))
