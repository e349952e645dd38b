"""The optional JAX backend: same answers as the NumPy solver, failure as data, no global side effects.

Every JAX solve here uses 20 patients (padded to 24 columns), 61 output times and at most
4 dose slots, so the whole module compiles the solver once.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from _cohort import mixed_cohort

from mscsim._errors import InputError
from mscsim.model import MSC_COVID, Regimen
from mscsim.solve import Status, simulate

T = np.arange(0.0, 61.0)
N = 20


def _jax(params, y0, regs):
    return simulate(MSC_COVID, params, y0, regs, t_eval=T, backend="jax")


@pytest.fixture(scope="module")
def runs():
    jax = pytest.importorskip("jax")
    x64 = jax.config.jax_enable_x64
    params, y0, regs = mixed_cohort(N)
    return {
        "numpy": simulate(MSC_COVID, params, y0, regs, t_eval=T),
        "jax": _jax(params, y0, regs),
        "cohort": (params, y0, regs),
        "x64": x64,
    }


def test_jax_matches_numpy_for_mixed_doses(runs):
    a, b = runs["numpy"], runs["jax"]
    assert list(b.status) == list(a.status) == [Status.OK] * N
    assert b.solver["backend"] == "jax"
    for name, x in a.observables.items():
        peak = np.maximum(np.abs(x).max(axis=1, keepdims=True), 1e-300)  # untreated: 0
        assert np.max(np.abs(b.observables[name] - x) / peak) < 1e-6, name
    # the doses act: treated patients differ from the untreated ones with the same host
    assert not np.allclose(b.observables["msc_lung"][1], 0.0)
    assert np.all(b.observables["msc_lung"][0::4] == 0.0)


def test_per_patient_stop_times_match_numpy(runs):
    params, y0, regs = runs["cohort"]
    stop = np.linspace(4.0, 59.5, N)  # some stop before their doses, 4.0 and 4.5 between days
    a = simulate(MSC_COVID, params, y0, regs, t_eval=T, t_stop=stop)
    b = simulate(MSC_COVID, params, y0, regs, t_eval=T, t_stop=stop, backend="jax")
    assert np.array_equal(np.isnan(b.states), np.isnan(a.states))
    assert np.array_equal(np.isnan(b.states[:, :, 0]), T[None, :] > stop[:, None])
    peak = np.maximum(np.nanmax(np.abs(a.states), axis=1, keepdims=True), 1e-300)
    assert np.nanmax(np.abs(b.states - a.states) / peak) < 1e-6


def test_zero_dose_equals_untreated(runs):
    params, y0, _ = runs["cohort"]
    zero = _jax(params, y0, [Regimen.fixed(0.0, [5, 9])] * N)
    untreated = _jax(params, y0, None)
    assert np.array_equal(zero.states, untreated.states)
    assert np.array_equal(untreated.states[0::4], runs["jax"].states[0::4])


def test_failing_patient_gets_a_status_and_the_others_are_untouched(runs):
    params, y0, regs = runs["cohort"]
    bad = {**params, "k_inj": params["k_inj"].copy()}
    bad["k_inj"][6] = np.nan
    sol = _jax(bad, y0, regs)
    ref = simulate(MSC_COVID, bad, y0, regs, t_eval=T)
    assert sol.status[6] == ref.status[6] == Status.NONFINITE
    others = np.arange(N) != 6
    assert np.all(sol.status[others] == Status.OK)
    assert np.array_equal(sol.states[others], runs["jax"].states[others])


def test_same_patient_gives_identical_results_in_another_cohort(runs):
    """Bit-identical for cohorts padded to the same size (17..24 patients here).

    Across padded sizes XLA may fuse differently (and contract a*b+c into FMAs), so results
    then agree to round-off only; that is not tested here as it needs a second compile.
    """
    params, y0, regs = runs["cohort"]
    rng = np.random.default_rng(0)
    idx = rng.permutation(N)[:17]
    other, oy0, _ = mixed_cohort(N, seed=99)  # three strangers join the cohort
    sub_p = {k: np.concatenate([v[idx], other[k][:3]]) for k, v in params.items()}
    sub_y = {k: np.concatenate([np.asarray(v)[idx], np.asarray(oy0[k])[:3]]) for k, v in y0.items()}
    sol = _jax(sub_p, sub_y, [regs[i] for i in idx] + [Regimen()] * 3)
    assert np.array_equal(sol.states[:17], runs["jax"].states[idx])
    assert np.array_equal(sol.n_steps[:17], runs["jax"].n_steps[idx])


def test_x64_is_not_left_switched_on(runs):
    import jax

    assert jax.config.jax_enable_x64 == runs["x64"]
    assert runs["jax"].states.dtype == np.float64


def test_backend_is_validated(monkeypatch):
    with pytest.raises(InputError, match="backend: must be 'auto' or 'numpy' or 'jax'"):
        simulate(MSC_COVID, t_eval=[0, 1], backend="torch")
    monkeypatch.setattr("mscsim.solve._simulate.find_spec", lambda name: None)
    with pytest.raises(InputError, match=r"pip install 'mscsim\[jax\]'"):
        simulate(MSC_COVID, t_eval=[0, 1], backend="jax")


def test_numpy_backend_never_imports_jax():
    code = (
        "import sys, mscsim, mscsim.solve as s; from mscsim.model import MSC_COVID; "
        "s.simulate(MSC_COVID, t_eval=[0, 1]); assert 'jax' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
