"""Control-arm intubation risk of the built-in trials against a fixed intubation-threshold shift.

Asks whether a larger between-trial spread of intubation practice (``tau_vent_mmhg``,
src/mscsim/trial/trial_effects.csv) could explain the published control-arm ventilation
counts. Each trial's control arm is run without between-trial effects, with every patient's
P/F intubation threshold moved by a fixed shift (mmHg), and the share ventilated by the
endpoint's day is printed per shift:

    python validation/calibration/vent_shift_profile.py [REPLICATES]

The shift is applied by wrapping the trial-effects draw (a validation-only patch, not an
option of the simulator). Results are quoted in docs/trials.md ("Control arms").
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

import mscsim.trial._engine as engine
from mscsim.trial._outcomes import binary
from mscsim.trial._scenario import builtin_names, load_scenario
from mscsim.trial._trial_effects import NO_SPREAD

SHIFTS = (-30.0, -15.0, 0.0, 15.0, 30.0, 45.0, 60.0)


def _with_shift(draw, shift: float):
    def draw_shifted(*args, **kwargs):
        eff = draw(*args, **kwargs)
        return dataclasses.replace(eff, vent_shift=eff.vent_shift + shift)

    return draw_shifted


def profile(replicates: int = 60, seed: int = 11) -> list[tuple[str, str, int, int, list[float]]]:
    """(scenario, endpoint, n, events, control-arm risk per shift in SHIFTS)."""
    original = engine.draw_trial_effects
    rows = []
    try:
        for name in builtin_names():
            sc = load_scenario(name)
            eps = {ep.id: ep for ep in sc.endpoints.all}
            ctrl = sc.control_arm.name
            counts = [
                (eps[res.endpoint], v)
                for res in sc.validated_results()
                if eps[res.endpoint].kind == "ventilation"
                and (v := res.arms.get(ctrl)) is not None
                and v.events is not None
                and v.n is not None
            ]
            if not counts:
                continue
            risks: list[list[float]] = [[] for _ in counts]
            for s in SHIFTS:  # one simulation per shift serves every endpoint of the trial
                engine.draw_trial_effects = _with_shift(original, s)
                run = engine.run_trial(sc, seed=seed, replicates=replicates, taus=NO_SPREAD)
                c = run.arm == run.arm_names.index(ctrl)
                for r, (ep, _) in zip(risks, counts, strict=True):
                    r.append(float(np.asarray(binary(run, ep), dtype=float)[c].mean()))
            rows += [
                (name, ep.id, v.n, v.events, r) for (ep, v), r in zip(counts, risks, strict=True)
            ]
    finally:
        engine.draw_trial_effects = original
    return rows


if __name__ == "__main__":
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    print("shift (mmHg):", " ".join(f"{s:+5.0f}" for s in SHIFTS))
    for name, ep_id, n, events, risks in profile(reps):
        print(
            f"{name:20s} {ep_id:16s} observed {events:2d}/{n:<3d} ({events / n:4.2f})  model",
            " ".join(f"{r:5.2f}" for r in risks),
        )
