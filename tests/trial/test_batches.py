"""Replicates in batches (`run_trial_batches`, used by power runs) are the same trials."""

from __future__ import annotations

import numpy as np
import pytest

import mscsim.trial._power as power_module
from mscsim.trial import load_scenario, power_curve, run_trial
from mscsim.trial._engine import run_trial_batches


@pytest.fixture(scope="module")
def lanzoni():
    return load_scenario("lanzoni2021")


@pytest.mark.parametrize("workers", [1, 2])
def test_batches_are_the_replicates_of_one_run(lanzoni, workers):
    whole = run_trial(lanzoni, replicates=5, seed=4)
    runs = list(run_trial_batches(lanzoni, batch=2, replicates=5, seed=4, workers=workers))
    assert [r.n_replicates for r in runs] == [2, 2, 1]
    np.testing.assert_array_equal(np.concatenate([r.replicate for r in runs]), whole.replicate)
    for name in ("death", "recovery", "sae_time"):
        got = np.concatenate([getattr(r.events, name) for r in runs])
        np.testing.assert_array_equal(got, getattr(whole.events, name))
    got = np.concatenate([r.visits["crp"] for r in runs])
    np.testing.assert_array_equal(got, whole.visits["crp"])
    np.testing.assert_array_equal(np.concatenate([r.n_screened for r in runs]), whole.n_screened)


def test_power_does_not_depend_on_the_batch_size(lanzoni, monkeypatch):
    one = power_curve(lanzoni, [24], replicates=6, seed=2)
    monkeypatch.setattr(power_module, "BATCH_PATIENTS", 48)  # batches of 2 replicates
    many = power_curve(lanzoni, [24], replicates=6, seed=2)
    assert many.to_dict() == one.to_dict()
    assert set(one.power) and all(len(v) == 1 for v in one.power.values())
