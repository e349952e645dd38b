"""Benchmark: a power grid on a Dask LocalCluster with 1 and 2 worker processes, vs local.

Run ``python benchmarks/bench_dask_power.py`` (options: ``--scenario``, ``--sizes``,
``--replicates``, ``--seed``). For each cluster size it starts a LocalCluster of single-threaded
worker processes, warms every worker up (imports and compiled model code) with a one-replicate
run, then times ``mscsim.app.power_study`` over the grid. It checks that each Dask result equals
the local one exactly (same seed), and prints the times and the 2-vs-1-worker speed-up.
Not a test: the speed-up depends on free cores (on a shared 2-core machine it is < 2).
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="lanzoni2021")
    ap.add_argument("--sizes", default="24,48,96")
    ap.add_argument("--replicates", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    from mscsim.app import cluster_executor, power_study
    from mscsim.trial import load_scenario, run_trial

    sizes = [int(s) for s in args.sizes.split(",")]
    sc = load_scenario(args.scenario)
    t0 = time.perf_counter()
    local = power_study(sc, sizes, replicates=args.replicates, seed=args.seed, workers=1)
    t_local = time.perf_counter() - t0
    out = {"grid": {"scenario": sc.name, "sizes": sizes, "replicates": args.replicates},
           "local_1_process_s": round(t_local, 2)}  # fmt: skip
    for n in (1, 2):
        with cluster_executor(f"local:{n}") as ex:
            run_trial(sc, seed=0, replicates=4 * n, executor=ex)  # warm up every worker
            t0 = time.perf_counter()
            res = power_study(sc, sizes, replicates=args.replicates, seed=args.seed, executor=ex)
            out[f"dask_{n}_workers_s"] = round(time.perf_counter() - t0, 2)
            out[f"dask_{n}_identical_to_local"] = res.doc == local.doc
    out["speedup_2_vs_1"] = round(out["dask_1_workers_s"] / out["dask_2_workers_s"], 2)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
