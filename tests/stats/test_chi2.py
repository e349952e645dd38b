"""Pearson's chi-square test of 2x2 tables against scipy, and the test option of
`compare_proportions` / `compare_counts`."""

import warnings

import numpy as np
import pytest
from scipy.stats import chi2_contingency, fisher_exact

from mscsim import InputError
from mscsim.stats import compare_proportions
from mscsim.stats._binary import compare_counts, pearson_chi2


def test_pearson_chi2_matches_scipy_without_correction():
    rng = np.random.default_rng(20261201)
    tables = rng.integers(0, 40, (3000, 2, 2))
    x2, p = pearson_chi2(tables)
    checked = 0
    for t, xi, pi in zip(tables, x2, p, strict=True):
        if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
            assert xi == 0.0 and pi == 1.0
            continue
        ref = chi2_contingency(t, correction=False)
        assert xi == pytest.approx(ref.statistic, rel=1e-12)
        assert pi == pytest.approx(ref.pvalue, rel=1e-10, abs=1e-300)
        checked += 1
    assert checked > 2900


def test_zero_column_gives_p_one_where_scipy_has_none():
    x2, p = pearson_chi2([[0, 12], [0, 12]])
    assert (x2, p) == (0.0, 1.0)
    with warnings.catch_warnings(), pytest.raises(ValueError):
        warnings.simplefilter("ignore")
        chi2_contingency([[0, 12], [0, 12]], correction=False)


def test_published_p_values_reproduced():
    # Dilogo 2021: 10/20 vs 16/20 deaths, published P = .047 (Pearson chi-square; Fisher 0.096)
    assert round(float(pearson_chi2([[10, 10], [16, 4]])[1]), 3) == 0.047
    r = compare_counts(10, 20, 16, 20, test="chi2")
    assert round(r.p_value, 3) == 0.047 and r.estimate == pytest.approx(0.625)
    assert compare_counts(10, 20, 16, 20).p_value == pytest.approx(
        fisher_exact([[10, 10], [16, 4]]).pvalue, rel=1e-12
    )


def test_compare_proportions_test_option_per_replicate():
    rng = np.random.default_rng(3)
    y = rng.random((50, 40)) < 0.4
    g = np.tile(np.arange(40) % 2, (50, 1))
    chi = compare_proportions(y, g, test="chi2")
    fis = compare_proportions(y, g)
    np.testing.assert_array_equal(chi.estimate, fis.estimate)
    for r in range(50):
        t = [
            [(y[r] & (g[r] == 1)).sum(), (~y[r] & (g[r] == 1)).sum()],
            [(y[r] & (g[r] == 0)).sum(), (~y[r] & (g[r] == 0)).sum()],
        ]
        assert chi.p_value[r] == pytest.approx(chi2_contingency(t, correction=False).pvalue)
    assert "chi-square" in chi.method and "Fisher" in fis.method


def test_bad_test_and_counts_are_named():
    with pytest.raises(InputError, match="test"):
        compare_proportions([1, 0], [1, 0], test="yates")
    with pytest.raises(InputError, match="events_control"):
        compare_counts(1, 10, 11, 10)
