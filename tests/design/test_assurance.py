"""Assurance: the per-replicate parameter hook of run_trial, the MSC effect prior, sample size."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from mscsim import InputError
from mscsim.design import MSC_EFFECT_PARAMETERS, MscEffectPrior, sample_size, success
from mscsim.model import MSC_COVID
from mscsim.trial import analyse, load_scenario, run_trial


@dataclass(frozen=True)
class Fixed:
    """Picklable draw: the same overrides for every replicate."""

    values: tuple[tuple[str, float], ...]

    def __call__(self, seed: int, replicate: int) -> dict[str, float]:
        return dict(self.values)


@pytest.fixture(scope="module")
def lanzoni():
    return load_scenario("lanzoni2021")


def test_prior_draws_are_reproducible_bounded_and_spread():
    prior = MscEffectPrior.from_model()
    assert prior.names == MSC_EFFECT_PARAMETERS
    assert prior(7, 3) == prior(7, 3) and prior(7, 3) != prior(7, 4)
    draws = [prior(1, r) for r in range(2000)]
    for name in prior.names:
        p = MSC_COVID.parameter(name)
        x = np.array([d[name] for d in draws])
        assert np.all((x >= p.lower) & (x <= p.upper))
        assert x.std() > 0
        if p.kind == "calibrated":  # log-normal with median at the calibrated value
            assert np.median(x) == pytest.approx(p.value, rel=0.05)
        if p.kind == "assumed":  # log-uniform over value/10 .. value*10, clipped
            inside = (x > max(p.lower, p.value / 10)) & (x < min(p.upper, p.value * 10))
            assert inside.mean() > 0.3


def test_param_draws_at_the_defaults_change_nothing(lanzoni):
    defaults = MSC_COVID.default_parameters()
    same = Fixed(tuple((n, defaults[n]) for n in MSC_EFFECT_PARAMETERS))
    a = run_trial(lanzoni, seed=3, replicates=3, sample_size=12)
    b = run_trial(lanzoni, seed=3, replicates=3, sample_size=12, param_draws=same)
    np.testing.assert_array_equal(a.events.death, b.events.death)
    np.testing.assert_array_equal(a.visits["pf_ratio"], b.visits["pf_ratio"])


def test_param_draws_reach_the_model_and_ignore_chunking(lanzoni):
    strong = Fixed((("Emax_kgf", 10.0), ("Emax_afc", 5.0), ("Imax_tsg", 1.0), ("EC50_msc", 1e6)))
    base = run_trial(lanzoni, seed=3, replicates=4, sample_size=24)
    a = run_trial(lanzoni, seed=3, replicates=4, sample_size=24, param_draws=strong)
    b = run_trial(lanzoni, seed=3, replicates=4, sample_size=24, param_draws=strong, chunk=1)
    np.testing.assert_array_equal(a.events.death, b.events.death)
    act = a.arm == a.arm_names.index("uc_msc")
    assert np.nanmean(a.visits["pf_ratio"][act, -1]) > np.nanmean(base.visits["pf_ratio"][act, -1])
    np.testing.assert_array_equal(a.cohort.params["Emax_kgf"], 10.0)
    # EC50_msc varies between patients: the draw sets its typical value, patients keep spread
    ratio = a.cohort.params["EC50_msc"] / base.cohort.params["EC50_msc"]
    np.testing.assert_allclose(ratio, 1e6 / MSC_COVID.parameter("EC50_msc").value, rtol=1e-12)
    # the control arm receives no cells: its course does not depend on the MSC parameters
    np.testing.assert_array_equal(a.events.death[~act], base.events.death[~act])


def test_prior_draws_differ_between_replicates(lanzoni):
    prior = MscEffectPrior.from_model()
    run = run_trial(lanzoni, seed=5, replicates=3, sample_size=4, param_draws=prior)
    v = run.as_matrix(run.cohort.params["Emax_kgf"])
    assert np.all(v == v[:, :1])  # one draw per replicate (Emax_kgf does not vary by patient)
    assert len(set(v[:, 0])) == 3
    assert v[1, 0] == pytest.approx(prior(5, 1)["Emax_kgf"])


def test_sample_size_counts_significant_benefit(lanzoni):
    res = sample_size(
        lanzoni, [24, 48], endpoint="survival_d31", replicates=12, seed=2, assurance=True
    )
    run = run_trial(lanzoni, seed=2, replicates=12, sample_size=48)
    a = next(x for x in analyse(run) if x.id == "survival_d31")
    assert res.power[1] == pytest.approx(success(a).mean())
    assert len(res.assurance) == 2 and res.n == [24, 48]
    reached = [n for n, p in zip(res.n, res.power) if p >= res.target]
    assert res.n_for_power == (reached[0] if reached else None)


def test_sample_size_bad_input(lanzoni):
    with pytest.raises(InputError):
        sample_size(lanzoni, [48, 24], replicates=2)
    with pytest.raises(InputError):
        sample_size(lanzoni, [24], target=1.5, replicates=2)


def test_assurance_draws_from_the_calibrated_posterior_by_default(lanzoni):
    from mscsim.evidence._posterior import PosteriorDraws, load_posterior

    res = sample_size(lanzoni, [24], endpoint="survival_d31", replicates=6, seed=2)
    post = load_posterior("default")
    assert res.prior["uncertainty"] == "posterior"
    assert res.prior["posterior_version"] == post.version
    run = run_trial(
        lanzoni, seed=2, replicates=6, sample_size=24, param_draws=PosteriorDraws(post, 2)
    )
    a = next(x for x in analyse(run) if x.id == "survival_d31")
    assert res.assurance[0] == pytest.approx(success(a).mean())
    prior = sample_size(lanzoni, [24], replicates=2, seed=2, uncertainty="prior")
    assert prior.prior["uncertainty"] == "prior" and "assumed" in prior.prior
    with pytest.raises(InputError, match="--uncertainty"):
        sample_size(lanzoni, [24], replicates=2, uncertainty="flat")
