"""The optional Numba backend: the NumPy solver's answers, failure as data, determinism, caching.

The first run on a machine compiles the model (about 20 s) into the on-disk cache
(``~/.cache/mscsim/numba`` or ``$MSCSIM_CACHE_DIR/numba``); later runs load it in about 1 s.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import sympy as sp
from _cohort import mixed_cohort

from mscsim._errors import InputError
from mscsim.model import MSC_COVID, Regimen
from mscsim.solve import Rodas4, Status, compiled, simulate

numba = pytest.importorskip("numba")

T = np.arange(0.0, 61.0)
N = 20


def _numba(params, y0, regs, **kw):
    return simulate(MSC_COVID, params, y0, regs, t_eval=T, backend="numba", **kw)


@pytest.fixture(scope="module")
def runs():
    params, y0, regs = mixed_cohort(N)
    return {
        "numpy": simulate(MSC_COVID, params, y0, regs, t_eval=T),
        "numba": _numba(params, y0, regs),
        "cohort": (params, y0, regs),
    }


def test_numba_matches_numpy_for_mixed_doses(runs):
    a, b = runs["numpy"], runs["numba"]
    assert list(b.status) == list(a.status) == [Status.OK] * N
    assert b.solver["backend"] == "numba"
    for name, x in a.observables.items():
        peak = np.maximum(np.abs(x).max(axis=1, keepdims=True), 1e-300)  # untreated: 0
        assert np.max(np.abs(b.observables[name] - x) / peak) < 1e-7, name
    # same operations in the same order: the same accepted and rejected steps
    assert np.array_equal(b.n_steps, a.n_steps)
    assert np.array_equal(b.n_rejected, a.n_rejected)
    assert not np.allclose(b.observables["msc_lung"][1], 0.0)  # the doses act
    assert np.all(b.observables["msc_lung"][0::4] == 0.0)


def test_per_patient_stop_times_match_numpy(runs):
    params, y0, regs = runs["cohort"]
    stop = np.linspace(4.0, 59.5, N)  # some stop before their doses, 4.0 and 4.5 between days
    a = simulate(MSC_COVID, params, y0, regs, t_eval=T, t_stop=stop)
    b = _numba(params, y0, regs, t_stop=stop)
    assert np.array_equal(np.isnan(b.states[:, :, 0]), T[None, :] > stop[:, None])
    assert np.array_equal(np.isnan(b.states), np.isnan(a.states))
    peak = np.maximum(np.nanmax(np.abs(a.states), axis=1, keepdims=True), 1e-300)
    assert np.nanmax(np.abs(b.states - a.states) / peak) < 1e-7
    assert np.array_equal(b.n_steps, a.n_steps)
    assert (
        np.all(b.n_steps <= runs["numba"].n_steps) and b.n_steps[0] < runs["numba"].n_steps[0] / 2
    )


def test_zero_dose_equals_untreated(runs):
    params, y0, _ = runs["cohort"]
    zero = _numba(params, y0, [Regimen.fixed(0.0, [5, 9])] * N)
    untreated = _numba(params, y0, None)
    assert np.array_equal(zero.states, untreated.states)
    assert np.array_equal(untreated.states[0::4], runs["numba"].states[0::4])


def test_failing_patient_gets_a_status_and_the_others_are_untouched(runs):
    params, y0, regs = runs["cohort"]
    bad = {**params, "k_inj": params["k_inj"].copy()}
    bad["k_inj"][6] = np.nan
    sol = _numba(bad, y0, regs)
    ref = simulate(MSC_COVID, bad, y0, regs, t_eval=T)
    assert sol.status[6] == ref.status[6] == Status.NONFINITE
    assert sol.n_steps[6] == ref.n_steps[6]
    others = np.arange(N) != 6
    assert np.all(sol.status[others] == Status.OK)
    assert np.array_equal(sol.states[others], runs["numba"].states[others])
    few = _numba(params, y0, regs, solver=Rodas4(max_steps=20))
    ref = simulate(MSC_COVID, params, y0, regs, t_eval=T, solver=Rodas4(max_steps=20))
    assert np.all(few.status == Status.MAX_STEPS) and np.all(few.n_steps == 20)
    assert np.array_equal(few.states, ref.states, equal_nan=True)


def test_same_patient_gives_identical_results_in_another_cohort(runs):
    params, y0, regs = runs["cohort"]
    idx = np.random.default_rng(0).permutation(N)[:13]
    other, oy0, _ = mixed_cohort(N, seed=99)  # three strangers join, shuffled in
    sub_p = {k: np.concatenate([other[k][:3], v[idx]]) for k, v in params.items()}
    sub_y = {k: np.concatenate([np.asarray(oy0[k])[:3], np.asarray(v)[idx]]) for k, v in y0.items()}
    sol = _numba(sub_p, sub_y, [Regimen()] * 3 + [regs[i] for i in idx])
    assert np.array_equal(sol.states[3:], runs["numba"].states[idx])
    assert np.array_equal(sol.n_steps[3:], runs["numba"].n_steps[idx])
    one = _numba(
        {k: v[[5]] for k, v in params.items()},
        {k: np.asarray(v)[[5]] for k, v in y0.items()},
        [regs[5]],
    )
    assert np.array_equal(one.states[0], runs["numba"].states[5])


def test_results_do_not_depend_on_the_number_of_threads(runs):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 Numba threads")
    params, y0, regs = runs["cohort"]
    before = numba.get_num_threads()
    try:
        out = {}
        for k in (1, 2):
            numba.set_num_threads(k)
            out[k] = _numba(params, y0, regs)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(out[1].states, out[2].states)
    assert np.array_equal(out[1].states, runs["numba"].states)


def test_scalar_printer_matches_sympy():
    from mscsim.solve._numba_codegen import ScalarPrinter

    x, k = sp.symbols("x k", real=True)
    exprs = [
        sp.exp(-x) * sp.log(k),
        x**-3 + x**2.5 + sp.sqrt(x) + k**7,
        sp.Max(x - k, 0),
        sp.Heaviside(x - k),
        sp.Heaviside(k - x),
        x / (x + k) ** 2,
    ]
    env = {"math": math, "fmax": lambda a, b: a if (a > b or a != a) else b, "x": 1.7, "k": 0.6}
    for e in exprs:
        got = eval(ScalarPrinter().doprint(e), env)  # noqa: S307 - our own generated text
        assert got == pytest.approx(float(e.subs({x: 1.7, k: 0.6})), rel=1e-14), e
    env["x"] = math.nan
    assert math.isnan(eval(ScalarPrinter().doprint(sp.Max(x, 0)), env))  # NaN propagates
    with pytest.raises(TypeError, match="Numba backend"):
        ScalarPrinter().doprint(sp.sin(x))


def test_backend_is_validated(monkeypatch):
    with pytest.raises(InputError, match="backend: must be .*'numba'"):
        simulate(MSC_COVID, t_eval=[0, 1], backend="numbaa")
    monkeypatch.setattr("mscsim.solve._simulate.find_spec", lambda name: None)
    with pytest.raises(
        InputError, match=r"backend: 'numba' needs numba: pip install 'mscsim\[fast\]'"
    ):
        simulate(MSC_COVID, t_eval=[0, 1], backend="numba")


def test_compiled_code_is_cached_on_disk_and_survives_fork(runs):
    """A new process loads the cache written above; a forked child can solve too."""
    from mscsim.solve._rosenbrock_numba import load

    path = sys.modules[load(compiled(MSC_COVID)).__name__].__file__
    stamp = os.stat(path).st_mtime_ns
    code = textwrap.dedent("""
        import os, sys, numpy as np
        from mscsim.model import MSC_COVID
        from mscsim.solve import compiled, simulate
        simulate(MSC_COVID, t_eval=[0, 1], backend="numpy")
        assert "numba" not in sys.modules  # the NumPy backend never imports it
        sol = simulate(MSC_COVID, {"k_inj": np.full(3, 0.5)}, t_eval=[0, 5], backend="numba")
        from mscsim.solve._rosenbrock_numba import load
        stats = load(compiled(MSC_COVID))._cohort.stats
        assert stats.cache_hits and not stats.cache_misses, stats
        pid = os.fork()
        if pid == 0:
            s = simulate(MSC_COVID, {"k_inj": np.full(3, 0.5)}, t_eval=[0, 5], backend="numba")
            os._exit(0 if np.array_equal(s.states, sol.states) else 3)
        assert os.waitpid(pid, 0)[1] == 0
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
    assert os.stat(path).st_mtime_ns == stamp  # the generated file is never rewritten
