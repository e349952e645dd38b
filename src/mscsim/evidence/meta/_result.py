"""`MetaResult` and `StudyRow`: frozen records of one pooled analysis, with JSON and text views."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from mscsim.evidence.meta._types import LOG_MEASURES


def num(x: float | None) -> float | None:
    """A float for JSON: NaN and infinities become ``None``."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _exp(x: float | None) -> float | None:
    return None if x is None else num(math.exp(x))


@dataclass(frozen=True)
class StudyRow:
    """One study in a pooled analysis.

    ``effect``/``variance`` are on the analysis scale (log for RR/OR); ``weight`` is the
    percentage weight in the pooled estimate; ``ci_low``/``ci_high`` the study's own Wald
    interval at the analysis level.
    """

    study: str
    effect: float
    variance: float
    weight: float
    ci_low: float
    ci_high: float
    year: int | None = None
    fields: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``study, effect, variance, weight, ci_low, ci_high, year[, fields]``."""
        out = {
            "study": self.study,
            "effect": num(self.effect),
            "variance": num(self.variance),
            "weight": num(self.weight),
            "ci_low": num(self.ci_low),
            "ci_high": num(self.ci_high),
            "year": self.year,
        }
        if self.fields:
            out["fields"] = dict(self.fields)
        return out


@dataclass(frozen=True)
class MetaResult:
    """Result of one meta-analysis (see `meta_analysis`).

    Attributes hold the pooled estimate on the analysis scale (log for RR/OR), its SE,
    test statistic (``z``, or ``t`` on ``df`` degrees of freedom with HKSJ), confidence
    and prediction intervals, tau^2 (with SE where metafor reports one), tau, I^2 (%),
    H^2, Cochran's Q with df and p, the per-study rows, and a report of the zero-cell
    handling (``zero_cells`` rule, ``corrected`` and ``dropped`` studies).
    """

    measure: str
    method: str
    hksj: bool
    level: float
    k: int
    estimate: float
    se: float
    stat: float
    p: float
    df: int | None
    crit: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: float
    tau2_se: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    studies: tuple[StudyRow, ...]
    zero_cells: str | None = None
    corrected: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def tau(self) -> float:
        """Square root of tau^2."""
        return math.sqrt(self.tau2)

    @property
    def test(self) -> str:
        """``"t"`` with HKSJ (t on ``df``), else ``"z"``."""
        return "t" if self.df else "z"

    @property
    def is_ratio(self) -> bool:
        """True for RR/OR (and Peto OR): estimates are log ratios."""
        return self.measure in LOG_MEASURES

    def funnel_limits(self, se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pseudo-confidence region of a funnel plot: ``estimate -/+ z * se`` at ``level``."""
        z = NormalDist().inv_cdf(1 - (1 - self.level) / 2)
        se = np.asarray(se, dtype=float)
        return self.estimate - z * se, self.estimate + z * se

    def exp(self) -> dict[str, float | None]:
        """Back-transformed estimate, CI and PI (only meaningful for RR/OR)."""
        return {
            key: _exp(num(getattr(self, key)))
            for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object.

        Keys: ``k, measure, method, estimate, se, ci_low, ci_high, pi_low, pi_high`` (log
        scale for RR/OR), ``tau2, i2`` (percent), ``q, q_df, q_p``, ``exp`` (RR/OR only: the
        five bounds back-transformed) and ``studies`` (per-study ``effect, variance,
        weight``), plus ``hksj, level, test, df, stat, p, tau, tau2_se, h2`` and
        ``zero_cells`` (rule, corrected and dropped studies) and ``notes``.
        """
        out: dict[str, Any] = {
            "k": self.k,
            "measure": self.measure,
            "method": self.method,
            "estimate": num(self.estimate),
            "se": num(self.se),
            "ci_low": num(self.ci_low),
            "ci_high": num(self.ci_high),
            "pi_low": num(self.pi_low),
            "pi_high": num(self.pi_high),
            "tau2": num(self.tau2),
            "i2": num(self.i2),
            "q": num(self.q),
            "q_df": self.q_df,
            "q_p": num(self.q_p),
        }
        if self.is_ratio:
            out["exp"] = self.exp()
        out.update(
            {
                "hksj": self.hksj,
                "level": self.level,
                "test": self.test,
                "df": self.df,
                "stat": num(self.stat),
                "p": num(self.p),
                "tau": num(self.tau),
                "tau2_se": num(self.tau2_se),
                "h2": num(self.h2),
                "zero_cells": {
                    "rule": self.zero_cells,
                    "corrected": list(self.corrected),
                    "dropped": list(self.dropped),
                },
                "notes": list(self.notes),
                "studies": [s.to_dict() for s in self.studies],
            }
        )
        return out

    def summary(self) -> str:
        """A few lines of text in the spirit of metafor's ``print.rma``."""
        name = {
            "FE": "fixed effect (inverse variance)",
            "MH": "Mantel-Haenszel",
            "PETO": "Peto",
            "DL": "random effects (DerSimonian-Laird)",
            "REML": "random effects (REML)",
            "PM": "random effects (Paule-Mandel)",
            "ML": "random effects (ML)",
        }[self.method]
        scale = f"log {self.measure}" if self.is_ratio else self.measure
        pct = round(self.level * 100)
        lines = [
            f"{name}{' + HKSJ' if self.hksj else ''}; k = {self.k}; measure {scale}",
            f"tau^2 = {self.tau2:.4f}, tau = {self.tau:.4f}, I^2 = {self.i2:.2f}%, "
            f"H^2 = {self.h2:.2f}",
            f"Q({self.q_df}) = {self.q:.4f}, p = {self.q_p:.4g}",
            f"estimate = {self.estimate:.4f} (SE {self.se:.4f}), {self.test} = "
            f"{self.stat:.4f}, p = {self.p:.4g}",
            f"{pct}% CI {self.ci_low:.4f} to {self.ci_high:.4f}; "
            f"{pct}% PI {self.pi_low:.4f} to {self.pi_high:.4f}",
        ]
        if self.is_ratio:
            e = self.exp()
            lines.append(
                f"{self.measure} = {_fmt(e['estimate'])} ({pct}% CI {_fmt(e['ci_low'])}"
                f" to {_fmt(e['ci_high'])}; PI {_fmt(e['pi_low'])} to "
                f"{_fmt(e['pi_high'])})"
            )
        if self.zero_cells:
            lines.append(
                f"zero cells: {self.zero_cells}; corrected: "
                f"{', '.join(self.corrected) or 'none'}; dropped: "
                f"{', '.join(self.dropped) or 'none'}"
            )
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _fmt(x: float | None) -> str:
    return "NA" if x is None else f"{x:.4f}"
