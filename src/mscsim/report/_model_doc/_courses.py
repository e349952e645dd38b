"""What the typical patients reach: one-year simulations, untreated and with MSC, summarised.

Each typical patient (`mscsim.model._patients.typical_patient`) is simulated from symptom onset
to day 365 without treatment and with 1e8 MSC IV at days 10 and 13; `summarize` reads the
P/F nadir (and its Berlin category), ARDS onset, cytokine and CRP peaks, viral clearance and the
fibrosis index off each course.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mscsim.model import MSC_COVID, SEVERITIES, Model, Regimen, typical_patient
from mscsim.report._model_doc._markdown import table
from mscsim.solve import Rodas4, simulate

DOSE_CELLS = 1e8
DOSE_DAYS = (10.0, 13.0)
CLEARED = 1e3  # copies/mL
ARDS_PF = 300.0  # mmHg (Berlin definition)
# 10x looser than the solver defaults (1e-6, 1e-9) for speed; the tables agree at the shown
# precision (tests/model/test_model_docs.py).
SOLVER: dict[str, Any] = {"rtol": 1e-5, "atol": 1e-8}
GRID = np.concatenate([np.arange(0.0, 60.0, 0.05), np.arange(60.0, 366.0)])


@dataclass(frozen=True)
class Course:
    """Summary of one simulated course (days since symptom onset)."""

    pf_nadir: float
    pf_nadir_day: float
    ards_day: float | None  # first day with P/F < 300 mmHg
    crp_peak: float
    il6_peak: float
    il10_peak: float
    clearance_day: float | None  # viral load below 1e3 copies/mL for good
    fibrosis_90: float
    fibrosis_365: float

    @property
    def fibrosis_change(self) -> float:
        """Fibrosis index at 365 d minus at 90 d (negative: still resolving)."""
        return self.fibrosis_365 - self.fibrosis_90


def summarize(t: np.ndarray, obs: dict[str, np.ndarray]) -> Course:
    """`Course` of one patient from observables on the grid `t`."""
    pf, v = obs["pf_ratio"], obs["viral_load"]
    below = np.flatnonzero(pf < ARDS_PF)
    high = np.flatnonzero(v >= CLEARED)
    if not high.size:
        clear: float | None = float(t[0])
    elif high[-1] == t.size - 1:
        clear = None  # not cleared by the end of the grid
    else:
        clear = float(t[high[-1] + 1])
    fib = obs["fibrosis"]
    return Course(
        pf_nadir=float(pf.min()),
        pf_nadir_day=float(t[pf.argmin()]),
        ards_day=float(t[below[0]]) if below.size else None,
        crp_peak=float(obs["crp"].max()),
        il6_peak=float(obs["il6"].max()),
        il10_peak=float(obs["il10"].max()),
        clearance_day=clear,
        fibrosis_90=float(np.interp(90.0, t, fib)),
        fibrosis_365=float(np.interp(365.0, t, fib)),
    )


def typical_courses(
    model: Model = MSC_COVID, solver: Any = None
) -> dict[str, tuple[Course, Course]]:
    """(untreated, MSC) courses of each typical patient; MSC = 1e8 cells at days 10 and 13.

    `solver` is a `mscsim.solve.Rodas4` (default: the `SOLVER` tolerances).
    """
    patients = [typical_patient(s, model) for s in SEVERITIES]
    params = {k: np.repeat([p.params[k] for p in patients], 2) for k in patients[0].params}
    y0 = {k: np.repeat([p.y0[k] for p in patients], 2) for k in patients[0].y0}
    regimens = [Regimen(), Regimen.fixed(DOSE_CELLS, DOSE_DAYS)] * len(patients)
    sol = simulate(model, params, y0, regimens, t_eval=GRID, solver=solver or Rodas4(**SOLVER))
    if not sol.ok.all():
        raise RuntimeError(f"typical-patient simulation failed: {sol.status_counts()}")
    courses = [summarize(sol.t, sol.patient(i)) for i in range(sol.batch_size)]
    return {s: (courses[2 * i], courses[2 * i + 1]) for i, s in enumerate(SEVERITIES)}


def _berlin(pf: float) -> str:
    """Berlin oxygenation category of a P/F ratio (Ranieri et al. 2012)."""
    return "none" if pf > 300 else "mild" if pf > 200 else "moderate" if pf > 100 else "severe"


def fmt(v: float | None, digits: int, signed: bool = False) -> str:
    """`v` with `digits` decimals (``never`` for None; no sign on a value that rounds to 0)."""
    if v is None:
        return "never"
    s = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    return s.replace("+", "").replace("-", "") if float(s) == 0 else s


DIGITS = {
    "pf_nadir": 0,
    "pf_nadir_day": 1,
    "ards_day": 1,
    "crp_peak": 0,
    "il6_peak": 1,
    "il10_peak": 1,
    "clearance_day": 1,
    "fibrosis_90": 3,
    "fibrosis_365": 3,
    "fibrosis_change": 3,
}  # decimals shown per Course metric


def course_table(courses: dict[str, tuple[Course, Course]]) -> str:
    """One row per patient and arm."""
    keys = [k for k in DIGITS if k != "fibrosis_change"]
    rows = []
    for sev, arms in courses.items():
        for arm, c in zip(("untreated", "MSC"), arms, strict=True):
            vals = [fmt(getattr(c, k), DIGITS[k]) for k in keys]
            rows.append([sev, arm, vals[0], vals[1], _berlin(c.pf_nadir), *vals[2:]])
    header = [
        "patient",
        "arm",
        "P/F nadir (mmHg)",
        "nadir day",
        "Berlin category",
        "first day P/F < 300",
        "CRP peak (mg/L)",
        "IL-6 peak (pg/mL)",
        "IL-10 peak (pg/mL)",
        "viral clearance day",
        "fibrosis 90 d",
        "fibrosis 365 d",
    ]
    return table(header, rows)


def _delta(on: Course, off: Course, key: str) -> str:
    a, b = getattr(on, key), getattr(off, key)
    return "n/a" if a is None or b is None else fmt(a - b, DIGITS[key], signed=True)


def difference_table(courses: dict[str, tuple[Course, Course]]) -> str:
    """MSC minus untreated, one row per patient."""
    keys = ["pf_nadir", "crp_peak", "il6_peak", "il10_peak", "clearance_day", "fibrosis_365"]
    rows = []
    for sev, (off, on) in courses.items():
        rel = 100 * (on.fibrosis_365 / off.fibrosis_365 - 1) if off.fibrosis_365 else 0.0
        rows.append([sev, *[_delta(on, off, k) for k in keys], fmt(rel, 0, signed=True) + " %"])
    header = [
        "patient",
        "P/F nadir",
        "CRP peak",
        "IL-6 peak",
        "IL-10 peak",
        "clearance day",
        "fibrosis 365 d",
        "fibrosis 365 d (relative)",
    ]
    return table(header, rows)
