"""Simulate a typical patient with and without MSC infusions (``mscsim simulate``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mscsim._errors import InputError


def simulate_typical(
    severity: str = "severe", days: float = 60, regimen=None, step: float = 1.0
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Simulate a typical patient: (the document ``--json`` prints, the solutions by arm).

    Parameters
    ----------
    severity : str
        mild, moderate, severe or critical.
    days : float
        Days from symptom onset, 1-3650.
    regimen : mscsim.model.Regimen, optional
        MSC infusions; when given the untreated course is simulated too.
    step : float
        Output grid spacing (days), 0.01 to `days`.
    """
    from mscsim import __version__
    from mscsim.io import jsonable
    from mscsim.model import MSC_COVID, Regimen, typical_patient
    from mscsim.solve import simulate

    if not math.isfinite(days) or not 1 <= days <= 3650:
        raise InputError("--days", "must be between 1 and 3650", days)
    if not math.isfinite(step) or not 0.01 <= step <= days:
        raise InputError("--step", "must be between 0.01 and --days", step)
    patient = typical_patient(severity)
    regimen = regimen or Regimen()
    t = np.unique(np.r_[np.arange(0.0, days, step), days])
    sols = {}
    if regimen:
        sols["untreated"] = simulate(MSC_COVID, patient.params, patient.y0, Regimen(), t_eval=t)
    arm = "treated" if regimen else "untreated"
    sols[arm] = simulate(MSC_COVID, patient.params, patient.y0, regimen, t_eval=t)
    main = sols[arm]
    doc = {
        "time": t.tolist(),
        "series": {k: jsonable(v[0]) for k, v in main.observables.items()},
        "units": dict(main.units),
        "status": main.messages()[0],
        "severity": severity,
        "infusions": [{"day": d, "cells": c} for d, c in regimen.infusions],
        "model": MSC_COVID.name,
        "version": __version__,
        "provenance": main.provenance,  # backend that ran, CPU SIMD level, versions
    }
    if regimen:
        doc["untreated"] = {k: jsonable(v[0]) for k, v in sols["untreated"].observables.items()}
    return doc, sols
