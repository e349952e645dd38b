"""Agreement with statsmodels where it offers the same estimator (statsmodels is test-only).

statsmodels ``combine_effects``: ``method_re="chi2"`` is DerSimonian-Laird, ``"iterated"`` is
Paule-Mandel; its "random effect wls" row is the HKSJ standard error. ``StratifiedTable``
gives the Mantel-Haenszel odds ratio with the Robins-Breslow-Greenland SE and the MH risk
ratio. Tolerances are numerical (the estimators are the same), not rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.stats.contingency_tables as contingency
import statsmodels.stats.meta_analysis as sma

from mscsim.evidence.meta import compute_effects, meta_analysis


@pytest.mark.parametrize(("method", "method_re"), [("DL", "chi2"), ("PM", "iterated")])
@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_random_effects_match_combine_effects(bcg, method, method_re, measure):
    eff = compute_effects(bcg, measure)
    ref = sma.combine_effects(eff.yi, eff.vi, method_re=method_re)
    res = meta_analysis(bcg, measure=measure, method=method)
    assert res.tau2 == pytest.approx(ref.tau2, rel=1e-6, abs=1e-10)
    assert res.estimate == pytest.approx(ref.mean_effect_re, rel=1e-6)
    assert res.se == pytest.approx(ref.sd_eff_w_re, rel=1e-6)
    assert res.q == pytest.approx(ref.q, rel=1e-9)
    lo, hi = ref.conf_int(use_t=False)[1]
    assert (res.ci_low, res.ci_high) == pytest.approx((lo, hi), rel=1e-6)


def test_fixed_effect_matches_combine_effects(bcg):
    eff = compute_effects(bcg, "RR")
    ref = sma.combine_effects(eff.yi, eff.vi, method_re="chi2")
    res = meta_analysis(bcg, measure="RR", method="FE")
    assert (res.estimate, res.se) == pytest.approx((ref.mean_effect_fe, ref.sd_eff_w_fe), rel=1e-9)
    assert res.i2 / 100 == pytest.approx(ref.i2, rel=1e-9)  # Q-based I^2 for FE


@pytest.mark.filterwarnings("ignore:`use_t=True` requires")
def test_hksj_matches_combine_effects_wls(bcg):
    eff = compute_effects(bcg, "RR")
    ref = sma.combine_effects(eff.yi, eff.vi, method_re="chi2", use_t=True)
    res = meta_analysis(bcg, measure="RR", method="DL", hksj=True)
    row = ref.summary_frame().loc["random effect wls"]
    assert res.se == pytest.approx(row["sd_eff"], rel=1e-6)
    assert (res.ci_low, res.ci_high) == pytest.approx((row["ci_low"], row["ci_upp"]), rel=1e-6)


def test_mantel_haenszel_matches_stratified_table(bcg):
    d = bcg.data
    tables = [
        np.array([[a, n1 - a], [c, n2 - c]])
        for a, n1, c, n2 in zip(
            d["events_treat"], d["n_treat"], d["events_ctrl"], d["n_ctrl"], strict=True
        )
    ]
    st = contingency.StratifiedTable(tables)
    mh_or = meta_analysis(bcg, measure="OR", method="MH")
    assert mh_or.estimate == pytest.approx(st.logodds_pooled, rel=1e-9)
    assert mh_or.se == pytest.approx(st.logodds_pooled_se, rel=1e-9)
    mh_rr = meta_analysis(bcg, measure="RR", method="MH")
    assert mh_rr.estimate == pytest.approx(np.log(st.riskratio_pooled), rel=1e-9)


@pytest.mark.parametrize(
    ("measure", "statistic"), [("RR", "risk-ratio"), ("OR", "odds-ratio"), ("RD", "diff")]
)
def test_effect_sizes_match_effectsize_2proportions(bcg, measure, statistic):
    d = bcg.data
    y, v = sma.effectsize_2proportions(
        d["events_treat"], d["n_treat"], d["events_ctrl"], d["n_ctrl"], statistic=statistic
    )
    eff = compute_effects(bcg, measure)
    np.testing.assert_allclose(eff.yi, y, rtol=1e-10)
    np.testing.assert_allclose(eff.vi, v, rtol=1e-10)
