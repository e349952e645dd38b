"""Fuzz the command line with a seeded corpus (issue 12): the contract holds for every input.

CI runs `N_CI` cases (about 30 s on one core). The documented longer run prints the figures:
``MSCSIM_FUZZ_N=1200 python -m pytest -q -s tests/faults/test_fuzz.py``
(``MSCSIM_FUZZ_SEED`` picks another corpus).
"""

from __future__ import annotations

import os
import time

from ._fuzz import corpus, figures, printable, run_case

N_CI = 300


def test_fuzz_corpus_keeps_the_contract(tmp_path):
    n = int(os.environ.get("MSCSIM_FUZZ_N", N_CI))
    seed = int(os.environ.get("MSCSIM_FUZZ_SEED", 12))
    start = time.perf_counter()
    outcomes = []
    for i, case in enumerate(corpus(seed, n)):
        folder = tmp_path / f"c{i}"
        folder.mkdir()
        outcomes.append(run_case(case, folder))
    figs = figures(outcomes)
    bad = [o for o in outcomes if o.problem]
    report = "\n".join(
        f"  {o.problem}: {o.case.family} {printable(repr(o.case.argv), 160)} -> "
        f"{o.code} {printable(o.stderr[-400:])}"
        for o in bad[:15]
    )
    print(f"\nfuzz seed {seed}: " + ", ".join(f"{k} {v}" for k, v in figs.items()))
    print(f"fuzz wall time {time.perf_counter() - start:.0f} s")
    assert not bad, f"{len(bad)} of {n} inputs broke the contract:\n{report}"
    assert figs["clean errors (exit 2)"] > n // 3  # the corpus really is hostile
    assert figs["ok (exit 0)"] > 0  # and not only rejected
