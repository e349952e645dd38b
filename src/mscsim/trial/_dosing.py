"""Arm schedules to per-patient infusions: cell-equivalents, product kinetics, toxicity inputs."""

from __future__ import annotations

import numpy as np

from mscsim.model import MSC_COVID, Doses
from mscsim.trial._events import Infusions
from mscsim.trial._products import PRODUCTS

DEFAULTS = MSC_COVID.default_parameters()


def arm_schedule(arm, weight: np.ndarray) -> list[tuple[float, str, np.ndarray]]:
    """(day, product, amount in the product's own unit per patient) of each infusion of `arm`."""
    return [
        (float(d), p, dose * (weight if unit == "cells/kg" else 1.0))
        for d, p, dose, unit in arm.schedule()
    ]


def regimens(scenario, arm_idx, weight):
    """Per-patient infusions as `Doses` (cell-equivalents, one row per patient), `Infusions`
    (schedule and toxicity inputs) and the arm's product parameters."""
    arms = scenario.arms
    k = max(len(a.schedule()) for a in arms) or 1
    n = arm_idx.size
    days = np.full((n, k), np.nan)
    amount = np.zeros((n, k))
    embolic = np.zeros((n, k))
    reaction = np.ones((n, k))
    active = np.zeros(n, dtype=bool)
    pparams = {
        "f_trap": np.full(n, DEFAULTS["f_trap"]),
        "k_l": np.full(n, DEFAULTS["k_l"]),
        "potency": np.full(n, DEFAULTS["potency"]),
    }
    for a, arm in enumerate(arms):
        sel = arm_idx == a
        sched = arm_schedule(arm, weight[sel])
        primary = next((PRODUCTS[p] for _, p, _ in sched if p in PRODUCTS), None)
        for j, (d, product, dose) in enumerate(sched):
            days[sel, j] = d
            spec = PRODUCTS.get(product)
            if spec is None:  # inactive comparator: nothing enters the model
                continue
            ce = dose * spec.cell_equivalents_per_unit
            # the patient's kinetics are the arm's primary product; other products of the arm
            # enter as its cell-equivalents scaled by their relative potency
            amount[sel, j] = ce * spec.potency / primary.potency  # type: ignore[union-attr]
            embolic[sel, j] = dose / weight[sel] if spec.embolic else 0.0
            reaction[sel, j] = spec.reaction_factor
        if primary is not None:
            active[sel] = True
            pparams["f_trap"][sel] = primary.f_trap
            pparams["k_l"][sel] = primary.k_l
            pparams["potency"][sel] = primary.potency
    return Doses.of(days, amount), Infusions(days, amount, embolic, reaction, active), pparams
