"""Time one regimen optimization and one adaptive-design evaluation, against `trial power`.

    python benchmarks/bench_design.py [--trials 20] [--replicates 20] [--n 48]
                                      [--adaptive-replicates 1000]
                                      [--multiarm-replicates 300] [--json]

Each command runs in a subprocess (start-up, scenario loading and model code generation
count). The peers in the same run are `mscsim trial power` runs simulating as many patients: an
optimization of T candidates x R trials against one power run of T*R trials, an adaptive
evaluation (one scenario, no null) against one power run at the maximum size, a multi-arm
evaluation (zarrabi2023, 3 arms, every patient simulated under each arm) against a power run of
3x as many trials; the ratios show
the overhead of the design layer (optuna, one run per candidate, nested look statistics).
Not a test; timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="lanzoni2021")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--adaptive-replicates", type=int, default=1000)
    ap.add_argument("--adaptive-n", type=int, default=96)
    ap.add_argument("--multiarm-replicates", type=int, default=300)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    m = [sys.executable, "-m", "mscsim"]
    opt = [
        *m,
        "design",
        "optimize",
        a.scenario,
        "--trials",
        str(a.trials),
        "--replicates",
        str(a.replicates),
        "--n",
        str(a.n),
        "--json",
    ]
    peer_opt = [
        *m,
        "trial",
        "power",
        a.scenario,
        "--n",
        str(a.n),
        "--replicates",
        str(a.trials * a.replicates),
        "--json",
    ]
    ada = [
        *m,
        "design",
        "adaptive",
        a.scenario,
        "--n-max",
        str(a.adaptive_n),
        "--looks",
        "0.3333333333,0.6666666667,1",
        "--spending",
        "asOF",
        "--replicates",
        str(a.adaptive_replicates),
        "--skip-null",
        "--json",
    ]
    peer_ada = [
        *m,
        "trial",
        "power",
        a.scenario,
        "--n",
        str(a.adaptive_n),
        "--replicates",
        str(a.adaptive_replicates),
        "--json",
    ]
    # multi-arm (zarrabi2023, n = 86 = 2 x its 11:8:24 allocation; MSC, MSC+EV vs standard care;
    # response-adaptive, pick the best):
    # every patient is simulated under all 3 arms, so the peer simulates 3x as many trials
    multi = [
        *m,
        "design",
        "adaptive",
        "zarrabi2023",
        "--n-max",
        "86",
        "--looks",
        "0.5,1",
        "--arms",
        "all",
        "--rar",
        "--keep-best",
        "1",
        "--replicates",
        str(a.multiarm_replicates),
        "--skip-null",
        "--json",
    ]
    peer_multi = [
        *m,
        "trial",
        "power",
        "zarrabi2023",
        "--n",
        "86",
        "--replicates",
        str(3 * a.multiarm_replicates),
        "--posterior",
        "none",
        "--json",
    ]
    load0 = os.getloadavg()
    t = {
        name: _time(cmd)
        for name, cmd in (
            ("optimize", opt),
            ("trial_power_same_patients", peer_opt),
            ("adaptive", ada),
            ("trial_power_max_n", peer_ada),
            ("multiarm_adaptive", multi),
            ("trial_power_3x_trials", peer_multi),
        )
    }
    doc = {
        "commands": {
            "optimize": " ".join(opt[2:]),
            "adaptive": " ".join(ada[2:]),
            "peer_optimize": " ".join(peer_opt[2:]),
            "peer_adaptive": " ".join(peer_ada[2:]),
            "multiarm": " ".join(multi[2:]),
            "peer_multiarm": " ".join(peer_multi[2:]),
        },
        "seconds": {k: round(v, 2) for k, v in t.items()},
        "optimize_per_candidate_s": round(t["optimize"] / a.trials, 3),
        "ratio_optimize_vs_power_same_patients": round(
            t["optimize"] / t["trial_power_same_patients"], 2
        ),
        "ratio_adaptive_vs_power": round(t["adaptive"] / t["trial_power_max_n"], 2),
        "ratio_multiarm_vs_power_3x": round(t["multiarm_adaptive"] / t["trial_power_3x_trials"], 2),
        "load_average_before": load0,
        "load_average_after": os.getloadavg(),
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "python": sys.version.split()[0],
    }
    if a.json:
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
    else:
        for k, v in doc.items():
            print(f"{k}: {v}")


if __name__ == "__main__":
    main()
