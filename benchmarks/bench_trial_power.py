"""Time `mscsim trial power SCENARIO --n N --replicates K` (the issue's virtual-trial benchmark).

    python benchmarks/bench_trial_power.py [--scenario lanzoni2021] [--n 24] [--replicates 1000]
                                           [--workers W] [--json]

Runs the CLI in a subprocess (so start-up, scenario loading and model code generation count),
reports wall-clock seconds, replicate trials per second and the extrapolated time for 10,000
replicates, with the machine's load average before and after (timings on a shared machine
are noisy). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="lanzoni2021")
    ap.add_argument("--n", default="24")
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    cmd = [
        "mscsim",
        "trial",
        "power",
        a.scenario,
        "--n",
        a.n,
        "--replicates",
        str(a.replicates),
        "--json",
    ]
    if a.workers:
        cmd += ["--workers", str(a.workers)]
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    power = json.loads(out.stdout)["power"]
    doc = {
        "command": " ".join(cmd),
        "wall_s": round(wall, 2),
        "replicates_per_s": round(a.replicates / wall, 1),
        "extrapolated_10000_replicates_s": round(10_000 * wall / a.replicates, 1),
        "goal_10000_replicates_s": 60,
        "load_average_before": load0,
        "load_average_after": os.getloadavg(),
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "python": sys.version.split()[0],
        "power": power,
    }
    if a.json:
        print(json.dumps(doc))
    else:
        for k, v in doc.items():
            if k != "power":
                print(f"{k:34s} {v}")


if __name__ == "__main__":
    main()
