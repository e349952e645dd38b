"""Bayesian calibration against the evidence base: priors, likelihood, surrogate, posterior."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import binom, norm

from mscsim._errors import InputError
from mscsim.evidence import load_trials
from mscsim.evidence._calibrate import (
    CalibrationConfig,
    calibrate,
    calibration_data,
    data_hash,
    surrogate_from,
)
from mscsim.evidence._likelihood import LogPosterior, Observed, observed_counts
from mscsim.evidence._posterior import Posterior, PosteriorDraws, load_posterior, posterior_draws
from mscsim.evidence._priors import model_prior, priors
from mscsim.evidence._surrogate import Surrogate, features

SMALL = {"points": 4, "replicates": 3, "walkers": 16, "steps": 80, "burn": 20, "keep": 50}
TRIALS = ("Lanzoni2021", "Monsel2022")


def _subset():
    return [t for t in load_trials() if t.id in TRIALS]


def test_priors_follow_class_and_bounds() -> None:
    ec50 = model_prior("EC50_msc")  # assumed, 1e6-1e9: log-uniform
    assert (ec50.kind, ec50.scale, ec50.lower, ec50.upper) == ("uniform", "log10", 6.0, 9.0)
    kgf = model_prior("Emax_kgf")  # calibrated 0.1942 in [0, 10]: log-normal, factor 3 = 1 SD
    assert kgf.kind == "normal" and kgf.scale == "log10"
    assert kgf.loc == pytest.approx(math.log10(0.1942)) and kgf.sd == pytest.approx(math.log10(3))
    assert kgf.upper == pytest.approx(1.0)
    k_l = model_prior("k_l")  # measured 0.693 in [0.2, 3]: log-normal, SD 20% (log10 scale)
    assert k_l.kind == "normal" and k_l.scale == "log10"
    assert k_l.sd == pytest.approx(0.2 / math.log(10))
    imax = model_prior("Imax_fib")  # assumed in [0, 1]: uniform
    assert (imax.kind, imax.scale, imax.lower, imax.upper) == ("uniform", "linear", 0.0, 1.0)
    assert [p.name for p in priors()][-4:] == [
        "mu_death",
        "tau_death",
        "tau_sae",
        "tau_efficacy_log10",
    ]
    assert all(np.isinf(p.logpdf(p.upper + 1e-9)) for p in priors())


def test_surrogate_features_fit_a_quadratic_exactly() -> None:
    rng = np.random.default_rng(0)
    z = rng.uniform(-1, 1, (30, 3))
    y = 0.5 + z[:, 0] - 2 * z[:, 1] * z[:, 2] + 0.3 * z[:, 2] ** 2
    coef, *_ = np.linalg.lstsq(features(z), y, rcond=None)
    zt = rng.uniform(-1, 1, (5, 3))
    yt = 0.5 + zt[:, 0] - 2 * zt[:, 1] * zt[:, 2] + 0.3 * zt[:, 2] ** 2
    assert features(zt) @ coef == pytest.approx(yt, abs=1e-10)


def _flat_surrogate(log_h: list[float]) -> Surrogate:
    """A surrogate whose arms have fixed log cumulative hazards (no MSC dependence)."""
    k = len(log_h)
    coef = np.zeros((features(np.zeros((1, 3))).shape[1], k))
    coef[0] = log_h
    keys = tuple((f"T{i // 2}", "mortality", "treat" if i % 2 == 0 else "ctrl") for i in range(k))
    return Surrogate(
        ("Emax_kgf", "Imax_tsg", "EC50_msc"),
        np.zeros(3),
        np.ones(3),
        keys,
        coef,
        np.zeros(k),
        np.zeros((0, 3)),
        np.zeros((0, k)),
    )


def test_likelihood_matches_scipy_binomial_and_quadrature() -> None:
    log_h = [math.log(0.2), math.log(0.4)]
    sur = _flat_surrogate(log_h)
    obs = Observed(
        events=np.array([3.0, 7.0]),
        n=np.array([12.0, 12.0]),
        key_index=np.array([0, 1]),
        group=np.array([0, 0]),
        is_death=np.array([True]),
        labels=(("T0", "mortality"),),
    )
    lp = LogPosterior(sur, obs, priors())
    x = np.array([[0.0, 0.0, 7.0, 0.3, 1e-9, 0.5, 0.0]])
    p = 1 - np.exp(-np.exp(np.array(log_h) + 0.3))
    exact = binom.logpmf(3, 12, p[0]) + binom.logpmf(7, 12, p[1])
    assert lp.log_likelihood(x)[0] == pytest.approx(exact, rel=1e-6)
    # with a between-trial SD the arms share u ~ N(mu, tau^2): compare with scipy quadrature
    tau = 0.8
    u = np.linspace(-8, 8, 4001)
    pu = 1 - np.exp(-np.exp(np.array(log_h)[:, None] + 0.3 + tau * u[None, :]))
    integrand = binom.pmf(3, 12, pu[0]) * binom.pmf(7, 12, pu[1]) * norm.pdf(u)
    ref = math.log(np.trapezoid(integrand, u))
    x[0, 4] = tau
    assert lp.log_likelihood(x)[0] == pytest.approx(ref, rel=1e-4)


def test_calibration_is_reproducible_and_round_trips(tmp_path) -> None:
    cfg = CalibrationConfig(seed=5, **SMALL)
    a = calibrate(cfg, trials=_subset())
    b = calibrate(cfg, trials=_subset())
    assert np.array_equal(a.draws, b.draws) and a.version == b.version
    assert a.draws.shape == (50, 7)
    assert {d["trial"] for d in a.meta["data"]} == set(TRIALS)
    assert a.meta["diagnostics"]["walkers"] == 16
    path = a.write(tmp_path / "post.json")
    back = load_posterior(path)
    assert back is not None and np.allclose(back.draws, a.draws) and back.version == a.version
    sur = surrogate_from(back)
    assert sur.log_hazard(np.array([[-0.5, -0.3, 7.0]])).shape == (1, len(sur.keys))
    # the statistics (Monsel's P/F change, as MSC minus placebo) travel with the file: the
    # restored surrogate gives the log posterior the sampler saw
    assert ("Monsel2022", "pf_ratio_change_d7", "uc_msc - placebo", "median") in sur.stat_keys
    designs, counts, _ = calibration_data(cfg, _subset())
    logp = LogPosterior(sur, observed_counts(sur, counts), priors())
    pri = priors()
    x = np.stack(
        [
            np.log10(a.draws[:, j]) if p.scale == "log10" else a.draws[:, j]
            for j, p in enumerate(pri)
        ],
        axis=1,
    )
    assert float(np.median(logp(x))) == pytest.approx(a.meta["log_prob_median"], rel=1e-9)
    # a file written before the contrasts (per-arm statistic keys) still loads and refits
    doc = json.loads(path.read_text())
    model = doc["surrogate"]["model"]
    model["statistic_keys"] = [
        [t, e, a.split(" - ")[0], st] for t, e, a, st in model["statistic_keys"]
    ]
    path.write_text(json.dumps(doc))
    per_arm = surrogate_from(load_posterior(path))
    assert ("Monsel2022", "pf_ratio_change_d7", "uc_msc", "median") in per_arm.stat_keys
    assert float(
        np.median(LogPosterior(per_arm, observed_counts(per_arm, counts), pri)(x))
    ) == pytest.approx(a.meta["log_prob_median"], rel=1e-9)
    # a posterior file written before the statistics were stored still loads: counts only
    for k in [k for k in doc["surrogate"]["model"] if k.startswith("statistic_")]:
        del doc["surrogate"]["model"][k]
    path.write_text(json.dumps(doc))
    old = load_posterior(path)
    assert old is not None
    old_sur = surrogate_from(old)
    assert old_sur.stat_keys == () and old_sur.statistics(x[:2, :3])[0].shape == (2, 0)
    assert np.isfinite(LogPosterior(old_sur, observed_counts(old_sur, counts), pri)(x[:2])).all()
    c = calibrate(CalibrationConfig(seed=6, **SMALL), trials=_subset())
    assert not np.array_equal(a.draws, c.draws)


def test_calibration_config_and_posterior_errors(tmp_path) -> None:
    with pytest.raises(InputError, match="points"):
        CalibrationConfig(points=24)
    with pytest.raises(InputError, match="burn"):
        CalibrationConfig(steps=100, burn=100)
    with pytest.raises(InputError, match="--posterior"):
        load_posterior(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": 99}))
    with pytest.raises(InputError, match="schema"):
        load_posterior(bad)
    assert load_posterior("none") is None


def test_posterior_draws_per_replicate_and_overrides() -> None:
    post = Posterior(("Emax_kgf", "mu_death"), np.arange(20.0).reshape(10, 2), {})
    d = PosteriorDraws(post, seed=3)
    # the draw of a replicate depends on (seed, replicate) only
    assert d(999, 7) == PosteriorDraws(post, seed=3)(0, 7)
    assert len({d.index(r) for r in range(50)}) > 5
    skip = PosteriorDraws(post, 3, frozenset({"Emax_kgf"}))
    assert set(skip(0, 1)) == {"mu_death"}

    class Sc:
        parameters = {"Emax_kgf": 1.0}

    draws, prov = posterior_draws("default", Sc(), 1)
    assert draws is not None and "Emax_kgf" not in prov["posterior_parameters"]
    assert posterior_draws("none", Sc(), 1) == (None, {"posterior": "none"})


def test_shipped_posterior_passes_its_diagnostics() -> None:
    post = load_posterior("default")
    assert post is not None
    diag = post.meta["diagnostics"]
    assert diag["chain_over_50_tau"] is True  # emcee's own criterion
    assert 0.15 < diag["acceptance_fraction"] < 0.7
    assert min(diag["ess"].values()) > 400
    assert len(post.meta["data_hash"]) == 64 and post.meta["seed"] == 2026
    # the surrogate against the simulator at the posterior median (a point it was not fitted on)
    check = post.meta["surrogate"]["check"]
    assert check["max_abs_risk_difference"] < 0.05 and check["mean_abs_risk_difference"] < 0.01


def test_shipped_posterior_was_fitted_to_the_current_data() -> None:
    """Changing the evidence counts or the designs that read them requires `mscsim calibrate`
    (and a new shipped posterior): the data hash says which data a posterior saw."""
    post = load_posterior("default")
    designs, counts, _ = calibration_data(CalibrationConfig())
    assert post is not None and post.meta["data_hash"] == data_hash(designs, counts)


def test_published_median_times_enter_the_likelihood_and_its_data_hash() -> None:
    """Shu's and Zhu's per-arm median times to improvement are calibration data (Gaussian
    synthetic likelihood); a median not reached by the endpoint's day reads as that day."""
    from mscsim.evidence._surrogate import arm_statistic, arm_statistics, statistic_contrasts
    from mscsim.trial import load_scenario, run_trial
    from mscsim.trial._validate import _arm_stat

    cfg = CalibrationConfig()
    designs, counts, _ = calibration_data(cfg)
    stats = dict(arm_statistics(designs))
    assert stats[("Shu2020", "time_to_improvement_d28", "uc_msc", "median")] == 9.0
    assert stats[("Shu2020", "time_to_improvement_d28", "standard_care", "median")] == 14.0
    assert stats[("Zhu2021", "time_to_improvement_d28", "placebo", "median")] == 13.0
    assert stats[("Monsel2022", "pf_ratio_change_d7", "uc_msc", "median")] == 54.3
    # a changed published median is a changed data set
    shu = load_scenario("shu2020")

    def with_shu_median(arm: str, median: float | None) -> list:
        """The designs with one arm's published median of Shu's time to improvement changed."""
        res = [
            r.model_copy(
                update={"arms": {**r.arms, arm: r.arms[arm].model_copy(update={"median": median})}}
            )
            if r.endpoint == "time_to_improvement_d28"
            else r
            for r in shu.published_results
        ]
        changed = shu.model_copy(update={"published_results": res})
        return [
            d if d.scenario.name != "shu2020" else replace(d, scenario=changed) for d in designs
        ]

    moved = with_shu_median("uc_msc", 10)
    assert data_hash(moved, counts) != data_hash(designs, counts)
    # the likelihood reads them as within-trial contrasts (active minus control) ...
    contrasts = dict(statistic_contrasts(designs))
    assert contrasts == {
        ("Shu2020", "time_to_improvement_d28", "uc_msc - standard_care", "median"): -5.0,
        ("Zhu2021", "time_to_improvement_d28", "uc_msc - placebo", "median"): -6.0,
        ("Monsel2022", "pf_ratio_change_d7", "uc_msc - placebo", "median"): 29.0,
    }
    # ... and a statistic published for one arm only does not enter
    alone = with_shu_median("standard_care", None)
    assert ("Shu2020", "time_to_improvement_d28", "uc_msc", "median") in dict(arm_statistics(alone))
    assert not [k for k, _ in statistic_contrasts(alone) if k[0] == "Shu2020"]
    # not reached within 28 days -> 28 (Kaplan-Meier gives inf), never above the endpoint's day
    run = run_trial(shu, replicates=6, seed=3)
    ep = next(e for e in shu.endpoints.all if e.kind == "time_to_improvement")
    raw = _arm_stat(run, ep, 0, "median")
    capped = arm_statistic(run, ep, 0, "median")
    assert np.isinf(raw).any()  # this seed has a replicate whose median is not reached
    assert np.array_equal(capped, np.minimum(raw, 28.0)) and np.all(capped <= 28.0)


def test_leave_one_trial_out_refits_without_the_trial() -> None:
    from mscsim.evidence._loto import leave_one_trial_out
    from mscsim.trial import load_scenario
    from mscsim.trial._selection import fit_selection_rr

    scs = [load_scenario(n) for n in ("lanzoni2021", "monsel2022", "xu2021")]
    post = calibrate(CalibrationConfig(seed=5, **SMALL), trials=_subset(), scenarios=scs)
    doc = leave_one_trial_out(
        post, replicates=4, seed=1, steps=40, scenarios=scs, trials=_subset(), selection="fitted"
    )
    by = {t["trial"]: t for t in doc["trials"]}
    assert doc["excess_significance"]["observed"] == 2  # Lanzoni and Xu published p < 0.05
    assert by["lanzoni2021"]["left_out_of_calibration"] == ["Lanzoni2021"]
    assert by["monsel2022"]["posterior"] == "refit without the trial"
    assert by["xu2021"]["posterior"] == "full (trial never seen)"  # not in _subset()
    # the publication risk ratio of each trial is fitted to the other trials only
    assert [by[n]["published_positive"] for n in by] == [True, False, True]
    for t in by.values():
        others = [o for o in by.values() if o is not t]
        fit = fit_selection_rr(
            np.array([o["positive_share"] for o in others]),
            np.array([o["published_positive"] for o in others]),
        )
        assert t["selection_rr"] == pytest.approx(fit["rr"], abs=1e-4)
    for r in doc["results"]:
        assert r["selection_rr"] == pytest.approx(by[r["trial"]]["selection_rr"], abs=1e-4)
    rows = doc["results"]
    assert doc["coverage"]["compared"] == len(rows) == sum(t["compared"] for t in doc["trials"])
    assert all(r["inside_50"] <= r["inside_90"] for r in rows)  # 50% interval inside the 90%
    assert sum(doc["pit_histogram"]) == sum(r["pit"] is not None for r in rows)
    # the coverage split by kind of number adds up to the whole
    kinds = doc["by_kind"]
    assert sum(k["compared"] for k in kinds.values()) == len(rows)
    assert sum(k["inside_90"] for k in kinds.values()) == doc["coverage"]["inside_90"]
    assert kinds["p-value"]["compared"] == sum(r["quantity"].startswith("p-value") for r in rows)
    from mscsim.report._model_checks import model_validation_report

    html = model_validation_report(doc, {"version": "test"}).render()
    assert "Coverage by kind of number" in html
    old = {k: v for k, v in doc.items() if k != "by_kind"}  # a document written before the split
    assert "Coverage by kind" not in model_validation_report(old, {"version": "test"}).render()


def test_product_effect_is_one_draw_per_trial_and_capped() -> None:
    names = ("Emax_kgf", "Imax_tsg", "tau_efficacy_log10")
    post = Posterior(names, np.array([[0.2, 0.9, 0.5]]), {})
    d = PosteriorDraws(post, seed=3)
    a, b = d(11, 0), d(12, 0)  # two designs (run seeds) of one replicate: own products
    assert a["Emax_kgf"] != b["Emax_kgf"] and "tau_efficacy_log10" not in a
    # Emax_kgf and Imax_tsg move together (one log10 shift), Imax_tsg capped at its bound 1
    shift = math.log10(a["Emax_kgf"] / 0.2)
    assert a["Imax_tsg"] == pytest.approx(min(1.0, 0.9 * 10**shift))
    effects = [math.log10(d(s, 0)["Emax_kgf"] / 0.2) for s in range(400)]
    assert np.std(effects) == pytest.approx(0.5, rel=0.15)
    assert d(11, 0) == a  # keyed by (seed, replicate) only


def test_statistics_of_a_scenario_linking_two_comparisons_are_simulated() -> None:
    """A scenario expressing two comparisons (as Zarrabi's two active arms) keys its per-arm
    statistics by its first comparison, and the design points simulate them under that key."""
    from mscsim.evidence._designs import Design
    from mscsim.evidence._surrogate import arm_statistics, simulate_points, statistic_contrasts
    from mscsim.trial import load_scenario

    sc = load_scenario("monsel2022")
    ep = next(e for e in sc.endpoints.all if e.kind == "sae")
    designs = [Design("First", sc, "uc_msc", ep, "sae"), Design("Second", sc, "uc_msc", ep, "sae")]
    keys = tuple(k for k, _ in arm_statistics(designs))
    contrast = tuple(k for k, _ in statistic_contrasts(designs))
    assert keys and all(k[0] == "First" for k in keys + contrast)
    pri = priors()[:3]
    x = np.array([[p.box()[0] for p in pri]])
    _, _, _, bio = simulate_points(designs, pri, x, replicates=3, seed=1, stat_keys=keys + contrast)
    assert np.all(bio[0, :, 1] > 0)  # every statistic simulated (SD over replicates > 0)
    # a contrast is the active arm's statistic minus the control's, replicate by replicate
    (c,) = contrast
    active = keys.index((c[0], c[1], "uc_msc", c[3]))
    control = keys.index((c[0], c[1], "placebo", c[3]))
    assert bio[0, len(keys), 0] == pytest.approx(bio[0, active, 0] - bio[0, control, 0])
