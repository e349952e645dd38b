"""``mscsim calibrate`` as a job: sample the posterior and write it (atomically) as JSON."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def calibrate_job(
    *,
    seed: int = 2026,
    points: int = 32,
    replicates: int = 40,
    walkers: int = 32,
    steps: int = 12000,
    burn: int = 2000,
    out: str | Path = "posterior.json",
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Calibrate against the evidence base and write the posterior to `out`.

    Returns the summary ``--json`` prints: per-parameter quantiles, diagnostics, the data
    hash, the posterior's version, the file written and the wall time.
    """
    from mscsim._atomic import check_output_file
    from mscsim.evidence._calibrate import CalibrationConfig, calibrate

    cfg = CalibrationConfig(
        seed=seed, points=points, replicates=replicates, walkers=walkers, steps=steps, burn=burn
    )
    check_output_file(out, "--out")
    t0 = time.perf_counter()
    post = calibrate(cfg, progress=progress)
    path = post.write(out)
    doc = post.to_dict()
    return {
        "posterior": str(path),
        "version": post.version,
        "seconds": round(time.perf_counter() - t0, 1),
        **{k: doc[k] for k in ("summary", "diagnostics", "data_hash", "left_out", "seed")},
        "surrogate_loo_rmse_max": doc["surrogate"]["loo_rmse_log_hazard_max"],
    }
