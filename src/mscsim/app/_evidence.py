"""Pool the built-in evidence base (``mscsim evidence meta --json`` for the built-in data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal


def evidence_meta(
    outcome: str = "mortality",
    *,
    measure: str | None = None,
    method: str = "REML",
    hksj: bool = False,
    randomized_only: bool = False,
    blinded_only: bool = False,
    products: Literal["cells", "derived", "all"] = "cells",
    level: float = 95.0,
    store: str | Path | None = None,
) -> dict[str, Any]:
    """Random- or fixed-effects meta-analysis of one outcome of the evidence base.

    Returns the document ``mscsim evidence meta --json`` prints: the pooled estimate, CI, PI,
    heterogeneity, the per-study effects (``studies``, for a forest plot), ``outcome`` and the
    ``selection`` report. Invalid options raise :class:`mscsim.InputError` naming the option.
    """
    from mscsim.evidence import ZeroCellCorrection, load_trials, meta_analysis, select_outcome
    from mscsim.io import jsonable

    sel = select_outcome(
        load_trials(store),
        outcome,
        products=products,
        randomized_only=randomized_only,
        blinded_only=blinded_only,
    )
    res = meta_analysis(
        sel.table,
        measure=measure or ("MD" if sel.table.kind == "continuous" else "RR"),
        method=method,
        hksj=hksj,
        level=level,
        zero_cells=ZeroCellCorrection(),
    )
    return jsonable({**res.to_dict(), "outcome": outcome, "selection": sel.to_dict()})
