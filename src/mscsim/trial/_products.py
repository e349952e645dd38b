"""Infused products (``products.csv``): dose units, conversion to cell-equivalents, kinetics.

A dose of any product enters the model's MSC path in UC-MSC cell-equivalents; each patient's
``f_trap``, ``k_l`` and ``potency`` come from the product of their arm (secretome and EV
products are not trapped as emboli and clear within hours). See docs/model.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from mscsim._tables import read_rows


@dataclass(frozen=True)
class ProductSpec:
    """One row of ``products.csv``."""

    name: str
    kind: str  # cells | secretome | ev
    units: tuple[str, ...]
    cell_equivalents_per_unit: float
    potency: float
    potency_lower: float
    potency_upper: float
    f_trap: float
    k_l: float
    reaction_factor: float
    embolic: bool
    kind_class: str
    source: str
    note: str


def _load() -> dict[str, ProductSpec]:
    out = {}
    for r in read_rows("mscsim.trial", "products.csv"):
        out[r["product"]] = ProductSpec(
            name=r["product"],
            kind=r["kind"],
            units=tuple(r["units"].split("|")),
            cell_equivalents_per_unit=float(r["cell_equivalents_per_unit"]),
            potency=float(r["potency"]),
            potency_lower=float(r["potency_lower"]),
            potency_upper=float(r["potency_upper"]),
            f_trap=float(r["f_trap"]),
            k_l=float(r["k_l"]),
            reaction_factor=float(r["reaction_factor"]),
            embolic=r["embolic"] == "1",
            kind_class=r["class"],
            source=r["source"],
            note=r["note"],
        )
    return out


#: Active products by name (inactive ones: vehicle, placebo, standard-care).
PRODUCTS: dict[str, ProductSpec] = _load()
