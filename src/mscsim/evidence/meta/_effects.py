"""Per-study effect sizes (metafor ``escalc``) and the zero-cell correction.

Binary outcomes (treated arm 1, control arm 2; ``a, b`` = events / non-events in arm 1,
``c, d`` in arm 2):

* RR: ``yi = log[(a/n1) / (c/n2)]``, ``vi = 1/a - 1/n1 + 1/c - 1/n2``
* OR: ``yi = log[(a d) / (b c)]``, ``vi = 1/a + 1/b + 1/c + 1/d``
* RD: ``yi = a/n1 - c/n2``, ``vi = p1(1-p1)/n1 + p2(1-p2)/n2``
* PETO (per-study, used by the Peto method): ``yi = (a - E)/V``, ``vi = 1/V``

Continuous outcomes: MD ``yi = m1 - m2``, ``vi = s1^2/n1 + s2^2/n2``; SMD is Hedges' g,
``yi = J (m1 - m2) / s_p`` with the exact correction
``J = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``, ``m = n1 + n2 - 2``, and
``vi = 1/n1 + 1/n2 + yi^2 / (2 (n1 + n2))`` (metafor ``vtype="LS"``).

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3). doi:10.18637/jss.v036.i03 (``escalc``).
Hedges LV (1981). J Educ Stat 6:107-128 (exact small-sample correction J).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import gammaln

from mscsim._errors import InputError
from mscsim.evidence.meta._table import StudyTable
from mscsim.evidence.meta._types import BINARY_MEASURES, CONTINUOUS_MEASURES

ZeroTo = Literal["only0", "all", "if0all", "none"]


@dataclass(frozen=True, kw_only=True)
class ZeroCellCorrection:
    """How 2x2 tables with empty cells are handled (metafor's ``add``, ``to``, ``drop00``).

    Parameters
    ----------
    add : float, default 0.5
        Constant added to every cell of a corrected table.
    to : {"only0", "all", "if0all", "none"}, default "only0"
        ``only0``: tables with at least one zero cell; ``all``: every table; ``if0all``:
        every table if any has a zero cell; ``none``: no correction.
    drop00 : bool or None, default None
        Drop tables with no events (or only events) in both arms. ``None`` means: drop for
        RR, OR and Peto's OR (the effect is not estimable; metafor ``rma.mh``/``rma.peto``
        default and Cochrane practice), keep for RD. metafor's ``rma.uni``/``escalc``
        default is ``drop00=FALSE``; pass ``drop00=False`` to reproduce it.
    """

    add: float = 0.5
    to: ZeroTo = "only0"
    drop00: bool | None = None

    def __post_init__(self) -> None:
        if not (np.isfinite(self.add) and self.add >= 0):
            raise InputError("add", "a non-negative number", got=self.add)
        if self.to not in ("only0", "all", "if0all", "none"):
            raise InputError("to", "only0|all|if0all|none", got=self.to)

    def drops_double_zero(self, measure: str) -> bool:
        """Whether double-zero (or double-all) tables are dropped for ``measure``."""
        if self.drop00 is not None:
            return bool(self.drop00)
        return measure in ("RR", "OR", "PETO")

    def describe(self, measure: str) -> str:
        """One line for reports, e.g. ``add 0.5 to every cell of studies with a zero cell (to=only0);
        drop double-zero studies``."""
        drop = "drop" if self.drops_double_zero(measure) else "keep"
        which = {
            "only0": "every cell of studies with a zero cell",
            "all": "every cell of every study",
            "if0all": "every cell of every study when any study has a zero cell",
            "none": "no cell",
        }[self.to]
        return f"add {self.add:g} to {which} (to={self.to}); {drop} double-zero studies"


@dataclass(frozen=True)
class EffectSizes:
    """Observed effects ``yi`` and sampling variances ``vi`` of the studies kept.

    ``keep`` indexes the rows of the source table that were kept (double-zero tables
    may be dropped); ``corrected`` / ``dropped`` name the studies whose cells received
    the zero-cell constant or that were dropped.
    """

    measure: str
    study: tuple[str, ...]
    yi: np.ndarray
    vi: np.ndarray
    keep: np.ndarray
    corrected: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    zero_cells: ZeroCellCorrection | None = None

    @property
    def k(self) -> int:
        """Number of studies with an effect size."""
        return len(self.study)


def _binary(table: StudyTable, measure: str, zc: ZeroCellCorrection) -> EffectSizes:
    d = table.data
    a, c = d["events_treat"].copy(), d["events_ctrl"].copy()
    b, dd = d["n_treat"] - a, d["n_ctrl"] - c
    double = ((a == 0) & (c == 0)) | ((b == 0) & (dd == 0))
    keep = ~double if zc.drops_double_zero(measure) else np.ones(table.k, dtype=bool)
    has0 = (a == 0) | (b == 0) | (c == 0) | (dd == 0)
    if zc.to == "all":
        fix = keep.copy()
    elif zc.to == "if0all":
        fix = keep & bool(np.any(has0 & keep))
    elif zc.to == "only0":
        fix = keep & has0
    else:
        fix = np.zeros(table.k, dtype=bool)
    add = np.where(fix, zc.add, 0.0)
    a, b, c, dd = a + add, b + add, c + add, dd + add
    n1, n2 = a + b, c + dd
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            yi = np.log(a / n1) - np.log(c / n2)
            vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif measure == "OR":
            yi = np.log(a * dd / (b * c))
            vi = 1 / a + 1 / b + 1 / c + 1 / dd
        elif measure == "RD":
            p1, p2 = a / n1, c / n2
            yi = p1 - p2
            vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        else:  # PETO
            n = n1 + n2
            xt, yt = a + c, b + dd
            big_v = xt * yt * (n1 / n) * (n2 / n) / (n - 1)
            yi = (a - xt * n1 / n) / big_v
            vi = 1 / big_v
    estimable = keep & np.isfinite(yi) & np.isfinite(vi) & (vi > 0)
    idx = np.flatnonzero(estimable)
    return EffectSizes(
        measure=measure,
        study=tuple(table.study[i] for i in idx),
        yi=yi[idx],
        vi=vi[idx],
        keep=idx,
        corrected=tuple(table.study[i] for i in np.flatnonzero(fix & estimable)),
        dropped=tuple(table.study[i] for i in np.flatnonzero(~estimable)),
        zero_cells=zc,
    )


def hedges_j(m: np.ndarray) -> np.ndarray:
    """Exact small-sample correction ``J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``."""
    m = np.asarray(m, dtype=float)
    return np.exp(gammaln(m / 2) - 0.5 * np.log(m / 2) - gammaln((m - 1) / 2))


def _continuous(table: StudyTable, measure: str) -> EffectSizes:
    d = table.data
    m1, s1, n1 = d["mean_treat"], d["sd_treat"], d["n_treat"]
    m2, s2, n2 = d["mean_ctrl"], d["sd_ctrl"], d["n_ctrl"]
    if measure == "MD":
        yi = m1 - m2
        vi = s1**2 / n1 + s2**2 / n2
    else:
        df = n1 + n2 - 2
        if np.any(df < 2):
            raise InputError("n_treat + n_ctrl", "at least 4 patients per study for SMD")
        sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / df)
        yi = hedges_j(df) * (m1 - m2) / sp
        vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
    return EffectSizes(measure=measure, study=table.study, yi=yi, vi=vi, keep=np.arange(table.k))


def compute_effects(
    table: StudyTable, measure: str, zero_cells: ZeroCellCorrection | None = None
) -> EffectSizes:
    """Effect sizes of ``table`` for ``measure`` (metafor ``escalc`` with its defaults).

    Parameters
    ----------
    table : StudyTable
        Binary, continuous or generic (yi/vi) study data.
    measure : {"RR", "OR", "RD", "PETO", "MD", "SMD", "GEN"}
        Effect measure; must fit the table's kind.
    zero_cells : ZeroCellCorrection, optional
        Zero-cell handling for binary measures (default: add 1/2 to tables with a zero
        cell; drop double-zero tables for RR/OR/PETO).

    Returns
    -------
    EffectSizes
    """
    zc = zero_cells or ZeroCellCorrection()
    if measure in BINARY_MEASURES + ("PETO",):
        if table.kind != "binary":
            raise InputError("measure", "MD|SMD for a continuous table", got=measure)
        return _binary(table, measure, zc)
    if measure in CONTINUOUS_MEASURES:
        if table.kind != "continuous":
            raise InputError("measure", "RR|OR|RD for a binary table", got=measure)
        return _continuous(table, measure)
    if table.kind != "generic":
        raise InputError("measure", "GEN only for tables of yi, vi", got=measure)
    return EffectSizes(
        measure="GEN",
        study=table.study,
        yi=table.data["yi"].copy(),
        vi=table.data["vi"].copy(),
        keep=np.arange(table.k),
    )
