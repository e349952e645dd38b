"""Observed vs predicted for every built-in trial: the table of docs/trials.md and its coverage.

    python validation/trials/validate_builtins.py [REPLICATES] [--markdown] [--posterior none|FILE]
        [--selection none|hopewell|fitted|RR] [--seed S]

Runs `mscsim trial validate NAME --replicates K --seed S` (seed 1 unless given; each replicate draws its parameters
from the shipped posterior unless `--posterior none`) for each built-in scenario and
prints each published number with the model's median and 90% predictive interval, then the
share of numbers inside the interval and, per trial, whether every primary-endpoint number is.
With `--selection` (default `none`) the predictive distribution is that of a published trial:
replicates without a significant favourable reported comparison weigh 1/RR (`hopewell`: 1.78,
Hopewell 2009; `fitted`: the risk ratio these trials imply; see `mscsim.trial._selection`).
Published numbers that validation does not compare are listed last, each with its reason
(`mscsim.trial.unsupported_numbers`: e.g. a p-value its own published counts do not give back
by the trial's test).

Self-consistency: the same tallies with each replicate virtual trial in the place of the
published one (its numbers against the 90% intervals of all replicates) say what a model that
is right would score: the expected coverage, and for each trial the chance that every one of
its primary-endpoint numbers falls inside (their sum: the expected number of such trials),
each replicate counted with its publication weight.

Significance check: how many trials published a p-value below 0.05 in favour of MSC
(`observed_positive`) against how many their replicates expect (Ioannidis & Trikalinos' test
for an excess of significant findings, `excess_significance`), and the maximum-likelihood
strength of selection that would explain it (`fit_selection_rr`; the shipped `rr_fitted` of
publication.csv): a trial's chance of being positive when published is
`pi / (pi + (1 - pi) / rr)`, `pi` the share of its unweighted replicates that are positive. The same test on the primary
endpoints alone shows whether the excess depends on which comparisons count.
"""

import sys

import numpy as np

from mscsim.evidence._posterior import posterior_draws
from mscsim.trial import (
    builtin_names,
    load_scenario,
    run_trial,
    unsupported_numbers,
    validate_run,
)
from mscsim.trial._analysis import analyse
from mscsim.trial._selection import (
    excess_significance,
    fit_selection_rr,
    observed_positive,
    positive_replicates,
    selection_rr,
)


def main(argv: list[str]) -> None:
    counts = [a for i, a in enumerate(argv) if a.isdigit() and (i == 0 or argv[i - 1] != "--seed")]
    reps = int(counts[0]) if counts else 200
    markdown = "--markdown" in argv
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
    spec = argv[argv.index("--posterior") + 1] if "--posterior" in argv else "default"
    rr = selection_rr(argv[argv.index("--selection") + 1] if "--selection" in argv else None)
    share, observed, share_p, observed_p = {}, {}, {}, {}
    total = inside = 0
    by_kind: dict[str, list[bool]] = {"arm": [], "p-value": [], "effect": []}
    self_kind: dict[str, list[float]] = {}
    primary_ok = {}
    skipped = []
    self_cov, self_all = [], {}
    if markdown:
        print(
            "| scenario | endpoint | quantity | observed | predicted median (90% PI) | percentile | inside |"
        )
        print("|---|---|---|---|---|---|---|")
    for name in builtin_names():
        sc = load_scenario(name)
        skipped += [f"{name}: {w}" for w in unsupported_numbers(sc)]
        draws, _ = posterior_draws(spec, sc, 1)
        run = run_trial(sc, replicates=reps, seed=seed, param_draws=draws)
        analyses = analyse(run)
        rows = validate_run(run, analyses, selection_rr=rr)
        share[name] = float(positive_replicates(run, analyses).mean())
        observed[name] = observed_positive(sc)
        share_p[name] = float(positive_replicates(run, analyses, primary_only=True).mean())
        observed_p[name] = observed_positive(sc, primary_only=True)
        total += len(rows)
        inside += sum(r.inside for r in rows)
        for r in rows:
            by_kind[r.kind].append(r.inside)
            self_kind.setdefault(r.kind, []).append(_mean(_inside(r), r))
        prim = [r for r in rows if r.primary]
        primary_ok[name] = all(r.inside for r in prim) if prim else None
        self_cov += [_mean(_inside(r), r) for r in rows]
        if prim:
            self_all[name] = _mean(np.all([_inside(r) for r in prim], axis=0), prim[0])
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
    print(
        "  by kind (self-consistency): "
        + "; ".join(
            f"{k} {sum(v)} of {len(v)} ({100 * np.mean(self_kind[k]):.1f}%)"
            for k, v in by_kind.items()
            if v
        )
    )
    ok = [n for n, v in primary_ok.items() if v]
    print(
        f"trials with every primary-endpoint number inside: {len(ok)} of {len(primary_ok)} ({', '.join(ok)})"
    )
    print(
        f"self-consistency (a replicate in the place of the published trial): coverage "
        f"{100 * np.mean(self_cov):.1f}%; expected trials with every primary number inside "
        f"{sum(self_all.values()):.1f} of {len(self_all)}; chance that all are "
        f"{np.prod(list(self_all.values())):.3f}"
    )
    print("  per trial: " + ", ".join(f"{n} {p:.2f}" for n, p in self_all.items()))
    _selection_check(share, observed, rr)
    x = excess_significance(np.array(list(share_p.values())), np.array(list(observed_p.values())))
    print(
        f"  primary endpoints only: {x['observed']} of {x['trials']} trials significant in "
        f"favour of MSC ({', '.join(n for n, v in observed_p.items() if v)}), "
        f"{x['expected']:.2f} expected; exact p {x['p_exact']:.2g}"
    )
    print(f"\nnot compared ({len(skipped)}):")
    for w in skipped:
        print(f"- {w}")


def _selection_check(share: dict, observed: dict, rr: float) -> None:
    """Print the maximum-likelihood publication risk ratio these trials imply (module doc)."""
    pi, obs = np.array(list(share.values())), np.array(list(observed.values()))
    x = excess_significance(pi, obs)
    print(
        f"excess significance (Ioannidis & Trikalinos 2007): {x['observed']} of {x['trials']} "
        f"trials published a p < 0.05 in favour of MSC, {x['expected']:.2f} expected from their "
        f"replicates; A = {x['A']:.1f} (chi-square p {x['p_chi2']:.2g}), exact p {x['p_exact']:.2g}"
    )
    fit = fit_selection_rr(pi, obs)
    print(
        f"selection (this table's publication risk ratio: {rr:.3g}): maximum-likelihood risk "
        f"ratio {fit['rr']:.3g} (95% profile CI {fit['low']:.2g} to {fit['high']:.2g}), "
        f"likelihood-ratio p for no selection {fit['p']:.2g}"
    )
    print("  positive share of replicates: " + ", ".join(f"{n} {p:.2f}" for n, p in share.items()))


def _mean(flags: np.ndarray, row) -> float:
    """Mean of per-replicate `flags`, each replicate with its publication weight."""
    w = row.weights
    return float(flags.mean() if w is None else np.sum(w * flags) / np.sum(w))


def _inside(row) -> np.ndarray:
    """Per replicate: whether its own value lies inside the row's 90% interval (missing
    values, e.g. a p-value a replicate could not compute, count as inside)."""
    sim = row.simulated
    return np.isnan(sim) | ((sim >= row.pi_low) & (sim <= row.pi_high))


if __name__ == "__main__":
    main(sys.argv[1:])
