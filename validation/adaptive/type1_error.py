"""Type I error of group-sequential designs simulated with the model, under a null scenario.

The null scenario is lanzoni2021 with its UC-MSC arm given the vehicle (MSC effect off). One
batch of R replicate trials at the maximum size (n = 96) is analysed at looks after 32, 64 and
96 patients (survival to day 31, log-rank z) by several one-sided alpha = 0.025 designs; each
simulated rejection rate is compared with its nominal alpha using the Monte Carlo SE
sqrt(alpha (1 - alpha) / R).

Run: PYTHONPATH=src python validation/adaptive/type1_error.py [R] [SEED] [N]
(R = 10000, N = 96: ~12 min on 2 cores; looks at N/3, 2N/3 and N). Writes
validation/adaptive/results/type1_lanzoni2021[_sSEED][_nN].json.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from mscsim.design import AdaptiveDesign, look_statistics, null_scenario, pick_endpoint
from mscsim.design._adaptive import summarize
from mscsim.trial import load_scenario, run_trial

R = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 20261201
N = int(sys.argv[3]) if len(sys.argv) > 3 else 96  # a multiple of 12 (block size, 3 looks)
LOOKS = (1 / 3, 2 / 3, 1.0)
DESIGNS = {
    "fixed (K=1)": {"looks": (1.0,), "rule": {"spending": "asOF"}},
    "asOF K=3": {"looks": LOOKS, "rule": {"spending": "asOF"}},
    "asP K=3": {"looks": LOOKS, "rule": {"spending": "asP"}},
    "OF K=3": {"looks": LOOKS, "rule": {"spending": "OF"}},
    "P K=3": {"looks": LOOKS, "rule": {"spending": "P"}},
    "HP K=3": {"looks": LOOKS, "rule": {"spending": "HP"}},
}


def main() -> None:
    sc = load_scenario("lanzoni2021")
    null = null_scenario(sc)
    t0 = time.perf_counter()
    run = run_trial(null, seed=SEED, replicates=R, sample_size=N)
    elapsed = time.perf_counter() - t0
    ep = pick_endpoint(sc, "survival_d31")
    rows = {}
    extra: dict = {}
    for name, spec in DESIGNS.items():
        d = AdaptiveDesign(
            scenario="lanzoni2021",
            endpoint=ep.id,
            max_sample_size=N,
            looks=spec["looks"],
            rule={"kind": "group_sequential", "alpha": 0.025, **spec["rule"]},
            replicates=R,
            seed=SEED,
        )
        sizes = (N,) if len(d.looks) == 1 else (N // 3, 2 * N // 3, N)
        stats = look_statistics(run, ep, "uc_msc", sizes)
        oc = summarize(stats, d, run)
        if len(sizes) == 1:  # the harm-side tail of the same statistic: is the test symmetric?
            lower = float(np.mean(np.nan_to_num(stats.z[:, 0]) <= -1.959964))
            print(f"fixed design, lower tail P(z <= -1.96) = {lower:.4f}")
            extra = {"lower_tail_fixed": lower, "undefined_z": int(np.isnan(stats.z).sum())}
        mc = math.sqrt(0.025 * 0.975 / R)
        rows[name] = {
            "type1_error": oc.reject,
            "nominal": 0.025,
            "mc_se_at_nominal": mc,
            "z_vs_nominal": (oc.reject - 0.025) / mc,
            "stop_efficacy": oc.stop_efficacy,
            "expected_sample_size": oc.expected_sample_size,
        }
        print(
            f"{name:12s} type I error {oc.reject:.4f} (nominal 0.025, MC SE {mc:.4f}, "
            f"z = {(oc.reject - 0.025) / mc:+.2f}) stop per look {oc.stop_efficacy}"
        )
    doc = {
        "scenario": null.name,
        "endpoint": ep.id,
        "replicates": R,
        "seed": SEED,
        "sample_size": N,
        "deaths_per_trial": float(np.mean((run.events.death <= 31).reshape(R, N).sum(axis=1))),
        "simulate_s": elapsed,
        "provenance": run.provenance,
        "designs": rows,
        **extra,
    }
    tag = ("" if SEED == 20261201 else f"_s{SEED}") + ("" if N == 96 else f"_n{N}")
    out = Path(__file__).parent / "results" / f"type1_{sc.name}{tag}.json"
    out.write_text(json.dumps(doc, indent=1))
    print(f"{R} trials of n = {N} simulated in {elapsed:.0f} s; wrote {out}")


if __name__ == "__main__":
    main()
