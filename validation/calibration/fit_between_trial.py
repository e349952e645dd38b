"""Fit tau_death and tau_sae (src/mscsim/trial/trial_effects.csv) to the built-in control arms.

Run after any change to the disease or event model (after calibrate_events.py):
    python validation/calibration/fit_between_trial.py [REPLICATES]
Copy the printed tau values into trial_effects.csv (class 'calibrated').
"""

import sys

from mscsim.trial._between_trial import fit_between_trial

if __name__ == "__main__":
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    fit = fit_between_trial(replicates=reps)
    for a in fit["arms"]:
        print(
            f"{a.scenario:12s} {a.endpoint:18s} {a.outcome:5s} observed {a.events:3d}/{a.n:<3d} "
            f"({100 * a.events / a.n:5.1f}%)  model without trial effect {100 * a.predicted_risk:5.1f}%"
        )
    for k in ("death", "sae"):
        print(
            f"tau_{k} = {fit[f'tau_{k}']:.3f}  (log-lik {fit[f'loglik_{k}']:.2f}; trials {fit[f'trials_{k}']})"
        )
