"""The biomarker part of the calibration problem, from the built-in scenarios, as data.

One condition per (trial, arm) with a published biomarker number; each is the *typical patient*
of the trial (ASSUMED representation, stated in the export's README):

- severity: the most frequent class of the scenario's disease mix (the population default when
  the scenario gives none) whose typical patient passes the trial's P/F eligibility at
  enrollment; ties go to the more severe class;
- enrollment (trial day 0): the middle of the scenario's onset-to-screening range (days since
  symptom onset, the model's time);
- dosing: the arm's schedule through the trial engine's own mapping (cells/kg at the scenario's
  mean body weight, product cell-equivalents).

Measurements are per-arm summaries of ``biomarker_change`` endpoints (value at the endpoint day
minus the value at enrollment); everything that cannot be one is listed in ``skipped``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mscsim.io._petab_params import Estimated, estimated_parameters
from mscsim.model import MSC_COVID, SEVERITIES, Regimen, onset_state, typical_patient
from mscsim.solve import simulate

#: SE of a sample median over SD/sqrt(n) for normal data (sqrt(pi/2)); IQR of a normal = 1.349 SD.
MEDIAN_SE_FACTOR = math.sqrt(math.pi / 2)
IQR_PER_SD = 1.349
BIOMARKERS = ("crp", "il6", "il10", "tnf", "pf_ratio")


@dataclass(frozen=True)
class Condition:
    """One (trial, arm): the typical patient's overrides, enrollment day and infusions."""

    id: str
    scenario: str
    arm: str
    severity: str
    enrollment_day: float  # days since symptom onset
    weight_kg: float
    params: dict[str, float]  # condition-specific model parameters
    y0: dict[str, float]  # state at symptom onset (t = 0)
    infusions: tuple[tuple[float, float], ...]  # (days since onset, cell-equivalents)


@dataclass(frozen=True)
class Measurement:
    """A published per-arm number as a measurement of an observable of one condition."""

    observable: str
    condition: str
    time: float  # days since symptom onset
    value: float
    sigma: float
    statistic: str  # how value and sigma were derived
    source: str
    quote: str


@dataclass(frozen=True)
class Skipped:
    where: str
    reason: str


@dataclass(frozen=True)
class Problem:
    conditions: tuple[Condition, ...]
    measurements: tuple[Measurement, ...]
    estimated: tuple[Estimated, ...]
    skipped: tuple[Skipped, ...] = field(default=())

    @property
    def n_slots(self) -> int:
        """Infusion events in the SBML model (the most any condition has, at least one)."""
        return max([1, *(len(c.infusions) for c in self.conditions)])


def arm_statistic(v) -> tuple[float, float, str] | None:
    """(value, sigma of the arm summary, how) from a published arm value, or None."""
    if v.n is None or v.n < 2:
        return None
    if v.mean is not None and v.sd is not None:
        return v.mean, v.sd / math.sqrt(v.n), "mean; sigma = SD/sqrt(n)"
    if v.median is not None and v.q1 is not None and v.q3 is not None:
        sd = (v.q3 - v.q1) / IQR_PER_SD
        how = "median; sigma = sqrt(pi/2) * (IQR/1.349)/sqrt(n) (SE of a median, normal data)"
        return v.median, MEDIAN_SE_FACTOR * sd / math.sqrt(v.n), how
    return None


def _pf_eligible(pf: float, elig) -> bool:
    from mscsim.trial._clinical import OXYGEN_PF
    from mscsim.trial._screening import ards_class

    ok = elig.pf_ratio_max is None or pf <= elig.pf_ratio_max
    ok &= elig.pf_ratio_min is None or pf >= elig.pf_ratio_min
    ok &= not elig.require_oxygen or pf < OXYGEN_PF
    if elig.ards_severity is not None:
        ok &= str(ards_class(np.array([pf]))[0]) in elig.ards_severity
    return bool(ok)


def typical_severity(scenario, day: float) -> str | None:
    """Most frequent class of the mix whose typical patient is eligible at `day` (see above)."""
    from mscsim.population._population import DEFAULT_MIX

    mix = scenario.population.disease_mix or DEFAULT_MIX
    order = sorted(
        (s for s in SEVERITIES if mix.get(s, 0) > 0),
        key=lambda s: (-mix[s], -SEVERITIES.index(s)),
    )
    for sev in order:
        p = typical_patient(sev)
        sol = simulate(MSC_COVID, p.params, p.y0, Regimen(), t_eval=np.array([0.0, day]))
        if _pf_eligible(float(sol.observables["pf_ratio"][0, -1]), scenario.eligibility):
            return sev
    return None


def build_condition(scenario, arm_index: int) -> Condition | Skipped:
    """The typical patient of `scenario` on arm `arm_index`, or why it cannot be one."""
    from mscsim.trial._dosing import regimens

    arm = scenario.arms[arm_index]
    cid = f"{scenario.name}__{arm.name}"
    rng = scenario.population.onset_to_screening_days
    day0 = (rng.min + rng.max) / 2.0
    sev = typical_severity(scenario, day0)
    if sev is None:
        return Skipped(
            cid, f"no typical patient of the mix passes the P/F eligibility at day {day0:g}"
        )
    weight = float(scenario.population.weight_kg.mean)
    given, _, product = regimens(scenario, np.array([arm_index]), np.array([weight]))
    estimated = {e.name for e in estimated_parameters()}
    defaults = MSC_COVID.default_parameters()
    params = dict(typical_patient(sev).params)
    # scenario overrides scale the typical value by value / default, as the engine does
    for k, v in scenario.parameters.items():
        params[k] = params.get(k, defaults[k]) * v / defaults[k] if defaults[k] else float(v)
    params |= {k: float(v[0]) for k, v in product.items() if float(v[0]) != defaults[k]}
    clash = sorted({k for k in params if params[k] != defaults[k]} & estimated)
    if clash:
        return Skipped(cid, f"the arm or scenario sets estimated parameter(s) {clash}")
    y0 = {k: float(v) for k, v in onset_state(params).items()}
    doses: dict[float, float] = {}
    for d, c in zip(given.times[0], given.cells[0], strict=True):  # same day (two products) adds up
        doses[day0 + float(d)] = doses.get(day0 + float(d), 0.0) + float(c)
    infusions = tuple(sorted(doses.items()))
    return Condition(cid, scenario.name, arm.name, sev, day0, weight, params, y0, infusions)


def _measurements(scenario, conditions: dict[str, Condition | Skipped]):
    """Measurements and skips for the biomarker-change endpoints of one scenario."""
    out: list[Measurement | Skipped] = []
    for ep in scenario.endpoints.all:
        if ep.kind != "biomarker_change":
            continue
        where = f"{scenario.name} {ep.id}"
        results = [r for r in scenario.published_results if r.endpoint == ep.id]
        if ep.biomarker not in BIOMARKERS:
            out.append(Skipped(where, f"{ep.biomarker} is not a model observable"))
            continue
        if not results:
            out.append(Skipped(where, "no published number in the scenario (see its notes)"))
        for r in results:
            if not r.used:
                out.append(Skipped(f"{where} ({r.source})", "marked used: false in the scenario"))
                continue
            if r.effect is not None and r.effect.measure != "p_only":
                out.append(
                    Skipped(
                        f"{where} effect {r.effect.measure} {r.effect.estimate}",
                        "a between-arm contrast is no measurement of one condition "
                        "(its per-arm numbers are used where given)",
                    )
                )
            for arm, value in r.arms.items():
                cid = f"{scenario.name}__{arm}"
                cond = conditions.get(cid)
                stat = arm_statistic(value)
                if isinstance(cond, Skipped) or cond is None:
                    out.append(Skipped(f"{where} {arm}", getattr(cond, "reason", "unknown arm")))
                elif stat is None:
                    out.append(Skipped(f"{where} {arm}", "no n with a mean+SD or median+IQR"))
                else:
                    out.append(
                        Measurement(
                            observable=f"{ep.biomarker}_change",
                            condition=cid,
                            time=cond.enrollment_day + float(ep.day or 0),
                            value=stat[0],
                            sigma=stat[1],
                            statistic=stat[2],
                            source=r.source,
                            quote=r.quote,
                        )
                    )
    return out


def build_problem(scenarios: Sequence[str | os.PathLike[str]] | None = None) -> Problem:
    """The PEtab problem of `scenarios` (built-in names or YAML paths; default: every
    built-in scenario)."""
    from mscsim._errors import InputError
    from mscsim.trial import builtin_names, load_scenario

    conditions: list[Condition] = []
    measurements: list[Measurement] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for name in scenarios or builtin_names():
        scenario = load_scenario(name)
        if scenario.name in seen:
            raise InputError("--scenario", "each scenario once (their names must differ)", name)
        seen.add(scenario.name)
        if not any(ep.kind == "biomarker_change" for ep in scenario.endpoints.all):
            continue
        built = {
            f"{scenario.name}__{a.name}": build_condition(scenario, i)
            for i, a in enumerate(scenario.arms)
        }
        items = _measurements(scenario, built)
        measurements += [m for m in items if isinstance(m, Measurement)]
        skipped += [m for m in items if isinstance(m, Skipped)]
        used = {m.condition for m in measurements}
        conditions += [c for c in built.values() if isinstance(c, Condition) and c.id in used]
    return Problem(tuple(conditions), tuple(measurements), estimated_parameters(), tuple(skipped))
