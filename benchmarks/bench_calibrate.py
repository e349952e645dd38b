"""Time `mscsim calibrate` and `mscsim validate-model` against `trial power` of as many patients.

    python benchmarks/bench_calibrate.py [--replicates 200] [--json] [--out FILE]

Each command runs in a subprocess with its defaults (the shipped posterior's settings) so
start-up, scenario loading and code generation count. The peer in the same run is one
`mscsim trial power` run simulating as many virtual patients as the calibration's surrogate
(design points x replicates x the designs' sample sizes); the ratio is the overhead of the
calibration (its MCMC, per-point runs). Goal (issue 8): under one hour each on the 2-core
machine. Not a test; timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time


def _time(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=200, help="validate-model replicates")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    exe = [sys.executable, "-m", "mscsim"]
    with tempfile.TemporaryDirectory() as tmp:
        post = os.path.join(tmp, "posterior.json")
        t_cal, _ = _time([*exe, "calibrate", "--out", post, "--json"])
        t_val, out = _time(
            [
                *exe,
                "validate-model",
                "--posterior",
                post,
                "--replicates",
                str(a.replicates),
                "--json",
            ]
        )
        cov = json.loads(out)["coverage"]
        doc = json.load(open(post))
    # the same seed rebuilds the shipped posterior (its draws, bit for bit)
    from mscsim.evidence._posterior import load_posterior

    shipped = load_posterior("default")
    same = shipped is not None and doc["draws"] == shipped.draws.tolist()
    cfg = doc["config"]
    # the peer: trial power of bowdish2023 (n=222) with as many patients as the surrogate ran
    from mscsim.evidence._calibrate import CalibrationConfig, calibration_data

    designs, _, _ = calibration_data(CalibrationConfig())
    patients = (
        (cfg["points"] + 1)
        * cfg["replicates"]
        * sum({d.scenario.name: d.scenario.sample_size for d in designs}.values())
    )
    reps = max(1, round(patients / 222))
    t_pow, _ = _time(
        [
            *exe,
            "trial",
            "power",
            "bowdish2023",
            "--n",
            "222",
            "--replicates",
            str(reps),
            "--json",
            "--posterior",
            "none",
        ]
    )
    res = {
        "calibrate_s": round(t_cal, 1),
        "validate_model_s": round(t_val, 1),
        "validate_model_replicates": a.replicates,
        "peer_trial_power_s": round(t_pow, 1),
        "peer_patients": reps * 222,
        "calibrate_over_peer": round(t_cal / t_pow, 2),
        "coverage": cov,
        "rebuilt_shipped_posterior": same,
        "config": cfg,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_average": os.getloadavg(),
    }
    text = json.dumps(res, indent=1)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(text + "\n")
    print(
        text
        if a.json
        else f"calibrate {t_cal:.0f} s, validate-model {t_val:.0f} s, trial power peer {t_pow:.0f} s"
    )


if __name__ == "__main__":
    main()
