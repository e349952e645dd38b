"""Reproduce metafor on the BCG vaccine data (13 trials, log risk ratio unless stated).

Golden values and their sources (validation/metafor/README.md):
* FE/DL (and OR, RD): metafor tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r
  (rma() against Stata metan);
* REML: printed ``rma(yi, vi, data=dat)``; PI from ``predict(res, transf=exp)``;
* REML + knha: metafor README (``test="knha"``);
* PM: metafor 3.8-1 run by validation/metafor/bcg.R (``rma(yi, vi, method="PM")``);
* MH/Peto: test_misc_metan_vs_rma.mh_/peto_with_dat.bcg.r; cumulative: test_misc_cumul.r;
  regtest and the ablat meta-regression: metafor README.
The prediction intervals of DL and knha were checked against that metafor run too. Values are
printed to 4 decimals, so the tolerance is half a unit in the 4th decimal; for PM it is 2e-4,
because metafor finds the PM tau^2 with ``uniroot(tol = eps^0.25)`` (0.318094) and mscsim with
Brent's method to 1e-12 (0.318068), which moves its z statistic by 1.1e-4.
(``test_full_precision_table_agrees_with_metafor`` checks every value of the metafor run at full
precision, from validation/metafor/bcg_reference.csv.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mscsim.evidence.meta import (
    compute_effects,
    cumulative,
    egger_test,
    meta_analysis,
    meta_regression,
)

TOL4 = 5.001e-5  # half a unit in the 4th decimal
TOL2 = 5.001e-3
TOL_PM = 2e-4  # metafor's uniroot tolerance on the PM tau^2 (see the module docstring)

CASES = {  # case -> (method, hksj)
    "FE": ("FE", False),
    "DL": ("DL", False),
    "REML": ("REML", False),
    "REML+HKSJ": ("REML", True),
    "PM": ("PM", False),
}
KEYS = ("estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q", "pi_low", "pi_high")
# pi_* are given back-transformed (RR), as metafor's predict(res, transf=exp) prints them.
REF = {
    "FE": {
        "estimate": -0.4303,
        "se": 0.0405,
        "ci_low": -0.5097,
        "ci_high": -0.3509,
        "tau2": 0.0,
        "i2": 92.1173,
        "q": 152.2330,
        "pi_low": 0.6007,
        "pi_high": 0.7040,
        "stat": -10.6247,
    },
    "DL": {
        "estimate": -0.7141,
        "se": 0.1787,
        "ci_low": -1.0644,
        "ci_high": -0.3638,
        "tau2": 0.3088,
        "i2": 92.1173,
        "q": 152.2330,
        "pi_low": 0.1560,
        "pi_high": 1.5371,
        "stat": -3.9952,
        "h2": 12.69,
        "tau": 0.5557,
    },
    "REML": {
        "estimate": -0.7145,
        "se": 0.1798,
        "ci_low": -1.0669,
        "ci_high": -0.3622,
        "tau2": 0.3132,
        "i2": 92.22,
        "q": 152.2330,
        "pi_low": 0.1546,
        "pi_high": 1.5490,
        "stat": -3.9744,
        "h2": 12.86,
        "tau": 0.5597,
        "tau2_se": 0.1664,
    },
    "REML+HKSJ": {
        "estimate": -0.7145,
        "se": 0.1808,
        "ci_low": -1.1084,
        "ci_high": -0.3206,
        "tau2": 0.3132,
        "i2": 92.22,
        "q": 152.2330,
        "pi_low": 0.1359,
        "pi_high": 1.7629,
        "stat": -3.9522,
        "p": 0.0019,
    },
    "PM": {
        "estimate": -0.7150,
        "se": 0.1809,
        "ci_low": -1.0695,
        "ci_high": -0.3604,
        "tau2": 0.3181,
        "i2": 92.33,
        "q": 152.2330,
        "pi_low": 0.1532,
        "pi_high": 1.5619,
        "stat": -3.9523,
        "h2": 13.04,
        "tau": 0.5640,
    },
}
EXP_REF = {  # exp(estimate), exp(ci): metafor printed RR
    "FE": (0.6503, 0.6007, 0.7040),
    "DL": (0.4896, 0.3449, 0.6950),
    "REML": (0.4894, 0.3441, 0.6962),
    "PM": (0.4892, 0.3432, 0.6974),
}


def test_reference_grid_is_complete():
    assert set(REF) == set(CASES)
    for case in CASES:
        assert set(KEYS) <= set(REF[case]), case


def test_effect_sizes_match_escalc(bcg):
    # metafor README, printed dat after escalc(measure="RR", ...)
    yi = [
        -0.8893,
        -1.5854,
        -1.3481,
        -1.4416,
        -0.2175,
        -0.7861,
        -1.6209,
        0.0120,
        -0.4694,
        -1.3713,
        -0.3394,
        0.4459,
        -0.0173,
    ]
    vi = [
        0.3256,
        0.1946,
        0.4154,
        0.0200,
        0.0512,
        0.0069,
        0.2230,
        0.0040,
        0.0564,
        0.0730,
        0.0124,
        0.5325,
        0.0714,
    ]
    eff = compute_effects(bcg, "RR")
    np.testing.assert_allclose(eff.yi, yi, atol=TOL4)
    np.testing.assert_allclose(eff.vi, vi, atol=TOL4)
    assert eff.corrected == () and eff.dropped == ()


@pytest.mark.parametrize("case", list(CASES))
def test_pooled_matches_metafor(bcg, case):
    method, hksj = CASES[case]
    res = meta_analysis(bcg, measure="RR", method=method, hksj=hksj)
    ref = REF[case]
    tol_i2 = TOL4 if case in ("FE", "DL") else TOL2
    tol = TOL_PM if case == "PM" else TOL4
    for key in ("estimate", "se", "ci_low", "ci_high", "tau2", "q", "stat"):
        assert getattr(res, key) == pytest.approx(ref[key], abs=tol), key
    assert res.i2 == pytest.approx(ref["i2"], abs=tol_i2)
    assert math.exp(res.pi_low) == pytest.approx(ref["pi_low"], abs=tol)
    assert math.exp(res.pi_high) == pytest.approx(ref["pi_high"], abs=tol)
    for key in ("h2", "tau", "tau2_se", "p"):
        if key in ref:
            assert getattr(res, key) == pytest.approx(
                ref[key], abs=TOL4 if key != "h2" else TOL2
            ), key
    assert res.k == 13 and res.q_df == 12
    if case in EXP_REF:
        e = res.exp()
        assert (e["estimate"], e["ci_low"], e["ci_high"]) == pytest.approx(EXP_REF[case], abs=TOL4)
    assert res.test == ("t" if hksj else "z")
    assert res.df == (12 if hksj else None)


def test_fixed_effect_prediction_interval_is_the_ci(bcg):
    res = meta_analysis(bcg, measure="RR", method="FE")
    assert (res.pi_low, res.pi_high) == (res.ci_low, res.ci_high)


def test_mantel_haenszel_rr(bcg):
    # metafor test_misc_metan_vs_rma.mh_with_dat.bcg.r: rma.mh(measure="RR")
    res = meta_analysis(bcg, measure="RR", method="MH")
    assert (res.estimate, res.ci_low, res.ci_high) == pytest.approx(
        (-0.4537, -0.5308, -0.3766), abs=TOL4
    )
    assert res.stat == pytest.approx(-11.5338, abs=TOL4)
    assert res.q == pytest.approx(152.5676, abs=TOL4)
    e = res.exp()
    assert (e["estimate"], e["ci_low"], e["ci_high"]) == pytest.approx(
        (0.6353, 0.5881, 0.6862), abs=TOL4
    )


def test_peto_or(bcg):
    # metafor test_misc_metan_vs_rma.peto_with_dat.bcg.r: rma.peto()
    res = meta_analysis(bcg, measure="OR", method="PETO")
    assert (res.estimate, res.ci_low, res.ci_high) == pytest.approx(
        (-0.4744, -0.5541, -0.3948), abs=TOL4
    )
    assert res.stat == pytest.approx(-11.6689, abs=TOL4)
    assert res.q == pytest.approx(167.7302, abs=TOL4)


def test_odds_ratio_fe_and_dl(bcg):
    # metafor test_misc_metan_vs_rma.uni_with_dat.bcg.r, measure="OR"
    fe = meta_analysis(bcg, measure="OR", method="FE")
    assert (fe.estimate, fe.ci_low, fe.ci_high, fe.q) == pytest.approx(
        (-0.4361, -0.5190, -0.3533, 163.1649), abs=TOL4
    )
    dl = meta_analysis(bcg, measure="OR", method="DL")
    assert (dl.estimate, dl.ci_low, dl.ci_high, dl.tau2, dl.i2, dl.stat) == pytest.approx(
        (-0.7474, -1.1242, -0.3706, 0.3663, 92.6455, -3.8873), abs=TOL4
    )


def test_risk_difference_fe_and_dl(bcg):
    # same metafor test file, measure="RD"
    fe = meta_analysis(bcg, measure="RD", method="FE")
    assert (fe.estimate, fe.q) == pytest.approx((-0.0009, 276.4737), abs=TOL4)
    dl = meta_analysis(bcg, measure="RD", method="DL")
    assert (dl.estimate, dl.ci_low, dl.ci_high, dl.tau2, dl.i2) == pytest.approx(
        (-0.0071, -0.0101, -0.0040, 0.0000, 95.6596), abs=TOL4
    )


def test_cumulative_reml_by_year(bcg):
    # metafor tests/testthat/test_misc_cumul.r: cumul(rma(yi, vi), order=year)$estimate
    ref = [
        -0.889311,
        -1.325003,
        -0.972080,
        -1.001094,
        -1.101424,
        -0.973464,
        -0.901251,
        -0.788566,
        -0.865607,
        -0.785211,
        -0.708206,
        -0.794768,
        -0.714532,
    ]
    res = cumulative(bcg, measure="RR", method="REML")
    np.testing.assert_allclose(res.estimates, ref, atol=1e-6)
    np.testing.assert_allclose(
        np.exp(res.estimates)[[0, 7, 12]], [0.410939, 0.454496, 0.489421], atol=1e-6
    )
    assert res.labels[0].startswith("1. Aronson") and res.years == tuple(sorted(res.years))


def test_egger_regtest(bcg):
    # metafor README: regtest(rma(yi, vi, data=dat, test="knha"))
    res = egger_test(meta_analysis(bcg, measure="RR", method="REML", hksj=True))
    assert res.stat == pytest.approx(-0.7812, abs=TOL4)
    assert res.df == 11 and res.test == "t"
    assert res.p == pytest.approx(0.4512, abs=TOL4)
    assert (res.limit_estimate, res.limit_ci_low, res.limit_ci_high) == pytest.approx(
        (-0.5104, -1.2123, 0.1915), abs=TOL4
    )


def test_meta_regression_on_latitude(bcg, bcg_ablat):
    # metafor README: rma(yi, vi, mods = ~ ablat, data=dat, test="knha")
    eff = compute_effects(bcg, "RR")
    X = np.column_stack([np.ones(13), bcg_ablat])
    res = meta_regression(eff.yi, eff.vi, X, names=("intrcpt", "ablat"), method="REML", hksj=True)
    assert (res.tau2, res.tau2_se, res.qe, res.qm) == pytest.approx(
        (0.0764, 0.0591, 30.7331, 12.5905), abs=TOL4
    )
    assert (res.i2, res.h2, res.r2) == pytest.approx((68.39, 3.16, 75.62), abs=TOL2)
    assert (res.qe_p, res.qm_p) == pytest.approx((0.0012, 0.0046), abs=TOL4)
    assert res.qm_df == (1, 11)
    np.testing.assert_allclose(res.coef, [0.2515, -0.0291], atol=TOL4)
    np.testing.assert_allclose(res.se, [0.2839, 0.0082], atol=TOL4)
    np.testing.assert_allclose(res.ci_low, [-0.3735, -0.0472], atol=TOL4)
    np.testing.assert_allclose(res.ci_high, [0.8764, -0.0111], atol=TOL4)


def test_full_precision_table_agrees_with_metafor():
    """Every value of the metafor run (validation/metafor/bcg_reference.csv, regenerated by
    validation/metafor/regenerate.sh) at full precision: 1e-10 relative; PM to its uniroot
    tolerance (tau^2 within 1e-4)."""
    import csv
    import importlib.util
    from pathlib import Path

    here = Path(__file__).resolve().parents[2] / "validation" / "metafor"
    spec = importlib.util.spec_from_file_location("metafor_compare", here / "compare.py")
    compare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare)
    with (here / "bcg_reference.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 100 and all(r["metafor_call"].startswith("metafor ") for r in rows)
    for r in rows:
        ref, ours = float(r["metafor"]), compare._ours(r["model"], r["quantity"])
        if r["model"] == "PM":
            assert ours == pytest.approx(ref, rel=1e-3, abs=1e-4), (r["model"], r["quantity"])
        else:
            assert ours == pytest.approx(ref, rel=1e-9, abs=1e-12), (r["model"], r["quantity"])
