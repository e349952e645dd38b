"""Randomization: simple, permuted blocks, or permuted blocks within strata.

Each replicate trial draws from its own stream ``SeedSequence([seed, STREAM, replicate])`` and
assigns patients in enrollment order, as a real allocation list would.
"""

from __future__ import annotations

import numpy as np

from mscsim._errors import InputError

STREAM_RANDOMIZATION = 2
AGE_GROUP_CUTOFF = 65  # years: 'age_group' stratum is < 65 vs >= 65 (ASSUMED, common cut-off)


def strata_keys(strata, ards: np.ndarray, female: np.ndarray, age: np.ndarray) -> np.ndarray:
    """One string key per patient combining the stratification covariates."""
    parts = []
    for s in strata:
        if s == "ards_severity":
            parts.append(ards.astype(str))
        elif s == "sex":
            parts.append(np.where(female, "F", "M"))
        elif s == "age_group":
            parts.append(np.where(age >= AGE_GROUP_CUTOFF, ">=65", "<65"))
    if not parts:
        return np.full(ards.shape, "all", dtype=object)
    key = parts[0].astype(object)
    for p in parts[1:]:
        key = key + "|" + p
    return key


def randomize(
    method: str,
    allocation: dict[str, int],
    block_size: int | None,
    keys: np.ndarray,
    seed: int,
    replicate: int,
) -> np.ndarray:
    """Arm index (into `allocation` order) for each patient of one replicate, in enrollment order."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, STREAM_RANDOMIZATION, replicate]))
    ratios = np.array(list(allocation.values()))
    n = keys.shape[0]
    if method == "simple":
        return np.asarray(rng.choice(ratios.size, size=n, p=ratios / ratios.sum()))
    size = block_size or int(ratios.sum())
    block = np.repeat(np.arange(ratios.size), ratios * (size // ratios.sum()))
    if n == 0:
        return np.empty(0, dtype=int)
    if block.size == 0:
        raise InputError(
            "randomization.block_size",
            f"a multiple of the allocation-ratio sum {ratios.sum()}",
            size,
        )
    # each stratum's patients take its allocation list in enrollment order; a new permuted
    # block is drawn when a patient opens one (its position in the stratum is a multiple of
    # the block length), so the draws come in the order of those patients
    strata = keys if method == "stratified_block" else np.zeros(n, dtype=int)
    _, group = np.unique(strata, return_inverse=True)
    group = group.reshape(n)
    order = np.argsort(group, kind="stable")
    counts = np.bincount(group)
    starts = np.cumsum(counts) - counts
    pos = np.empty(n, dtype=int)
    pos[order] = np.arange(n) - np.repeat(starts, counts)  # position within the stratum
    opens = pos % block.size == 0
    # one row per block drawn, each row shuffled in turn: the same draws as one
    # rng.permutation(block) per block (tests/trial/test_randomize.py)
    perms = rng.permuted(np.tile(block, (int(opens.sum()), 1)), axis=1)
    opener = order[starts[group] + pos - pos % block.size]  # who opened each patient's block
    draw = np.cumsum(opens) - 1  # index of the block each opener drew
    return perms[draw[opener], pos % block.size]
