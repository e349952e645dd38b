"""The export's negative log-likelihood computed with mscsim's own solver (no PEtab tools).

An independent check of a PEtab export: the same conditions (typical patients, infusions),
observables and noise model as the exported files, simulated by `mscsim.solve.simulate` and
scored with scipy's densities. PEtab tools (pyPESTO, AMICI, Data2Dynamics) should give the
same value for the same parameters (tests/io/test_petab.py checks pyPESTO).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats

from mscsim.io._petab_problem import Problem
from mscsim.model import MSC_COVID, Regimen
from mscsim.solve import Rodas4, simulate

CHANGE = "_change"


def _values(problem: Problem, estimated: Mapping[str, float] | None) -> dict[str, float]:
    known = {e.name for e in problem.estimated}
    unknown = sorted(set(estimated or {}) - known)
    if unknown:
        raise KeyError(f"not estimated in this problem: {unknown}")
    return {**{e.name: e.parameter.value for e in problem.estimated}, **(estimated or {})}


def predictions(
    problem: Problem,
    estimated: Mapping[str, float] | None = None,
    *,
    solver: Rodas4 | None = None,
) -> np.ndarray:
    """The observable of each measurement (in table order) at `estimated` (linear scale,
    names of `problem.estimated`; missing ones at their nominal value)."""
    values = _values(problem, estimated)
    conds = list(problem.conditions)
    times = sorted(
        {0.0, *(c.enrollment_day for c in conds), *(m.time for m in problem.measurements)}
    )
    keys = sorted({k for c in conds for k in c.params})
    defaults = MSC_COVID.default_parameters()
    params = {k: np.array([c.params.get(k, defaults[k]) for c in conds]) for k in keys}
    params |= {k: np.full(len(conds), v) for k, v in values.items()}
    y0 = {k: np.array([c.y0[k] for c in conds]) for k in conds[0].y0}
    sol = simulate(
        MSC_COVID,
        params,
        y0,
        [Regimen(c.infusions) for c in conds],
        t_eval=np.array(times),
        solver=solver or Rodas4(rtol=1e-8, atol=1e-11),
    )
    index = {c.id: i for i, c in enumerate(conds)}
    out = []
    for m in problem.measurements:
        i = index[m.condition]
        name = m.observable.removesuffix(CHANGE)
        value = sol.observables[name][i, times.index(m.time)]
        if m.observable.endswith(CHANGE):
            value -= sol.observables[name][i, times.index(conds[i].enrollment_day)]
        out.append(value)
    return np.array(out)


def negative_log_likelihood(
    problem: Problem,
    estimated: Mapping[str, float] | None = None,
    *,
    solver: Rodas4 | None = None,
) -> float:
    """-log L of the measurements: normal for changes, log-normal (PEtab ``log``
    transformation, density of the untransformed value) for levels."""
    pred = predictions(problem, estimated, solver=solver)
    total = 0.0
    for m, h in zip(problem.measurements, pred, strict=True):
        if m.observable.endswith(CHANGE):
            total -= stats.norm.logpdf(m.value, loc=h, scale=m.sigma)
        else:
            total -= stats.lognorm.logpdf(m.value, s=m.sigma, scale=h)
    return float(total)
