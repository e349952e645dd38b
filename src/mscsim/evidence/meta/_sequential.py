"""Cumulative and leave-one-out meta-analysis (metafor ``cumul`` and ``leave1out``).

Both refit the same model (measure, method, HKSJ, level, zero-cell rule) on subsets of the
study table: the first 1, 2, ..., k studies in publication order, or all studies but one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from mscsim._errors import InputError
from mscsim.evidence.meta._api import meta_analysis
from mscsim.evidence.meta._effects import ZeroCellCorrection
from mscsim.evidence.meta._result import MetaResult
from mscsim.evidence.meta._table import StudyTable


@dataclass(frozen=True)
class SequentialResult:
    """A series of refits: ``labels[i]`` is the study added (cumulative) or left out.

    ``steps[i]`` is the full `MetaResult` of step ``i``; ``years[i]`` the label's year.
    ``order_by`` says how a cumulative series was ordered (``"year"`` or ``"input"``).
    """

    analysis: Literal["cumulative", "leave-one-out"]
    measure: str
    method: str
    hksj: bool
    labels: tuple[str, ...]
    years: tuple[int | None, ...]
    steps: tuple[MetaResult, ...]
    order_by: str | None = None

    @property
    def estimates(self) -> np.ndarray:
        """Pooled estimate of each step (analysis scale)."""
        return np.array([s.estimate for s in self.steps])

    def to_dict(self) -> dict[str, Any]:
        """JSON object: ``analysis, measure, method, hksj, order_by, k`` and ``steps``.

        Each step carries ``study`` (added or omitted), ``year`` and the pooled keys of
        `MetaResult.to_dict` (``k, estimate, se, ci_low, ci_high, pi_low, pi_high, tau2,
        i2, q, q_df, q_p, exp`` ...) without the per-study list.
        """
        steps = []
        for label, year, res in zip(self.labels, self.years, self.steps, strict=True):
            d = res.to_dict()
            d.pop("studies")
            steps.append({"study": label, "year": year, **d})
        return {
            "analysis": self.analysis,
            "measure": self.measure,
            "method": self.method,
            "hksj": self.hksj,
            "order_by": self.order_by,
            "k": len(self.steps),
            "steps": steps,
        }

    def summary(self) -> str:
        """One line per step: label, k, estimate, CI, tau^2, I^2."""
        head = "added" if self.analysis == "cumulative" else "omitted"
        lines = [
            f"{self.analysis} ({self.method}{' + HKSJ' if self.hksj else ''}, "
            f"{self.measure}); study {head}:"
        ]
        for label, r in zip(self.labels, self.steps, strict=True):
            lines.append(
                f"  {label:<28s} k={r.k:<3d} est={r.estimate: .4f} "
                f"[{r.ci_low: .4f}, {r.ci_high: .4f}] tau2={r.tau2:.4f} "
                f"I2={r.i2:5.1f}%"
            )
        return "\n".join(lines)


#: Most studies a cumulative or leave-one-out analysis takes: both refit k models of up to k
#: studies (time and output grow as k^2; 2,000 studies take about a minute).
MAX_SEQUENTIAL_K = 2000


def _check_size(table: StudyTable, analysis: str) -> None:
    if table.k > MAX_SEQUENTIAL_K:
        raise InputError(
            "data", f"at most {MAX_SEQUENTIAL_K} studies for a {analysis} analysis", got=table.k
        )


def _years(table: StudyTable, idx: np.ndarray) -> tuple[int | None, ...]:
    return tuple(None if table.year is None else table.year[i] for i in idx)


def cumulative(
    table: StudyTable,
    *,
    measure: str = "RR",
    method: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    zero_cells: ZeroCellCorrection | None = None,
    order_by_year: bool = True,
) -> SequentialResult:
    """Cumulative meta-analysis, adding studies in order of publication year.

    Ties keep the table's order (a stable sort, as R's ``order``); studies without a
    year go last. Without years (or with ``order_by_year=False``) the table order is
    used. Step ``j`` is the model fitted to the first ``j`` studies.
    """
    _check_size(table, "cumulative")
    years = table.year
    if order_by_year and years is not None:
        keys = [(y is None, y if y is not None else 0) for y in years]
        order = np.array(sorted(range(table.k), key=lambda i: keys[i]), dtype=int)
        how = "year"
    else:
        order, how = np.arange(table.k), "input"
    steps = tuple(
        meta_analysis(
            table.subset(order[: j + 1]),
            measure=measure,
            method=method,
            hksj=hksj,
            level=level,
            zero_cells=zero_cells,
        )
        for j in range(table.k)
    )
    return SequentialResult(
        "cumulative",
        steps[-1].measure,
        steps[-1].method,
        hksj,
        tuple(table.study[i] for i in order),
        _years(table, order),
        steps,
        order_by=how,
    )


def leave_one_out(
    table: StudyTable,
    *,
    measure: str = "RR",
    method: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    zero_cells: ZeroCellCorrection | None = None,
) -> SequentialResult:
    """Refit the model ``k`` times, each time without one study (needs ``k >= 2``)."""
    if table.k < 2:
        raise InputError("data", "at least two studies for leave-one-out", got=table.k)
    _check_size(table, "leave-one-out")
    idx = np.arange(table.k)
    steps = tuple(
        meta_analysis(
            table.subset(idx[idx != i]),
            measure=measure,
            method=method,
            hksj=hksj,
            level=level,
            zero_cells=zero_cells,
        )
        for i in range(table.k)
    )
    return SequentialResult(
        "leave-one-out",
        steps[0].measure,
        steps[0].method,
        hksj,
        table.study,
        _years(table, idx),
        steps,
    )
