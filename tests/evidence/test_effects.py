"""Effect sizes, zero-cell handling and continuous outcomes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.stats.meta_analysis as sma

from mscsim._errors import InputError
from mscsim.evidence.meta import (
    StudyTable,
    ZeroCellCorrection,
    compute_effects,
    hedges_j,
    meta_analysis,
)

from ._data import NORMAND


@pytest.fixture()
def zeros() -> StudyTable:
    # A: one zero cell; B: no events in either arm; C: all events in both arms; D: no zeros
    return StudyTable(
        kind="binary",
        study=("A", "B", "C", "D"),
        data={
            "events_treat": [0, 0, 10, 4],
            "n_treat": [10, 10, 10, 20],
            "events_ctrl": [3, 0, 12, 8],
            "n_ctrl": [10, 12, 12, 20],
        },
    )


def test_only0_adds_half_to_tables_with_a_zero_and_drops_double_zero(zeros):
    eff = compute_effects(zeros, "RR")
    assert eff.study == ("A", "D") and eff.dropped == ("B", "C") and eff.corrected == ("A",)
    assert eff.yi[0] == pytest.approx(math.log((0.5 / 11) / (3.5 / 11)))
    assert eff.vi[0] == pytest.approx(1 / 0.5 - 1 / 11 + 1 / 3.5 - 1 / 11)
    assert eff.yi[1] == pytest.approx(math.log((4 / 20) / (8 / 20)))  # D untouched
    assert compute_effects(zeros, "OR").dropped == ("B", "C")


def test_risk_difference_keeps_double_zero_studies(zeros):
    eff = compute_effects(zeros, "RD")
    assert eff.study == ("A", "B", "C", "D") and eff.dropped == ()
    assert eff.yi[1] == pytest.approx(0.5 / 11 - 0.5 / 13)  # corrected, as metafor escalc


def test_keep_double_zero_reproduces_metafor_escalc_default(zeros):
    # metafor escalc/rma.uni default drop00=FALSE: B stays with 1/2 added to every cell
    eff = compute_effects(zeros, "RR", ZeroCellCorrection(drop00=False))
    assert "B" in eff.study
    assert eff.yi[eff.study.index("B")] == pytest.approx(math.log(13 / 11))


def test_to_all_if0all_and_none(zeros):
    all_ = compute_effects(zeros, "OR", ZeroCellCorrection(to="all"))
    assert all_.corrected == ("A", "D")
    assert all_.yi[1] == pytest.approx(math.log(4.5 * 12.5 / (16.5 * 8.5)))
    if0 = compute_effects(zeros, "OR", ZeroCellCorrection(to="if0all"))
    assert if0.corrected == ("A", "D")
    none = compute_effects(zeros, "RR", ZeroCellCorrection(to="none"))
    assert none.study == ("D",) and "A" in none.dropped  # log(0) is not estimable


def test_result_reports_zero_cell_handling(zeros):
    res = meta_analysis(zeros, measure="RR", method="DL")
    d = res.to_dict()["zero_cells"]
    assert d == {
        "rule": "add 0.5 to every cell of studies with a zero cell (to=only0); drop double-zero studies",
        "corrected": ["A"],
        "dropped": ["B", "C"],
    }
    assert "corrected: A" in res.summary()


def test_bad_zero_cell_options():
    with pytest.raises(InputError, match="^to:"):
        ZeroCellCorrection(to="some")
    with pytest.raises(InputError, match="^add:"):
        ZeroCellCorrection(add=-1)


def test_mantel_haenszel_uses_uncorrected_counts(zeros):
    # Greenland-Robins MH RR on the raw counts of A..D (double-zero B adds nothing)
    d = zeros.data
    a, c, n1, n2 = d["events_treat"], d["events_ctrl"], d["n_treat"], d["n_ctrl"]
    n = n1 + n2
    rr = np.sum(a * n2 / n) / np.sum(c * n1 / n)
    res = meta_analysis(zeros, measure="RR", method="MH")
    assert res.estimate == pytest.approx(math.log(rr))
    assert res.k == 2 and res.q_df == 1  # Q on the corrected escalc effects of A and D


def test_peto_pools_raw_counts(zeros):
    d = zeros.data
    a, c, n1, n2 = d["events_treat"], d["events_ctrl"], d["n_treat"], d["n_ctrl"]
    n = n1 + n2
    xt, yt = a + c, n - a - c
    v = xt * yt * n1 * n2 / (n**2 * (n - 1))
    res = meta_analysis(zeros, measure="OR", method="PETO")
    assert res.estimate == pytest.approx(np.sum(a - xt * n1 / n) / np.sum(v))
    assert res.se == pytest.approx(1 / math.sqrt(np.sum(v)))


def test_hedges_exact_correction():
    m = np.array([2.0, 10.0, 50.0])
    exact = [math.gamma(x / 2) / (math.sqrt(x / 2) * math.gamma((x - 1) / 2)) for x in m]
    np.testing.assert_allclose(hedges_j(m), exact, rtol=1e-12)
    assert hedges_j(np.array([10.0]))[0] == pytest.approx(0.9227, abs=5e-5)  # Hedges (1981)
    np.testing.assert_allclose(hedges_j(m[1:]), 1 - 3 / (4 * m[1:] - 1), atol=5e-4)


def _normand(pooled_sd: bool) -> StudyTable:
    n1, m1, s1, n2, m2, s2 = (np.array([r[i] for r in NORMAND], float) for i in range(1, 7))
    if pooled_sd:
        s1 = s2 = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    return StudyTable(
        kind="continuous",
        study=tuple(r[0] for r in NORMAND),
        data={
            "mean_treat": m1,
            "sd_treat": s1,
            "n_treat": n1,
            "mean_ctrl": m2,
            "sd_ctrl": s2,
            "n_ctrl": n2,
        },
    )


def test_mean_difference_matches_metafor_normand1999():
    # metafor tests/testthat/test_analysis_example_normand1999.r (Normand 1999, Tables VIII-IX)
    table = _normand(pooled_sd=True)
    eff = compute_effects(table, "MD")
    np.testing.assert_allclose(eff.yi, [-20, -2, -55, -71, -4, 1, 11, -10, 7])
    np.testing.assert_allclose(
        eff.vi, [40.59, 2.05, 15.28, 150.22, 20.19, 1.22, 95.38, 8.03, 20.69], atol=5e-3
    )
    fe = meta_analysis(table, measure="MD", method="FE")
    assert (fe.estimate, fe.ci_low, fe.ci_high) == pytest.approx((-3.49, -5.03, -1.96), abs=5e-3)
    dl = meta_analysis(table, measure="MD", method="DL")
    assert (dl.estimate, dl.ci_low, dl.ci_high, dl.tau2) == pytest.approx(
        (-14.10, -24.45, -3.75, 218.72), abs=5e-3
    )
    reml = meta_analysis(table, measure="MD", method="REML")
    assert (reml.estimate, reml.ci_low, reml.ci_high, reml.tau2) == pytest.approx(
        (-15.12, -32.67, 2.43, 685.20), abs=5e-3
    )
    assert not reml.is_ratio and "exp" not in reml.to_dict()


def test_smd_is_hedges_g_with_large_sample_variance():
    table = _normand(pooled_sd=False)
    eff = compute_effects(table, "SMD")
    d = table.data
    n1, n2 = d["n_treat"], d["n_ctrl"]
    sp = np.sqrt(((n1 - 1) * d["sd_treat"] ** 2 + (n2 - 1) * d["sd_ctrl"] ** 2) / (n1 + n2 - 2))
    g = hedges_j(n1 + n2 - 2) * (d["mean_treat"] - d["mean_ctrl"]) / sp
    np.testing.assert_allclose(eff.yi, g)
    np.testing.assert_allclose(eff.vi, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2)))
    # statsmodels uses the approximate J = 1 - 3/(4N - 9): agreement to that approximation
    g_sm, _ = sma.effectsize_smd(
        d["mean_treat"], d["sd_treat"], n1, d["mean_ctrl"], d["sd_ctrl"], n2
    )
    np.testing.assert_allclose(eff.yi, g_sm, rtol=2e-4)


def test_measure_must_fit_the_table(zeros):
    with pytest.raises(InputError, match="^measure:"):
        meta_analysis(zeros, measure="SMD")
    with pytest.raises(InputError, match="^measure:"):
        meta_analysis(_normand(True), measure="RR")
    with pytest.raises(InputError, match="^method:"):
        meta_analysis(zeros, measure="RR", method="PETO")
    with pytest.raises(InputError, match="^method:"):
        meta_analysis(_normand(True), measure="MD", method="MH")
    with pytest.raises(InputError, match="^hksj:"):
        meta_analysis(zeros, measure="RR", method="MH", hksj=True)
