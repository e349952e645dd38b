"""Plot data of a finished job, computed here so that the web page only draws.

Trial runs give Kaplan-Meier curves of overall survival per arm, biomarker medians per arm
and visit day, a forest of endpoint estimates and the CONSORT counts (replicate 0, "the"
trial, as in the report); power jobs give the power curve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

BIOMARKERS = ("CRP", "IL6", "IL10", "TNF", "PFRATIO")


def _columns(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Columns of a Parquet table as numpy arrays (text as str, nulls as NaN)."""
    import pyarrow.parquet as pq

    t = pq.read_table(path, columns=list(names))
    out = {}
    for n in names:
        col = t.column(n).combine_chunks()
        if hasattr(col, "dictionary_decode"):
            col = col.dictionary_decode()
        out[n] = np.asarray(col.to_pylist(), dtype=object if col.type == "string" else float)
    return out


def _km(adtte: dict[str, np.ndarray], arms: list[str]) -> dict[str, Any]:
    from mscsim.stats import kaplan_meier

    out = {}
    os_ = (adtte["PARAMCD"] == "OS") & (adtte["REPLICATE"] == 0)
    for arm in arms:
        sel = os_ & (adtte["ARMCD"] == arm)
        if not sel.any():
            continue
        km = kaplan_meier(adtte["AVAL"][sel], adtte["CNSR"][sel] == 0)
        out[arm] = {
            "time": np.asarray(km.timeline).tolist(),
            "survival": np.asarray(km.survival).reshape(-1).tolist(),
            "ci_low": np.asarray(km.ci_low).reshape(-1).tolist(),
            "ci_high": np.asarray(km.ci_high).reshape(-1).tolist(),
            "n": int(sel.sum()),
        }
    return out


def _biomarkers(adlb: dict[str, np.ndarray], arms: list[str]) -> dict[str, Any]:
    rep0 = adlb["REPLICATE"] == 0
    out: dict[str, Any] = {}
    for code in BIOMARKERS:
        sel = rep0 & (adlb["PARAMCD"] == code)
        if not sel.any():
            continue
        entry: dict[str, Any] = {"unit": str(adlb["AVALU"][sel][0]), "arms": {}}
        for arm in arms:
            m = sel & (adlb["ARMCD"] == arm)
            days = np.unique(adlb["ADY"][m])
            med = [float(np.nanmedian(adlb["AVAL"][m & (adlb["ADY"] == d)])) for d in days]
            entry["arms"][arm] = {"day": days.tolist(), "median": med}
        out[code] = entry
    return out


def plot_data(kind: str, folder: str | Path | None, result: dict[str, Any]) -> dict[str, Any]:
    """The plot data of a finished job (`kind`, its output `folder` and `result` document)."""
    from mscsim.io import jsonable

    if kind == "power":
        return jsonable({"power": {"n": result["n"], "power": result["power"]}})
    if kind == "validate":
        return jsonable({"validation": result["results"]})
    if folder is None:
        raise ValueError("a trial job's plot data needs its run folder")
    folder = Path(folder)
    arms = list(result["arms"])
    adtte = _columns(folder / "adtte.parquet", ("REPLICATE", "ARMCD", "PARAMCD", "AVAL", "CNSR"))
    adlb = _columns(
        folder / "adlb.parquet", ("REPLICATE", "ARMCD", "PARAMCD", "AVALU", "ADY", "AVAL")
    )
    forest = [
        {k: e[k] for k in ("name", "label", "arm", "measure", "estimate", "ci_low", "ci_high")}
        for e in result["endpoints"]
    ]
    return jsonable(
        {
            "km": _km(adtte, arms),
            "biomarkers": _biomarkers(adlb, arms),
            "forest": forest,
            "consort": {
                **result["consort"],
                "arms": {a: v["n"] for a, v in result["arms"].items()},
            },
        }
    )
