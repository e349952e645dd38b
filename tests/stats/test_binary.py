"""Binary endpoints against scipy ``fisher_exact`` and statsmodels ``Table2x2``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import fisher_exact
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep

from mscsim import InputError
from mscsim.stats import Status, compare_proportions, count_table, fisher_exact_p


def _all_tables(designs: list[tuple[int, int]]) -> np.ndarray:
    rows = [
        [[a, n1 - a], [c, n0 - c]]
        for n1, n0 in designs
        for a in range(n1 + 1)
        for c in range(n0 + 1)
    ]
    return np.array(rows)


def test_fisher_matches_scipy_on_every_table_of_small_designs():
    # every outcome of the Miami 12 vs 12 design (with its mirror-table ties), unbalanced and
    # degenerate designs (zero margins, an empty arm)
    designs = [(12, 12), (9, 9), (5, 9), (1, 7), (0, 6), (3, 0), (0, 0), (2, 2)]
    tables = _all_tables(designs)
    ours = fisher_exact_p(tables)
    ref = np.array([fisher_exact(t).pvalue for t in tables])
    # ours is the correctly rounded exact value; scipy sums rounded pmfs: a few ulp apart
    np.testing.assert_allclose(ours, ref, rtol=1e-14, atol=0)
    assert np.array_equal(ours == 1.0, ref == 1.0)


def test_fisher_tie_handling_lady_tasting_tea():
    # Fisher (1935), The Design of Experiments, sec. 2: 4 + 4 cups, 3 of 4 right. The mirror
    # tables (1 and 3 right) have equal probability 16/70 and are both in the two-sided tail:
    # p = (1 + 16 + 16 + 1) / 70.
    assert fisher_exact_p([[3, 1], [1, 3]]) == 34 / 70
    assert fisher_exact_p([[4, 0], [0, 4]]) == 2 / 70


def test_fisher_large_tables_and_orientation():
    rng = np.random.default_rng(5)
    n = rng.integers(50, 300, size=(40, 2))
    a = rng.integers(0, n[:, 0] + 1)
    c = rng.integers(0, n[:, 1] + 1)
    tables = np.stack([np.stack([a, n[:, 0] - a], 1), np.stack([c, n[:, 1] - c], 1)], 1)
    ours = fisher_exact_p(tables)
    ref = np.array([fisher_exact(t).pvalue for t in tables])
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    np.testing.assert_array_equal(ours, fisher_exact_p(tables[:, ::-1]))  # rows swapped
    np.testing.assert_array_equal(ours, fisher_exact_p(np.swapaxes(tables, 1, 2)))


@pytest.mark.parametrize("table", [[[1, 2], [-1, 4]], [[1.5, 2], [1, 4]], [[1, 2, 3], [1, 2, 3]]])
def test_fisher_bad_table(table):
    with pytest.raises(InputError):
        fisher_exact_p(table)


def test_count_table_layout():
    t = count_table([1, 0, 1, 1, 0, 0, 1], [1, 1, 1, 0, 0, 0, 0])
    assert t.tolist() == [[2, 1], [2, 2]]  # rows treatment, control; columns event, none


@pytest.mark.parametrize("seed", range(4))
def test_ratios_match_statsmodels(seed):
    rng = np.random.default_rng(seed)
    y = rng.random((60, 24)) < 0.35
    g = np.tile(np.repeat([0, 1], 12), (60, 1))
    rr = compare_proportions(y, g, measure="risk_ratio")
    odds = compare_proportions(y, g, measure="odds_ratio")
    tables = count_table(y, g)
    for r in range(60):
        t = tables[r].astype(float)
        ref_rr = Table2x2(t + 0.5 if rr.details["corrected"][r] else t)
        ref_or = Table2x2(t + 0.5 if odds.details["corrected"][r] else t)
        assert rr.estimate[r] == pytest.approx(ref_rr.riskratio, rel=1e-12)
        assert (rr.ci_low[r], rr.ci_high[r]) == pytest.approx(ref_rr.riskratio_confint(), rel=1e-12)
        assert odds.estimate[r] == pytest.approx(ref_or.oddsratio, rel=1e-12)
        assert (odds.ci_low[r], odds.ci_high[r]) == pytest.approx(
            ref_or.oddsratio_confint(), rel=1e-12
        )
        assert rr.p_value[r] == pytest.approx(fisher_exact(t.astype(int)).pvalue, rel=1e-14)
        assert rr.statistic[r] == t[0, 0]


def test_risk_difference_matches_statsmodels_wald():
    rng = np.random.default_rng(9)
    y = rng.random((30, 24)) < 0.4
    g = np.tile(np.repeat([0, 1], 12), (30, 1))
    rd = compare_proportions(y, g, measure="risk_difference")
    t = count_table(y, g)
    for r in range(30):
        lo, hi = confint_proportions_2indep(
            t[r, 0, 0], 12, t[r, 1, 0], 12, method="wald", compare="diff"
        )
        assert rd.estimate[r] == pytest.approx((t[r, 0, 0] - t[r, 1, 0]) / 12, abs=1e-15)
        assert (rd.ci_low[r], rd.ci_high[r]) == pytest.approx((lo, hi), abs=1e-14)
    assert rd.null_value == 0.0 and not rd.details["corrected"].any()


def test_zero_cells_are_corrected_and_reported():
    # Miami-like 12 vs 12: no treated death, 4 control deaths
    died = np.r_[np.zeros(12), np.ones(4), np.zeros(8)].astype(bool)
    arm = np.repeat([1, 0], 12)
    rr = compare_proportions(died, arm)
    assert rr.details["corrected"]
    ref = Table2x2(np.array([[0, 12], [4, 8]]) + 0.5)
    assert rr.estimate == pytest.approx(ref.riskratio, rel=1e-12)
    assert rr.p_value == pytest.approx(fisher_exact([[0, 12], [4, 8]]).pvalue, rel=1e-14)
    # all treated died: RR defined without correction, OR needs it
    died = np.r_[np.ones(12), np.ones(4), np.zeros(8)].astype(bool)
    assert not compare_proportions(died, arm).details["corrected"]
    assert compare_proportions(died, arm, measure="odds_ratio").details["corrected"]


def test_empty_arm_is_status_and_nan():
    res = compare_proportions([[1, 0, 1], [1, 0, 1]], [[1, 1, 1], [1, 0, 0]])
    assert res.status.tolist() == [Status.EMPTY_ARM, Status.OK]
    assert np.isnan(res.p_value[0]) and np.isnan(res.estimate[0])


def test_bad_measure():
    with pytest.raises(InputError) as err:
        compare_proportions([1, 0], [0, 1], measure="hazard_ratio")
    assert err.value.field == "measure"
