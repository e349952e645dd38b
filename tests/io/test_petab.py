"""PEtab export: lint-clean, and pyPESTO's objective on the files equals mscsim's own."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from mscsim.io import (
    build_petab_problem,
    lint_petab,
    petab_negative_log_likelihood,
    petab_predictions,
    pypesto_objective,
    write_petab,
)
from mscsim.io._petab_params import estimated_parameters, msc_parameter_names
from mscsim.io._petab_problem import Measurement, arm_statistic
from mscsim.trial._scenario_endpoints import ArmValue

#: A perturbed vector (linear scale): stronger, more potent MSC effects, faster biophase.
PERTURBED = {"Emax_kgf": 1.5, "Emax_afc": 0.5, "EC50_msc": 1.5e7, "k_e0": 2.5, "f_trap": 0.6}


@pytest.fixture(scope="module")
def problem():
    return build_petab_problem()


@pytest.fixture(scope="module")
def exported(problem, tmp_path_factory):
    folder = tmp_path_factory.mktemp("petab")
    write_petab(problem, folder)
    return folder


SYNTHETIC = Path(__file__).parent / "data" / "synthetic_shu.yaml"  # made-up numbers: test data


def synthetic_level(problem):
    """The problem plus one synthetic CRP level (log-normal), 60 mg/L at day 15 on UC-MSC."""
    level = Measurement(
        "crp", "synthetic_shu__uc_msc", 15.0, 60.0, 0.3, "synthetic", "https://example.org", "-"
    )
    return dataclasses.replace(problem, measurements=(*problem.measurements, level))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """The built-ins plus the synthetic scenario, and one synthetic log-normal CRP level."""
    folder = tmp_path_factory.mktemp("synthetic")
    p = synthetic_level(build_petab_problem(["monsel2022", SYNTHETIC]))
    write_petab(p, folder)
    return p, folder


def test_estimated_are_the_uncertain_msc_parameters_with_csv_bounds():
    names = set(msc_parameter_names())
    est = {e.name: e for e in estimated_parameters()}
    # MSC kinetics (MSC-state ODEs, exposure) and effects (act only through h_msc)
    assert {"k_b", "f_trap", "cap_lung", "k_l", "EC50_msc", "Imax_tsg", "Emax_kgf"} <= names
    assert not names & {"k_rep", "k_pol", "p10", "k_afc"}  # disease parameters MSC modulate
    assert "k_l" not in est  # measured
    assert "potency" not in est  # reference product
    assert all(e.parameter.kind in ("assumed", "calibrated") for e in est.values())
    assert est["EC50_msc"].scale == "log10" and est["cap_lung"].scale == "log10"
    assert est["f_trap"].scale == "lin" and est["Emax_kgf"].scale == "lin"  # < decade / lower 0


def test_median_iqr_becomes_the_se_of_the_arm_median():
    value, sigma, how = arm_statistic(ArmValue(n=21, median=54.3, q1=-15.5, q3=93.3, unit="mmHg"))
    assert value == 54.3 and "median" in how
    assert sigma == pytest.approx(math.sqrt(math.pi / 2) * (108.8 / 1.349) / math.sqrt(21))
    mean = arm_statistic(ArmValue(n=16, mean=-3.0, sd=8.0, unit="mg/L"))
    assert mean[:2] == (-3.0, 2.0)
    assert arm_statistic(ArmValue(n=16, median=1.0, unit="mg/L")) is None  # no spread


def test_every_measurement_is_a_published_number_of_its_scenario(problem):
    from mscsim.trial import load_scenario

    assert problem.measurements
    for m in problem.measurements:
        scenario, arm = m.condition.split("__")
        results = [
            r
            for r in load_scenario(scenario).published_results
            if r.endpoint.startswith(m.observable) and arm in r.arms
        ]
        arm_value = results[0].arms[arm]
        assert m.value in (arm_value.median, arm_value.mean)
        assert m.source == results[0].source
    assert {c.id for c in problem.conditions} == {m.condition for m in problem.measurements}
    assert any("no published number" in s.reason for s in problem.skipped)


def test_export_passes_the_petab_linter(exported):
    pytest.importorskip("petab")
    failed, messages = lint_petab(exported / "problem.yaml")
    assert not failed, messages
    readme = (exported / "README.md").read_text()
    assert "Not in the problem" in readme and "log-normal" in readme


@pytest.mark.parametrize("values", [{}, PERTURBED], ids=["nominal", "perturbed"])
@pytest.mark.parametrize("which", ["builtin", "synthetic"])
def test_pypesto_objective_equals_mscsim_objective(request, which, values):
    if which == "builtin":
        problem, exported = request.getfixturevalue("problem"), request.getfixturevalue("exported")
    else:
        problem, exported = request.getfixturevalue("synthetic")
    pytest.importorskip("petab")
    pytest.importorskip("pypesto")
    pytest.importorskip("roadrunner")
    fval, sims = pypesto_objective(exported / "problem.yaml")(values)
    ours = petab_negative_log_likelihood(problem, values)
    assert fval == pytest.approx(ours, rel=1e-3)
    # the part of -log L that depends on the dynamics agrees too (not only its constants)
    theirs = []
    for m in problem.measurements:
        sim = sims[m.condition]
        column = list(sim.colnames).index(f"obs_{m.observable}")
        theirs.append(sim[sim[:, 0] == m.time][0, column])
    np.testing.assert_allclose(theirs, petab_predictions(problem, values), rtol=1e-3, atol=0.05)


def test_synthetic_scenario_adds_conditions_and_passes_lint(synthetic):
    pytest.importorskip("petab")
    problem, folder = synthetic
    ids = {c.id for c in problem.conditions}
    assert {"synthetic_shu__uc_msc", "synthetic_shu__standard_care"} <= ids
    shu = next(c for c in problem.conditions if c.id == "synthetic_shu__uc_msc")
    assert shu.severity == "severe" and len(shu.infusions) == 1
    assert shu.infusions[0][1] == pytest.approx(2e6 * 65.0)  # cells/kg x mean weight (65 kg)
    crp = [m for m in problem.measurements if m.observable == "crp_change"]
    assert sorted(m.sigma for m in crp) == pytest.approx(sorted([30 / 12**0.5, 35 / 29**0.5]))
    failed, messages = lint_petab(folder / "problem.yaml")
    assert not failed, messages


def test_perturbed_vector_moves_the_objective(problem):
    nominal = petab_negative_log_likelihood(problem)
    perturbed = petab_negative_log_likelihood(problem, PERTURBED)
    assert abs(perturbed - nominal) > 0.05
    with pytest.raises(KeyError, match="not estimated"):
        petab_negative_log_likelihood(problem, {"k_rep": 0.2})
