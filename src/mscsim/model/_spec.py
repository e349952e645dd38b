"""Declarative building blocks of a mechanistic model.

A model is data: states, parameters (value, unit, bounds, provenance), named intermediate
expressions, one right-hand side per state and observables, all written as plain math strings.
The same declaration feeds the numerical right-hand side (`mscsim.model._codegen`), the SBML
export (`mscsim.io.sbml`) and the generated model documentation
(`mscsim.report._model_doc`, docs/model.md).

Math strings use ``+ - * / **``, parentheses, ``exp``, ``log`` and two guard functions:
``pos(x)`` = max(x, 0) and ``hill(x, K, n)`` = pos(x)**n / (pos(x)**n + K**n). Guards keep rate
laws well defined when a state dips to a tiny negative value during integration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ParameterClass = Literal["measured", "calibrated", "assumed"]
#: How far beyond its plausible bounds a parameter may go in a solve (`Parameter.admissible`).
ADMISSIBLE_FACTOR = 100.0


@dataclass(frozen=True, kw_only=True)
class Parameter:
    """A model constant with its unit, plausible bounds and provenance."""

    name: str
    value: float
    unit: str
    lower: float
    upper: float
    kind: ParameterClass
    description: str
    source: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if not self.lower <= self.value <= self.upper:
            raise ValueError(
                f"parameter {self.name}: value {self.value} outside [{self.lower}, {self.upper}]"
            )
        if self.kind == "measured" and not self.source:
            raise ValueError(f"parameter {self.name}: measured parameters need a source")

    @property
    def admissible(self) -> tuple[float, float]:
        """The values a solve accepts: `ADMISSIBLE_FACTOR` beyond the plausible bounds on
        either side, never of another sign than `lower` (so positive parameters stay positive),
        and at most 1 for a fraction (unit ``1`` with upper bound 1).

        Virtual patients vary beyond the typical range: the built-in populations draw k_A down
        to ~3x below its lower bound, with a log-normal tail that would cross a factor 10 once
        in ~4e7 patients (5.5 SD) but a factor 100 practically never (9.6 SD); and any value
        x0.1-x10 of an in-bounds one stays admissible."""
        f = ADMISSIBLE_FACTOR
        lo = self.lower / f if self.lower > 0 else self.lower * f
        hi = self.upper if self.unit == "1" and self.upper == 1.0 else self.upper * f
        return lo, hi


@dataclass(frozen=True, kw_only=True)
class State:
    """A dynamic variable; `healthy` is its value in the uninfected steady state."""

    name: str
    unit: str
    description: str
    healthy: float = 0.0
    group: str = ""
    scale: float = 1.0  # absolute tolerances are atol * scale (cells: 1e11, i.e. ~100 cells)
    nonnegative: bool = True  # a solve going below -scale is flagged out of bounds

    @property
    def bounds(self) -> tuple[float, float]:
        """Values a trustworthy solve stays within: ``(-scale, 1e6 * scale)`` for a
        non-negative state (``-1e6 * scale`` below for others); see `mscsim.solve._guards`."""
        return (-self.scale if self.nonnegative else -1e6 * self.scale), 1e6 * self.scale


@dataclass(frozen=True, kw_only=True)
class Expression:
    """A named intermediate quantity (an SBML assignment rule)."""

    name: str
    formula: str
    unit: str
    description: str


@dataclass(frozen=True, kw_only=True)
class Observable:
    """A reported output: a formula of states, parameters and expressions, with a unit."""

    name: str
    formula: str
    unit: str
    description: str


@dataclass(frozen=True, kw_only=True, eq=False)
class Model:
    """A complete declarative ODE model.

    `odes` maps every state name to its time derivative (per `time_unit`). `dose_state` is the
    state that receives intravenous infusions (a bolus adds cells to it).
    """

    name: str
    description: str
    time_unit: str
    states: tuple[State, ...]
    parameters: tuple[Parameter, ...]
    expressions: tuple[Expression, ...]
    odes: dict[str, str]
    observables: tuple[Observable, ...]
    dose_state: str
    references: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = [s.name for s in self.states]
        if set(self.odes) != set(names):
            missing = set(names) ^ set(self.odes)
            raise ValueError(f"model {self.name}: odes and states differ on {sorted(missing)}")
        if self.dose_state not in names:
            raise ValueError(f"model {self.name}: dose_state {self.dose_state!r} is not a state")
        every = names + self.parameter_names + [e.name for e in self.expressions]
        every += [o.name for o in self.observables]
        dupes = {n for n in every if every.count(n) > 1}
        if dupes:
            raise ValueError(f"model {self.name}: duplicate identifiers {sorted(dupes)}")

    @property
    def state_names(self) -> list[str]:
        return [s.name for s in self.states]

    @property
    def parameter_names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def observable_names(self) -> list[str]:
        return [o.name for o in self.observables]

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def default_parameters(self) -> dict[str, float]:
        return {p.name: p.value for p in self.parameters}

    def healthy_state(self) -> dict[str, float]:
        return {s.name: s.healthy for s in self.states}
