"""Type I error of event-driven group-sequential designs simulated with the model (null).

The null scenario is lanzoni2021 with its UC-MSC arm given the vehicle (MSC effect off). Each
replicate trial has at most N = 192 patients enrolled uniformly over 180 days; looks happen
when 1/3, 2/3 and all of D = 50 deaths by day 31 (both arms) have been observed in calendar
time (ceil: 17, 34, 50), or, if D is never reached, at the end of the study (the last
patient's day 31). At each look the patients enrolled by then are analysed, administratively
censored at the look (log-rank z, survival to day 31). Boundaries use the planned fractions.
Each one-sided alpha = 0.025 design's rejection rate is compared with 0.025 using the Monte
Carlo SE sqrt(alpha (1 - alpha) / R). The same replicates are also analysed with looks by
patients (after 64, 128, 192 patients, each followed up fully) for comparison.

Run: PYTHONPATH=src python validation/adaptive/type1_events.py [R] [SEED]
(R = 8000: batches of 2500 replicate trials with seeds SEED, SEED + 1, ...; ~10 min on one
core). Writes validation/adaptive/results/type1_events_lanzoni2021[_sSEED][_rR].json.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from mscsim.design import (
    AdaptiveDesign,
    calendar_looks,
    decisions,
    look_statistics,
    null_scenario,
)
from mscsim.trial import load_scenario, run_trial

R = int(sys.argv[1]) if len(sys.argv) > 1 else 8_000
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 20261201
N, ACCRUAL, D, BATCH = 192, 180.0, 50, 2500
LOOKS = (1 / 3, 2 / 3, 1.0)
DESIGNS = {
    "fixed (K=1), events": ("events", (1.0,), "asOF"),
    "asOF K=3, events": ("events", LOOKS, "asOF"),
    "OF K=3, events": ("events", LOOKS, "OF"),
    "asP K=3, events": ("events", LOOKS, "asP"),
    "HP K=3, events": ("events", LOOKS, "HP"),
    "asOF K=3, patients": ("patients", LOOKS, "asOF"),
}


def design(looks_by: str, looks, spending: str) -> AdaptiveDesign:
    extra = {"accrual_days": ACCRUAL, "max_events": D} if looks_by == "events" else {}
    return AdaptiveDesign(
        scenario="lanzoni2021",
        endpoint="survival_d31",
        max_sample_size=N,
        looks=looks,
        rule={"kind": "group_sequential", "alpha": 0.025, "spending": spending},
        looks_by=looks_by,
        **extra,
    )


def main() -> None:
    sc = load_scenario("lanzoni2021")
    null = null_scenario(sc)
    ep = next(e for e in sc.endpoints.all if e.id == "survival_d31")
    acc: dict[str, dict[str, list]] = {k: {} for k in DESIGNS}
    t0, seeds, prov = time.perf_counter(), [], {}
    for b in range(math.ceil(R / BATCH)):
        reps = min(BATCH, R - b * BATCH)
        run = run_trial(null, seed=SEED + b, replicates=reps, sample_size=N)
        seeds.append(SEED + b)
        prov = run.provenance
        for name, (looks_by, looks, spending) in DESIGNS.items():
            d = design(looks_by, looks, spending)
            if looks_by == "events":
                cl = calendar_looks(run, ep, "uc_msc", d)
                stats = cl.stats
            else:
                stats = look_statistics(run, ep, "uc_msc", (N // 3, 2 * N // 3, N))
            first, success = decisions(stats, d)
            idx = np.arange(reps)
            got = {"first": first, "success": success, "z_last": stats.z[:, -1]}
            if looks_by == "events":
                got |= {
                    "day": cl.time[idx, first],
                    "n": cl.enrolled[idx, first],
                    "time": cl.time,
                    "events": cl.events,
                    "enrolled": cl.enrolled,
                }
            for k, v in got.items():
                acc[name].setdefault(k, []).append(v)
        print(f"batch {b + 1}: {reps} trials, {time.perf_counter() - t0:.0f} s", flush=True)
    elapsed = time.perf_counter() - t0
    mc = math.sqrt(0.025 * 0.975 / R)
    rows = {}
    for name, (looks_by, looks, _) in DESIGNS.items():
        a = {k: np.concatenate(v) for k, v in acc[name].items()}
        rej = float(a["success"].mean())
        row = {
            "type1_error": rej,
            "nominal": 0.025,
            "mc_se_at_nominal": mc,
            "z_vs_nominal": (rej - 0.025) / mc,
            "stop_efficacy": [
                float(np.mean(a["success"] & (a["first"] == j))) for j in range(len(looks))
            ],
        }
        if len(looks) == 1:
            row["lower_tail_z_le_-1.96"] = float(np.mean(np.nan_to_num(a["z_last"]) <= -1.959964))
        if looks_by == "events":
            held = np.isfinite(a["time"])
            row |= {
                "expected_duration_days": float(a["day"].mean()),
                "expected_sample_size": float(a["n"].mean()),
                "look_held": held.mean(axis=0).tolist(),
                "mean_look_day": [
                    float(a["time"][held[:, j], j].mean()) for j in range(len(looks))
                ],
                "mean_events": [
                    float(a["events"][held[:, j], j].mean()) for j in range(len(looks))
                ],
                "mean_enrolled": [
                    float(a["enrolled"][held[:, j], j].mean()) for j in range(len(looks))
                ],
                "reached_max_events": float(np.mean(a["events"][:, -1] >= D)),
            }
        rows[name] = row
        print(
            f"{name:22s} type I error {rej:.4f} (MC SE {mc:.4f}, z = {(rej - 0.025) / mc:+.2f}) "
            f"stop per look {[round(x, 4) for x in row['stop_efficacy']]}"
        )
    doc = {
        "scenario": null.name,
        "endpoint": ep.id,
        "replicates": R,
        "seeds": seeds,
        "max_sample_size": N,
        "accrual_days": ACCRUAL,
        "max_events": D,
        "enrollment": "uniform: patient i of N enrolls on day accrual_days * i / N",
        "simulate_and_analyse_s": elapsed,
        "provenance": prov,
        "designs": rows,
    }
    tag = ("" if SEED == 20261201 else f"_s{SEED}") + ("" if R == 8_000 else f"_r{R}")
    out = Path(__file__).parent / "results" / f"type1_events_{sc.name}{tag}.json"
    out.write_text(json.dumps(doc, indent=1))
    print(f"{R} trials of up to {N} patients in {elapsed:.0f} s; wrote {out}")


if __name__ == "__main__":
    main()
