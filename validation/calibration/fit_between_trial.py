"""Fit tau_death, tau_sae and tau_vent_log (src/mscsim/trial/trial_effects.csv) to the built-in
control arms.

Run after any change to the disease or event model (after calibrate_events.py):
    python validation/calibration/fit_between_trial.py [REPLICATES]
Copy the printed tau values into trial_effects.csv (class 'calibrated').
"""

import sys

from mscsim.trial._between_trial import SHIFTS, VENT_FIT_EXCLUDED, fit_between_trial

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
    for v in fit["vent_profiles"]:
        print(
            f"{v.scenario:12s} {v.endpoint:18s} vent  observed {v.events:3d}/{v.n:<3d} "
            f"({100 * v.events / v.n:5.1f}%)  model without trial effect "
            f"{100 * v.risks[SHIFTS.index(0.0)]:5.1f}%"
        )
    print(
        f"tau_vent_log = {fit['tau_vent_log']:.3f}  (log-lik {fit['loglik_vent']:.2f}; "
        f"trials {fit['trials_vent']})"
    )
    for name, why in VENT_FIT_EXCLUDED.items():
        print(f"  left out of the tau_vent_log fit: {name}: {why}")
