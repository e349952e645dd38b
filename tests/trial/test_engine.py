"""The virtual-trial engine: determinism, eligibility, randomization, events, calibration."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from mscsim.trial import analyse, load_scenario, run_trial
from mscsim.trial._calibration import control_arm_calibration
from mscsim.trial._clinical import OXYGEN_PF
from mscsim.trial._randomize import randomize
from mscsim.trial._screening import REASONS


@pytest.fixture(scope="module")
def lanzoni():
    return load_scenario("lanzoni2021")


@pytest.fixture(scope="module")
def run3(lanzoni):
    return run_trial(lanzoni, replicates=3, chunk=3)


def test_same_seed_same_tables_whatever_the_chunking(lanzoni, run3):
    other = run_trial(lanzoni, replicates=3, chunk=1)
    for a, b in [
        (run3.arm, other.arm),
        (run3.cohort.age, other.cohort.age),
        (run3.events.death, other.events.death),
        (run3.events.sae_time, other.events.sae_time),
        (run3.visits["crp"], other.visits["crp"]),
        (run3.n_screened, other.n_screened),
    ]:
        np.testing.assert_array_equal(a, b)
    for k in run3.events.infusion_ae:
        np.testing.assert_array_equal(run3.events.infusion_ae[k], other.events.infusion_ae[k])


def test_same_tables_whatever_the_number_of_processes(lanzoni, run3):
    par = run_trial(lanzoni, replicates=3, chunk=1, workers=2)
    np.testing.assert_array_equal(par.events.death, run3.events.death)
    np.testing.assert_array_equal(par.visits["il6"], run3.visits["il6"])
    np.testing.assert_array_equal(par.arm, run3.arm)
    # the pool is gone when the run returns: a manager thread still running at interpreter
    # exit made `concurrent.futures`' exit hook write to a closed pipe (EBADF traceback)
    alive = [t.name for t in threading.enumerate() if "ExecutorManager" in type(t).__name__]
    assert alive == []


def test_without_lung_outcomes_every_other_table_is_the_same(lanzoni, run3):
    """`lung_outcomes=False` (power runs without a lung endpoint): the solves stop after the
    follow-up, steps still planned to day 365, so nothing else changes."""
    short = run_trial(lanzoni, replicates=3, chunk=2, lung_outcomes=False)
    assert short.lung == {} and set(run3.lung) >= {"dlco_d365", "fvc_d180"}
    for f in dataclasses.fields(short.events):
        x, y = getattr(short.events, f.name), getattr(run3.events, f.name)
        if isinstance(x, dict):
            for k in x:
                np.testing.assert_array_equal(x[k], y[k])
        else:
            np.testing.assert_array_equal(x, y)
    for k in run3.visits:
        np.testing.assert_array_equal(short.visits[k], run3.visits[k])
    np.testing.assert_array_equal(short.solver_status, run3.solver_status)
    for a, b in zip(analyse(short), analyse(run3), strict=True):
        np.testing.assert_array_equal(a.p_value, b.p_value)


@pytest.mark.parametrize("backend", ["numpy", "numba", "jax"])
def test_same_tables_whatever_the_solver_backend(lanzoni, run3, backend, monkeypatch):
    """The reproducibility contract (trial/_resolution.py): trajectories agree to round-off
    across backends, and every clinical table is derived at a resolution they cannot flip."""
    if backend != "numpy":
        pytest.importorskip(backend)
    monkeypatch.setenv("MSCSIM_BACKEND", "numpy" if backend != "numpy" else "numba")
    other = run_trial(lanzoni, replicates=3, backend=backend)  # the argument beats the variable
    assert other.provenance["solver_backend"] == backend
    assert other.provenance["cpu_simd"] and other.provenance["numpy"] == np.__version__
    a, b = other.events, run3.events
    for f in dataclasses.fields(a):
        if isinstance(getattr(a, f.name), np.ndarray):
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)
    for k, v in a.infusion_ae.items():
        np.testing.assert_array_equal(v, b.infusion_ae[k], err_msg=k)
    for table in ("visits", "baseline", "lung"):
        mine, ref = getattr(other, table), getattr(run3, table)
        assert set(mine) == set(ref)
        for k in mine:
            np.testing.assert_array_equal(mine[k], ref[k], err_msg=f"{table}.{k}")


def test_provenance_records_the_backend_that_ran_not_the_one_set_later(lanzoni, monkeypatch):
    monkeypatch.setenv("MSCSIM_BACKEND", "numpy")
    run = run_trial(lanzoni, replicates=1)
    monkeypatch.setenv("MSCSIM_BACKEND", "jax")
    assert run.provenance["solver_backend"] == "numpy"


def test_replicate_k_is_the_same_trial_in_a_bigger_run(lanzoni, run3):
    big = run_trial(lanzoni, replicates=5, chunk=2)
    sel = big.replicate < 3
    np.testing.assert_array_equal(big.events.death[sel], run3.events.death)
    np.testing.assert_array_equal(big.arm[sel], run3.arm)


def test_a_different_seed_gives_a_different_trial(lanzoni, run3):
    other = run_trial(lanzoni, seed=lanzoni.seed + 1, replicates=3)
    assert not np.array_equal(other.cohort.age, run3.cohort.age)


def test_enrolled_patients_meet_the_eligibility_criteria(lanzoni, run3):
    el = lanzoni.eligibility
    assert run3.cohort.size == 3 * lanzoni.sample_size
    assert np.all(run3.cohort.age >= el.age_min)
    assert np.all(run3.baseline["pf_ratio"] <= el.pf_ratio_max)
    assert np.all(run3.baseline["pf_ratio"] < OXYGEN_PF)
    assert set(run3.ards) <= set(el.ards_severity)
    for r in range(3):
        excluded = sum(run3.excluded[r].values())
        assert run3.n_screened[r] - excluded == lanzoni.sample_size
        assert set(run3.excluded[r]) == set(REASONS) | {"solver failure"}


def test_ventilation_criteria_are_applied():
    bow = load_scenario("bowdish2023")  # enrolls only ventilated patients
    run = run_trial(bow, replicates=1, sample_size=40)
    assert run.on_vent0.all()
    assert np.all(run.events.intubation == 0)


def test_stratified_blocks_balance_arms_within_each_stratum():
    keys = np.array(list("ABAABBBABAAABBABBBAAABAB") * 3, dtype=object)
    for rep in range(5):
        arm = randomize("stratified_block", {"msc": 1, "ctrl": 1}, 2, keys, seed=11, replicate=rep)
        for k in ("A", "B"):
            counts = np.bincount(arm[keys == k], minlength=2)
            assert (
                abs(counts[0] - counts[1]) <= 1
            )  # blocks of 2: at most one open block per stratum
        assert not np.array_equal(
            arm, randomize("stratified_block", {"msc": 1, "ctrl": 1}, 2, keys, 12, rep)
        )


def test_unequal_allocation_follows_the_ratio():
    keys = np.full(99, "all", dtype=object)
    arm = randomize("block", {"msc": 2, "ctrl": 1}, 3, keys, seed=1, replicate=0)
    assert list(np.bincount(arm)) == [66, 33]


def test_death_ends_the_trajectory(run3):
    dead = np.isfinite(run3.events.death)
    assert dead.any()
    after = run3.visit_days[None, :] >= run3.events.death[:, None]
    assert np.all(np.isnan(run3.visits["crp"][after]))
    sae = run3.events.sae_time[dead]
    assert np.all((sae <= run3.events.death[dead, None] + 1e-9) | np.isinf(sae))
    rec = run3.events.recovery[dead]
    assert np.all(np.isinf(rec) | (rec < run3.events.death[dead]))


def test_every_endpoint_is_analysed(lanzoni, run3):
    res = analyse(run3)
    assert [a.id for a in res] == list(lanzoni.endpoints.ids)
    for a in res:
        assert a.result.estimate.shape == (3,)


def test_statistics_agree_with_lifelines_on_a_virtual_trial(run3):
    lifelines = pytest.importorskip("lifelines")
    from lifelines.statistics import logrank_test

    surv = next(a for a in analyse(run3) if a.id == "survival_d31")
    sel = run3.replicate == 0
    t = np.minimum(run3.events.death[sel], 31.0)
    e = run3.events.death[sel] <= 31.0
    treated = run3.arm[sel] == 0  # uc_msc is the first (active) arm
    ref = logrank_test(t[treated], t[~treated], e[treated], e[~treated])
    assert surv.p_value[0] == pytest.approx(ref.p_value, rel=1e-8)
    import pandas as pd

    df = pd.DataFrame({"t": t, "e": e.astype(int), "g": treated.astype(int)})
    if e[treated].any() and e[~treated].any():
        cph = lifelines.CoxPHFitter().fit(df, "t", "e")
        assert surv.result.estimate[0] == pytest.approx(float(np.exp(cph.params_["g"])), rel=1e-3)


def test_control_arm_meets_calibration_targets():
    rows = control_arm_calibration(replicates=20, per_replicate=100, seed=3)
    bad = []
    for r in rows:
        # acceptance band widened by 3 Monte Carlo standard errors of a proportion (n patients)
        mc = 300 * np.sqrt(r.target / 100 * (1 - r.target / 100) / r.n) if r.unit == "%" else 0.0
        if not r.low - mc <= r.model <= r.high + mc:
            bad.append(
                f"{r.name}: model {r.model:.1f} not in [{r.low - mc:.1f}, {r.high + mc:.1f}]"
            )
    assert not bad, bad


def test_improvement_counts_from_the_inpatient_enrollment_score():
    """A discharge due at enrollment (no delay after recovery) is a 2-point improvement from
    the inpatient score (4 or 5), not the new baseline: WHO score 2 at day 0 used to read as
    the enrollment value, so such a patient could never improve."""
    from mscsim.trial._events import _improvement

    t = np.arange(0.0, 10.0, 0.5)
    pf = np.full((3, t.size), 350.0)  # no oxygen: WHO 4
    on = np.zeros_like(pf, dtype=bool)
    discharge = np.array([0.0, 3.0, np.inf])
    death = np.full(3, np.inf)
    got = _improvement(t, pf, on, discharge, death)
    np.testing.assert_array_equal(got, [0.0, 3.0, np.inf])
