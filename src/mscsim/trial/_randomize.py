"""Randomization: simple, permuted blocks, or permuted blocks within strata.

Each replicate trial draws from its own stream ``SeedSequence([seed, STREAM, replicate])`` and
assigns patients in enrollment order, as a real allocation list would.
"""

from __future__ import annotations

import numpy as np

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
    out = np.empty(n, dtype=int)
    lists: dict[object, list[int]] = {}
    for i in range(n):
        k = keys[i] if method == "stratified_block" else "all"
        if not lists.get(k):
            lists[k] = list(rng.permutation(block))
        out[i] = lists[k].pop(0)
    return out
