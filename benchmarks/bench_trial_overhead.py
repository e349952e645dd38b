"""The trial engine's own time per replicate next to the solver's, in one process.

    python benchmarks/bench_trial_overhead.py [--scenario bowdish2023] [--n 222]
                                              [--replicates 60] [--rounds 7] [--json]

Runs `power_curve` (what `mscsim trial power` runs, one worker, posterior draws as the CLI
uses them) once to load the compiled solver, once with the Numba integrator timed, once with
its results recorded, then `--rounds` more times with the integrator replaced by those
recorded results (the same calls in the same order, so every other line runs as in a real
run). Reports the integrator's CPU ms per replicate (timed run) and the rest's, best of the
rounds (everything but the integrator: screening draws, guards, events, quantization,
observation, analysis), and their ratio. Set ``NUMBA_NUM_THREADS=1`` for a single-threaded
solver. Not a test: nothing is asserted, and timings depend on what else runs on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="bowdish2023")
    ap.add_argument("--n", type=int, default=222)
    ap.add_argument("--replicates", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    import mscsim.solve._rosenbrock_numba as numba_backend
    from mscsim.evidence._posterior import posterior_draws
    from mscsim.trial import load_scenario, power_curve

    integrate = numba_backend.integrate
    recorded: list[object] = []
    state = {"mode": "time", "next": 0, "solver_s": 0.0}

    def instrumented(*args, **kwargs):
        if state["mode"] == "replay":
            state["next"] += 1  # flagging out-of-bounds patients in place is idempotent
            return recorded[state["next"] - 1]
        t = time.process_time()
        raw = integrate(*args, **kwargs)
        state["solver_s"] += time.process_time() - t
        if state["mode"] == "record":
            recorded.append(raw)
        return raw

    sc = load_scenario(a.scenario)
    draws, _ = posterior_draws("default", sc, sc.seed)
    run = lambda: power_curve(sc, [a.n], replicates=a.replicates, workers=1, param_draws=draws)  # noqa: E731
    power_curve(sc, [a.n], replicates=2, workers=1, param_draws=draws)  # loads compiled code
    numba_backend.integrate = instrumented
    t = time.process_time()
    run()  # timed: the whole run and the integrator's share
    total = time.process_time() - t
    solver = state["solver_s"]
    state["mode"] = "record"
    run()  # recorded (results kept, so not timed: holding them changes memory reuse)
    state["mode"] = "replay"
    rest = []
    for _ in range(a.rounds):
        state["next"] = 0
        t = time.process_time()
        run()
        rest.append(time.process_time() - t)
    per = 1e3 / a.replicates
    out = {
        "scenario": a.scenario,
        "n": a.n,
        "replicates": a.replicates,
        "run_ms_per_replicate": total * per,
        "solver_ms_per_replicate": solver * per,
        "engine_ms_per_replicate": min(rest) * per,
        "engine_ms_per_replicate_rounds": [r * per for r in rest],
        "engine_over_solver": min(rest) / solver,
        "numba_num_threads": os.environ.get("NUMBA_NUM_THREADS"),
        "load_average": os.getloadavg(),
    }
    if a.json:
        print(json.dumps(out))
    else:
        print(
            f"solver {out['solver_ms_per_replicate']:.2f} ms/replicate, engine (the rest, best "
            f"of {a.rounds}) {out['engine_ms_per_replicate']:.2f} ms/replicate, engine / solver "
            f"{out['engine_over_solver']:.2f}"
        )


if __name__ == "__main__":
    main()
