"""Significance and publication selection: what a *published* trial of a design shows.

The published trials the model is checked against need not be a random draw of the trials
run: trials with a positive finding are published more often. Hopewell et al. (Cochrane
Methodology Review MR000006, 2009) pooled five cohorts of registered trials: risk ratio 1.78
(95% CI 1.58 to 1.95) of publication for positive vs negative or null findings, positive
meaning "statistically significant (P < 0.05)" (``publication.csv``).

A replicate virtual trial is *positive* when any comparison the paper reports (an endpoint with
a published result, each active arm against control, by the trial's own test) is significant
at ``alpha`` in favour of the active arm; a published trial is when one of its published
p-values is (:func:`observed_positive`). Two uses:

- :func:`excess_significance`: Ioannidis & Trikalinos' test (2007) of more significant
  published trials than expected, with each trial's expected chance from its own virtual
  replicates (the model's "power" for what the paper reports).
- ``validate_run(selection_rr=...)``: the predictive distribution of a published trial, each
  replicate weighted by its relative chance of publication (1 if positive, else
  ``1 / selection_rr``; a step-function selection model on the reported p-values, as in
  Vevea & Hedges 1995). Off by default (``selection_rr = 1``): the step is either Hopewell's
  general figure or fitted to these few trials (:func:`fit_selection_rr`), and neither improves
  the leave-one-trial-out coverage (docs/calibration.md). Predictions of a trial one designs
  (``trial run``, ``power``) are never weighted: that trial is run whatever it shows.
"""

from __future__ import annotations

import numpy as np

from mscsim._errors import InputError
from mscsim._tables import read_values
from mscsim.stats import compare_counts
from mscsim.trial._outcomes import NUMERIC_KINDS, SURVIVAL_KINDS, benefit_sign
from mscsim.trial._scenario_fields import BINARY_KINDS

PUBLICATION = read_values("mscsim.trial", "publication.csv")
#: Strength of selection fitted to the built-in trials (``publication.csv``; ``fitted``).
RR_FITTED = PUBLICATION["rr_fitted"]
#: Hopewell 2009's risk ratio of publication over five cohorts of registered trials.
RR_HOPEWELL = PUBLICATION["rr_hopewell"]
ALPHA = PUBLICATION["alpha"]


def selection_rr(value: str | float | None) -> float:
    """``'none'`` (or None): 1, no selection; ``'hopewell'``: Hopewell 2009's 1.78;
    ``'fitted'``: the risk ratio fitted to the built-in trials; or a risk ratio >= 1. A
    one-line :class:`InputError` naming ``--selection`` otherwise."""
    named = {"fitted": RR_FITTED, "hopewell": RR_HOPEWELL, "none": 1.0}
    if value is None:
        return 1.0
    if isinstance(value, str) and value in named:
        return named[value]
    try:
        rr = float(value)
    except (TypeError, ValueError):
        rr = float("nan")
    if not rr >= 1.0 or not np.isfinite(rr):
        raise InputError(
            "--selection", "'none', 'hopewell', 'fitted' or a risk ratio >= 1", got=value
        )
    return rr


def _sign(ep) -> float:
    """:func:`benefit_sign` of an endpoint."""
    return benefit_sign(ep.kind, getattr(ep, "biomarker", None))


def favours_active(ep, analysis) -> np.ndarray:
    """Per replicate: whether the estimate of `analysis` (active vs control: a ratio, or a
    difference for numeric kinds) favours the active arm (False where it is missing)."""
    est = np.asarray(analysis.result.estimate, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = est if ep.kind in NUMERIC_KINDS else np.log(est)
        good = _sign(ep) * scale > 0.0
    return good & np.isfinite(est)


def _reported(scenario, primary_only: bool) -> set[str]:
    """Endpoints with a used published result (only the primary ones if `primary_only`)."""
    reported = {res.endpoint for res in scenario.validated_results()}
    if primary_only:
        reported &= {ep.id for ep in scenario.endpoints.primary}
    return reported


def positive_replicates(
    run, analyses, alpha: float = ALPHA, *, primary_only: bool = False
) -> np.ndarray:
    """Per replicate: whether any reported comparison (of a primary endpoint, with
    `primary_only`) is significant in favour of an active arm."""
    sc = run.scenario
    eps = {ep.id: ep for ep in sc.endpoints.all}
    reported = _reported(sc, primary_only)
    pos = np.zeros(run.n_replicates, dtype=bool)
    for an in analyses:
        if an.id not in reported:
            continue
        p = np.nan_to_num(np.asarray(an.p_value, dtype=float), nan=1.0)
        pos |= (p < alpha) & favours_active(eps[an.id], an)
    return pos


def publication_weights(run, analyses, rr: float) -> np.ndarray:
    """Relative chance of publication of each replicate trial (1 if positive, else 1/rr)."""
    return np.where(positive_replicates(run, analyses), 1.0, 1.0 / rr)


def observed_positive(scenario, alpha: float = ALPHA, *, primary_only: bool = False) -> bool:
    """Whether the published trial reports a comparison (of a primary endpoint, with
    `primary_only`) significant at `alpha` in favour of an active arm, judged as its virtual
    replicates are. A binary endpoint with published counts in both arms is analysed from
    them by the trial's own test (Fisher or chi-square; favourable: risk ratio < 1), as a
    virtual trial is; otherwise its published p-value counts, with the direction its estimate
    or the arms' medians give (no such number: favourable)."""
    eps = {ep.id: ep for ep in scenario.endpoints.all}
    active = [a.name for a in scenario.arms if not a.is_control]
    control = scenario.control_arm.name
    reported = _reported(scenario, primary_only)
    for res in scenario.validated_results():
        if res.endpoint not in reported:
            continue
        ep, eff, arms = eps[res.endpoint], res.effect, res.arms or {}
        c = arms.get(control)
        if ep.kind in BINARY_KINDS and c is not None and c.events is not None:
            for name in active:
                a = arms.get(name)
                if a is None or a.events is None or a.n is None or c.n is None:
                    continue
                cmp = compare_counts(a.events, a.n, c.events, c.n, test=ep.binary_test)
                if float(cmp.p_value) < alpha and float(cmp.estimate) < 1.0:
                    return True
            continue
        if eff is None or eff.p_value is None or eff.p_value >= alpha:
            continue
        if _published_direction(ep, eff, arms.get(eff.arm or active[0]), c):
            return True
    return False


def _published_direction(ep, eff, a, c) -> bool:
    """Whether a published comparison favours the active arm (estimate, else medians)."""
    sign = _sign(ep)
    if eff.estimate is not None and eff.measure in ("RR", "OR", "HR"):
        return bool(sign * np.log(eff.estimate) > 0) if eff.estimate > 0 else sign < 0
    if eff.estimate is not None and eff.measure in ("MD", "RD", "median_difference"):
        return bool(sign * eff.estimate > 0)
    if a is not None and c is not None and a.median is not None and c.median is not None:
        # a median time to a good event is better when shorter
        s = -1.0 if ep.kind in SURVIVAL_KINDS else sign
        return bool(s * (a.median - c.median) > 0)
    return True


def fit_selection_rr(share: np.ndarray, positive: np.ndarray) -> dict[str, float]:
    """Maximum-likelihood risk ratio of publication from published trials.

    Trial ``i`` is positive with probability ``share[i]`` when run (its replicate trials'
    positive share); published, it is positive with probability
    ``share / (share + (1 - share) / rr)``. Returns ``rr`` (constrained to 1 <= rr <= e^8:
    selection never favours negative trials), its 95% profile-likelihood interval (``low``,
    ``high``, on a grid of log rr) and the likelihood-ratio ``p`` for no selection (rr = 1;
    chi-square with 1 degree of freedom, conservative at the boundary). Needs at least one
    trial."""
    from scipy.optimize import minimize_scalar
    from scipy.stats import chi2

    pi = np.clip(np.asarray(share, dtype=float), 1e-6, 1 - 1e-6)
    obs = np.asarray(positive, dtype=bool)
    if obs.size == 0:
        raise ValueError("fit_selection_rr needs at least one trial")

    def nll(log_rr: float) -> float:
        p = pi / (pi + (1 - pi) * np.exp(-log_rr))
        return -float(np.sum(np.where(obs, np.log(p), np.log1p(-p))))

    fit = minimize_scalar(nll, bounds=(0.0, 8.0), method="bounded", options={"xatol": 1e-8})
    grid = np.linspace(0.0, 8.0, 3201)
    inside = grid[np.array([nll(g) for g in grid]) - fit.fun <= chi2.ppf(0.95, 1) / 2]
    return {
        "rr": float(np.exp(fit.x)),
        "low": float(np.exp(inside.min())),
        "high": float(np.exp(inside.max())),
        "p": float(chi2.sf(max(2 * (nll(0.0) - fit.fun), 0.0), 1)),
    }


def excess_significance(share: np.ndarray, positive: np.ndarray) -> dict[str, float]:
    """Ioannidis & Trikalinos' test for an excess of significant findings (Clin Trials 2007;
    4:245-53, doi:10.1177/1740774507079441): ``observed`` published trials positive against
    ``expected``, the sum of each trial's chance ``share`` of being positive when run. Gives
    their statistic ``A = (O - E)^2 / E + (O - E)^2 / (n - E)`` with its chi-square (1 df)
    ``p_chi2``, and ``p_exact``: the chance of at least ``O`` positives when each trial is
    positive independently with its own chance (the Poisson-binomial tail)."""
    from scipy.stats import chi2

    pi = np.asarray(share, dtype=float)
    o, e, n = int(np.sum(positive)), float(pi.sum()), pi.size
    pmf = np.array([1.0])
    for p in pi:  # Poisson-binomial distribution of the number of positive trials
        pmf = np.convolve(pmf, [1.0 - p, p])
    a = (o - e) ** 2 / e + (o - e) ** 2 / (n - e) if 0 < e < n else float("nan")
    return {
        "trials": n,
        "observed": o,
        "expected": e,
        "A": float(a),
        "p_chi2": float(chi2.sf(a, 1)),
        "p_exact": float(min(1.0, pmf[o:].sum())),
    }
