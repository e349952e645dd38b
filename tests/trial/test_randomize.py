"""Randomization draws the allocation lists a clerk would: one permuted block per stratum at a
time, in enrollment order."""

from __future__ import annotations

import numpy as np
import pytest

from mscsim import InputError
from mscsim.trial._randomize import STREAM_RANDOMIZATION, randomize, strata_keys


def _allocation_lists(method, allocation, block_size, keys, seed, replicate):
    """The allocation list of each stratum, refilled with ``rng.permutation(block)`` when a
    patient finds it empty, patient by patient (the reference `randomize` must match)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, STREAM_RANDOMIZATION, replicate]))
    ratios = np.array(list(allocation.values()))
    size = block_size or int(ratios.sum())
    block = np.repeat(np.arange(ratios.size), ratios * (size // ratios.sum()))
    lists: dict[object, list[int]] = {}
    out = []
    for key in keys:
        k = key if method == "stratified_block" else "all"
        if not lists.get(k):
            lists[k] = list(rng.permutation(block))
        out.append(lists[k].pop(0))
    return np.array(out, dtype=int)


@pytest.mark.parametrize("method", ["block", "stratified_block"])
@pytest.mark.parametrize(
    "allocation,block_size",
    [({"msc": 1, "ctrl": 1}, None), ({"msc": 1, "ctrl": 1}, 4), ({"msc": 2, "ctrl": 1}, 6),
     ({"low": 1, "high": 1, "ctrl": 1}, 3)],
)  # fmt: skip
def test_blocks_are_drawn_as_patients_open_them(method, allocation, block_size):
    rng = np.random.default_rng(0)
    for n in (0, 1, 7, 222):
        ards = rng.choice(np.array(["mild", "moderate", "severe"]), n)
        keys = strata_keys(
            ("ards_severity", "age_group"), ards, rng.random(n) < 0.5, rng.uniform(30, 90, n)
        )
        for replicate in range(4):
            got = randomize(method, allocation, block_size, keys, 5, replicate)
            want = _allocation_lists(method, allocation, block_size, keys, 5, replicate)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


def test_a_block_shorter_than_the_ratio_sum_is_refused():
    keys = np.full(4, "all", dtype=object)
    with pytest.raises(InputError, match="block_size"):
        randomize("block", {"msc": 2, "ctrl": 1}, 2, keys, 1, 0)
