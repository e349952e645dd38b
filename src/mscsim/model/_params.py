"""Load the parameter table shipped as package data (`parameters.csv`)."""

from __future__ import annotations

import csv
from importlib.resources import files

from mscsim.model._spec import Parameter

PARAMETER_TABLE = "parameters.csv"


def load_parameters(table: str = PARAMETER_TABLE) -> tuple[Parameter, ...]:
    """Read `table` (columns name,value,unit,lower,upper,class,description,source,note)."""
    text = files("mscsim.model").joinpath(table).read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(
        Parameter(
            name=r["name"],
            value=float(r["value"]),
            unit=r["unit"],
            lower=float(r["lower"]),
            upper=float(r["upper"]),
            kind=r["class"],  # type: ignore[arg-type]
            description=r["description"],
            source=r["source"],
            note=r["note"],
        )
        for r in rows
    )
