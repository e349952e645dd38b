"""Sample inputs for every report figure: small, fixed numbers shaped like trial results.

The numbers are illustrative only (they test drawing, not science) and are fixed, not random.
"""

from __future__ import annotations

from typing import Any

import pytest

ARMS = ("UC-MSC", "Vehicle control")


@pytest.fixture
def km_curves() -> dict[str, dict[str, list[float]]]:
    """Two step curves with CI bands and numbers at risk at days 0, 7, 14, 21, 28."""
    return {
        "UC-MSC": {
            "time": [0, 5, 12, 20, 31],
            "survival": [1.0, 0.917, 0.917, 0.917, 0.917],
            "ci_low": [1.0, 0.539, 0.539, 0.539, 0.539],
            "ci_high": [1.0, 0.988, 0.988, 0.988, 0.988],
            "at_risk": [12, 11, 11, 11, 11],
        },
        "Vehicle control": {
            "time": [0, 4, 9, 15, 22, 31],
            "survival": [1.0, 0.917, 0.833, 0.75, 0.583, 0.583],
            "ci_low": [1.0, 0.539, 0.482, 0.408, 0.270, 0.270],
            "ci_high": [1.0, 0.988, 0.956, 0.912, 0.801, 0.801],
            "at_risk": [12, 11, 10, 9, 7],
        },
    }


@pytest.fixture
def biomarkers() -> dict[str, Any]:
    """Time grid, per-biomarker per-arm median and 5-95% band, and units."""
    time = [0, 1, 2, 3, 4, 5, 6]

    def band(values: list[float], spread: float) -> dict[str, list[float]]:
        return {
            "median": values,
            "low": [v / spread for v in values],
            "high": [v * spread for v in values],
        }

    series = {
        "IL-6": {
            "UC-MSC": band([60, 48, 40, 33, 27, 22, 18], 2.5),
            "Vehicle control": band([60, 58, 57, 55, 54, 52, 50], 2.5),
        },
        "CRP": {
            "UC-MSC": band([110, 100, 88, 76, 66, 58, 50], 1.6),
            "Vehicle control": band([110, 108, 105, 102, 99, 96, 93], 1.6),
        },
        "P/F": {
            "UC-MSC": band([150, 155, 163, 172, 180, 190, 200], 1.3),
            "Vehicle control": band([150, 151, 153, 156, 158, 161, 164], 1.3),
        },
    }
    units = {"IL-6": "pg/mL", "CRP": "mg/L", "P/F": "mmHg"}
    return {"time": time, "series": series, "units": units}


@pytest.fixture
def power() -> dict[str, Any]:
    return {
        "n": [24, 100, 200],
        "power": {"Day-31 survival": [0.11, 0.38, 0.66], "SAE-free survival": [0.14, 0.47, 0.79]},
    }


@pytest.fixture
def ovp_rows() -> list[dict[str, Any]]:
    return [
        {
            "endpoint": "Day-31 survival difference",
            "observed": 0.33,
            "predicted_median": 0.12,
            "pi_low": -0.17,
            "pi_high": 0.42,
            "percentile": 88.0,
            "unit": "risk difference",
        },
        {
            "endpoint": "IL-6 change, day 0 to 6",
            "observed": -35.0,
            "predicted_median": -20.0,
            "pi_low": -48.0,
            "pi_high": 4.0,
            "percentile": 24.0,
            "unit": "pg/mL",
        },
    ]


@pytest.fixture
def flow() -> dict[str, Any]:
    return {
        "screened": 57,
        "excluded": {"P/F > 300 mmHg": 21, "more than 14 days from onset": 9, "not on oxygen": 5},
        "enrolled": 24,
        "randomized": dict.fromkeys(ARMS, 12),
        "completed": {"UC-MSC": 12, "Vehicle control": 11},
        "analysed": dict.fromkeys(ARMS, 12),
    }


@pytest.fixture
def ae_entries() -> list[dict[str, Any]]:
    return [
        {
            "term": "Infusion-associated AE",
            "arm": "UC-MSC",
            "patients": 0,
            "events": 0,
            "serious": False,
            "related": True,
        },
        {
            "term": "Shock",
            "arm": "UC-MSC",
            "patients": 1,
            "events": 1,
            "serious": True,
            "related": False,
        },
        {
            "term": "Shock",
            "arm": "Vehicle control",
            "patients": 3,
            "events": 4,
            "serious": True,
            "related": False,
        },
        {
            "term": "Secondary infection",
            "arm": "Vehicle control",
            "patients": 2,
            "events": 2,
            "serious": True,
            "related": False,
        },
    ]
