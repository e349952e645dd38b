r"""Global sensitivity of the MSC treatment effect: Sobol indices and Morris screening (SALib).

Sobol (Saltelli 2002; Saltelli et al. 2010, Comput Phys Commun 181:259): the first-order index
:math:`S_1 = V[E(Y|X_i)] / V(Y)` is the share of the effect's variance that parameter i explains
alone, the total index :math:`S_T = E[V(Y|X_{\sim i})] / V(Y)` adds its interactions; inputs
from SALib's scrambled Sobol sequence (N x (D + 2) evaluations, no second-order indices),
intervals from SALib's bootstrap. Morris (1991; Campolongo et al. 2007): ``mu_star`` (mean
absolute elementary effect over a step of 2/3 of the range on the unit scale) ranks
importance, ``sigma`` flags interactions or non-linearity, at N x (D + 1) evaluations.

:func:`gsa` runs either method on any vectorised function of the parameters;
:func:`sensitivity` runs it on the treatment effect of a scenario
(:mod:`mscsim.trial._sensitivity_effects`). SALib is imported lazily (``mscsim[calibrate]``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mscsim._errors import InputError
from mscsim.trial._sensitivity_space import ParameterRange, SensitivityConfig, salib_problem

STREAM_SAMPLE, STREAM_BOOTSTRAP = 201, 202  # SeedSequence([seed, stream]) of SALib's draws
Evaluate = Callable[[np.ndarray], dict[str, np.ndarray]]


def _salib():
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise InputError("sensitivity", "needs SALib: pip install 'mscsim[calibrate]'") from None
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    return sobol_sample, sobol_analyze, morris_sample, morris_analyze


def _seed(seed: int, stream: int) -> int:
    return int(np.random.SeedSequence([seed, stream]).generate_state(1)[0])


def design(method: str, ranges, samples: int, seed: int, levels: int = 4) -> np.ndarray:
    """The inputs to evaluate (rows, natural units) for `method` ("sobol" or "morris")."""
    sobol_sample, _, morris_sample, _ = _salib()
    problem = salib_problem(tuple(ranges))
    s = _seed(seed, STREAM_SAMPLE)
    if method == "sobol":
        return sobol_sample.sample(problem, samples, calc_second_order=False, seed=s)
    return morris_sample.sample(problem, samples, num_levels=levels, seed=s)


def indices(
    method: str,
    ranges,
    X: np.ndarray,
    Y: np.ndarray,
    seed: int,
    *,
    levels: int = 4,
    resamples: int = 1000,
    conf_level: float = 0.95,
) -> list[dict]:
    """Per parameter: ``S1, S1_conf, ST, ST_conf`` (Sobol) or ``mu, mu_star, mu_star_conf,
    sigma`` (Morris); ``*_conf`` is half the width of the bootstrap `conf_level` interval."""
    _, sobol_analyze, _, morris_analyze = _salib()
    problem = salib_problem(tuple(ranges))
    s = _seed(seed, STREAM_BOOTSTRAP)
    if method == "sobol":
        res = sobol_analyze.analyze(
            problem,
            Y,
            calc_second_order=False,
            num_resamples=resamples,
            conf_level=conf_level,
            seed=s,
        )
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        res = morris_analyze.analyze(
            problem,
            X,
            Y,
            num_resamples=resamples,
            conf_level=conf_level,
            num_levels=levels,
            seed=s,
        )
        keys = ("mu", "mu_star", "mu_star_conf", "sigma")
    return [
        {"parameter": r.name, **{k: float(np.asarray(res[k])[i]) for k in keys}}
        for i, r in enumerate(ranges)
    ]


def gsa(
    evaluate: Evaluate,
    ranges,
    *,
    method: str = "sobol",
    samples: int = 64,
    seed: int = 0,
    levels: int = 4,
    resamples: int = 1000,
    conf_level: float = 0.95,
    batch: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, list[dict]]]:
    """Sample, evaluate (in batches of `batch` rows) and analyse: ``(X, Y, indices)``.

    `evaluate` maps rows of parameter values (natural units) to ``{measure: values}``; a
    measure that is not finite for every row is an error (SALib cannot use it).
    """
    ranges = tuple(ranges)
    X = design(method, ranges, samples, seed, levels)
    step = X.shape[0] if batch is None else max(1, int(batch))
    parts: list[dict[str, np.ndarray]] = []
    for s in range(0, X.shape[0], step):
        parts.append(evaluate(X[s : s + step]))
        if progress is not None:
            progress(min(step, X.shape[0] - s))
    Y = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    for k, y in Y.items():
        if not np.all(np.isfinite(y)):
            raise InputError(
                "patients",
                f"{k} is undefined in {int((~np.isfinite(y)).sum())} of {y.size} evaluations "
                "(no events in the control arm or no survivors assessed): use more patients",
            )
    idx = {
        k: indices(
            method, ranges, X, y, seed, levels=levels, resamples=resamples, conf_level=conf_level
        )
        for k, y in Y.items()
    }
    return X, Y, idx


def _summary(y: np.ndarray, benefit: bool) -> dict:
    q = np.quantile(y, [0.05, 0.5, 0.95])
    return {
        "mean": float(y.mean()),
        "sd": float(y.std(ddof=1)) if y.size > 1 else 0.0,
        "p05": float(q[0]),
        "median": float(q[1]),
        "p95": float(q[2]),
        "share_benefit": float(np.mean(y > 0 if benefit else y < 1)),
    }


@dataclass(frozen=True, kw_only=True)
class SensitivityResult:
    """Indices of each effect measure, with the inputs, outputs and provenance of the run."""

    config: dict
    parameters: list[dict]  # ParameterRange.to_dict() of each varied parameter
    measures: dict[str, dict]  # label and unit of each effect measure
    indices: dict[str, list[dict]]  # measure -> one dict per parameter (see `indices`)
    outputs: dict[str, dict]  # measure -> spread of the effect over the samples
    at_defaults: dict[str, float]  # the effect at the model's default parameters
    control: dict[str, float]  # control-arm risks of the fixed cohort
    patients: int
    failed_solves: int  # patient evaluations left out for a failed solve (either arm)
    X: np.ndarray = field(repr=False)
    Y: dict[str, np.ndarray] = field(repr=False)
    provenance: dict = field(default_factory=dict)

    @property
    def method(self) -> str:
        return str(self.config["method"])

    def rows(self) -> list[dict]:
        """One row per (measure, parameter): the indices (long table of indices.csv)."""
        return [{"measure": m, **row} for m, rows in self.indices.items() for row in rows]

    def sample_rows(self) -> list[dict]:
        """One row per evaluation: parameter values and effect measures (samples.csv)."""
        names = [p["name"] for p in self.parameters]
        return [
            {**dict(zip(names, map(float, x))), **{k: float(v[i]) for k, v in self.Y.items()}}
            for i, x in enumerate(self.X)
        ]

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("X", "Y")}
        return {**d, "X": self.X.tolist(), "Y": {k: v.tolist() for k, v in self.Y.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> SensitivityResult:
        """The result of :meth:`to_dict` (e.g. read back from sensitivity.json)."""
        kw = {k: d[k] for k in cls.__dataclass_fields__ if k not in ("X", "Y") and k in d}
        Y = {k: np.asarray(v, dtype=float) for k, v in d["Y"].items()}
        return cls(**kw, X=np.asarray(d["X"], dtype=float), Y=Y)


def sensitivity(
    config: SensitivityConfig,
    *,
    progress: Callable[[int], None] | None = None,
    backend: str = "auto",
) -> SensitivityResult:
    """Global sensitivity of the treatment effect of ``config.scenario`` (see module doc)."""
    from mscsim import __version__
    from mscsim.solve import runtime_info
    from mscsim.trial._scenario import load_scenario, scenario_hash
    from mscsim.trial._sensitivity_effects import MEASURES, FixedCohort

    _salib()
    t0 = time.perf_counter()
    sc = load_scenario(config.scenario)
    seed = sc.seed if config.seed is None else config.seed
    ranges: tuple[ParameterRange, ...] = config.parameter_ranges()
    names = [r.name for r in ranges]
    cohort = FixedCohort.build(
        sc,
        seed,
        config.patients,
        arm=config.arm,
        lung_measure=config.lung_measure,
        backend=backend,
    )
    failed = [0]

    def evaluate(X: np.ndarray) -> dict[str, np.ndarray]:
        y, lost = cohort.effects(names, X)
        failed[0] += int(lost.sum())
        return y

    X, Y, idx = gsa(
        evaluate,
        ranges,
        method=config.method,
        samples=config.samples,
        seed=seed,
        levels=config.levels,
        resamples=config.resamples,
        conf_level=config.conf_level,
        batch=max(1, config.batch // config.patients),
        progress=progress,
    )
    ref, _ = cohort.effects(names, np.array([[r.default for r in ranges]]))
    ctl = cohort.control_outcomes
    from importlib.metadata import version

    return SensitivityResult(
        config={**config.model_dump(mode="json"), "seed": seed},
        parameters=[r.to_dict() for r in ranges],
        measures={k: {"label": v[0], "unit": v[1]} for k, v in MEASURES.items()},
        indices=idx,
        outputs={k: _summary(y, benefit=k == "pf_gain_d7") for k, y in Y.items()},
        at_defaults={k: float(v[0]) for k, v in ref.items()},
        control={
            "mortality_d28": float(ctl["death"][ctl["ok"]].mean()),
            f"{config.lung_measure}_d365": float(np.nanmean(ctl["lung"][ctl["ok"]])),
        },
        patients=cohort.size,
        failed_solves=failed[0],
        X=X,
        Y=Y,
        provenance={
            "mscsim_version": __version__,
            "salib_version": version("SALib"),
            "scenario": sc.name,
            "scenario_hash": scenario_hash(sc),
            "seed": seed,
            "method": config.method,
            "samples": config.samples,
            "evaluations": int(X.shape[0]),
            "patients": cohort.size,
            "solver_backend": cohort.backend,
            "elapsed_s": round(time.perf_counter() - t0, 2),
            **runtime_info(),
        },
    )
