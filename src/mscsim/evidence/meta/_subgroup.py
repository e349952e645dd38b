"""Subgroup analysis with a test for subgroup differences.

Each subgroup is pooled on its own (its own tau^2, as RevMan and Borenstein et al. 2009,
ch. 19, "separate estimates of tau^2"). The test for subgroup differences is Cochran's Q
across the subgroup estimates, ``Q_b = sum_g (mu_g - mu_bar)^2 / SE_g^2`` with
``mu_bar = sum_g mu_g/SE_g^2 / sum_g 1/SE_g^2``, on ``G - 1`` df (chi^2). Subgroups whose
estimate is not estimable are left out of the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mscsim._errors import InputError
from mscsim.evidence.meta._api import meta_analysis
from mscsim.evidence.meta._dist import chi2_sf
from mscsim.evidence.meta._effects import ZeroCellCorrection
from mscsim.evidence.meta._result import MetaResult, num
from mscsim.evidence.meta._table import StudyTable


@dataclass(frozen=True)
class SubgroupResult:
    """Per-subgroup results (``groups``: name -> `MetaResult`), the overall result and Q_b."""

    by: str
    groups: tuple[tuple[str, MetaResult], ...]
    overall: MetaResult
    q_between: float
    q_between_df: int
    q_between_p: float

    def to_dict(self) -> dict[str, Any]:
        """The overall ``--json`` object plus ``by``, ``subgroups`` and ``q_between*``."""
        out = self.overall.to_dict()
        out["by"] = self.by
        out["subgroups"] = [{"group": name, **res.to_dict()} for name, res in self.groups]
        out["q_between"] = num(self.q_between)
        out["q_between_df"] = self.q_between_df
        out["q_between_p"] = num(self.q_between_p)
        return out

    def summary(self) -> str:
        """Overall summary, one block per subgroup, then the test for differences."""
        parts = [self.overall.summary()]
        for name, res in self.groups:
            parts.append(f"-- {self.by} = {name}\n{res.summary()}")
        parts.append(
            f"test for subgroup differences: Q_b({self.q_between_df}) = "
            f"{self.q_between:.4f}, p = {self.q_between_p:.4g}"
        )
        return "\n".join(parts)


def subgroup_analysis(
    table: StudyTable,
    by: str,
    *,
    measure: str = "RR",
    method: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    zero_cells: ZeroCellCorrection | None = None,
) -> SubgroupResult:
    """Pool within each level of the categorical field ``by`` and test the differences.

    Raises
    ------
    InputError
        If ``by`` is not one of the table's fields.
    """
    if by not in table.fields:
        raise InputError(
            "by", "one of " + ("|".join(sorted(table.fields)) or "(no fields)"), got=by
        )
    kw = {
        "measure": measure,
        "method": method,
        "hksj": hksj,
        "level": level,
        "zero_cells": zero_cells,
    }
    overall = meta_analysis(table, **kw)
    values = table.fields[by]
    groups = []
    for name in dict.fromkeys(values):
        idx = [i for i, v in enumerate(values) if v == name]
        try:
            groups.append((name, meta_analysis(table.subset(idx), **kw)))
        except InputError:
            continue  # a subgroup whose every study is dropped (e.g. double-zero) is omitted
    est = np.array([r.estimate for _, r in groups])
    se = np.array([r.se for _, r in groups])
    ok = np.isfinite(est) & np.isfinite(se) & (se > 0)
    if ok.sum() >= 2:
        w = 1 / se[ok] ** 2
        mu = np.sum(w * est[ok]) / np.sum(w)
        qb = float(np.sum(w * (est[ok] - mu) ** 2))
        df = int(ok.sum() - 1)
        p = float(chi2_sf(qb, df))
    else:
        qb, df, p = 0.0, 0, float("nan")
    return SubgroupResult(by, tuple(groups), overall, qb, df, p)
