"""Group-sequential boundaries against rpact (Rscript validation/rpact/boundaries.R).

Reference values: rpact 3.3.4 on R 4.2.2 (Debian r-cran-rpact), printed by
validation/rpact/boundaries.R with the R call given next to each case. Tolerance 1e-4 on the z
scale (the issue's requirement); both sides are far more precise (rpact's own alpha tolerance is
1e-8, ours ~1e-10), so the tests use 1e-5. Cumulative alpha agrees within 1e-6 (rpact stops
its search 1e-8 short of alpha).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from mscsim import InputError
from mscsim.design import SPENDING, design_boundaries

# fmt: off
RPACT = {
    "asOF_k3_a025": (
        'getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asOF")',
        [3.71030287, 2.51142748, 1.99304748],
        [0.0001035057, 0.0060483891, 0.02499999],
    ),
    "asP_k3_a025": (
        'getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asP")',
        [2.27942824, 2.29491114, 2.29593959],
        [0.0113208106, 0.0190845628, 0.02499999],
    ),
    "OF_k3_a025": (
        'getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "OF")',
        [3.47109144, 2.4544323, 2.00403558],
        [0.0002591737, 0.0071600594, 0.02499999],
    ),
    "P_k3_a025": (
        'getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "P")',
        [2.28947846, 2.28947846, 2.28947846],
        [0.0110257841, 0.0189688785, 0.02499999],
    ),
    "HP_k3_a025": (
        'getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "HP")',
        [3.0, 3.0, 1.97509763],
        [0.001349898, 0.0024617416, 0.02499999],
    ),
    "asOF_k3_a025_unequal": (
        'getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asOF", informationRates = c(0.3, 0.65, 1))',
        [3.92857254, 2.54789955, 1.98969755],
        [4.27258e-05, 0.0054339162, 0.02499999],
    ),
    "asP_k4_a05_unequal": (
        'getDesignGroupSequential(kMax = 4, alpha = 0.05, sided = 1, typeOfDesign = "asP", informationRates = c(0.2, 0.45, 0.7, 1))',
        [2.17621145, 2.09023131, 2.06106568, 2.01222157],
        [0.0147697265, 0.0286400476, 0.0394864021, 0.05],
    ),
    "OF_k5_a01": (
        'getDesignGroupSequential(kMax = 5, alpha = 0.01, sided = 1, typeOfDesign = "OF")',
        [5.33005855, 3.76892055, 3.07731074, 2.66502928, 2.38367465],
        [4.91e-08, 8.19987e-05, 0.0010753089, 0.0042208899, 0.00999999],
    ),
    "P_k2_a05_unequal": (
        'getDesignGroupSequential(kMax = 2, alpha = 0.05, sided = 1, typeOfDesign = "P", informationRates = c(0.4, 1))',
        [1.89314481, 1.89314481],
        [0.0291693073, 0.04999999],
    ),
    "HP_k4_a025_unequal": (
        'getDesignGroupSequential(kMax = 4, alpha = 0.025, sided = 1, typeOfDesign = "HP", informationRates = c(0.25, 0.5, 0.8, 1))',
        [3.0, 3.0, 3.0, 1.98222857],
        [0.001349898, 0.0024617416, 0.0034184288, 0.025],
    ),
    "asOF_k2_a005": (
        'getDesignGroupSequential(kMax = 2, alpha = 0.005, sided = 1, typeOfDesign = "asOF", informationRates = c(0.5, 1))',
        [3.8013686, 2.57758515],
        [7.19495e-05, 0.005],
    ),
    "asP_k5_a025": (
        'getDesignGroupSequential(kMax = 5, alpha = 0.025, sided = 1, typeOfDesign = "asP")',
        [2.43797669, 2.42681386, 2.41019414, 2.39664929, 2.3859997],
        [0.0073848632, 0.013078429, 0.0177128268, 0.0216209931, 0.025],
    ),
    "OF_k4_a025_unequal": (
        'getDesignGroupSequential(kMax = 4, alpha = 0.025, sided = 1, typeOfDesign = "OF", informationRates = c(0.15, 0.4, 0.75, 1))',
        [5.21239584, 3.19192754, 2.33105428, 2.01875223],
        [9.32e-08, 0.0007066754, 0.0101521282, 0.02499999],
    ),
    "asOF_k6_a025": (
        'getDesignGroupSequential(kMax = 6, alpha = 0.025, sided = 1, typeOfDesign = "asOF")',
        [5.36655776, 3.71034078, 2.96973787, 2.53867745, 2.25219003, 2.04479019],
        [4.01e-08, 0.0001035057, 0.0015253228, 0.0060483891, 0.0140753872, 0.02499999],
    ),
    "P_k5_a01": (
        'getDesignGroupSequential(kMax = 5, alpha = 0.01, sided = 1, typeOfDesign = "P")',
        [2.75357006, 2.75357006, 2.75357006, 2.75357006, 2.75357006],
        [0.0029474576, 0.0052798938, 0.0071409559, 0.0086832362, 0.00999999],
    ),
    "asOF_k3_a025_futility_nonbinding": (
        'getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asOF", futilityBounds = c(0, 0.5), bindingFutility = FALSE)',
        [3.71030287, 2.51142748, 1.99304748],
        [0.0001035057, 0.0060483891, 0.02499999],
    ),
}
# fmt: on


def _parse(call: str):
    k = int(re.search(r"kMax = (\d+)", call).group(1))
    alpha = float(re.search(r"alpha = ([0-9.e-]+)", call).group(1))
    kind = re.search(r'typeOfDesign = "(\w+)"', call).group(1)
    info = re.search(r"informationRates = c\(([^)]*)\)", call)
    fut = re.search(r"futilityBounds = c\(([^)]*)\)", call)
    as_list = lambda m: None if m is None else [float(x) for x in m.group(1).split(",")]  # noqa: E731
    return k, alpha, kind, as_list(info), as_list(fut)


def test_case_grid_is_complete():
    kinds = {_parse(c)[2] for c, _, _ in RPACT.values()}
    assert kinds == set(SPENDING)
    assert len(RPACT) >= 10
    assert len({_parse(c)[0] for c, _, _ in RPACT.values()}) >= 4  # several K
    assert any(_parse(c)[3] is not None for c, _, _ in RPACT.values())  # unequal information


@pytest.mark.parametrize("case", sorted(RPACT))
def test_boundaries_match_rpact(case):
    call, z_ref, alpha_ref = RPACT[case]
    k, alpha, kind, info, fut = _parse(call)
    d = design_boundaries(k, alpha, kind, info=info, futility=fut)
    np.testing.assert_allclose(d.z, z_ref, atol=1e-5, rtol=0)
    np.testing.assert_allclose(d.cumulative_alpha, alpha_ref, atol=1e-6, rtol=0)


def test_futility_is_non_binding_and_lowers_the_level():
    plain = design_boundaries(3, 0.025, "asOF")
    fut = design_boundaries(3, 0.025, "asOF", futility=[0.0, 0.5])
    assert fut.z == plain.z
    assert fut.futility[-1] == -np.inf
    assert 0.02 < fut.alpha_with_futility < 0.025


def test_one_look_is_the_fixed_design():
    for kind in SPENDING:
        d = design_boundaries(1, 0.025, kind)
        assert d.z[0] == pytest.approx(1.959963985, abs=1e-6)


def test_drift_gives_power():
    # fixed design, one-sided 2.5%, drift 1.96 + 1.2816 gives 90% power
    d = design_boundaries(1, 0.025, "asOF")
    p = d.stopping_probabilities(drift=1.959964 + 1.281552)
    assert p["efficacy"][0] == pytest.approx(0.9, abs=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"looks": 0}, "--looks"),
        ({"looks": 3, "alpha": 0.7}, "--alpha"),
        ({"looks": 3, "spending": "XX"}, "--spending"),
        ({"looks": 3, "info": [0.5, 1.0]}, "--info"),
        ({"looks": 3, "info": [0.5, 0.4, 1.0]}, "--info"),
        ({"looks": 2, "info": [0.5, 0.9]}, "--info"),
        ({"looks": 3, "futility": [0.0]}, "--futility"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(InputError) as exc:
        design_boundaries(**kwargs)
    assert exc.value.field == field
