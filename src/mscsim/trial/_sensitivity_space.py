"""What a global sensitivity analysis varies and how: parameter ranges and the run's config.

The uncertain MSC parameters (kinetics and effects) vary over their prior ranges: the plausible
bounds of ``parameters.csv``. A parameter whose bounds span more than one decade (lower bound
> 0 and upper / lower > 10) is sampled log-uniformly, any other uniformly: a log-uniform
range gives each decade the same weight, which is what a bound such as ``1e6-1e9 cells``
expresses; a range that starts at 0 (``Emax`` from "no effect" up) or spans less than a
decade has no scale to be log-uniform on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mscsim._errors import InputError

#: The uncertain MSC parameters: product kinetics (lung trapping, capacity, loss, biophase
#: equilibration), potency and the pharmacodynamic effects (see docs/model.md).
MSC_PARAMETERS = (
    "potency",
    "EC50_msc",
    "Imax_tsg",
    "Emax_pol",
    "Emax_10",
    "Imax_fib",
    "Emax_kgf",
    "Emax_afc",
    "k_l",
    "f_trap",
    "cap_lung",
    "k_e0",
)
LOG_SPAN = 10.0  # upper / lower above which a range is sampled log-uniformly


@dataclass(frozen=True)
class ParameterRange:
    """One varied parameter: its bounds, sampling scale and model default."""

    name: str
    lower: float
    upper: float
    scale: Literal["uniform", "log-uniform"]
    default: float
    unit: str
    kind: str  # measured / calibrated / assumed (parameters.csv)

    @classmethod
    def prior(cls, name: str) -> ParameterRange:
        """The prior range of model parameter `name` (its plausible bounds in parameters.csv)."""
        from mscsim.model import MSC_COVID

        if name not in MSC_COVID.parameter_names:
            raise InputError("parameters", "names of model parameters (see `mscsim params`)", name)
        p = MSC_COVID.parameter(name)
        lo, hi = float(p.lower), float(p.upper)
        log = lo > 0 and hi / lo > LOG_SPAN
        return cls(
            name, lo, hi, "log-uniform" if log else "uniform", float(p.value), p.unit, p.kind
        )

    def to_dict(self) -> dict:
        return asdict(self)


def salib_problem(ranges: tuple[ParameterRange, ...]) -> dict:
    """The SALib problem definition (``dists`` ``unif`` / ``logunif`` on the natural scale)."""
    return {
        "num_vars": len(ranges),
        "names": [r.name for r in ranges],
        "bounds": [[r.lower, r.upper] for r in ranges],
        "dists": ["logunif" if r.scale == "log-uniform" else "unif" for r in ranges],
    }


class SensitivityConfig(BaseModel):
    """A sensitivity analysis of the MSC treatment effect (frozen, validated).

    ``samples`` is Sobol's base sample size N (a power of 2; N x (D + 2) evaluations for D
    parameters) or the number of Morris trajectories (N x (D + 1) evaluations). Every
    evaluation simulates the same ``patients`` virtual patients (common random numbers).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str = Field("lanzoni2021", description="Built-in scenario name or YAML file.")
    method: Literal["sobol", "morris"] = "sobol"
    samples: int = Field(64, ge=2, le=65_536)
    patients: int = Field(400, ge=10, le=100_000, description="Size of the fixed cohort.")
    seed: int | None = Field(None, ge=0, description="Default: the scenario's seed.")
    parameters: tuple[str, ...] = MSC_PARAMETERS
    ranges: Literal["prior"] = "prior"
    arm: str | None = Field(None, description="Active arm (default: the first).")
    lung_measure: Literal["dlco_below_80", "fvc_below_80", "ct_abnormal"] = "dlco_below_80"
    levels: int = Field(4, ge=2, le=16, description="Morris grid levels.")
    resamples: int = Field(1000, ge=10, le=100_000, description="Bootstrap resamples.")
    conf_level: float = Field(0.95, gt=0, lt=1)
    batch: int = Field(20_000, ge=1, description="Patients per solver call (no effect on results).")

    @model_validator(mode="after")
    def _check(self) -> SensitivityConfig:
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError("samples: Sobol sampling needs a power of 2 (e.g. 64, 256, 1024)")
        if len(self.parameters) < 2 or len(set(self.parameters)) != len(self.parameters):
            raise ValueError("parameters: at least two distinct parameter names")
        return self

    @classmethod
    def from_dict(cls, data: object) -> SensitivityConfig:
        """Validate `data`; an error names the field and what is allowed (`InputError`)."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "config"
            raise InputError(loc, err["msg"].removeprefix("Value error, ")) from None

    @property
    def evaluations(self) -> int:
        """Parameter sets evaluated: N x (D + 2) for Sobol, N x (D + 1) for Morris."""
        return self.samples * (len(self.parameters) + (2 if self.method == "sobol" else 1))

    def parameter_ranges(self) -> tuple[ParameterRange, ...]:
        return tuple(ParameterRange.prior(n) for n in self.parameters)
