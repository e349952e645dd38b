"""`Doses`: the batched twin of one `Regimen` per patient gives the solver the same arrays."""

import numpy as np
import pytest

from mscsim import InputError
from mscsim.model import Doses, Regimen, stack_regimens


def test_doses_of_arrays_equal_stacked_regimens():
    days = np.array(
        [[4.0, 0.0, np.nan], [0.0, 0.0, 2.0], [np.nan, np.nan, np.nan], [1.0, 3.0, 1.0]]
    )
    cells = np.array([[2e8, 1e8, 0.0], [5e7, 0.0, 1e8], [0.0, 0.0, 0.0], [3e7, 1e7, 2e7]])
    regs = [
        Regimen(tuple((float(d), float(c)) for d, c in zip(dd, cc) if np.isfinite(d)))
        for dd, cc in zip(days, cells)
    ]
    want_t, want_c = stack_regimens(regs)
    got = Doses.of(days, cells)
    assert got.times.shape == want_t.shape == (4, 3)
    np.testing.assert_array_equal(got.times, want_t)
    np.testing.assert_array_equal(got.cells, want_c)
    assert Doses.of(np.full((2, 1), np.nan), np.zeros((2, 1))).times.shape == (2, 0)


@pytest.mark.parametrize(
    ("days", "cells", "field"),
    [
        ([[-1.0]], [[1e6]], "infusion day"),
        ([[np.inf]], [[1e6]], "infusion day"),
        ([[1.0]], [[-5.0]], "dose"),
        ([[1.0]], [[np.nan]], "dose"),
    ],
)
def test_doses_reject_what_a_regimen_rejects(days, cells, field):
    with pytest.raises(InputError, match=field):
        Doses.of(np.array(days), np.array(cells))
