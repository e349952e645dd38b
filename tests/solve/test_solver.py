"""The batched Rosenbrock solver: accuracy, order, determinism across batch sizes, failure as data."""

from __future__ import annotations

import numpy as np
import pytest
from _cohort import random_cohort
from scipy.integrate import solve_ivp

from mscsim._errors import InputError
from mscsim.model import (
    MSC_COVID,
    Model,
    Observable,
    Parameter,
    Regimen,
    State,
    typical_patient,
)
from mscsim.solve import Rodas4, Status, compiled, simulate


def test_agrees_with_scipy_radau_on_random_patients():
    params, y0 = random_cohort(4, seed=1)
    t = np.linspace(0, 120, 121)
    sol = simulate(MSC_COVID, params, y0, t_eval=t)
    cm = compiled(MSC_COVID)
    base = MSC_COVID.default_parameters()
    for i in range(4):
        p = [
            np.asarray(params.get(k, base[k])).reshape(-1)[i] if k in params else base[k]
            for k in MSC_COVID.parameter_names
        ]
        x0 = np.array(
            [
                ({**MSC_COVID.healthy_state(), **y0}[s] * np.ones(4))[i]
                for s in MSC_COVID.state_names
            ]
        )
        ref = solve_ivp(
            lambda _t, x, p=p: np.stack(cm.rhs(x[:, None], p, np))[:, 0],
            (0, 120),
            x0,
            method="Radau",
            t_eval=t,
            rtol=1e-10,
            atol=1e-12,
        )
        y = sol.states[i].T
        peak = np.maximum(np.abs(ref.y).max(axis=1, keepdims=True), 1e-12)
        assert np.max(np.abs(y - ref.y) / peak) < 1e-4


def test_same_patient_gives_identical_results_whatever_the_batch():
    params, y0 = random_cohort(16, seed=2)
    regs = [Regimen.fixed(1e8 * (i % 3), [10, 13]) for i in range(16)]
    t = np.arange(0.0, 200.0)
    full = simulate(MSC_COVID, params, y0, regs, t_eval=t)
    for idx in ([5], [15, 3, 7]):
        sub = simulate(
            MSC_COVID,
            {k: v[idx] for k, v in params.items()},
            {k: np.asarray(v)[idx] for k, v in y0.items()},
            [regs[i] for i in idx],
            t_eval=t,
        )
        assert np.array_equal(sub.states, full.states[idx])


def _decay_model() -> Model:
    """y' = -k y: the exact solution checks the method's convergence order."""
    return Model(
        name="decay",
        description="linear decay",
        time_unit="day",
        states=(State(name="y", unit="1", description="y", healthy=1.0),),
        parameters=(
            Parameter(
                name="k",
                value=2.0,
                unit="1/day",
                lower=0,
                upper=10,
                kind="assumed",
                description="rate",
            ),
        ),
        expressions=(),
        odes={"y": "-k * y + 0 * pos(y)"},
        observables=(Observable(name="out", formula="y", unit="1", description="y"),),
        dose_state="y",
    )


def test_error_shrinks_with_tolerance_and_bolus_is_exact():
    m = _decay_model()
    errs = []
    for rtol in (1e-4, 1e-6, 1e-8):
        sol = simulate(
            m,
            t_eval=[0, 1, 2, 3],
            regimen=Regimen(((1.5, 2.0),)),
            solver=Rodas4(rtol=rtol, atol=1e-12),
        )
        exact = np.array([1, np.exp(-2), np.exp(-4) + 2 * np.exp(-1), np.exp(-6) + 2 * np.exp(-3)])
        errs.append(np.abs(sol.observables["out"][0] - exact).max())
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 1e-7


def test_failures_are_reported_not_raised():
    params, y0 = random_cohort(3, seed=3)
    y0 = {k: np.array(v, dtype=float) for k, v in y0.items()}
    y0["V"][1] = np.nan
    sol = simulate(MSC_COVID, params, y0, t_eval=np.arange(0.0, 30.0))
    assert list(sol.status) == [Status.OK, Status.NONFINITE, Status.OK]
    assert sol.status_counts() == {"failed: nonfinite": 1, "ok": 2}
    assert np.isfinite(sol.states[[0, 2]]).all()
    few = simulate(MSC_COVID, params, y0, t_eval=np.arange(0.0, 30.0), solver=Rodas4(max_steps=20))
    assert (few.status == Status.MAX_STEPS).sum() >= 2


def test_bad_inputs_name_the_field():
    with pytest.raises(InputError, match="t_eval"):
        simulate(MSC_COVID, t_eval=[3, 1])
    with pytest.raises(InputError, match="params"):
        simulate(MSC_COVID, {"nope": 1.0}, t_eval=[0, 1])
    with pytest.raises(InputError, match="batch"):
        simulate(MSC_COVID, {"k_C": [1, 1]}, {"V": [1, 2, 3]}, t_eval=[0, 1])
    with pytest.raises(InputError, match="rtol"):
        Rodas4(rtol=2.0)


def test_typical_patient_rejects_unknown_severity():
    with pytest.raises(InputError, match="--severity"):
        typical_patient("extreme")
