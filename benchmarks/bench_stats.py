"""Benchmark: vectorized trial statistics vs per-trial loops over lifelines/statsmodels/scipy.

Run ``python benchmarks/bench_stats.py`` (options: ``--replicates``, ``--n``,
``--loop-replicates``, ``--big``). It simulates R two-arm trials of n patients (1:1,
exponential deaths, hazard ratio 0.6, 28-day follow-up, times in whole days so ties occur),
then times, on the same data:

* log-rank: ``mscsim.stats.logrank_test`` once vs lifelines ``logrank_test`` and statsmodels
  ``survdiff`` in a loop;
* Cox HR (Efron): ``mscsim.stats.cox_ph`` once vs lifelines ``CoxPHFitter`` and statsmodels
  ``PHReg`` in a loop;
* Fisher exact on death by day 28: ``mscsim.stats.compare_proportions`` (which also computes the
  risk ratio) vs ``scipy.stats.fisher_exact`` in a loop;

and prints the times, the speed-up ratios and the largest disagreement with each reference.
Loops can run on the first ``--loop-replicates`` trials only; their time is then scaled to R.
Finally it times the full vectorized analysis (KM per arm, log-rank, Cox, RR + Fisher, Welch on
a biomarker) of ``--big`` replicates. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np


def simulate(seed: int, r: int, n: int, hr: float = 0.6) -> tuple[np.ndarray, ...]:
    """Trials of n patients (1:1): time (whole days), death, group, and a biomarker change."""
    rng = np.random.default_rng(seed)
    group = np.tile(np.repeat([0, 1], n // 2), (r, 1))
    t_death = rng.exponential(40.0 / np.where(group == 1, hr, 1.0))
    t_cens = np.where(rng.random((r, n)) < 0.1, rng.uniform(0, 28, (r, n)), 28.0)
    time_ = np.ceil(np.minimum(t_death, t_cens))
    death = t_death <= t_cens
    change = rng.normal(np.where(group == 1, -40.0, -10.0), 50.0)
    change[death] = np.nan
    return time_, death, group, change


def clock(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def loop_lifelines(time_, death, group, m):
    import pandas as pd
    from lifelines import CoxPHFitter
    from lifelines.statistics import logrank_test

    lr_p, hr = np.empty(m), np.empty(m)
    t_lr = t_cox = 0.0
    for r in range(m):
        t, e, g = time_[r], death[r], group[r]
        t0 = time.perf_counter()
        lr_p[r] = logrank_test(t[g == 1], t[g == 0], e[g == 1], e[g == 0]).p_value
        t1 = time.perf_counter()
        df = pd.DataFrame({"T": t, "E": e.astype(int), "x": g})
        try:
            hr[r] = CoxPHFitter().fit(df, "T", "E").hazard_ratios_["x"]
        except Exception:  # lifelines raises on some degenerate trials
            hr[r] = np.nan
        t_cox += time.perf_counter() - t1
        t_lr += t1 - t0
    return t_lr, t_cox, lr_p, hr


def loop_statsmodels(time_, death, group, m):
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.duration.survfunc import survdiff

    lr_p, hr = np.empty(m), np.empty(m)
    t_lr = t_cox = 0.0
    for r in range(m):
        t, e, g = time_[r], death[r].astype(int), group[r]
        t0 = time.perf_counter()
        lr_p[r] = survdiff(t, e, g)[1]
        t1 = time.perf_counter()
        with warnings.catch_warnings():  # statsmodels re-enables its ConvergenceWarning
            warnings.simplefilter("ignore")
            fit = PHReg(t, g[:, None].astype(float), status=e, ties="efron").fit()
        hr[r] = np.exp(fit.params[0])
        t_cox += time.perf_counter() - t1
        t_lr += t1 - t0
    return t_lr, t_cox, lr_p, hr


def loop_scipy(tables, m):
    from scipy.stats import fisher_exact

    start = time.perf_counter()
    p = np.array([fisher_exact(tables[r]).pvalue for r in range(m)])
    return time.perf_counter() - start, p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument(
        "--loop-replicates",
        type=int,
        default=None,
        help="trials run through the reference loops (default: all)",
    )
    ap.add_argument("--big", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20210105)
    args = ap.parse_args()

    from mscsim.stats import (
        change_from_baseline,
        compare_proportions,
        count_table,
        cox_ph,
        kaplan_meier_by_arm,
        logrank_test,
    )

    r, n = args.replicates, args.n
    m = min(args.loop_replicates or r, r)
    time_, death, group, _ = simulate(args.seed, r, n)
    # warm-up (imports, caches) so the timings compare steady states
    logrank_test(time_[:2], death[:2], group[:2])
    cox_ph(time_[:2], death[:2], group[:2])
    compare_proportions(death[:2], group[:2])

    t_vlr, vlr = clock(logrank_test, time_, death, group)
    t_vcox, vcox = clock(cox_ph, time_, death, group)
    t_vfi, vfi = clock(compare_proportions, death, group)
    print(f"{r} replicate trials of n = {n}; reference loops on {m} (scaled to {r})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ll_lr, ll_cox, ll_p, ll_hr = loop_lifelines(time_, death, group, m)
        sm_lr, sm_cox, sm_p, sm_hr = loop_statsmodels(time_, death, group, m)
    sp_fi, sp_p = loop_scipy(count_table(death, group), m)
    scale = r / m

    ok = vcox.status[:m] == 0
    rows = [
        (
            "log-rank",
            t_vlr,
            "lifelines logrank_test",
            ll_lr * scale,
            np.nanmax(np.abs(vlr.p_value[:m] - ll_p)),
        ),
        (
            "log-rank",
            t_vlr,
            "statsmodels survdiff",
            sm_lr * scale,
            np.nanmax(np.abs(vlr.p_value[:m] - sm_p)),
        ),
        (
            "Cox HR",
            t_vcox,
            "lifelines CoxPHFitter",
            ll_cox * scale,
            np.nanmax(np.abs(vcox.estimate[:m][ok] / ll_hr[ok] - 1)),
        ),
        (
            "Cox HR",
            t_vcox,
            "statsmodels PHReg",
            sm_cox * scale,
            np.nanmax(np.abs(vcox.estimate[:m][ok] / sm_hr[ok] - 1)),
        ),
        (
            "Fisher p",
            t_vfi,
            "scipy fisher_exact",
            sp_fi * scale,
            np.max(np.abs(vfi.p_value[:m] - sp_p)),
        ),
    ]
    print(f"{'test':10s} {'mscsim s':>9s}  {'reference':24s} {'ref s':>9s} {'ratio':>8s}  max diff")
    for name, ours, ref_name, ref, diff in rows:
        print(f"{name:10s} {ours:9.4f}  {ref_name:24s} {ref:9.3f} {ref / ours:8.0f}x  {diff:.1e}")
    total_ref = max(ll_lr, sm_lr) * scale + max(ll_cox, sm_cox) * scale + sp_fi * scale
    total_ours = t_vlr + t_vcox + t_vfi
    print(
        f"log-rank + Cox + Fisher: mscsim {total_ours:.3f} s vs slowest loops "
        f"{total_ref:.1f} s ({total_ref / total_ours:.0f}x); Cox status counts "
        f"{vcox.status_counts()}"
    )
    print(
        "(max diff: |p| for log-rank and Fisher, relative HR for Cox on status-OK trials;"
        " lifelines stops Newton-Raphson at a looser tolerance)"
    )

    big_t, big_d, big_g, big_c = simulate(args.seed + 1, args.big, n)

    def full() -> None:
        kaplan_meier_by_arm(big_t, big_d, big_g)
        logrank_test(big_t, big_d, big_g)
        cox_ph(big_t, big_d, big_g)
        compare_proportions(big_d, big_g)
        change_from_baseline(np.zeros_like(big_c), big_c, big_g)

    t_full, _ = clock(full)
    print(
        f"full vectorized analysis (KM by arm, log-rank, Cox, RR + Fisher, Welch) of "
        f"{args.big} trials of n = {n}: {t_full:.2f} s"
    )


if __name__ == "__main__":
    main()
