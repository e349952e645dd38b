"""Virtual patients: covariates, host severity and inter-individual variability.

Every draw comes from an explicit seed. Candidates of one replicate trial are drawn in fixed
blocks of `BLOCK` patients, each block from its own stream
``SeedSequence([seed, STREAM_POPULATION, replicate, block])``, so a patient's covariates and
parameters never depend on how many replicates or candidates are simulated together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from mscsim._tables import read_values
from mscsim.model import MSC_COVID, SEVERITIES, host_parameters, onset_state

BLOCK = 16
STREAM_POPULATION = 1
#: Default severity mix of hospitalised COVID-19 patients screened when a scenario gives none
#: (ASSUMED; ~1/3 of hospitalised patients develop ARDS, Tzotzos 2020 Crit Care).
DEFAULT_MIX = {"mild": 0.35, "moderate": 0.35, "severe": 0.2, "critical": 0.1}
#: Correlation of log-parameters (ASSUMED: IL-6 and TNF come from the same M1 macrophages).
CORRELATED = {("p6_M", "pT_M"): 0.5}
#: Covariate effects on the severity score (ASSUMED, sign from cohort risk factors: age and
#: comorbidities predict severe COVID-19 and residual lung damage, Radiology 2022 PMC8988857).
AGE_SCORE_PER_DECADE = 0.15
COMORBIDITY_SCORE = 0.1
#: Age slows repair and adaptive immunity (Neant 2021: viral clearance 16 d at >= 65 vs 13 d).
AGE_REPAIR_PER_DECADE = -0.08
AGE_ADAPTIVE_PER_DECADE = -0.06


IIV_CV = read_values("mscsim.population", "variability.csv", key="parameter", value="cv")


@dataclass(frozen=True)
class Cohort:
    """Drawn candidates: covariates, parameters and onset state (arrays of length n)."""

    age: np.ndarray
    female: np.ndarray
    weight: np.ndarray
    comorbidity: np.ndarray
    screening_day: np.ndarray
    severity_class: np.ndarray  # index into SEVERITIES
    score: np.ndarray
    params: dict[str, np.ndarray]
    y0: dict[str, np.ndarray]
    uniforms: np.ndarray  # (n, N_UNIFORMS) reserved per-patient uniforms (events, thresholds)

    @property
    def size(self) -> int:
        return int(self.age.shape[0])

    def take(self, idx: np.ndarray) -> Cohort:
        pick = lambda a: a[idx]  # noqa: E731
        return Cohort(
            age=pick(self.age),
            female=pick(self.female),
            weight=pick(self.weight),
            comorbidity=pick(self.comorbidity),
            screening_day=pick(self.screening_day),
            severity_class=pick(self.severity_class),
            score=pick(self.score),
            params={k: pick(v) for k, v in self.params.items()},
            y0={k: pick(v) for k, v in self.y0.items()},
            uniforms=pick(self.uniforms),
        )


N_UNIFORMS = 16


def _truncnorm(spec, u: np.ndarray) -> np.ndarray:
    """Truncated normal by inversion of uniforms `u`: mean + sd * ndtri(Phi(a) + u (Phi(b) -
    Phi(a)))."""
    pa, pb = ndtr((spec.min - spec.mean) / spec.sd), ndtr((spec.max - spec.mean) / spec.sd)
    x = spec.mean + spec.sd * ndtri(pa + u * (pb - pa))
    return np.clip(x, spec.min, spec.max)


def _iiv_factor() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Names, log-SDs and the transposed Cholesky factor of the log-parameter correlation."""
    names = list(IIV_CV)
    sd = np.sqrt(np.log1p(np.array([IIV_CV[k] ** 2 for k in names])))
    corr = np.eye(len(names))
    for (a, b), r in CORRELATED.items():
        i, j = names.index(a), names.index(b)
        corr[i, j] = corr[j, i] = r
    return names, sd, np.linalg.cholesky(corr).T


def _severity_cdf(population) -> np.ndarray:
    """Cumulative severity probabilities in `SEVERITIES` order, as ``Generator.choice`` builds
    them from ``p`` (``cdf = p.cumsum(); cdf /= cdf[-1]``)."""
    mix = population.disease_mix or DEFAULT_MIX
    probs = np.array([mix.get(s, 0.0) for s in SEVERITIES])
    cdf = (probs / probs.sum()).cumsum()
    cdf /= cdf[-1]
    return cdf


def _raw_draws(population, seed: int, blocks: list[tuple[int, int]], n_iiv: int) -> dict:
    """Every random number of `blocks`, block by block, each block from its own stream.

    A block's stream is consumed as ``Generator`` calls in this order (uniforms of age, sex
    and weight; Poisson comorbidities; screening days; severity class; a severity score
    jitter; standard normals of the log-parameters; the reserved uniforms):
    ``uniform(size=16)`` three times, ``poisson``, ``integers``,
    ``choice(4, size=16, p=mix)``, ``uniform(-0.5, 0.5, 16)``, ``standard_normal((16, n_iiv))``,
    ``uniform(size=(16, N_UNIFORMS))``. Calls are merged where the stream is the same: a
    uniform on [0, 1) is ``random`` (``0 + 1 * x``), consecutive ``random`` calls are one
    call, and ``choice`` with ``p`` is ``random`` inverted through the cumulative
    probabilities (``searchsorted(cdf, u, side="right")``; tests/population pins both).
    """
    nb = len(blocks)
    lo, hi = population.onset_to_screening_days.min, population.onset_to_screening_days.max
    u = np.empty((nb, 3, BLOCK))  # age, sex, weight
    comorbidity = np.empty((nb, BLOCK), dtype=np.int64)
    day = np.empty((nb, BLOCK), dtype=np.int64)
    u_sev = np.empty((nb, 2, BLOCK))  # severity class, score jitter
    z = np.empty((nb, BLOCK, n_iiv))
    uniforms = np.empty((nb, BLOCK, N_UNIFORMS))
    for i, (replicate, block) in enumerate(blocks):
        rng = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence([seed, STREAM_POPULATION, replicate, block]))
        )
        rng.random(out=u[i])
        comorbidity[i] = rng.poisson(population.comorbidity_mean, BLOCK)
        day[i] = rng.integers(lo, hi + 1, BLOCK)
        rng.random(out=u_sev[i])
        rng.standard_normal(out=z[i])
        rng.random(out=uniforms[i])
    n = nb * BLOCK
    return {
        "u_age": u[:, 0].reshape(n),
        "female": u[:, 1].reshape(n) < population.female_fraction,
        "u_weight": u[:, 2].reshape(n),
        "comorbidity": comorbidity.reshape(n),
        "screening_day": day.reshape(n),
        "severity_class": np.searchsorted(
            _severity_cdf(population), u_sev[:, 0].reshape(n), "right"
        ),
        "jitter": -0.5 + 1.0 * u_sev[:, 1].reshape(n),
        "z": z,  # (blocks, BLOCK, n_iiv): correlated per block, as drawn
        "uniforms": uniforms.reshape(n, N_UNIFORMS),
    }


def draw_blocks(
    population,
    seed: int,
    blocks: list[tuple[int, int]],
    overrides: dict[str, float] | None = None,
) -> Cohort:
    """Draw the `BLOCK` candidates of each ``(replicate, block)`` of `blocks`, in that order,
    each block from its own stream (see module docstring): the same candidates as
    concatenating `draw_block` of each, computed in one pass.

    `overrides` (model parameter -> value) scale every patient's value by value / default, so
    the variability around the new typical value is kept.
    """
    names, sd, chol_t = _iiv_factor()
    raw = _raw_draws(population, seed, blocks, chol_t.shape[0])
    # one (BLOCK, k) @ (k, k) product per block, as a stacked matmul (the same product per block)
    z = (raw["z"] @ chol_t).reshape(-1, chol_t.shape[0])
    n = raw["u_age"].shape[0]
    age = _truncnorm(population.age, raw["u_age"])
    weight = _truncnorm(population.weight_kg, raw["u_weight"])
    comorb, sev = raw["comorbidity"], raw["severity_class"]
    eta = z * sd - 0.5 * sd**2  # mean-preserving log-normal multipliers
    mult = {k: np.exp(eta[:, i]) for i, k in enumerate(names)}
    decades = (age - 60.0) / 10.0
    score = np.clip(
        sev + raw["jitter"] + AGE_SCORE_PER_DECADE * decades + COMORBIDITY_SCORE * (comorb - 1),
        -0.5,
        3.5,
    )
    base = MSC_COVID.default_parameters()
    params = {k: base[k] * v for k, v in mult.items()}
    host = host_parameters(score)
    for k, v in host.items():
        params[k] = v * params.get(k, base[k]) / base[k]
    params["k_rep"] = params["k_rep"] * np.exp(AGE_REPAIR_PER_DECADE * decades)
    params["k_A"] = params["k_A"] * np.exp(AGE_ADAPTIVE_PER_DECADE * decades)
    for k, v in (overrides or {}).items():
        params[k] = np.asarray(params.get(k, base[k]) * (v / base[k] if base[k] else 0.0), float)
        params[k] = params[k] if base[k] else np.full(n, float(v))
        params[k] = np.broadcast_to(params[k], (n,)).copy()
    return Cohort(
        age=age,
        female=raw["female"],
        weight=weight,
        comorbidity=comorb,
        screening_day=raw["screening_day"],
        severity_class=sev,
        score=score,
        params=params,
        y0=onset_state(params),
        uniforms=raw["uniforms"],
    )


def draw_block(
    population, seed: int, replicate: int, block: int, overrides: dict[str, float] | None = None
) -> Cohort:
    """Draw `BLOCK` candidates of `replicate` from their own stream (see module docstring);
    `overrides` as in `draw_blocks`."""
    return draw_blocks(population, seed, [(replicate, block)], overrides)


def concat(cohorts: list[Cohort]) -> Cohort:
    """Stack cohorts (in order) into one."""
    cat = lambda name: np.concatenate([getattr(c, name) for c in cohorts])  # noqa: E731
    return Cohort(
        age=cat("age"),
        female=cat("female"),
        weight=cat("weight"),
        comorbidity=cat("comorbidity"),
        screening_day=cat("screening_day"),
        severity_class=cat("severity_class"),
        score=cat("score"),
        params={k: np.concatenate([c.params[k] for c in cohorts]) for k in cohorts[0].params},
        y0={k: np.concatenate([c.y0[k] for c in cohorts]) for k in cohorts[0].y0},
        uniforms=np.concatenate([c.uniforms for c in cohorts]),
    )
