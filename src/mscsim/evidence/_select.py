"""Turn the trial records into a `StudyTable` for one outcome, with explicit selection rules.

Rules (each exclusion is reported with its reason):

* single-arm studies never enter a comparison;
* ``products``: ``"cells"`` (MSC cell products, the default), ``"derived"`` (secretome, EV,
  cells+EV arms) or ``"all"``;
* ``randomized_only`` keeps RCTs; ``blinded_only`` keeps single- or double-blind trials;
* a trial enters only if both arms' event counts and sizes are known;
* arms that share one control group (``shared_control``) and are analysed together get
  the control events and size split evenly between them (Cochrane Handbook, ch. 23), so no
  control patient is counted twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mscsim._errors import InputError
from mscsim.evidence._schema import OUTCOMES, SUBGROUP_FIELDS, Trial
from mscsim.evidence.meta import StudyTable

Products = Literal["cells", "derived", "all"]
_PRODUCTS = {
    "cells": ("cells",),
    "derived": ("secretome", "ev", "cells+ev"),
    "all": ("cells", "secretome", "ev", "cells+ev"),
}


@dataclass(frozen=True)
class Selection:
    """The study table of one outcome plus what was left out and why."""

    outcome: str
    table: StudyTable
    trial_ids: tuple[str, ...]
    excluded: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """``outcome``, ``included`` ids, ``excluded`` (id + reason) and ``notes``."""
        return {
            "outcome": self.outcome,
            "included": list(self.trial_ids),
            "excluded": [{"id": i, "reason": r} for i, r in self.excluded],
            "notes": list(self.notes),
        }


def _reason(
    t: Trial, outcome: str, products: tuple[str, ...], randomized_only: bool, blinded_only: bool
) -> str | None:
    if t.design == "single-arm":
        return "single-arm study (no control group)"
    if t.product not in products:
        return f"product '{t.product}' not selected"
    if randomized_only and t.design != "RCT":
        return f"design '{t.design}' (randomized-only view)"
    if blinded_only and t.blinding not in ("single-blind", "double-blind"):
        return f"blinding '{t.blinding}' (blinded-only view)"
    out = getattr(t, outcome)
    if out is None or out.events_ctrl is None:
        return f"{outcome} counts not reported"
    vals = [
        out.events_treat.value,
        out.events_ctrl.value,
        (out.n_treat or t.n_treat).value,
        (out.n_ctrl or t.n_ctrl).value,
    ]
    if any(v is None for v in vals):
        return f"{outcome} counts not reported"
    return None


def select_outcome(
    trials: Sequence[Trial],
    outcome: str = "mortality",
    *,
    products: Products = "cells",
    randomized_only: bool = False,
    blinded_only: bool = False,
) -> Selection:
    """Build the binary `StudyTable` of ``outcome`` from ``trials``.

    The table's fields (for subgroup analyses) are `SUBGROUP_FIELDS`; ``confidence`` is
    the lower of the two event counts' confidences.
    """
    if outcome not in OUTCOMES:
        raise InputError("outcome", "|".join(OUTCOMES), got=outcome)
    if products not in _PRODUCTS:
        raise InputError("products", "cells|derived|all", got=products)
    chosen, excluded = [], []
    for t in trials:
        why = _reason(t, outcome, _PRODUCTS[products], randomized_only, blinded_only)
        if why:
            excluded.append((t.id, why))
        else:
            chosen.append(t)
    if not chosen:
        raise InputError("selection", f"at least one trial with {outcome} counts", got="none")
    shared = Counter(t.shared_control for t in chosen if t.shared_control)
    notes, rows = [], {c: [] for c in ("events_treat", "n_treat", "events_ctrl", "n_ctrl")}
    rank = {"verified": 2, "partly": 1, "unverified": 0}
    conf = []
    for t in chosen:
        out = getattr(t, outcome)
        ec, nc = float(out.events_ctrl.value), float((out.n_ctrl or t.n_ctrl).value)
        m = shared.get(t.shared_control, 1) if t.shared_control else 1
        if m > 1:
            notes.append(
                f"{t.label}: shared control group split over {m} arms "
                f"({ec:g}/{nc:g} -> {ec / m:g}/{nc / m:g})"
            )
            ec, nc = ec / m, nc / m
        rows["events_treat"].append(float(out.events_treat.value))
        rows["n_treat"].append(float((out.n_treat or t.n_treat).value))
        rows["events_ctrl"].append(ec)
        rows["n_ctrl"].append(nc)
        conf.append(
            min(out.events_treat.confidence, out.events_ctrl.confidence, key=rank.__getitem__)
        )
    fields = {f: tuple(str(getattr(t, f)) for t in chosen) for f in SUBGROUP_FIELDS}
    fields["confidence"] = tuple(conf)
    table = StudyTable(
        kind="binary",
        study=tuple(t.label for t in chosen),
        data=rows,
        year=tuple(t.year for t in chosen),
        fields=fields,
    )
    return Selection(outcome, table, tuple(t.id for t in chosen), tuple(excluded), tuple(notes))
