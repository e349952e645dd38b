"""Dose-response of a scenario's first active arm: benefit, long-term lung outcome, toxicity.

Each dose is one large virtual trial of the scenario's design with that dose per infusion,
the same seed for every dose (common random numbers: the same patients, randomization and
event draws at every dose) and no between-trial effect. The reference is the same trial with
the active arm given placebo, so every difference is the dose's effect on the same patients
(a counterfactual contrast), not trial-to-trial noise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from mscsim.trial._engine import run_trial
from mscsim.trial._trial_effects import NO_SPREAD


@dataclass(frozen=True)
class DosePoint:
    """Outcomes of one dose (treated arm; control arm for reference)."""

    dose: float  # per infusion, in the arm's dose unit
    unit: str
    pf_gain_d7: float  # mmHg: mean P/F at day 7, treated minus the same patients untreated
    mortality_d28: float  # % of the treated arm
    mortality_d28_control: float  # % of the same patients untreated
    dlco_below_80_d365: float  # % of treated 1-year survivors
    ct_abnormal_d365: float  # % of treated 1-year survivors
    infusion_toxicity: float  # % of treated with a related serious infusion event (emboli)
    infusion_reaction: float  # % of treated with any product-related infusion reaction

    def to_dict(self) -> dict:
        return asdict(self)


def _share(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(100.0 * x.mean()) if x.size else float("nan")


def dose_response(scenario, doses, *, sample_size: int = 600, seed: int = 1) -> list[DosePoint]:
    """Run one virtual trial of `scenario` per dose of its first active arm (see module doc)."""
    data = scenario.model_dump()
    active = next(i for i, a in enumerate(data["arms"]) if not a["is_control"])
    unit = data["arms"][active]["dose_unit"]

    def trial(arm_update):
        d = {**data, "arms": [dict(a) for a in data["arms"]]}
        d["arms"][active].update(arm_update)
        sc = type(scenario).from_dict(d)
        return run_trial(sc, seed=seed, replicates=1, sample_size=sample_size, taus=NO_SPREAD)

    ref = trial({"product": "placebo", "dose_per_infusion": 0.0, "dose_unit": "cells"})
    trt = ref.arm == active
    vi = int(np.searchsorted(ref.visit_days, 7))
    ref_d28 = (ref.events.death <= 28)[trt]
    out = []
    for dose in doses:
        run = trial({"dose_per_infusion": float(dose)})
        assert np.array_equal(run.arm, ref.arm)  # same patients, same randomization
        gain = run.visits["pf_ratio"][:, vi] - ref.visits["pf_ratio"][:, vi]
        iae = run.events.infusion_ae
        emb = np.zeros(run.arm.size, bool)
        emb[iae["patient"][iae["term"] == 2]] = True
        reac = np.zeros(run.arm.size, bool)
        reac[iae["patient"][iae["term"] == 1]] = True
        dlco = run.lung["dlco_d365"]
        out.append(
            DosePoint(
                dose=float(dose),
                unit=unit,
                pf_gain_d7=float(np.nanmean(gain[trt])),
                mortality_d28=_share((run.events.death <= 28)[trt].astype(float)),
                mortality_d28_control=_share(ref_d28.astype(float)),
                dlco_below_80_d365=_share(np.where(np.isnan(dlco), np.nan, dlco < 80)[trt]),
                ct_abnormal_d365=_share(run.lung["ct_abnormal_d365"][trt]),
                infusion_toxicity=_share(emb[trt].astype(float)),
                infusion_reaction=_share(reac[trt].astype(float)),
            )
        )
    return out
