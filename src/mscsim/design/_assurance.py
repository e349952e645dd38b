r"""Assurance (probability of success averaged over parameter uncertainty) and sample size.

Power is the probability of success at fixed model parameters; assurance (O'Hagan, Stevens &
Campbell 2005, Pharm Stat 4:187) averages it over the uncertainty of the MSC effect: every
replicate trial draws its own parameters (one draw per replicate, shared by its patients),
through the ``param_draws`` hook of :func:`mscsim.trial.run_trial`. ``uncertainty="posterior"``
(the default) draws from the calibrated posterior shipped with mscsim (``mscsim calibrate``:
MSC effect, trial-level risk and product spread fitted to the published trials);
``"prior"`` from :class:`MscEffectPrior`, the assumed spreads used before a posterior existed.

Success is a significant benefit: the trial's two-sided test at ``alpha`` (log-rank for time to
event, Fisher exact for binary endpoints, as :func:`mscsim.trial.analyse` reports) with the
estimate on the side of benefit. Every sample size uses the same seed (common random numbers),
so the curve is smooth in n and differences between sizes are not Monte Carlo noise alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mscsim._errors import InputError
from mscsim.design._looks import pick_endpoint
from mscsim.trial._outcomes import benefit_sign

#: Pharmacodynamic MSC effect parameters of the model (see docs/model.md).
MSC_EFFECT_PARAMETERS = (
    "Emax_kgf",
    "Emax_afc",
    "EC50_msc",
    "Imax_tsg",
    "Emax_pol",
    "Emax_10",
    "Imax_fib",
)
STREAM_PRIOR = 101  # random stream of the prior draws: SeedSequence([seed, 101, replicate])
CALIBRATED_GSD = 1.5  # geometric SD of the log-normal prior of a calibrated parameter
ASSUMED_DECADES = 1.0  # log-uniform prior of an assumed parameter: value / 10 to value * 10


@dataclass(frozen=True)
class MscEffectPrior:
    r"""Prior of the MSC effect parameters, one draw per replicate trial (picklable).

    ``calibrated`` parameters: log-normal with median at the calibrated value and geometric
    SD :data:`CALIBRATED_GSD`; ``assumed`` ones: log-uniform from value/10 to value*10; both
    clipped to the parameter's bounds in ``parameters.csv``. These spreads are modelling
    assumptions (no posterior of the MSC effect exists yet); ``measured`` parameters are kept.
    Calling it with ``(seed, replicate)`` returns ``{name: value}`` drawn from the stream
    ``SeedSequence([seed, 101, replicate])``.
    """

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    values: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]

    @classmethod
    def from_model(cls, names: Sequence[str] = MSC_EFFECT_PARAMETERS) -> MscEffectPrior:
        from mscsim.model import MSC_COVID

        ps = [MSC_COVID.parameter(n) for n in names]
        return cls(
            tuple(p.name for p in ps),
            tuple(p.kind for p in ps),
            tuple(float(p.value) for p in ps),
            tuple(float(p.lower) for p in ps),
            tuple(float(p.upper) for p in ps),
        )

    def __call__(self, seed: int, replicate: int) -> dict[str, float]:
        rng = np.random.default_rng(np.random.SeedSequence([seed, STREAM_PRIOR, replicate]))
        u = rng.standard_normal(len(self.names))
        v = rng.uniform(size=len(self.names))
        out = {}
        for i, name in enumerate(self.names):
            x = self.values[i]
            if self.kinds[i] == "calibrated":
                x = x * CALIBRATED_GSD ** u[i]
            elif self.kinds[i] == "assumed":
                x = x * 10.0 ** (ASSUMED_DECADES * (2 * v[i] - 1))
            out[name] = float(min(max(x, self.lower[i]), self.upper[i]))
        return out


UNCERTAINTY = ("posterior", "prior")


def uncertainty_draws(kind: str, seed: int):
    """(param_draws, description) of the parameter uncertainty ``kind`` for a run seeded
    ``seed``: ``"posterior"``, ``"prior"`` or ``"none"`` (fixed parameters)."""
    if kind == "none":
        return None, {"uncertainty": "none"}
    if kind == "prior":
        prior = MscEffectPrior.from_model()
        return prior, {
            "uncertainty": "prior",
            "parameters": list(prior.names),
            "calibrated": f"log-normal, median = value, geometric SD {CALIBRATED_GSD}",
            "assumed": f"log-uniform, value / 10^{ASSUMED_DECADES:g} to value * 10^"
            f"{ASSUMED_DECADES:g}",
            "clipped_to": "parameter bounds in parameters.csv",
        }
    if kind == "posterior":
        from mscsim.evidence._posterior import posterior_draws

        draws, prov = posterior_draws("default", None, seed)
        return draws, {
            "uncertainty": "posterior",
            "parameters": prov["posterior_parameters"],
            "posterior_version": prov["posterior_version"],
            "posterior_data_hash": prov["posterior_data_hash"],
        }
    raise InputError("--uncertainty", "posterior, prior or none", kind)


def success(analysis, alpha: float = 0.05) -> np.ndarray:
    """Per replicate: two-sided p < alpha with the estimate on the side of benefit."""
    p = np.nan_to_num(np.asarray(analysis.p_value, dtype=float), nan=1.0)
    est = np.asarray(analysis.result.estimate, dtype=float)
    null = float(analysis.result.null_value)
    if analysis.kind == "biomarker_change":  # direction not declared: any significant change
        return p < alpha
    better = est > null if benefit_sign(analysis.kind) > 0 else est < null
    return (p < alpha) & better


@dataclass(frozen=True, kw_only=True)
class SampleSizeResult:
    """Power (fixed parameters) and assurance (prior draws) per total sample size."""

    scenario: str
    endpoint: str
    target: float
    alpha: float
    replicates: int
    seed: int
    n: list[int]
    power: list[float]
    assurance: list[float] | None
    n_for_power: int | None
    n_for_assurance: int | None
    prior: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _smallest(n: list[int], rates: list[float], target: float) -> int | None:
    return next((s for s, r in zip(n, rates) if r >= target), None)


def sample_size(
    scenario,
    sizes: Sequence[int],
    *,
    target: float = 0.8,
    endpoint: str | None = None,
    arm: str | None = None,
    alpha: float = 0.05,
    replicates: int = 200,
    seed: int | None = None,
    assurance: bool = True,
    workers: int | None = None,
    executor=None,
    progress=None,
    uncertainty: str = "posterior",
) -> SampleSizeResult:
    """Power and assurance at each total size in ``sizes``; the smallest size reaching ``target``.

    Every size is simulated with the same ``seed`` (common random numbers); with
    ``assurance=True`` a second batch draws the parameters per replicate from the posterior
    (``uncertainty="posterior"``) or from :class:`MscEffectPrior` (``"prior"``).
    """
    from mscsim.trial import analyse, run_trial

    if not 0 < target < 1:
        raise InputError("--target", "a probability in (0, 1)", target)
    if not sizes or list(sizes) != sorted(set(sizes)):
        raise InputError("--n", "increasing, distinct total sample sizes", list(sizes))
    ep = pick_endpoint(scenario, endpoint)
    arm = arm or next(a.name for a in scenario.arms if not a.is_control)
    seed = scenario.seed if seed is None else int(seed)
    if uncertainty not in UNCERTAINTY:
        raise InputError("--uncertainty", "posterior or prior", uncertainty)
    prior, described = uncertainty_draws(uncertainty, seed)
    rates: dict[str, list[float]] = {"power": [], "assurance": []}
    for n in sizes:
        for key, draws in (("power", None), ("assurance", prior)):
            if key == "assurance" and not assurance:
                continue
            run = run_trial(
                scenario,
                seed=seed,
                replicates=replicates,
                sample_size=int(n),
                workers=workers,
                executor=executor,
                progress=progress,
                param_draws=draws,
            )
            a = next(x for x in analyse(run) if x.id == ep.id and x.arm == arm)
            rates[key].append(float(success(a, alpha).mean()))
    n_list = [int(s) for s in sizes]
    return SampleSizeResult(
        scenario=scenario.name,
        endpoint=ep.id,
        target=float(target),
        alpha=float(alpha),
        replicates=int(replicates),
        seed=seed,
        n=n_list,
        power=rates["power"],
        assurance=rates["assurance"] if assurance else None,
        n_for_power=_smallest(n_list, rates["power"], target),
        n_for_assurance=_smallest(n_list, rates["assurance"], target) if assurance else None,
        prior={**described, "mc_se_max": 0.5 / math.sqrt(replicates)},
    )
