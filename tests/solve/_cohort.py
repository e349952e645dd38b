"""Random cohorts for the solver tests (NumPy, JAX and Numba backends).

Imported by the test modules of this folder as ``from _cohort import ...`` (pytest puts a test
folder without ``__init__.py`` on ``sys.path``).
"""

from __future__ import annotations

import numpy as np

from mscsim.model import MSC_COVID, Regimen, host_parameters, onset_state

# one of each kind of regimen, coinciding doses on day 3 included; patient i gets MENU[i % 4]
MENU = (
    Regimen(),
    Regimen.fixed(1e8, [5]),
    Regimen.fixed(2e8, [7, 10]),
    Regimen(((3.0, 1e8), (3.0, 5e7), (12.5, 1e8))),
)


def random_cohort(n: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Parameters and onset states of `n` random patients.

    Severity scores are uniform on [0, 3] (`host_parameters`), and the MSC injection rate
    ``k_inj`` is its model value times a log-normal factor (sigma 0.2), all drawn from `seed`.
    """
    rng = np.random.default_rng(seed)
    params = host_parameters(rng.uniform(0, 3, n))
    params["k_inj"] = MSC_COVID.parameter("k_inj").value * np.exp(rng.normal(0, 0.2, n))
    return params, onset_state(params)


def mixed_cohort(
    n: int, seed: int = 7
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[Regimen]]:
    """`random_cohort` with the regimens of `MENU` in turn."""
    params, y0 = random_cohort(n, seed)
    return params, y0, [MENU[i % len(MENU)] for i in range(n)]
