"""Concurrent `evidence add` to one store: every record kept (issue 12, item 1)."""

from __future__ import annotations

import multiprocessing as mp
import sys
from pathlib import Path

import pytest
import yaml

from mscsim.evidence import add_trials, store_trials

from ._data import NEW

PROCESSES, ADDS = 4, 3

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX flock and fork")


def _adder(barrier, folder: str, worker: int) -> None:
    barrier.wait()
    for j in range(ADDS):
        src = Path(folder) / f"w{worker}-{j}.yaml"
        add_trials(src, Path(folder) / "store.yaml")


def test_concurrent_adds_keep_every_record(tmp_path):
    ids = []
    for w in range(PROCESSES):
        for j in range(ADDS):
            tid = f"Race{w}x{j}"
            ids.append(tid)
            doc = {**NEW, "id": tid, "doi": f"10.1234/race.{w}.{j}"}
            (tmp_path / f"w{w}-{j}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(PROCESSES)
    procs = [ctx.Process(target=_adder, args=(barrier, str(tmp_path), w)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    assert sorted(t.id for t in store_trials(tmp_path / "store.yaml")) == sorted(ids)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []
