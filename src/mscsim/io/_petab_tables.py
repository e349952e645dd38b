"""PEtab v1 tables of a `Problem` as rows (lists of dicts), one function per table."""

from __future__ import annotations

from mscsim.io._petab_problem import BIOMARKERS, Problem
from mscsim.io._petab_sbml import ENROLLMENT, baseline_id
from mscsim.model import MSC_COVID


def observable_rows() -> list[dict[str, object]]:
    """A level (log-normal: positive, right-skewed) and a change-from-enrollment (normal: either
    sign) observable per biomarker; sigma comes with each measurement."""
    units = {o.name: o.unit for o in MSC_COVID.observables}
    rows: list[dict[str, object]] = []
    for b in BIOMARKERS:
        for oid, formula, transform, what in (
            (f"obs_{b}", b, "log", "level"),
            (f"obs_{b}_change", f"{b} - {baseline_id(b)}", "lin", "change from enrollment"),
        ):
            rows.append(
                {
                    "observableId": oid,
                    "observableName": f"{b} {what} [{units[b]}]",
                    "observableFormula": formula,
                    "observableTransformation": transform,
                    "noiseFormula": f"noiseParameter1_{oid}",
                    "noiseDistribution": "normal",
                }
            )
    return rows


def condition_rows(problem: Problem) -> list[dict[str, object]]:
    """Per (trial, arm): enrollment, infusion slots, severity parameters and onset state."""
    defaults = MSC_COVID.default_parameters()
    keys = sorted({k for c in problem.conditions for k in c.params})
    rows: list[dict[str, object]] = []
    for c in problem.conditions:
        row: dict[str, object] = {
            "conditionId": c.id,
            "conditionName": f"{c.scenario} {c.arm} (typical {c.severity} patient)",
            ENROLLMENT: c.enrollment_day,
        }
        for k in range(problem.n_slots):
            t, dose = c.infusions[k] if k < len(c.infusions) else (c.enrollment_day, 0.0)
            row[f"t_inf_{k + 1}"] = t
            row[f"dose_{k + 1}"] = dose
        row |= {k: c.params.get(k, defaults[k]) for k in keys}
        row |= {s: c.y0[s] for s in sorted(c.y0)}
        rows.append(row)
    return rows


def measurement_rows(problem: Problem) -> list[dict[str, object]]:
    """Sorted by condition id: pyPESTO 0.7's RoadRunner objective pairs its data (conditions in
    order of appearance) with its parameter mapping (conditions sorted) by position, so an
    unsorted table gives each condition another condition's data (found by the objective
    check in tests/io/test_petab.py)."""
    rows = [
        {
            "observableId": f"obs_{m.observable}",
            "simulationConditionId": m.condition,
            "time": m.time,
            "measurement": m.value,
            "noiseParameters": m.sigma,
            "datasetId": m.condition.split("__")[0],
        }
        for m in problem.measurements
    ]
    return sorted(rows, key=lambda r: (r["simulationConditionId"], r["observableId"], r["time"]))


def parameter_rows(problem: Problem) -> list[dict[str, object]]:
    """Estimated MSC parameters first (bounds and nominal value on the linear scale, as PEtab
    v1 wants), then every other model parameter fixed at its default."""
    per_condition = {k for c in problem.conditions for k in c.params}
    estimated = {e.name: e for e in problem.estimated}
    rows: list[dict[str, object]] = []
    order = [e.parameter for e in problem.estimated]
    order += [p for p in MSC_COVID.parameters if p.name not in estimated]
    for p in order:
        if p.name in per_condition:
            continue
        e = estimated.get(p.name)
        rows.append(
            {
                "parameterId": p.name,
                "parameterName": f"{p.description} [{p.unit}] ({p.kind})",
                "parameterScale": e.scale if e else "lin",
                "lowerBound": p.lower,
                "upperBound": p.upper,
                "nominalValue": p.value,
                "estimate": int(e is not None),
            }
        )
    return rows
