"""Control-arm intubation risk of the built-in trials against a fixed intubation-threshold shift.

Asks whether a larger between-trial spread of intubation practice (``tau_vent_log``,
src/mscsim/trial/trial_effects.csv) could explain the published control-arm ventilation
counts. Each trial's control arm is run without between-trial effects, with every patient's
P/F intubation threshold moved by a fixed shift (``mu_vent_log``, a log multiplier;
screening applies it too), and the share ventilated by the endpoint's day is printed per shift:

    python validation/calibration/vent_shift_profile.py [REPLICATES]

Results are quoted in docs/trials.md ("Control arms"); the same profiles feed the fit of
``tau_vent_log`` (:func:`mscsim.trial._between_trial.fit_tau_vent`).
"""

from __future__ import annotations

import sys

import numpy as np

from mscsim.trial._between_trial import SHIFTS, vent_profiles

if __name__ == "__main__":
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    print("threshold x:  ", " ".join(f"{np.exp(s):5.2f}" for s in SHIFTS))
    for v in vent_profiles(reps):
        print(
            f"{v.scenario:20s} {v.endpoint:16s} observed {v.events:2d}/{v.n:<3d} "
            f"({v.events / v.n:4.2f})  model",
            " ".join(f"{r:5.2f}" for r in v.risks),
        )
