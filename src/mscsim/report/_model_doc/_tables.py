"""Parameter and severity tables of the model page, with each value's class and provenance."""

from __future__ import annotations

from collections import Counter

from mscsim.model import SEVERITIES, SEVERITY_SCORE, Model, Parameter, typical_patient
from mscsim.model._patients import SEVERITY_TABLE
from mscsim.report._model_doc._markdown import cell, num, source_link, table

CLASSES = ("measured", "calibrated", "assumed")
PARAMETER_HEADER = [
    "name",
    "value",
    "unit",
    "bounds",
    "class",
    "description",
    "source",
    "quote / note",
]


def _parameter_rows(params: tuple[Parameter, ...]) -> list[list[str]]:
    return [
        [
            f"`{p.name}`",
            num(p.value),
            p.unit,
            f"[{num(p.lower)}, {num(p.upper)}]",
            p.kind,
            cell(p.description),
            source_link(p.source),
            cell(p.note),
        ]
        for p in params
    ]


def class_counts(params: tuple[Parameter, ...]) -> dict[str, int]:
    """Number of parameters per class (measured, calibrated, assumed)."""
    c = Counter(p.kind for p in params)
    return {k: c.get(k, 0) for k in CLASSES}


def parameters_section(model: Model) -> str:
    """Class counts and the full parameter table."""
    severity = tuple(SEVERITY_TABLE.values())
    a, b = class_counts(model.parameters), class_counts(severity)
    rows = [[k, str(a[k]), str(b[k])] for k in CLASSES]
    rows.append(["total", str(len(model.parameters)), str(len(severity))])
    return "\n\n".join(
        [
            "## Parameters",
            "Classes: *measured* = taken from a measurement in the cited source (converted as noted); "
            "*calibrated* = tuned so the typical patients meet the calibration targets; *assumed* = "
            "a modelling choice (a source, if given, is a prior model or a qualitative finding).",
            table(["class", "parameters.csv", "severity.csv"], rows),
            table(PARAMETER_HEADER, _parameter_rows(model.parameters)),
        ]
    )


def severity_section(model: Model) -> str:
    """The severity parameters and the typical patients they define."""
    scaled = ("r_M", "p_V", "k_rep")
    rows = []
    for s in SEVERITIES:
        p = typical_patient(s, model)
        rows.append(
            [s, num(SEVERITY_SCORE[s])]
            + [num(p.params[k]) for k in scaled]
            + [num(p.y0["V"]), num(p.y0["I"])]
        )
    return "\n\n".join(
        [
            "## Severity axis",
            "A host-severity score `s` (0 mild, 1 moderate, 2 severe, 3 critical; fractional values "
            "interpolate) scales `r_M`, `p_V` and `k_rep` geometrically, e.g. "
            "`r_M * fold_r_M**s` (`severity.csv`):",
            table(PARAMETER_HEADER, _parameter_rows(tuple(SEVERITY_TABLE.values()))),
            "The typical patients and their state at symptom onset (`V = V0_onset`, infected "
            "epithelium at quasi-steady state `I = V0_onset * c_V / p_V`, `E = 1 - I`):",
            table(["patient", "score", *[f"`{k}`" for k in scaled], "`V`(0)", "`I`(0)"], rows),
        ]
    )
