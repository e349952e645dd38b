"""Time `mscsim trial power SCENARIO --n N --replicates K` (the issue's virtual-trial benchmark).

    python benchmarks/bench_trial_power.py [--scenario bowdish2023] [--n 222] [--replicates 10000]
                                           [--workers W] [--goal-s 120] [--json] [--out FILE]

The defaults are issue 11's must-show command, `mscsim trial power bowdish2023 --n 222
--replicates 10000` (goal <= 120 s on the 2-core machine); `--replicates 300` gives a short
run (the JSON then also holds the time extrapolated to 10,000). The earlier benchmark of the
issue is `--scenario lanzoni2021 --n 24 --goal-s 60`.

Runs the CLI in a subprocess (so start-up, scenario loading and model code generation count),
reports wall-clock seconds, the subprocess's user and system CPU seconds, replicate trials per
second and the extrapolated time for 10,000 replicates, with the machine's load average before
and after (timings on a shared machine are noisy: other processes take cores) and the git
commit. `--out FILE` also writes the JSON object there. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="bowdish2023")
    ap.add_argument("--n", default="222")
    ap.add_argument("--replicates", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--goal-s", type=float, default=120.0, help="goal for 10,000 replicates")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", default=None, help="also write the JSON object to this file")
    a = ap.parse_args()
    cmd = [
        sys.executable,
        "-m",
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
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    power = json.loads(out.stdout)["power"]
    doc = {
        "command": " ".join(["mscsim", *cmd[3:]]),
        "replicates": a.replicates,
        "wall_s": round(wall, 2),
        "user_s": round(cpu1.ru_utime - cpu0.ru_utime, 2),
        "sys_s": round(cpu1.ru_stime - cpu0.ru_stime, 2),
        "replicates_per_s": round(a.replicates / wall, 1),
        "extrapolated_10000_replicates_s": round(10_000 * wall / a.replicates, 1),
        "goal_10000_replicates_s": a.goal_s,
        "load_average_before": load0,
        "load_average_after": os.getloadavg(),
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "python": sys.version.split()[0],
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty_src": bool(_git("status", "--porcelain", "src")),
        "power": power,
    }
    text = json.dumps(doc)
    if a.out:
        Path(a.out).write_text(text + "\n")
    if a.json:
        print(text)
    else:
        for k, v in doc.items():
            if k != "power":
                print(f"{k:34s} {v}")


if __name__ == "__main__":
    main()
