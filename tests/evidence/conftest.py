"""Shared fixtures: the BCG vaccine data (metafor ``dat.bcg``) and an isolated user store."""

from __future__ import annotations

import numpy as np
import pytest

from mscsim.evidence.meta import StudyTable

from ._data import BCG


@pytest.fixture(scope="session")
def bcg() -> StudyTable:
    """BCG trials as a binary table (vaccinated = treated arm), with year and allocation."""
    return StudyTable(
        kind="binary",
        study=tuple(f"{r[0]}. {r[1]} {r[2]}" for r in BCG),
        data={
            "events_treat": [r[3] for r in BCG],
            "n_treat": [r[3] + r[4] for r in BCG],
            "events_ctrl": [r[5] for r in BCG],
            "n_ctrl": [r[5] + r[6] for r in BCG],
        },
        year=tuple(r[2] for r in BCG),
        fields={"alloc": tuple(r[8] for r in BCG)},
    )


@pytest.fixture(scope="session")
def bcg_ablat() -> np.ndarray:
    """Absolute latitude of each BCG trial (metafor ``dat.bcg$ablat``)."""
    return np.array([r[7] for r in BCG], dtype=float)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own MSCSIM_HOME, so the real user store is never touched."""
    monkeypatch.setenv("MSCSIM_HOME", str(tmp_path / "mscsim-home"))
