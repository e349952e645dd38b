"""Family-wise type I error of multi-arm adaptive designs simulated with the model.

The null of the hypothetical dose-finding example (examples/dose_finding: three UC-MSC doses vs
vehicle; every dose given the vehicle, so the MSC effect is off). Under the null every arm's
potential outcomes are the same, so one batch of R replicate trials (n = N) serves every
design; each is analysed at looks after N/3, 2N/3 and N patients (28-day survival, log-rank z
per dose vs vehicle) and its family-wise error (any dose declared effective) is compared with
the nominal one-sided alpha = 0.025 using the Monte Carlo SE sqrt(alpha (1 - alpha) / R).
Bonferroni (alpha / 3 per dose) bounds the FWER by alpha; with a shared control and three
comparisons the exact FWER of the fixed design is somewhat below it.

Run: PYTHONPATH=src python validation/adaptive/type1_multiarm.py [R] [SEED] [N]
(R = 4000, N = 240: ~6 min on 2 cores). Writes
validation/adaptive/results/type1_multiarm_dose_finding[_sSEED][_nN].json.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

from mscsim.design import AdaptiveDesign, load_design, null_scenario, pick_endpoint
from mscsim.design._multiarm import active_arms, evaluate_multiarm, potential_outcomes
from mscsim.trial import load_scenario

R = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 20261201
N = int(sys.argv[3]) if len(sys.argv) > 3 else 240
HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "dose_finding" / "design.yaml"
LOOKS = (1 / 3, 2 / 3, 1.0)
RULE = {"kind": "group_sequential", "spending": "asOF", "alpha": 0.025}
DESIGNS = {
    "fixed allocation, no looks": {"looks": (1.0,), "rule": RULE, "multi_arm": {}},
    "fixed allocation, asOF K=3, drop z<=0": {
        "rule": {**RULE, "futility": [0.0, 0.0]},
        "multi_arm": {},
    },
    "pick-the-winner at look 1, asOF K=3": {"multi_arm": {"keep_best": 1}},
    "response-adaptive (c=0.5), asOF K=3, drop z<=0": {
        "rule": {**RULE, "futility": [0.0, 0.0]},
        "multi_arm": {"randomization": "response_adaptive", "control_share": 0.25},
    },
    "response-adaptive, Pocock-type asP K=3": {
        "rule": {**RULE, "spending": "asP"},
        "multi_arm": {"randomization": "response_adaptive", "control_share": 0.25},
    },
}


def main() -> None:
    base = load_design(EXAMPLE)
    sc = load_scenario(base.scenario)
    ep = pick_endpoint(sc, base.endpoint)
    first = AdaptiveDesign.from_dict(
        {**base.model_dump(), "max_sample_size": N, "replicates": R, "seed": SEED}
    )
    arms = active_arms(first, sc)
    t0 = time.perf_counter()
    outcomes = potential_outcomes(
        null_scenario(sc), ep, arms, seed=SEED, replicates=R, n=N,
        workers=None, executor=None, progress=None,
    )  # fmt: skip
    elapsed = time.perf_counter() - t0
    se = math.sqrt(0.025 * 0.975 / R)
    rows = {}
    for name, spec in DESIGNS.items():
        d = AdaptiveDesign.from_dict({**first.model_dump(), "looks": LOOKS, "rule": RULE, **spec})
        oc = evaluate_multiarm(d, sc, null=True, outcomes=outcomes)
        rows[name] = {
            "fwer": oc.reject,
            "mc_se_at_nominal": se,
            "z_vs_nominal": (oc.reject - 0.025) / se,
            "expected_sample_size": oc.expected_sample_size,
            "stop_efficacy": oc.stop_efficacy,
            "multiplicity": oc.multiplicity,
        }
        print(f"{name:50s} FWER {oc.reject:.4f} ({(oc.reject - 0.025) / se:+.2f} SE)")
    doc = {
        "scenario": f"{sc.name} (null)",
        "endpoint": ep.id,
        "replicates": R,
        "seed": SEED,
        "sample_size": N,
        "looks": LOOKS,
        "simulate_s": round(elapsed, 1),
        "designs": rows,
        "command": f"PYTHONPATH=src python validation/adaptive/type1_multiarm.py {R} {SEED} {N}",
    }
    out = HERE / "results" / f"type1_multiarm_dose_finding_s{SEED}_n{N}.json"
    out.write_text(json.dumps(doc, indent=1))
    print(f"simulated in {elapsed:.0f} s; wrote {out}")


if __name__ == "__main__":
    main()
