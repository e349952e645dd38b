"""Priors of the calibrated parameters, from each parameter's bounds and class.

A parameter is sampled on the log10 scale when its bounds span more than a decade above
zero (``scale='log10'``), else on its own scale. Its class sets the prior:

- ``measured``: normal around the value, SD 20% of it (a measurement with its error);
- ``calibrated``: normal on the log scale around the value, SD ln(3) (a tuned number: a factor
  of 3 either way is one SD);
- ``assumed``: uniform between the bounds (log-uniform on the log10 scale);

each truncated to the parameter's bounds. The trial-level terms are ``mu_death`` ~ N(0, 1)
(log HR), the between-trial SDs ``tau_death``, ``tau_sae`` ~ half-normal(1) and the
between-trial SD of the product's log10 potency ``tau_potency_log10`` ~ half-normal(0.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mscsim.model import MSC_COVID

#: MSC parameters calibrated by default: the ones that move the trial outcomes most per the
#: one-at-a-time screen (docs/calibration.md): epithelial repair (KGF), cytokine suppression
#: (TSG-6) and the dose-response midpoint.
MSC_PARAMETERS = ("Emax_kgf", "Imax_tsg", "EC50_msc")
TRIAL_PARAMETERS = ("mu_death", "tau_death", "tau_sae", "tau_potency_log10")


@dataclass(frozen=True)
class Prior:
    """Prior of one parameter on its sampling scale (``x``; the value is ``10**x`` on log10)."""

    name: str
    kind: str  # "normal" | "uniform" | "halfnormal"
    scale: str  # "linear" | "log10"
    lower: float  # bounds on the sampling scale
    upper: float
    loc: float = 0.0
    sd: float = 1.0
    cls: str = "assumed"

    def value(self, x: float | np.ndarray) -> float | np.ndarray:
        return 10.0**x if self.scale == "log10" else x

    def logpdf(self, x: float) -> float:
        if not (self.lower <= x <= self.upper):
            return -math.inf
        if self.kind == "uniform":
            return 0.0
        return -0.5 * ((x - self.loc) / self.sd) ** 2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draws by rejection from the truncated prior (all priors here keep >5% mass)."""
        out = np.empty(0)
        while out.size < size:
            if self.kind == "uniform":
                x = rng.uniform(self.lower, self.upper, size)
            else:
                x = self.loc + self.sd * rng.standard_normal(size)
            out = np.concatenate([out, x[(x >= self.lower) & (x <= self.upper)]])
        return out[:size]

    def box(self) -> tuple[float, float]:
        """Range of the surrogate's design: the bounds, or +-2.5 SD of a normal prior."""
        if self.kind == "uniform":
            return self.lower, self.upper
        return max(self.lower, self.loc - 2.5 * self.sd), min(self.upper, self.loc + 2.5 * self.sd)


def model_prior(name: str) -> Prior:
    """The prior of model parameter `name` from its bounds and class (module docstring)."""
    p = next((q for q in MSC_COVID.parameters if q.name == name), None)
    if p is None:
        raise KeyError(name)
    log = p.lower > 0 and p.upper / p.lower > 10.0
    lo, hi = (math.log10(p.lower), math.log10(p.upper)) if log else (p.lower, p.upper)
    if p.kind == "measured":
        sd = 0.2 * p.value
        if log:
            return Prior(
                name, "normal", "log10", lo, hi, math.log10(p.value), 0.2 / math.log(10), p.kind
            )
        return Prior(name, "normal", "linear", lo, hi, p.value, sd, p.kind)
    if p.kind == "calibrated":
        sd_log10 = math.log10(3.0)
        if log or p.lower <= 0:
            # log-normal around the value; a lower bound of 0 becomes a tiny positive one
            lo10 = math.log10(p.lower) if p.lower > 0 else math.log10(p.value) - 4 * sd_log10
            return Prior(
                name,
                "normal",
                "log10",
                lo10,
                math.log10(p.upper),
                math.log10(p.value),
                sd_log10,
                p.kind,
            )
        return Prior(name, "normal", "linear", lo, hi, p.value, p.value * math.log(3.0), p.kind)
    return Prior(name, "uniform", "log10" if log else "linear", lo, hi, cls=p.kind)


def trial_prior(name: str) -> Prior:
    if name == "mu_death":
        return Prior(name, "normal", "linear", -3.0, 3.0, 0.0, 1.0, "calibrated")
    if name in ("tau_death", "tau_sae"):
        return Prior(name, "halfnormal", "linear", 0.0, 4.0, 0.0, 1.0, "calibrated")
    if name == "tau_potency_log10":  # a 10-fold potency difference between trials is 2 SD
        return Prior(name, "halfnormal", "linear", 0.0, 2.0, 0.0, 0.5, "calibrated")
    raise KeyError(name)


def priors(msc: tuple[str, ...] = MSC_PARAMETERS) -> tuple[Prior, ...]:
    """Priors of the calibrated vector: the MSC parameters, then the trial-level terms."""
    return tuple(model_prior(n) for n in msc) + tuple(trial_prior(n) for n in TRIAL_PARAMETERS)
