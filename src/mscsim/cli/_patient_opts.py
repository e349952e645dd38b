"""Options shared by `simulate` and `export sbml`: who the patient is and what they receive."""

from __future__ import annotations

import math

from mscsim._errors import InputError
from mscsim.model import SEVERITIES, Regimen

SEVERITY_HELP = f"Typical patient: one of {', '.join(SEVERITIES)}."
DOSE_HELP = "Cells per infusion (fixed count), e.g. 1e8."
DOSE_KG_HELP = "Cells per kg body weight per infusion, e.g. 1e6."
AT_HELP = "Infusion days since symptom onset, comma separated, e.g. 10,13."
WEIGHT_HELP = "Body weight in kg (used with --dose-per-kg)."


def parse_days(text: str | None, option: str = "--at") -> list[float]:
    """Parse ``"10,13"`` into sorted days; a one-line `InputError` names `option` otherwise."""
    if text is None or not text.strip():
        raise InputError(option, "give infusion days as comma-separated numbers >= 0, e.g. 10,13")
    days = []
    for part in text.split(","):
        try:
            d = float(part)
        except ValueError:
            raise InputError(
                option, "must be comma-separated numbers >= 0, e.g. 10,13", text
            ) from None
        if not math.isfinite(d) or d < 0:
            raise InputError(option, "days must be finite numbers >= 0", text)
        days.append(d)
    return sorted(days)


def build_regimen(
    dose: float | None,
    dose_per_kg: float | None,
    at: str | None,
    weight: float,
    days: float | None = None,
) -> Regimen:
    """The regimen the options describe (empty when no dose is given)."""
    if dose is not None and dose_per_kg is not None:
        raise InputError("--dose", "give either --dose or --dose-per-kg, not both")
    if not math.isfinite(weight) or not 20 <= weight <= 300:
        raise InputError("--weight", "body weight must be between 20 and 300 kg", weight)
    if dose is None and dose_per_kg is None:
        if at is not None:
            raise InputError("--at", "needs --dose or --dose-per-kg")
        return Regimen()
    amount, option = (dose, "--dose") if dose is not None else (dose_per_kg, "--dose-per-kg")
    if not math.isfinite(amount) or amount < 0 or amount > 1e11:
        raise InputError(option, "cells must be a number between 0 and 1e11", amount)
    when = parse_days(at)
    if days is not None and any(d > days for d in when):
        raise InputError("--at", f"infusion days must be <= --days ({days:g})", at)
    if dose is not None:
        return Regimen.fixed(dose, when)
    return Regimen.per_kg(dose_per_kg, weight, when)
