"""Guards around a solve (solve/_guards.py): bad parameters rejected, garbage states flagged."""

from __future__ import annotations

from importlib.util import find_spec

import numpy as np
import pytest
from _cohort import random_cohort

from mscsim._errors import InputError
from mscsim.model import MSC_COVID, Regimen
from mscsim.solve import Rodas4, Status, simulate
from mscsim.solve import _guards as guards
from mscsim.solve._guards import flag_out_of_bounds

T = np.arange(0.0, 61.0)


@pytest.mark.parametrize("value", [np.nan, np.inf, -0.5, 0.0, 5e-5, 1e6])
def test_an_inadmissible_parameter_is_one_line_naming_it(value):
    params, y0 = random_cohort(4, seed=5)
    params["k_inj"] = np.array([params["k_inj"][0], value, 0.1, 0.1])
    with pytest.raises(InputError, match=r"^params\.k_inj: must be a finite number in \[0\.0001,"):
        simulate(MSC_COVID, params, y0, t_eval=T)
    with pytest.raises(InputError, match=r"^params\.f_trap: .*\[0\.003, 1\]"):
        simulate(MSC_COVID, {"f_trap": 1.2}, t_eval=T)  # a fraction stays a fraction
    simulate(MSC_COVID, {"k_inj": 0.0002, "f_trap": 1.0}, t_eval=[0.0, 1.0])  # admissible


def test_admissible_ranges_cover_x01_to_x10_of_every_plausible_value():
    for p in MSC_COVID.parameters:
        lo, hi = p.admissible
        assert lo <= p.lower * 0.1 + 0.0 and (hi >= p.upper * 10 or (p.unit == "1" and hi == 1))
        assert lo >= 0 or p.lower < 0  # positive parameters stay positive


def test_states_out_of_bounds_become_a_failure_from_that_time_on():
    ys = np.zeros((3, 5, len(MSC_COVID.states)))
    status = np.array([0, 0, 1], dtype=np.int8)
    il6 = MSC_COVID.state_names.index("IL6x")
    ys[0, 2, il6] = -10.5  # below -1 x scale (10 pg/mL)
    ys[1, 3, 0] = -0.9  # within: -1 x scale of V is -1
    ys[2, 1, 0] = -5.0  # already failed: left alone
    flag_out_of_bounds(MSC_COVID, ys, status)
    assert list(status) == [Status.OUT_OF_BOUNDS, Status.OK, Status.MAX_STEPS]
    assert np.isnan(ys[0, 2:]).all() and np.isfinite(ys[0, :2]).all()
    assert np.isfinite(ys[1:]).all()
    assert Status(4).label == "failed: out_of_bounds"


def test_perturbed_patients_never_report_garbage_as_ok(monkeypatch):
    """Issue 12: every parameter x0.1-x10 on many patients over a year at the trial tolerance;
    no `ok` patient leaves its bounds. The parameter check is bypassed here (fractions above 1
    are what drives states to garbage, and the check rejects them, tested below) so that the
    state guard is exercised: it must flag some patients, and leave no garbage `ok`."""
    monkeypatch.setattr("mscsim.solve._simulate.check_parameters", lambda model, values: None)
    n = 2000
    params, y0 = random_cohort(n, seed=12)
    rng = np.random.default_rng(12)
    for p in MSC_COVID.parameters:
        base = np.asarray(params.get(p.name, p.value), dtype=float) * np.ones(n)
        params[p.name] = base * 10 ** rng.uniform(-1, 1, n)
    regs = [Regimen.fixed(1e8 * (i % 3), [5, 8]) for i in range(n)]
    sol = simulate(
        MSC_COVID,
        params,
        y0,
        regs,
        t_eval=np.arange(0.0, 366.0),
        solver=Rodas4(rtol=1e-4, atol=1e-7),
    )
    lo = np.array([s.bounds[0] for s in MSC_COVID.states])
    hi = np.array([s.bounds[1] for s in MSC_COVID.states])
    x = sol.states[sol.ok]
    assert np.isfinite(x).all() and (x >= lo).all() and (x <= hi).all()
    counts = sol.status_counts()
    assert counts.get("failed: out_of_bounds", 0) > 10  # garbage was there, and was caught
    assert counts["ok"] > n * 0.8 and sum(counts.values()) == n
    monkeypatch.undo()
    with pytest.raises(InputError, match="^params"):
        simulate(MSC_COVID, params, y0, regs, t_eval=[0.0, 1.0])


@pytest.mark.skipif(find_spec("numba") is None, reason="needs numba")
def test_numba_scan_of_the_bounds_flags_what_the_generic_scan_flags(monkeypatch):
    """The Numba kernel finds each patient's first out-of-bounds output itself
    (`RawSolution.first_out`); the result equals the generic scan over the trajectories."""
    monkeypatch.setattr("mscsim.solve._simulate.check_parameters", lambda model, values: None)
    n = 1000
    params, y0 = random_cohort(n, seed=12)
    rng = np.random.default_rng(12)
    for p in MSC_COVID.parameters:
        base = np.asarray(params.get(p.name, p.value), dtype=float) * np.ones(n)
        params[p.name] = base * 10 ** rng.uniform(-1, 1, n)
    run = lambda: simulate(  # noqa: E731
        MSC_COVID,
        params,
        y0,
        [Regimen.fixed(1e8 * (i % 3), [5, 8]) for i in range(n)],
        t_eval=np.arange(0.0, 366.0),
        backend="numba",
        solver=Rodas4(rtol=1e-4, atol=1e-7),
    )
    fast = run()
    generic = guards.flag_out_of_bounds
    monkeypatch.setattr(
        "mscsim.solve._simulate.flag_out_of_bounds", lambda m, ys, st, first: generic(m, ys, st)
    )
    slow = run()
    assert (fast.status == Status.OUT_OF_BOUNDS).sum() > 5
    np.testing.assert_array_equal(fast.status, slow.status)
    np.testing.assert_array_equal(fast.states, slow.states)
    for k in fast.observables:
        np.testing.assert_array_equal(fast.observables[k], slow.observables[k])
