"""Observed vs predicted for every built-in trial: the table of docs/trials.md and its coverage.

    python validation/trials/validate_builtins.py [REPLICATES] [--markdown] [--posterior none|FILE]

Runs `mscsim trial validate NAME --replicates K` (seed 1; each replicate draws its parameters
from the shipped posterior unless `--posterior none`) for each built-in scenario and
prints each published number with the model's median and 90% predictive interval, then the
share of numbers inside the interval and, per trial, whether every primary-endpoint number is.
Published numbers that validation does not compare are listed last, each with its reason
(`mscsim.trial.unsupported_numbers`: e.g. a p-value its own published counts do not give back
by the trial's test).
"""

import sys

from mscsim.evidence._posterior import posterior_draws
from mscsim.trial import (
    builtin_names,
    load_scenario,
    run_trial,
    unsupported_numbers,
    validate_run,
)


def main(argv: list[str]) -> None:
    reps = int(next((a for a in argv if a.isdigit()), 200))
    markdown = "--markdown" in argv
    spec = argv[argv.index("--posterior") + 1] if "--posterior" in argv else "default"
    total = inside = 0
    primary_ok = {}
    skipped = []
    if markdown:
        print(
            "| scenario | endpoint | quantity | observed | predicted median (90% PI) | percentile | inside |"
        )
        print("|---|---|---|---|---|---|---|")
    for name in builtin_names():
        sc = load_scenario(name)
        skipped += [f"{name}: {w}" for w in unsupported_numbers(sc)]
        draws, _ = posterior_draws(spec, sc, 1)
        rows = validate_run(run_trial(sc, replicates=reps, seed=1, param_draws=draws))
        total += len(rows)
        inside += sum(r.inside for r in rows)
        prim = [r for r in rows if r.primary]
        primary_ok[name] = all(r.inside for r in prim) if prim else None
        for r in rows:
            q = r.quantity.replace("|", "/")
            if markdown:
                print(
                    f"| {name} | {r.endpoint}{' (primary)' if r.primary else ''} | {q} | {r.observed:.3g} | "
                    f"{r.predicted_median:.3g} ({r.pi_low:.3g} to {r.pi_high:.3g}) | {r.percentile:.1f} | "
                    f"{'yes' if r.inside else '**no**'} |"
                )
            else:
                print(
                    f"{name:20s} {r.endpoint:24s} {q:40s} {r.observed:8.3g} "
                    f"{r.predicted_median:8.3g} [{r.pi_low:.3g}, {r.pi_high:.3g}] {'in' if r.inside else 'OUT'}"
                )
    print()
    print(f"inside the 90% predictive interval: {inside} of {total} ({100 * inside / total:.1f}%)")
    ok = [n for n, v in primary_ok.items() if v]
    print(
        f"trials with every primary-endpoint number inside: {len(ok)} of {len(primary_ok)} ({', '.join(ok)})"
    )
    print(f"\nnot compared ({len(skipped)}):")
    for w in skipped:
        print(f"- {w}")


if __name__ == "__main__":
    main(sys.argv[1:])
