"""Shared fixtures, computed once per test session: typical-patient runs and a small trial."""

from __future__ import annotations

import numpy as np
import pytest

from mscsim.model import MSC_COVID, SEVERITIES, Regimen, typical_patient
from mscsim.solve import simulate
from mscsim.trial import analyse, load_scenario, run_trial

YEAR = np.arange(0.0, 365.5, 0.5)


@pytest.fixture(scope="session")
def typical_runs():
    """Untreated and Miami-regimen (1e8 cells at days 10 and 13) runs of each typical patient."""
    out = {}
    for sev in SEVERITIES:
        p = typical_patient(sev)
        sol = simulate(
            MSC_COVID, p.params, p.y0, [Regimen(), Regimen.fixed(1e8, [10, 13])], t_eval=YEAR
        )
        out[sev] = sol
    return out


@pytest.fixture(scope="session")
def lanzoni_run():
    """Two replicates of the built-in lanzoni2021 trial (scenario seed); treat as read-only."""
    return run_trial(load_scenario("lanzoni2021"), replicates=2)


@pytest.fixture(scope="session")
def lanzoni_analyses(lanzoni_run):
    """`analyse` of `lanzoni_run`."""
    return analyse(lanzoni_run)
