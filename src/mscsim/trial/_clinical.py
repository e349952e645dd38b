"""Clinical-event parameters (`events.csv`) and the definitions shared by screening and events."""

from __future__ import annotations

import numpy as np

from mscsim._tables import read_values

EVENT_PARAMS = read_values("mscsim.trial", "events.csv")
OXYGEN_PF = EVENT_PARAMS["oxygen_pf"]
EXTUBATE_PF = EVENT_PARAMS["extubate_pf"]

#: Columns of the per-patient reserved uniforms (`Cohort.uniforms`); infusion events use a
#: separate per-replicate stream because the number of infusions varies by scenario.
U_VENT, U_DEATH, U_SHOCK, U_INFECT, U_THROMB = 0, 1, 2, 3, 4
#: Standard of care (drawn against the setting's shares) and long-term lung-function spread.
U_DEX, U_IL6B, U_DLCO, U_FVC = 5, 6, 7, 8


def ventilation_threshold(uniforms: np.ndarray, shift: np.ndarray | float = 0.0) -> np.ndarray:
    """Per-patient P/F below which the patient is intubated (mmHg); `shift` is the trial's
    intubation practice, a log multiplier (see trial_effects.csv): a trial with shift 0.3
    intubates at P/F 35% higher than one with 0."""
    lo, hi = EVENT_PARAMS["vent_pf_low"], EVENT_PARAMS["vent_pf_high"]
    return (lo + (hi - lo) * uniforms[:, U_VENT]) * np.exp(shift)
