"""Typical patients along a continuous host-severity axis.

Severity score ``s`` (0 mild, 1 moderate, 2 severe, 3 critical) scales three host
parameters geometrically (``r_M * fold_r_M**s`` ...); fractional scores interpolate, so a
virtual population can draw a continuous score per patient. At symptom onset (t = 0) the
lower airways hold ``V0_onset`` and the infected epithelium is at quasi-steady state with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mscsim._errors import InputError
from mscsim.model._msc_covid import MSC_COVID
from mscsim.model._params import load_parameters
from mscsim.model._spec import Model

SEVERITIES: tuple[str, ...] = ("mild", "moderate", "severe", "critical")
SEVERITY_SCORE: dict[str, float] = {s: float(i) for i, s in enumerate(SEVERITIES)}
SEVERITY_TABLE = {p.name: p for p in load_parameters("severity.csv")}
_SCALED = ("r_M", "p_V", "k_rep", "k_A")


def host_parameters(score: float | np.ndarray, model: Model = MSC_COVID) -> dict[str, np.ndarray]:
    """Parameters that depend on the severity score (arrays broadcast like `score`)."""
    s = np.asarray(score, dtype=float)
    defaults = model.default_parameters()
    return {k: defaults[k] * SEVERITY_TABLE[f"fold_{k}"].value ** s for k in _SCALED}


def onset_state(
    params: Mapping[str, float | np.ndarray], model: Model = MSC_COVID
) -> dict[str, Any]:
    """Initial state at symptom onset for the given (possibly per-patient) parameters."""
    values = {**model.default_parameters(), **params}
    v0 = SEVERITY_TABLE["V0_onset"].value
    i0 = v0 * np.asarray(values["c_V"]) / np.asarray(values["p_V"])
    return {"V": v0 + 0 * i0, "I": i0, "E": 1.0 - i0}


@dataclass(frozen=True)
class Patient:
    """A typical patient: severity label, parameter overrides and state at onset."""

    severity: str
    params: dict[str, float]
    y0: dict[str, float]


def typical_patient(severity: str, model: Model = MSC_COVID) -> Patient:
    """The calibrated typical `severity` patient (mild, moderate, severe or critical)."""
    if severity not in SEVERITY_SCORE:
        raise InputError("--severity", f"must be one of {', '.join(SEVERITIES)}", severity)
    params = {k: float(v) for k, v in host_parameters(SEVERITY_SCORE[severity], model).items()}
    y0 = {k: float(v) for k, v in onset_state(params, model).items()}
    return Patient(severity=severity, params=params, y0=y0)
