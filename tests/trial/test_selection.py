"""Publication selection: the predictive distribution of a published trial."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mscsim._errors import InputError
from mscsim.trial import analyse, load_scenario, run_trial, validate_run
from mscsim.trial._selection import (
    RR_FITTED,
    RR_HOPEWELL,
    excess_significance,
    favours_active,
    fit_selection_rr,
    observed_positive,
    positive_replicates,
    publication_weights,
    selection_rr,
)
from mscsim.trial._validate import weighted_quantile


def test_selection_names_and_bad_values() -> None:
    assert selection_rr(None) == selection_rr("none") == 1.0  # off by default
    assert selection_rr("hopewell") == RR_HOPEWELL == 1.78  # Hopewell 2009, risk ratio 1.78
    assert selection_rr("fitted") == RR_FITTED > 1.0
    assert selection_rr("3") == 3.0 and selection_rr(2.5) == 2.5
    for bad in ("0.5", "strong", "nan", "inf", -1, "published"):
        with pytest.raises(InputError) as e:
            selection_rr(bad)
        assert e.value.field == "--selection"


def _analysis(est):
    return SimpleNamespace(result=SimpleNamespace(estimate=np.asarray(est, float)))


@pytest.mark.parametrize(
    ("ep", "est", "good"),
    [
        (SimpleNamespace(kind="mortality"), [0.5, 1.0, 2.0, np.nan], [1, 0, 0, 0]),
        (SimpleNamespace(kind="survival"), [0.5, 2.0], [1, 0]),  # hazard ratio of death
        (SimpleNamespace(kind="time_to_improvement"), [0.5, 2.0], [0, 1]),  # rate ratio
        (SimpleNamespace(kind="biomarker_change", biomarker="crp"), [-3.0, 3.0], [1, 0]),
        (SimpleNamespace(kind="biomarker_change", biomarker="pf_ratio"), [-3.0, 3.0], [0, 1]),
        (SimpleNamespace(kind="ventilator_free_days"), [-1.0, 1.0], [0, 1]),
        (SimpleNamespace(kind="who_scale"), [-1.0, 1.0], [1, 0]),
    ],
)
def test_the_direction_that_favours_the_active_arm(ep, est, good) -> None:
    assert favours_active(ep, _analysis(est)).tolist() == [bool(g) for g in good]


@pytest.fixture(scope="module")
def lanzoni():
    run = run_trial(load_scenario("lanzoni2021"), replicates=60, seed=3)
    return run, analyse(run)


def test_positive_means_a_reported_comparison_significant_in_favour(lanzoni) -> None:
    run, analyses = lanzoni
    sc = run.scenario
    reported = {r.endpoint for r in sc.validated_results()}
    eps = {e.id: e for e in sc.endpoints.all}
    pos = positive_replicates(run, analyses)
    assert pos.shape == (60,) and 0 < pos.sum() < 60
    for r in np.flatnonzero(pos)[:5]:  # each positive replicate has such a comparison
        assert any(
            a.p_value[r] < 0.05 and favours_active(eps[a.id], a)[r]
            for a in analyses
            if a.id in reported
        )
    for r in np.flatnonzero(~pos)[:5]:  # and no negative one has
        assert not any(
            a.p_value[r] < 0.05 and favours_active(eps[a.id], a)[r]
            for a in analyses
            if a.id in reported
        )
    # comparisons the paper does not report never make a trial positive
    unreported = [a for a in analyses if a.id not in reported]
    assert unreported
    w = publication_weights(run, analyses, 4.0)
    assert set(np.unique(w)) <= {1.0, 0.25} and np.array_equal(w == 1.0, pos)
    assert np.array_equal(publication_weights(run, analyses, 1.0), np.ones(60))
    primary = positive_replicates(run, analyses, primary_only=True)
    assert not np.any(primary & ~pos)  # a subset of the reported comparisons


def test_selection_reweights_the_prediction_and_none_keeps_it(lanzoni) -> None:
    run, analyses = lanzoni
    plain = validate_run(run, analyses)  # the default: no selection
    strong = validate_run(run, analyses, selection_rr=20.0)
    assert [r.quantity for r in plain] == [r.quantity for r in strong]
    for a in plain:  # no selection: the unweighted quantiles and mid-rank percentile
        sim = a.simulated[~np.isnan(a.simulated)]
        assert a.weights is None and a.selection_rr == 1.0
        if np.isfinite(sim).all():
            assert a.pi_low == pytest.approx(np.quantile(sim, 0.05))
            assert a.pi_high == pytest.approx(np.quantile(sim, 0.95))
    w = publication_weights(run, analyses, 20.0)
    for b in strong:  # weighted mid-rank percentile and weighted inverted-CDF quantiles
        ok = ~np.isnan(b.simulated)
        x, ww = b.simulated[ok], w[ok]
        want = 100 * (ww[x < b.observed].sum() + 0.5 * ww[x == b.observed].sum()) / ww.sum()
        assert b.percentile == pytest.approx(want)
        if np.isfinite(x).all():  # the weighted type-7 estimator (Akinshin 2023)
            assert b.pi_low == pytest.approx(weighted_quantile(x, ww, [0.05])[0])
        else:
            assert b.pi_low == np.quantile(x, 0.05, method="inverted_cdf", weights=ww)
        assert b.to_dict()["selection_rr"] == 20.0 and "weights" not in b.to_dict()
    # a published positive trial: its survival p-value sits higher in the selected prediction
    p_plain = next(r for r in plain if r.endpoint == "survival_d31" and "p-value" in r.quantity)
    p_strong = next(r for r in strong if r.endpoint == "survival_d31" and "p-value" in r.quantity)
    # (the observed 0.015 may lie below every replicate of this small sample: percentile 0)
    assert p_strong.percentile >= p_plain.percentile
    assert p_strong.predicted_median < p_plain.predicted_median
    assert p_strong.q25 < p_plain.q25


def test_observed_positive_reads_the_published_direction() -> None:
    assert observed_positive(load_scenario("lanzoni2021"))  # survival p = 0.015
    assert observed_positive(load_scenario("dilogo2021"))  # deaths 10/20 vs 16/20, p = .047
    assert not observed_positive(load_scenario("bowdish2023"))
    # primary endpoints only: Lanzoni's primary is infusion safety, Shu's time to improvement
    assert not observed_positive(load_scenario("lanzoni2021"), primary_only=True)
    assert observed_positive(load_scenario("shu2020"), primary_only=True)
    # Meng: 1/9 vs 4/9 ventilated, Fisher p = 0.294 from the counts: not significant
    assert not observed_positive(load_scenario("meng2020"))
    assert not observed_positive(load_scenario("monsel2022"))
    sc = load_scenario("dilogo2021")  # the same p-value with the arms' deaths swapped
    res = sc.published_results[0]
    arms = dict(res.arms)
    names = list(arms)
    swapped = res.model_copy(update={"arms": {names[0]: arms[names[1]], names[1]: arms[names[0]]}})
    flipped = sc.model_copy(update={"published_results": [swapped, *sc.published_results[1:]]})
    assert res.effect is not None and res.effect.p_value < 0.05
    assert not observed_positive(flipped)


def test_fit_recovers_a_known_selection() -> None:
    rng = np.random.default_rng(7)
    share = rng.uniform(0.02, 0.4, 4000)
    for rr in (1.0, 6.0):
        published_positive = rng.random(share.size) < share / (share + (1 - share) / rr)
        fit = fit_selection_rr(share, published_positive)
        assert fit["low"] <= rr <= fit["high"]
        assert fit["rr"] == pytest.approx(rr, rel=0.2)
    assert fit["p"] < 1e-6
    with pytest.raises(ValueError):
        fit_selection_rr(np.array([]), np.array([], bool))


def test_excess_significance_counts_against_the_expected() -> None:
    share = np.array([0.1, 0.2, 0.3, 0.05])
    x = excess_significance(share, np.array([True, True, False, False]))
    assert x["observed"] == 2 and x["expected"] == pytest.approx(0.65) and x["trials"] == 4
    # exact tail: P(at least 2 of 4 independent trials positive), by enumeration
    tail = 0.0
    for k in range(16):
        hit = np.array([(k >> i) & 1 for i in range(4)], bool)
        if hit.sum() >= 2:
            tail += np.prod(np.where(hit, share, 1 - share))
    assert x["p_exact"] == pytest.approx(tail)
    a = (2 - 0.65) ** 2 / 0.65 + (2 - 0.65) ** 2 / (4 - 0.65)  # Ioannidis & Trikalinos' A
    assert x["A"] == pytest.approx(a)
    assert excess_significance(share, np.zeros(4, bool))["p_exact"] == pytest.approx(1.0)


def test_weighted_quantile_is_type_7_for_equal_weights_and_follows_the_weights() -> None:
    rng = np.random.default_rng(5)
    probs = [0.05, 0.25, 0.5, 0.75, 0.95]
    for n in (1, 2, 7, 200):
        for x in (rng.normal(size=n), rng.integers(0, 6, n).astype(float)):
            assert weighted_quantile(x, np.ones(n), probs) == pytest.approx(
                np.quantile(x, probs), abs=1e-12
            )
    x = np.array([0.0, 1.0, 2.0])
    heavy_top = weighted_quantile(x, np.array([1.0, 1.0, 10.0]), [0.5])[0]
    heavy_bottom = weighted_quantile(x, np.array([10.0, 1.0, 1.0]), [0.5])[0]
    assert heavy_top > 1.5 and heavy_bottom < 0.5
    # scaling every weight changes nothing
    assert weighted_quantile(x, np.array([2.0, 3.0, 4.0]), probs) == pytest.approx(
        weighted_quantile(x, np.array([20.0, 30.0, 40.0]), probs)
    )
