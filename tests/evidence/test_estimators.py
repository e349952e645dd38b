"""tau^2 estimators and pooling: defining properties, edge cases and an independent optimiser."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from mscsim._errors import InputError
from mscsim.evidence.meta import (
    StudyTable,
    compute_effects,
    fit_iv,
    meta_analysis,
    tau2_dl,
    tau2_likelihood,
    tau2_pm,
)


def _generic(y, v) -> StudyTable:
    return StudyTable(
        kind="generic", study=tuple(f"s{i}" for i in range(len(y))), data={"yi": y, "vi": v}
    )


def test_paule_mandel_solves_its_estimating_equation(bcg):
    eff = compute_effects(bcg, "RR")
    t2 = tau2_pm(eff.yi, eff.vi).tau2
    w = 1 / (eff.vi + t2)
    mu = np.sum(w * eff.yi) / np.sum(w)
    assert np.sum(w * (eff.yi - mu) ** 2) == pytest.approx(len(eff.yi) - 1, rel=1e-9)


@pytest.mark.parametrize("reml", [False, True])
def test_likelihood_estimators_maximise_the_likelihood(bcg, reml):
    # independent check: bounded scalar maximisation of the (restricted) log-likelihood
    eff = compute_effects(bcg, "RR")
    y, v = eff.yi, eff.vi

    def neg_ll(t2):
        w = 1 / (v + t2)
        mu = np.sum(w * y) / np.sum(w)
        ll = -0.5 * np.sum(np.log(v + t2)) - 0.5 * np.sum(w * (y - mu) ** 2)
        return -(ll - 0.5 * np.log(np.sum(w))) if reml else -ll

    best = optimize.minimize_scalar(
        neg_ll, bounds=(0, 5), method="bounded", options={"xatol": 1e-10}
    ).x
    assert tau2_likelihood(y, v, reml=reml).tau2 == pytest.approx(best, abs=1e-4)


def test_ml_on_bcg(bcg):
    # PyMARE 0.0.13 VarianceBasedLikelihoodEstimator("ML") on the same data: tau^2 0.2800,
    # estimate -0.7112 (metafor_reference.md, Python tools table)
    res = meta_analysis(bcg, measure="RR", method="ML")
    assert (res.tau2, res.estimate) == pytest.approx((0.2800, -0.7112), abs=5e-5)


@pytest.mark.parametrize("method", ["DL", "REML", "PM", "ML"])
def test_homogeneous_studies_give_zero_tau2(method):
    y = np.array([0.1, 0.1, 0.1, 0.1])
    v = np.array([0.04, 0.02, 0.05, 0.03])
    res = meta_analysis(_generic(y, v), measure="GEN", method=method)
    assert res.tau2 == 0.0 and res.i2 == 0.0 and res.q == pytest.approx(0.0, abs=1e-12)
    fe = meta_analysis(_generic(y, v), measure="GEN", method="FE")
    assert res.estimate == pytest.approx(fe.estimate) and res.se == pytest.approx(fe.se)


def test_dl_formula_by_hand():
    y = np.array([-0.5, 0.2, 0.9, -0.1])
    v = np.array([0.1, 0.05, 0.2, 0.08])
    w = 1 / v
    mu = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - mu) ** 2)
    expected = max(0.0, (q - 3) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    assert tau2_dl(y, v).tau2 == pytest.approx(expected)


def test_single_study_is_its_own_estimate():
    res = meta_analysis(_generic([0.3], [0.04]), measure="GEN", method="REML", hksj=True)
    assert res.estimate == pytest.approx(0.3) and res.se == pytest.approx(0.2)
    assert (res.tau2, res.q, res.q_df, res.q_p, res.i2) == (0.0, 0.0, 0, 1.0, 0.0)
    assert res.test == "z" and any("HKSJ" in n for n in res.notes)


def test_hksj_scales_the_se_by_the_weighted_residual_variance(bcg):
    eff = compute_effects(bcg, "RR")
    plain = fit_iv(eff.yi, eff.vi, "DL")
    hk = fit_iv(eff.yi, eff.vi, "DL", hksj=True)
    w = 1 / (eff.vi + plain.tau2.tau2)
    q = np.sum(w * (eff.yi - plain.estimate) ** 2) / 12
    assert hk.se == pytest.approx(plain.se * np.sqrt(q))
    assert hk.df == 12 and hk.estimate == plain.estimate


def test_level_changes_interval_width(bcg):
    r95 = meta_analysis(bcg, method="DL", level=95)
    r90 = meta_analysis(bcg, method="DL", level=0.90)
    assert r90.ci_high - r90.ci_low < r95.ci_high - r95.ci_low
    with pytest.raises(InputError, match="^level:"):
        meta_analysis(bcg, level=0)


def test_table_validation_names_the_field():
    base = {"events_treat": [1, 2], "n_treat": [10, 10], "events_ctrl": [1, 2], "n_ctrl": [10, 10]}
    with pytest.raises(InputError, match=r"^events_treat \(b\): at most n_treat"):
        StudyTable(kind="binary", study=("a", "b"), data={**base, "events_treat": [1, 12]})
    with pytest.raises(InputError, match=r"^events_ctrl \(a\): a non-negative"):
        StudyTable(kind="binary", study=("a", "b"), data={**base, "events_ctrl": [-1, 2]})
    with pytest.raises(InputError, match="^columns:"):
        StudyTable(kind="binary", study=("a", "b"), data={"events_treat": [1, 2]})
    with pytest.raises(InputError, match="^study: unique"):
        StudyTable(kind="binary", study=("a", "a"), data=base)
