"""Backend conformance: numpy, Numba and JAX solve the same problems to the same answers.

One suite, parametrized over the installed backends (`BACKENDS`). The contract
(docs/trials.md "Reproducibility"): each backend is bitwise reproducible for a patient whatever
the cohort it is solved in (JAX: cohorts padded to the same size), and every backend agrees
with the numpy backend to `RTOL` relative to each trajectory's peak, with the same statuses.
Backend-specific machinery (Numba's cache and threads, JAX's float64 switch) is tested at the
end. JAX solves here use 20 patients (padded to 24 columns), 61 output times and at most
4 dose slots, so the module compiles the JAX solver once; the Numba backend compiles the model
once into its on-disk cache (about 20 s the first time on a machine).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from importlib.util import find_spec

import numpy as np
import pytest
import sympy as sp
from _cohort import mixed_cohort

from mscsim._errors import InputError
from mscsim.model import MSC_COVID, Regimen
from mscsim.solve import Rodas4, Status, compiled, simulate
from mscsim.solve._policy import CONTROLS, RODAS4_POLICY

T = np.arange(0.0, 61.0)
N = 20
RTOL = 1e-10  # agreement between backends, relative to each trajectory's peak (or its scale)
SCALE = np.array([s.scale for s in MSC_COVID.states])  # states near 0 differ by round-off of it
BACKENDS = [
    pytest.param(b, marks=pytest.mark.skipif(find_spec(b) is None, reason=f"{b} not installed"))
    for b in ("numpy", "numba", "jax")
]


def _solve(backend, params, y0, regs, **kw):
    return simulate(MSC_COVID, params, y0, regs, t_eval=T, backend=backend, **kw)


def _close(a, b, floor=1e-300):
    peak = np.maximum(np.nanmax(np.abs(a), axis=1, keepdims=True), floor)  # untreated: 0
    return np.nanmax(np.abs(b - a) / peak) < RTOL


@pytest.fixture(scope="module")
def cohort():
    return mixed_cohort(N)


@pytest.fixture(scope="module")
def reference(cohort):
    return _solve("numpy", *cohort)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request, cohort):
    return request.param, _solve(request.param, *cohort)


def test_agrees_with_numpy_for_mixed_doses(backend, reference):
    name, sol = backend
    assert list(sol.status) == list(reference.status) == [Status.OK] * N
    assert sol.solver["backend"] == sol.provenance["backend"] == name
    assert sol.provenance["cpu_simd"] and sol.provenance["numpy"] == np.__version__
    for obs, x in reference.observables.items():
        assert _close(x, sol.observables[obs]), obs
    assert _close(reference.states, sol.states, SCALE)
    # the same operations in the same order: the same accepted and rejected steps
    np.testing.assert_array_equal(sol.n_steps, reference.n_steps)
    np.testing.assert_array_equal(sol.n_rejected, reference.n_rejected)
    assert not np.allclose(sol.observables["msc_lung"][1], 0.0)  # the doses act
    assert np.all(sol.observables["msc_lung"][0::4] == 0.0)


def test_per_patient_stop_times(backend, cohort, reference):
    name, full = backend
    stop = np.linspace(4.0, 59.5, N)  # some stop before their doses, 4.0 and 4.5 between days
    a = _solve("numpy", *cohort, t_stop=stop)
    b = _solve(name, *cohort, t_stop=stop)
    assert np.array_equal(np.isnan(b.states[:, :, 0]), T[None, :] > stop[:, None])
    assert np.array_equal(np.isnan(b.states), np.isnan(a.states))
    assert _close(a.states, b.states, SCALE)
    for k, x in a.observables.items():  # NaN exactly where numpy has NaN, close elsewhere
        assert np.array_equal(np.isnan(b.observables[k]), np.isnan(x)), k
        assert _close(x, b.observables[k]), k
    np.testing.assert_array_equal(b.n_steps, a.n_steps)
    assert np.all(b.n_steps <= full.n_steps) and b.n_steps[0] < full.n_steps[0] / 2


def test_horizon_gives_the_outputs_of_the_longer_solve_at_less_cost(backend, cohort):
    """`horizon`: steps planned towards it (they land on it), the solve stops after the last
    output; the outputs equal those of the solve whose outputs go on to the horizon."""
    name, full = backend  # outputs on days 0..60
    short = T[T <= 20.0]
    cut = simulate(
        MSC_COVID, *cohort, t_eval=short, backend=name, horizon=60.0
    )  # outputs to day 20, steps planned to day 60
    assert np.array_equal(cut.states, full.states[:, : short.size], equal_nan=True)
    for k, x in full.observables.items():
        assert np.array_equal(cut.observables[k], x[:, : short.size], equal_nan=True), k
    assert list(cut.status) == list(full.status)
    assert np.all(cut.n_steps < full.n_steps)
    plain = simulate(MSC_COVID, *cohort, t_eval=short, backend=name)  # steps planned to day 20
    assert not np.array_equal(plain.states, cut.states)
    with pytest.raises(InputError, match="^horizon"):
        simulate(MSC_COVID, *cohort, t_eval=short, backend=name, horizon=10.0)


def test_a_selection_of_observables_gives_those_values_and_no_others(backend, cohort):
    """`observables=`: only the named observables are computed (the Numba backend skips the
    others' work); their values are those of the full solve, bit for bit."""
    name, full = backend
    names = ["pf_ratio", "il6", "msc_lung"]
    part = _solve(name, *cohort, observables=names)
    assert sorted(part.observables) == sorted(names)
    for k in names:
        assert np.array_equal(part.observables[k], full.observables[k], equal_nan=True), k
    assert np.array_equal(part.states, full.states, equal_nan=True)
    assert _solve(name, *cohort, observables=[]).observables == {}
    for bad in (["pf_ratio", "nope"], "pf_ratio"):
        with pytest.raises(InputError, match="^observables"):
            _solve(name, *cohort, observables=bad)


@pytest.mark.parametrize("kw", [{}, {"t_stop": np.linspace(0.0, 60.0, N)}], ids=["plain", "t_stop"])
def test_a_selection_of_states_gives_those_values_in_that_order(backend, cohort, kw):
    """`states=`: only the named states are returned, in the order asked (the Numba backend
    keeps full trajectories only while a patient is solved); states, observables, statuses
    and step counts are those of the full solve, bit for bit."""
    name, _ = backend
    full = _solve(name, *cohort, **kw)
    names = ["V", "Tv", "F"]
    part = _solve(name, *cohort, states=names, **kw)
    assert part.state_names == tuple(names) and part.states.shape == (N, T.size, 3)
    idx = [MSC_COVID.state_names.index(s) for s in names]
    assert np.array_equal(part.states, full.states[:, :, idx], equal_nan=True)
    assert np.array_equal(part.state("Tv"), full.state("Tv"), equal_nan=True)
    none = _solve(name, *cohort, states=[], observables=["pf_ratio"], **kw)
    assert none.states.shape == (N, T.size, 0)
    assert np.array_equal(
        none.observables["pf_ratio"], full.observables["pf_ratio"], equal_nan=True
    )
    for got in (part, none):
        for k in ("status", "n_steps", "n_rejected"):
            assert np.array_equal(getattr(got, k), getattr(full, k)), k
    for k, x in full.observables.items():
        assert np.array_equal(part.observables[k], x, equal_nan=True), k
    for bad in (["V", "nope"], "V"):
        with pytest.raises(InputError, match="^states"):
            _solve(name, *cohort, states=bad)
    with pytest.raises(InputError, match="^state: .*kept"):
        part.state("I")


def test_zero_dose_equals_untreated(backend, cohort):
    name, full = backend
    params, y0, _ = cohort
    zero = _solve(name, params, y0, [Regimen.fixed(0.0, [5, 9])] * N)
    untreated = _solve(name, params, y0, None)
    assert np.array_equal(zero.states, untreated.states)
    assert np.array_equal(untreated.states[0::4], full.states[0::4])


def test_failing_patient_gets_a_status_and_the_others_are_untouched(backend, cohort):
    name, full = backend
    params, y0, regs = cohort
    bad = {k: np.array(v, dtype=float) for k, v in y0.items()}
    bad["V"][6] = np.nan  # a NaN initial state: every step of patient 6 is non-finite
    sol = _solve(name, params, bad, regs)
    ref = _solve("numpy", params, bad, regs)
    assert sol.status[6] == ref.status[6] == Status.NONFINITE
    assert sol.n_steps[6] == ref.n_steps[6]
    for k, x in ref.observables.items():
        assert np.array_equal(np.isnan(sol.observables[k]), np.isnan(x)), k
    others = np.arange(N) != 6
    assert np.all(sol.status[others] == Status.OK)
    assert np.array_equal(sol.states[others], full.states[others])
    few = _solve(name, params, y0, regs, solver=Rodas4(max_steps=20))
    ref = _solve("numpy", params, y0, regs, solver=Rodas4(max_steps=20))
    assert np.all(few.status == Status.MAX_STEPS) and np.all(few.n_steps == 20)
    assert np.array_equal(np.isnan(few.states), np.isnan(ref.states))


def test_same_patient_gives_identical_results_in_another_cohort(backend, cohort):
    """Bitwise, shuffled among strangers; for JAX in a cohort padded to the same size (17..24
    patients here: across padded sizes XLA may fuse differently, round-off only)."""
    name, full = backend
    params, y0, regs = cohort
    idx = np.random.default_rng(0).permutation(N)[:17]
    other, oy0, _ = mixed_cohort(N, seed=99)  # three strangers join, shuffled in
    sub_p = {k: np.concatenate([other[k][:3], v[idx]]) for k, v in params.items()}
    sub_y = {k: np.concatenate([np.asarray(oy0[k])[:3], np.asarray(v)[idx]]) for k, v in y0.items()}
    sol = _solve(name, sub_p, sub_y, [Regimen()] * 3 + [regs[i] for i in idx])
    assert np.array_equal(sol.states[3:], full.states[idx])
    assert np.array_equal(sol.n_steps[3:], full.n_steps[idx])
    if name != "jax":
        one = _solve(
            name,
            {k: v[[5]] for k, v in params.items()},
            {k: np.asarray(v)[[5]] for k, v in y0.items()},
            [regs[5]],
        )
        assert np.array_equal(one.states[0], full.states[5])


def test_every_backend_reads_the_one_step_policy():
    """No backend keeps a step-control literal of its own: the constants live in the policy."""
    import re

    import mscsim.solve

    src = os.path.dirname(mscsim.solve.__file__)
    for module in ("_rosenbrock.py", "_rosenbrock_numba.py", "_rosenbrock_jax.py"):
        with open(os.path.join(src, module)) as fh:
            text = fh.read()
        for literal in ("0.9 ", "6.0", "1e-10", "1e-12", "0.5)", "0.1)"):
            assert literal not in text, (module, literal)
        assert re.search(r"policy|ctl", text)
    assert len(RODAS4_POLICY.controls()) == len(CONTROLS)


@pytest.mark.parametrize("name", ["numpy", "numba", "jax", "auto"])
def test_backend_is_validated(name, monkeypatch):
    with pytest.raises(InputError, match="backend: must be 'auto' or 'numpy' or 'jax' or 'numba'"):
        simulate(MSC_COVID, t_eval=[0, 1], backend="torch")
    if name in ("numba", "jax"):
        monkeypatch.setattr("mscsim.solve._simulate.find_spec", lambda _: None)
        with pytest.raises(InputError, match=rf"backend: '{name}' needs .*pip install 'mscsim\["):
            simulate(MSC_COVID, t_eval=[0, 1], backend=name)


# backend-specific machinery ------------------------------------------------------------------
def test_numpy_backend_imports_neither_numba_nor_jax():
    code = (
        "import sys, mscsim.solve as s; from mscsim.model import MSC_COVID; "
        "s.simulate(MSC_COVID, t_eval=[0, 1], backend='numpy'); "
        "assert 'jax' not in sys.modules and 'numba' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_jax_leaves_float64_switched_off():
    jax = pytest.importorskip("jax")
    before = jax.config.jax_enable_x64
    sol = _solve("jax", *mixed_cohort(N))
    assert jax.config.jax_enable_x64 == before and sol.states.dtype == np.float64


def test_numba_results_do_not_depend_on_the_number_of_threads(cohort):
    numba = pytest.importorskip("numba")
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 Numba threads")
    before = numba.get_num_threads()
    try:
        out = {}
        for k in (1, 2):
            numba.set_num_threads(k)
            out[k] = _solve("numba", *cohort)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(out[1].states, out[2].states)


def test_numba_scalar_printer_matches_sympy():
    pytest.importorskip("numba")
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


def test_numba_code_is_cached_on_disk_and_survives_fork(cohort):
    """A new process loads the cache written here; a forked child can solve too."""
    pytest.importorskip("numba")
    from mscsim.solve._rosenbrock_numba import load

    _solve("numba", *cohort)
    path = sys.modules[load(compiled(MSC_COVID)).__name__].__file__
    stamp = os.stat(path).st_mtime_ns
    code = textwrap.dedent("""
        import os, sys, numpy as np
        from mscsim.model import MSC_COVID
        from mscsim.solve import compiled, simulate
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


def test_generated_module_found_by_source_key_without_sympy(cohort, monkeypatch):
    """A second load finds the module through its key's index; a stale or missing index
    entry makes it generate the text again."""
    pytest.importorskip("numba")
    import mscsim.solve._rosenbrock_numba as rn

    cm = compiled(MSC_COVID)
    mod = rn.load(cm)  # index written (or found)
    index = rn._cache_dir() / f"key_{rn.source_key(cm)[:40]}.txt"
    assert index.read_text().strip() == mod.__name__

    def no_sympy(_cm):
        raise AssertionError("text generated although the index names the module")

    monkeypatch.setattr(rn, "module_text", no_sympy)
    assert rn.load.__wrapped__(cm).__name__ == mod.__name__
    monkeypatch.undo()
    text = rn.module_text(cm)  # the name in the index is the hash of the text it stands for
    assert mod.__name__.endswith(rn.hashlib.sha256(text.encode()).hexdigest()[:24])
    original = index.read_text()
    try:
        index.write_text("mscsim_numba_missing\n")
        calls = []
        monkeypatch.setattr(rn, "module_text", lambda c: calls.append(1) or text)
        assert rn.load.__wrapped__(cm).__name__ == mod.__name__ and calls == [1]
    finally:
        index.write_text(original)
