"""The resolution at which clinical tables are derived (trial/_resolution.py)."""

from __future__ import annotations

import numpy as np

from mscsim.trial._resolution import SIGNIFICANT_BITS, quantize


def test_quantize_keeps_20_significant_bits_and_special_values():
    rng = np.random.default_rng(3)
    x = rng.lognormal(0.0, 30.0, 10_000) * rng.choice([-1.0, 1.0], 10_000)
    q = quantize(x)
    assert np.all(np.abs(q - x) <= np.abs(x) * 2.0**-SIGNIFICANT_BITS)
    np.testing.assert_array_equal(quantize(q), q)  # idempotent: a grid, not a drift
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(quantize(special), special)


def test_values_a_last_bit_apart_quantize_alike_away_from_a_boundary():
    rng = np.random.default_rng(4)
    x = rng.uniform(50.0, 500.0, 100_000)
    y = x * (1 + 5e-14 * rng.standard_normal(x.size))  # the backends' largest disagreement
    differ = np.mean(quantize(x) != quantize(y))
    assert differ < 1e-5  # expected ~1e-7 per value


def test_quantize_is_the_frexp_ldexp_rounding_for_every_exponent():
    """In place or not, `quantize` is ``ldexp(round(ldexp(m, 20)), e - 20)`` of ``frexp``,
    down to subnormals, and returns numbers for numbers."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(200_000) * 10.0 ** rng.integers(-320, 300, 200_000)
    x = np.concatenate([x, [5e-324, -5e-324, 2.2e-308, 1.7e308, 0.0, -0.0]])
    mant, exp = np.frexp(x)
    want = np.ldexp(np.round(np.ldexp(mant, SIGNIFICANT_BITS)), exp - SIGNIFICANT_BITS)
    got = quantize(x)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    np.testing.assert_array_equal(quantize(x[:-6:4].reshape(-1, 2)), want[:-6:4].reshape(-1, 2))
    assert isinstance(quantize(np.float64(1.0 / 3.0)), np.float64)
