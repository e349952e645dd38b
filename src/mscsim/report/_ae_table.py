"""Adverse-event table rows per arm, from counts computed upstream."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mscsim._errors import InputError
from mscsim.report import _checks


def _category(entry: Mapping[str, Any]) -> str:
    """``"Serious, related"`` etc. from the optional ``serious``/``related`` flags."""
    parts = []
    if "serious" in entry:
        parts.append("Serious" if entry["serious"] else "Non-serious")
    if "related" in entry:
        related = entry["related"]
        parts.append(
            related if isinstance(related, str) else ("related" if related else "not related")
        )
    return ", ".join(parts)


def ae_table_rows(
    entries: Iterable[Mapping[str, Any]], n_by_arm: Mapping[str, int]
) -> list[dict[str, str]]:
    """Format adverse-event counts as table rows, one per event term, two columns per arm.

    Each arm gets a column "patients, n (%)": patients with at least one such event and
    their share of the arm, :math:`100\\,k/N`, and a column "events": the number of events.
    Rows keep the order in which (category, term) pairs first appear; an arm without an
    entry for a term shows ``0 (0.0%)`` and ``0``.

    Parameters
    ----------
    entries : iterable of mapping
        ``{"term": str, "arm": str, "patients": int, "events": int}`` with optional
        ``"serious"`` (bool) and ``"related"`` (bool, or a label such as ``"possibly related"``);
        counts are computed upstream (e.g. by `mscsim.stats`).
    n_by_arm : mapping of str to int
        Patients per arm (the denominator N), in column order.

    Returns
    -------
    list of dict
        Rows for `HtmlReport.add_table`, with columns ``Category`` (only if any entry has
        ``serious`` or ``related``), ``Adverse event`` and, per arm,
        ``"<arm> (N=<N>) patients, n (%)"`` and ``"<arm> events"``.

    Examples
    --------
    >>> ae_table_rows([{"term": "Fever", "arm": "MSC", "patients": 2, "events": 3}], {"MSC": 12})
    [{'Adverse event': 'Fever', 'MSC (N=12) patients, n (%)': '2 (16.7%)', 'MSC events': '3'}]
    """
    _checks.mapping("n_by_arm", n_by_arm)
    sizes = {arm: _checks.count(f"n_by_arm[{arm!r}]", n) for arm, n in n_by_arm.items()}
    cells: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    for i, entry in enumerate(entries):
        field = f"entries[{i}]"
        _checks.mapping(field, entry)
        _checks.keys(field, entry, ("term", "arm", "patients", "events"))
        arm = entry["arm"]
        if arm not in sizes:
            raise InputError(f"{field}.arm", f"one of {', '.join(sizes)}", got=arm)
        patients = _checks.count(f"{field}.patients", entry["patients"])
        events = _checks.count(f"{field}.events", entry["events"])
        if patients > sizes[arm]:
            raise InputError(f"{field}.patients", f"at most n_by_arm[{arm!r}]", got=patients)
        if events < patients:
            raise InputError(f"{field}.events", "at least the number of patients", got=events)
        key = (_category(entry), str(entry["term"]))
        if arm in cells.setdefault(key, {}):
            raise InputError(field, "one entry per (category, term, arm)", got=key[1])
        cells[key][arm] = (patients, events)
    with_category = any(category for category, _ in cells)
    rows = []
    for (category, term), by_arm in cells.items():
        row = {"Category": category} if with_category else {}
        row["Adverse event"] = term
        for arm, n in sizes.items():
            patients, events = by_arm.get(arm, (0, 0))
            share = f"{100.0 * patients / n:.1f}%" if n else "n/a"
            row[f"{arm} (N={n}) patients, n (%)"] = f"{patients} ({share})"
            row[f"{arm} events"] = str(events)
        rows.append(row)
    return rows
