"""The Numba backend's lane kernel gives, bit for bit, what its scalar kernel gives.

`mscsim.solve._rosenbrock_lanes` steps `LANES` patients together in SIMD registers; the scalar
kernel (`_rosenbrock_numba._cohort_scalar`, one patient at a time) stays as the reference. Every
patient's outputs, status, step counts and first out-of-bounds output must be identical,
whatever the batch (not a multiple of the lane count, smaller than it), the order of the
patients, the number of threads, failures and early stops among the neighbours.
"""

from __future__ import annotations

import numpy as np
import pytest
from _cohort import mixed_cohort

from mscsim.model import MSC_COVID
from mscsim.solve import Rodas4, Status, simulate

numba = pytest.importorskip("numba")
rn = pytest.importorskip("mscsim.solve._rosenbrock_numba")

T = np.arange(0.0, 61.0)
N = 37  # 2 full groups of 16 lanes and 5 patients more (2 threads: 19 and 18)


def _raw(monkeypatch, kernel, params, y0, regs, **kw):
    """The kernel's `RawSolution` of a `simulate` call with the given kernel."""
    got = []
    integrate = rn.integrate

    def capture(*args, **kwargs):
        got.append(integrate(*args, **kwargs))
        return got[-1]

    with monkeypatch.context() as m:
        m.setattr(rn, "KERNEL", kernel)
        m.setattr(rn, "integrate", capture)
        simulate(MSC_COVID, params, y0, regs, t_eval=T, backend="numba", **kw)
    return got[0]


def _bits(x):
    x = np.ascontiguousarray(x)
    return x.view(np.uint8) if x.dtype.kind == "f" else x


def _assert_identical(a, b):
    for field in ("ys", "status", "n_steps", "n_rejected", "first_out", "observables"):
        x, y = getattr(a, field), getattr(b, field)
        assert x.shape == y.shape and x.dtype == y.dtype, field
        assert np.array_equal(_bits(x), _bits(y)), field


def _take(cohort, idx):
    params, y0, regs = cohort
    return (
        {k: np.asarray(v)[idx] for k, v in params.items()},
        {k: np.asarray(v)[idx] for k, v in y0.items()},
        [regs[i] for i in idx],
    )


@pytest.fixture(scope="module")
def cohort():
    """Mixed doses; patient 6 non-finite from the start, patient 11 with an absurd viral load."""
    params, y0, regs = mixed_cohort(N, seed=5)
    y0 = {k: np.array(v, dtype=float) for k, v in y0.items()}
    y0["V"][6] = np.nan
    y0["V"][11] *= 1e200
    return params, y0, regs


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"t_stop": np.linspace(0.0, 60.0, N)},  # the first patient stops at t0, others midway
        {"horizon": 90.0},
        # those stopping late hit max_steps while their neighbours go on
        {"solver": Rodas4(max_steps=300), "t_stop": np.linspace(0.0, 60.0, N)},
        # trajectories in per-lane slots, a few states kept
        {"states": ["F", "V", "Tv"], "t_stop": np.linspace(0.0, 60.0, N)},
    ],
    ids=["plain", "t_stop", "horizon", "max_steps", "states"],
)
def test_lanes_equal_the_scalar_kernel_bit_for_bit(monkeypatch, cohort, kw):
    scalar = _raw(monkeypatch, "scalar", *cohort, **kw)
    lanes = _raw(monkeypatch, "lanes", *cohort, **kw)
    _assert_identical(scalar, lanes)
    assert scalar.status[6] == Status.NONFINITE and scalar.status[11] != Status.OK
    assert (scalar.status == Status.OK).sum() >= N // 3 and np.any(scalar.n_rejected > 0)
    if "solver" in kw:
        assert np.any(scalar.status == Status.MAX_STEPS)


def test_lanes_do_not_depend_on_neighbours_batch_or_threads(monkeypatch, cohort):
    ref = _raw(monkeypatch, "scalar", *cohort)
    idx = np.random.default_rng(1).permutation(N)
    before = numba.get_num_threads()
    counts = sorted({1, min(2, numba.config.NUMBA_NUM_THREADS), before})
    try:
        for k in counts:
            numba.set_num_threads(k)
            shuffled = _raw(monkeypatch, "lanes", *_take(cohort, idx))
            for field in ("ys", "status", "n_steps", "n_rejected", "first_out"):
                x, y = getattr(ref, field)[idx], getattr(shuffled, field)
                assert np.array_equal(_bits(x), _bits(y)), (k, field)
            few = _raw(monkeypatch, "lanes", *_take(cohort, [13, 6, 2]))  # fewer than the lanes
            assert np.array_equal(_bits(few.ys), _bits(ref.ys[[13, 6, 2]])), k
    finally:
        numba.set_num_threads(before)
