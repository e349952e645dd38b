"""One million virtual patients x 365 days on the CPU, chunked and streamed to Parquet.

    python benchmarks/bench_million.py [--patients 1000000] [--chunk 20000] [--workers 2]
                                       [--backend numba] [--parquet FILE] [--json] [--out FILE]

The cohort and regimens are those of ``bench_population.py`` (severity score U(0, 3), eight
parameters x log-uniform [0.7, 1.3], one of four regimens), drawn chunk by chunk from
``SeedSequence([seed, chunk])``. Each chunk is solved by a pool of ``--workers`` forked
processes (started once, writing into one shared buffer of a chunk's size) and appended to one Parquet file (zstd): one row per patient with its regimen, solver status and,
per observable, its 366 daily values (day 0 to 365) as a fixed-size list of float32. Only one
chunk is in memory at a time; the peak resident memory of the process and its workers is
reported (``ru_maxrss``), with the wall time, the solve and write times and the file size.
Issue goal: 1,000,000 patients within 8 GB. Not a test; timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
import bench_population as bp  # noqa: E402


def _chunk_table(c, obs: np.ndarray, status: np.ndarray, first: int) -> pa.Table:
    n, t = c.size, bp.T_EVAL.size
    cols = {
        "patient": pa.array(np.arange(first, first + n, dtype=np.int64)),
        "regimen": pa.array(c.arm.astype(np.int8)),
        "status": pa.array(status.astype(np.int8)),
    }
    for j, name in enumerate(bp.OBS):
        flat = pa.array(obs[:, j, :].astype(np.float32).ravel())
        cols[name] = pa.FixedSizeListArray.from_arrays(flat, t)
    return pa.table(cols)


def _peak_rss_mb(workers: int) -> dict[str, float]:
    """Peak resident memory: the main process, the largest worker, and an upper bound of
    their sum (every worker at the largest's peak at once; forked pages shared are counted
    twice)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "main_mb": round(me, 1),
        "largest_worker_mb": round(kids, 1),
        "upper_bound_total_mb": round(me + workers * kids, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--backend", default="numba", choices=["numpy", "numba"])
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--parquet", type=Path, default=None, help="default: a temporary file")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    bp.BACKEND = a.backend
    tmp = None
    if a.parquet is None:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "million.parquet"
    else:
        path = a.parquet
    t0 = time.perf_counter()
    solve_s = write_s = 0.0
    failed = done = 0
    writer = None
    pool = bp.mscsim_pool(min(a.chunk, a.patients), a.workers)
    for k, first in enumerate(range(0, a.patients, a.chunk)):
        n = min(a.chunk, a.patients - first)
        seed = int(np.random.SeedSequence([a.seed, k]).generate_state(1)[0])
        c = bp.make_cohort(n, seed)
        s0 = time.perf_counter()
        obs, status = bp.run_mscsim_mp(pool, c, a.workers)
        s1 = time.perf_counter()
        table = _chunk_table(c, obs, status, first)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table)
        s2 = time.perf_counter()
        solve_s, write_s = solve_s + s1 - s0, write_s + s2 - s1
        failed += int(np.sum(status != 0))
        done += n
        del obs, table
        print(f"{done:>9d} patients  {time.perf_counter() - t0:7.1f} s", file=sys.stderr)
    assert writer is not None
    writer.close()
    pool.close()
    pool.join()
    wall = time.perf_counter() - t0
    meta = pq.ParquetFile(path).metadata
    res = {
        "patients": done,
        "days": int(bp.T_EVAL[-1]),
        "observables": list(bp.OBS),
        "chunk": a.chunk,
        "workers": a.workers,
        "backend": a.backend,
        "wall_s": round(wall, 1),
        "solve_s": round(solve_s, 1),
        "write_s": round(write_s, 1),
        "patients_per_s": round(done / wall, 1),
        "failed_solves": failed,
        "parquet_rows": meta.num_rows,
        "parquet_bytes": path.stat().st_size,
        "peak_rss": _peak_rss_mb(a.workers),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_average": os.getloadavg(),
    }
    text = json.dumps(res, indent=1)
    if a.out:
        a.out.write_text(text + "\n")
    print(
        text
        if a.json
        else f"{done} patients x 365 days in {wall:.0f} s; peak RSS {res['peak_rss']}; "
        f"{res['parquet_bytes'] / 1e9:.2f} GB Parquet"
    )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
