"""Calibration checks of the typical courses and the page section that reports them.

Labels T1-T6 refer to the sourced calibration targets listed in ``model_doc_intro.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mscsim.model import SEVERITIES, Model
from mscsim.report._model_doc._courses import (
    CLEARED,
    DIGITS,
    DOSE_CELLS,
    DOSE_DAYS,
    Course,
    course_table,
    difference_table,
    fmt,
    typical_courses,
)
from mscsim.report._model_doc._markdown import num, table


@dataclass(frozen=True)
class Target:
    """A calibration check: `metric` of each `patients` in [lo, hi], or increasing along them."""

    label: str
    criterion: str
    metric: str
    patients: tuple[str, ...] = SEVERITIES
    lo: float = -np.inf
    hi: float = np.inf
    increasing: bool = False


TARGETS = (
    Target("T1", "no ARDS: P/F nadir > 300 mmHg", "pf_nadir", ("mild",), lo=300),
    Target("T1", "ARDS: P/F nadir < 300 mmHg", "pf_nadir", ("severe",), hi=300),
    Target("T1", "severe ARDS: P/F nadir <= 100 mmHg", "pf_nadir", ("critical",), hi=100),
    Target(
        "T2",
        "CRP peak within the moderate range 34-346 mg/L",
        "crp_peak",
        ("moderate",),
        lo=34,
        hi=346,
    ),
    Target(
        "T2",
        "CRP peak within the severe range 124-452 mg/L",
        "crp_peak",
        ("severe", "critical"),
        lo=124,
        hi=452,
    ),
    Target(
        "T3",
        "IL-6 peak in the tens to low hundreds of pg/mL (10-300)",
        "il6_peak",
        ("severe", "critical"),
        lo=10,
        hi=300,
    ),
    Target(
        "T4",
        "first day P/F < 300 within the IQR 6-10 d",
        "ards_day",
        ("severe", "critical"),
        lo=6,
        hi=10,
    ),
    Target(
        "T5",
        "viral clearance within 14.0-20.5 d (mild-moderate)",
        "clearance_day",
        ("mild", "moderate"),
        lo=14.0,
        hi=20.5,
    ),
    Target(
        "T5",
        "viral clearance within 16.2-23.5 d (severe)",
        "clearance_day",
        ("severe", "critical"),
        lo=16.2,
        hi=23.5,
    ),
    Target(
        "T5", "viral RNA persists longer in more severe disease", "clearance_day", increasing=True
    ),
    Target(
        "T6",
        "fibrosis index still falls from 90 d to 365 d (change < 0)",
        "fibrosis_change",
        hi=0.0,
    ),
    Target("T6", "residual fibrosis at 365 d rises with severity", "fibrosis_365", increasing=True),
)


def target_rows(
    courses: dict[str, tuple[Course, Course]], targets: tuple[Target, ...] = TARGETS
) -> list[list[str]]:
    """One row per (target, patient), or per target for an ordering; the last cell is yes/no."""
    rows = []
    for t in targets:
        vals = [getattr(courses[p][0], t.metric) for p in t.patients]
        shown = ", ".join(fmt(v, DIGITS[t.metric]) for v in vals)
        if t.increasing:
            ok = None not in vals and all(a < b for a, b in zip(vals, vals[1:]))
            rows.append(
                [t.label, " < ".join(t.patients), t.criterion, shown, "yes" if ok else "no"]
            )
            continue
        for p, v in zip(t.patients, vals, strict=True):
            ok = v is not None and t.lo <= v <= t.hi
            rows.append([t.label, p, t.criterion, fmt(v, DIGITS[t.metric]), "yes" if ok else "no"])
    return rows


def calibration_section(model: Model) -> str:
    """Simulate the typical patients and report their courses, MSC effects and targets met."""
    courses = typical_courses(model)
    return "\n\n".join(
        [
            "## What the calibrated typical patients reach",
            f"Simulated from symptom onset to day 365, untreated and with MSC ({num(DOSE_CELLS)} "
            f"cells IV at days {' and '.join(num(d) for d in DOSE_DAYS)}). Days are read on a "
            "0.05-day grid up to day 60 (daily after). Viral clearance is the day the lower-airway "
            f"load falls below {num(CLEARED)} copies/mL for good. Fibrosis is the model's index "
            "`C + P` (0-1), not a CT score.",
            course_table(courses),
            "### MSC minus untreated",
            difference_table(courses),
            "### Targets met by the untreated typical patients",
            table(["target", "patient", "criterion", "model", "met"], target_rows(courses)),
        ]
    )
