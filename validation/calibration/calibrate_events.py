"""Refit the death-hazard parameters of src/mscsim/trial/events.csv and print model vs targets.

Run after any change to the disease model:  python validation/calibration/calibrate_events.py
Copy the printed values into events.csv (class 'calibrated'), then re-run to see the table.
"""

from mscsim.trial._calibration import control_arm_calibration, fit_death_hazard

if __name__ == "__main__":
    for name, value in fit_death_hazard().items():
        print(f"{name} = {value:.4g}")
    print()
    for r in control_arm_calibration():
        print(
            f"{r.name:34s} target {r.target:6.1f} [{r.low:g}, {r.high:g}] {r.unit:6s} model {r.model:6.1f} (n={r.n})"
        )
