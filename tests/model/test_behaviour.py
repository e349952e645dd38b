"""Behaviour the model must show (issue: core model), against the untreated twin.

Calibration targets come from docs/model.md: severe COVID reaches ARDS (P/F < 300) with CRP
peaking ~100-250 mg/L (peak CRP medians 176/310 mg/L in moderate/severe, Clin Transl Immunol
2020, PMC7734472) and IL-6 in the tens to low hundreds of pg/mL (pooled mean 36.7 pg/mL in
severe/critical COVID, Leisman 2020, doi:10.1016/S2213-2600(20)30404-5).
"""

from __future__ import annotations

import numpy as np

from mscsim.model import MSC_COVID, Regimen, typical_patient
from mscsim.solve import simulate

UNTREATED, TREATED = 0, 1


def _at(sol, name, day, arm):
    return float(np.interp(day, sol.t, sol.observables[name][arm]))


def test_healthy_state_stays_at_steady_state():
    sol = simulate(MSC_COVID, t_eval=np.arange(0.0, 366.0))
    assert sol.status_counts() == {"ok": 1}
    healthy = np.array([MSC_COVID.healthy_state()[s] for s in MSC_COVID.state_names])
    assert np.abs(sol.states[0] - healthy).max() == 0.0


def test_mild_recovers_without_ards(typical_runs):
    o = typical_runs["mild"].observables
    assert o["pf_ratio"][UNTREATED].min() > 300
    assert o["pf_ratio"][UNTREATED, -1] > 400
    assert o["fibrosis"][UNTREATED, -1] < 0.05


def test_severe_gets_ards_and_critical_gets_severe_ards(typical_runs):
    assert typical_runs["severe"].observables["pf_ratio"][UNTREATED].min() < 300
    assert typical_runs["critical"].observables["pf_ratio"][UNTREATED].min() < 100


def test_severe_inflammation_in_published_ranges(typical_runs):
    o = typical_runs["severe"].observables
    assert 100 <= o["crp"][UNTREATED].max() <= 250
    assert 10 <= o["il6"][UNTREATED].max() <= 300


def test_severity_is_ordered(typical_runs):
    nadirs = [typical_runs[s].observables["pf_ratio"][UNTREATED].min() for s in typical_runs]
    fibrosis = [typical_runs[s].observables["fibrosis"][UNTREATED, -1] for s in typical_runs]
    assert nadirs == sorted(nadirs, reverse=True)
    assert fibrosis == sorted(fibrosis)


def test_fibrosis_persists_after_recovery(typical_runs):
    from mscsim.trial._clinical import EVENT_PARAMS

    for severity in ("severe", "critical"):
        o = typical_runs[severity].observables
        assert o["crp"][UNTREATED, -1] < 2  # inflammation resolved
        assert o["fibrosis"][UNTREATED, -1] > 0.01  # lasting damage remains
    # the critical patient keeps a residual CT abnormality and impaired gas exchange
    crit = typical_runs["critical"].observables
    assert crit["fibrosis"][UNTREATED, -1] > EVENT_PARAMS["ct_threshold"]
    assert crit["dlco"][UNTREATED, -1] < 80
    assert crit["pf_ratio"][UNTREATED, -1] < MSC_COVID.parameter("PF_0").value


def test_msc_at_days_10_and_13_helps_the_severe_patient(typical_runs):
    sol = typical_runs["severe"]
    assert _at(sol, "crp", 16, TREATED) < _at(sol, "crp", 16, UNTREATED)
    assert _at(sol, "il10", 16, TREATED) > _at(sol, "il10", 16, UNTREATED)
    pf = sol.observables["pf_ratio"]
    assert pf[TREATED].min() > pf[UNTREATED].min()
    fib = sol.observables["fibrosis"]
    assert fib[TREATED, -1] < fib[UNTREATED, -1]
    before = sol.t <= 10
    # identical dynamics before the first dose (steps differ only by landing on day 10)
    np.testing.assert_allclose(
        sol.states[TREATED, before], sol.states[UNTREATED, before], rtol=1e-5, atol=1e-9
    )


def test_zero_dose_is_bit_identical_to_untreated():
    p = typical_patient("severe")
    t = np.arange(0.0, 366.0)
    sol = simulate(MSC_COVID, p.params, p.y0, [Regimen(), Regimen.fixed(0.0, [10, 13])], t_eval=t)
    assert np.array_equal(sol.states[0], sol.states[1])


def test_effect_rises_with_dose_and_saturates():
    p = typical_patient("severe")
    doses = [0, 1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10]  # roughly 3-fold steps
    sol = simulate(
        MSC_COVID,
        p.params,
        p.y0,
        [Regimen.fixed(d, [10, 13]) for d in doses],
        t_eval=np.arange(0.0, 366.0),
    )
    fib = sol.observables["fibrosis"][:, -1]
    assert np.all(np.diff(fib) < 0)  # more cells, less lasting fibrosis
    nadir = sol.observables["pf_ratio"].min(axis=1)
    steps = np.diff(nadir)  # P/F nadir gained by each dose step
    assert np.all(steps[:4] > 0) and np.all(steps >= 0)
    assert steps[-1] < 0.1 * steps.max()  # plateau: lung entrapment saturates at cap_lung
    lodged = sol.observables["msc_lung"].max(axis=1)
    assert lodged.max() <= MSC_COVID.parameter("cap_lung").value
    assert np.all(np.diff(steps[3:]) <= 0)  # diminishing returns above 1e8 cells


def test_beijing_regimen_runs():
    # Meng 2020: three infusions of 3x10^7 UC-MSC; here at days 10, 13, 16
    p = typical_patient("moderate")
    sol = simulate(
        MSC_COVID, p.params, p.y0, Regimen.fixed(3e7, [10, 13, 16]), t_eval=np.arange(0, 61.0)
    )
    assert sol.status_counts() == {"ok": 1}
    assert sol.observables["msc_lung"][0, 11] > 0


def test_states_stay_non_negative(typical_runs):
    for sol in typical_runs.values():
        scale = np.array([s.scale for s in MSC_COVID.states])
        assert np.all(sol.states >= -1e-9 * scale)
