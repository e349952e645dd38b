"""What is observed of each patient: biomarkers with measurement error, long-term lung outcome."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import ndtri

from mscsim.trial._clinical import EVENT_PARAMS, U_DLCO, U_FVC
from mscsim.trial._resolution import quantize
from mscsim.trial._scenario_fields import LUNG_OUTCOME_DAYS

STREAM_VISITS = 5
BIOMARKERS = ("crp", "il6", "il10", "tnf", "pf_ratio", "oxygenation_index")
#: Biomarkers that are model observables (the oxygenation index is derived from the P/F ratio).
MEASURED = ("crp", "il6", "il10", "tnf", "pf_ratio")
#: Observables the long-term lung outcomes read.
LUNG_OBSERVABLES = ("fibrosis", "dlco", "fvc")


def lung_outcomes(
    observables: Mapping[str, np.ndarray], t, cohort, alive_at_end
) -> dict[str, np.ndarray]:
    """DLCO and FVC (% predicted, with between-patient spread), fibrosis index and CT reading at
    each long-term day, NaN for patients who died during follow-up.

    `observables` are the solve's ``(n, len(t))`` trajectories; the values read (at the
    long-term days) are quantized (see trial/_resolution.py)."""
    out: dict[str, np.ndarray] = {}
    zd = ndtri(np.clip(cohort.uniforms[:, U_DLCO], 1e-12, 1 - 1e-12))
    zf = ndtri(np.clip(cohort.uniforms[:, U_FVC], 1e-12, 1 - 1e-12))
    for day in LUNG_OUTCOME_DAYS:
        j = int(np.searchsorted(t, day))
        at = {k: quantize(observables[k][:, j]) for k in LUNG_OBSERVABLES}
        fib = at["fibrosis"]
        vals = {
            "dlco": at["dlco"] * np.exp(EVENT_PARAMS["dlco_sd"] * zd),
            "fvc": at["fvc"] * np.exp(EVENT_PARAMS["fvc_sd"] * zf),
            "fibrosis": fib,
            "ct_abnormal": (fib > EVENT_PARAMS["ct_threshold"]).astype(float),
        }
        for name, v in vals.items():
            out[f"{name}_d{day}"] = np.where(alive_at_end, v, np.nan)
    return out


def measured(visits: dict[str, np.ndarray], seed: int, reps, n: int) -> dict[str, np.ndarray]:
    """Recorded biomarker values: the model's value times log-normal measurement error, drawn
    per patient and visit from the stream ``(seed, STREAM_VISITS, replicate)`` (see the
    ``noise_*`` rows of events.csv). The oxygenation index is derived from the recorded P/F."""
    shape = (n, len(BIOMARKERS), next(iter(visits.values())).shape[1])
    z = np.concatenate(
        [
            np.random.default_rng(
                np.random.SeedSequence([seed, STREAM_VISITS, int(r)])
            ).standard_normal(shape)
            for r in reps
        ]
    )
    out = {}
    for i, b in enumerate(BIOMARKERS):
        if b == "oxygenation_index":
            continue
        out[b] = visits[b] * np.exp(EVENT_PARAMS[f"noise_{b}"] * z[:, i, :])
    out["oxygenation_index"] = 100.0 * EVENT_PARAMS["oi_mean_airway_pressure"] / out["pf_ratio"]
    return out
