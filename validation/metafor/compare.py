"""Write bcg_reference.csv: mscsim against metafor, run here, on dat.bcg.

Run from the repository root after `bcg.R` (``validation/metafor/regenerate.sh`` runs both):
``python validation/metafor/compare.py [metafor_bcg.csv]``. The metafor column is read from
the file `bcg.R` wrote (metafor's own values at full precision); `REF`, `CUMUL` and the Egger
values below are the values metafor prints in its tests and README (4 or 6 decimals), kept as
the ``printed`` column and pinned by ``tests/evidence/test_bcg_metafor.py``.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

from mscsim.evidence.meta import (
    StudyTable,
    cumulative,
    egger_test,
    meta_analysis,
)

HERE = Path(__file__).parent
BCG = [
    (4, 119, 11, 128, 1948),
    (6, 300, 29, 274, 1949),
    (3, 228, 11, 209, 1960),
    (62, 13536, 248, 12619, 1977),
    (33, 5036, 47, 5761, 1973),
    (180, 1361, 372, 1079, 1953),
    (8, 2537, 10, 619, 1973),
    (505, 87886, 499, 87892, 1980),
    (29, 7470, 45, 7232, 1968),
    (17, 1699, 65, 1600, 1961),
    (186, 50448, 141, 27197, 1974),
    (5, 2493, 3, 2338, 1969),
    (27, 16886, 29, 17825, 1976),
]
TABLE = StudyTable(
    kind="binary",
    study=tuple(f"trial {i + 1}" for i in range(13)),
    data={
        "events_treat": [r[0] for r in BCG],
        "n_treat": [r[0] + r[1] for r in BCG],
        "events_ctrl": [r[2] for r in BCG],
        "n_ctrl": [r[2] + r[3] for r in BCG],
    },
    year=tuple(r[4] for r in BCG),
)
# (model label, measure, method, hksj, quantity, metafor value, source key)
REF = [
    ("FE", "RR", "FE", False, "estimate", -0.4303, "metan"),
    ("FE", "RR", "FE", False, "se", 0.0405, "metan"),
    ("FE", "RR", "FE", False, "ci_low", -0.5097, "metan"),
    ("FE", "RR", "FE", False, "ci_high", -0.3509, "metan"),
    ("FE", "RR", "FE", False, "q", 152.2330, "metan"),
    ("FE", "RR", "FE", False, "stat", -10.6247, "metan"),
    ("DL", "RR", "DL", False, "estimate", -0.7141, "metan"),
    ("DL", "RR", "DL", False, "se", 0.1787, "metan"),
    ("DL", "RR", "DL", False, "ci_low", -1.0644, "metan"),
    ("DL", "RR", "DL", False, "ci_high", -0.3638, "metan"),
    ("DL", "RR", "DL", False, "tau2", 0.3088, "metan"),
    ("DL", "RR", "DL", False, "i2", 92.1173, "metan"),
    ("DL", "RR", "DL", False, "stat", -3.9952, "metan"),
    ("DL", "RR", "DL", False, "exp_pi_low", 0.1560, "run"),
    ("DL", "RR", "DL", False, "exp_pi_high", 1.5371, "run"),
    ("REML", "RR", "REML", False, "estimate", -0.7145, "print"),
    ("REML", "RR", "REML", False, "se", 0.1798, "print"),
    ("REML", "RR", "REML", False, "ci_low", -1.0669, "print"),
    ("REML", "RR", "REML", False, "ci_high", -0.3622, "print"),
    ("REML", "RR", "REML", False, "tau2", 0.3132, "print"),
    ("REML", "RR", "REML", False, "tau2_se", 0.1664, "print"),
    ("REML", "RR", "REML", False, "i2", 92.22, "print"),
    ("REML", "RR", "REML", False, "h2", 12.86, "print"),
    ("REML", "RR", "REML", False, "q", 152.2330, "print"),
    ("REML", "RR", "REML", False, "stat", -3.9744, "print"),
    ("REML", "RR", "REML", False, "exp_pi_low", 0.1546, "predict"),
    ("REML", "RR", "REML", False, "exp_pi_high", 1.5490, "predict"),
    ("REML+HKSJ", "RR", "REML", True, "se", 0.1808, "README"),
    ("REML+HKSJ", "RR", "REML", True, "stat", -3.9522, "README"),
    ("REML+HKSJ", "RR", "REML", True, "p", 0.0019, "README"),
    ("REML+HKSJ", "RR", "REML", True, "ci_low", -1.1084, "README"),
    ("REML+HKSJ", "RR", "REML", True, "ci_high", -0.3206, "README"),
    ("REML+HKSJ", "RR", "REML", True, "exp_pi_low", 0.1359, "run"),
    ("REML+HKSJ", "RR", "REML", True, "exp_pi_high", 1.7629, "run"),
    ("PM", "RR", "PM", False, "tau2", 0.3181, "rma_uni"),
    ("PM", "RR", "PM", False, "estimate", -0.7150, "run"),
    ("PM", "RR", "PM", False, "se", 0.1809, "run"),
    ("PM", "RR", "PM", False, "ci_low", -1.0695, "run"),
    ("PM", "RR", "PM", False, "ci_high", -0.3604, "run"),
    ("PM", "RR", "PM", False, "stat", -3.9523, "run"),
    ("PM", "RR", "PM", False, "i2", 92.33, "run"),
    ("PM", "RR", "PM", False, "exp_pi_low", 0.1532, "run"),
    ("PM", "RR", "PM", False, "exp_pi_high", 1.5619, "run"),
    ("MH", "RR", "MH", False, "estimate", -0.4537, "mh"),
    ("MH", "RR", "MH", False, "ci_low", -0.5308, "mh"),
    ("MH", "RR", "MH", False, "ci_high", -0.3766, "mh"),
    ("MH", "RR", "MH", False, "stat", -11.5338, "mh"),
    ("MH", "RR", "MH", False, "q", 152.5676, "mh"),
    ("Peto", "OR", "PETO", False, "estimate", -0.4744, "peto"),
    ("Peto", "OR", "PETO", False, "ci_low", -0.5541, "peto"),
    ("Peto", "OR", "PETO", False, "ci_high", -0.3948, "peto"),
    ("Peto", "OR", "PETO", False, "stat", -11.6689, "peto"),
    ("Peto", "OR", "PETO", False, "q", 167.7302, "peto"),
    ("FE (OR)", "OR", "FE", False, "estimate", -0.4361, "metan"),
    ("FE (OR)", "OR", "FE", False, "q", 163.1649, "metan"),
    ("DL (OR)", "OR", "DL", False, "estimate", -0.7474, "metan"),
    ("DL (OR)", "OR", "DL", False, "tau2", 0.3663, "metan"),
    ("DL (OR)", "OR", "DL", False, "i2", 92.6455, "metan"),
    ("FE (RD)", "RD", "FE", False, "estimate", -0.0009, "metan"),
    ("FE (RD)", "RD", "FE", False, "q", 276.4737, "metan"),
    ("DL (RD)", "RD", "DL", False, "estimate", -0.0071, "metan"),
    ("DL (RD)", "RD", "DL", False, "i2", 95.6596, "metan"),
]
SOURCES = {
    "metan": "metafor tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r",
    "print": "printed rma(yi, vi, data=dat) (metafor default REML)",
    "predict": "predict(rma(yi, vi, data=dat), transf=exp)",
    "README": "metafor README, rma(yi, vi, data=dat, test='knha')",
    "rma_uni": "metafor tests/testthat/test_misc_rma_uni.r (DLIT/SJIT converge to PM)",
    "run": "metafor 3.8-1 run by bcg.R, rounded to 4 decimals",
    "mh": "metafor tests/testthat/test_misc_metan_vs_rma.mh_with_dat.bcg.r",
    "peto": "metafor tests/testthat/test_misc_metan_vs_rma.peto_with_dat.bcg.r",
    "cumul": "metafor tests/testthat/test_misc_cumul.r",
    "regtest": "metafor README, regtest(rma(..., test='knha'))",
}
CUMUL = [
    -0.889311,
    -1.325003,
    -0.972080,
    -1.001094,
    -1.101424,
    -0.973464,
    -0.901251,
    -0.788566,
    -0.865607,
    -0.785211,
    -0.708206,
    -0.794768,
    -0.714532,
]


EGGER = [
    ("stat", -0.7812),
    ("p", 0.4512),
    ("limit_estimate", -0.5104),
    ("limit_ci_low", -1.2123),
    ("limit_ci_high", 0.1915),
]
#: (model label) -> (measure, method, hksj) of mscsim's meta_analysis
MODELS = {label: (measure, method, hksj) for label, measure, method, hksj, *_ in REF}
MODELS.update({"DL (RD)": ("RD", "DL", False), "FE (RD)": ("RD", "FE", False)})


def _printed() -> dict[tuple[str, str], tuple[float, str]]:
    """Printed metafor values and their sources, by (model, quantity)."""
    out = {(m, q): (ref, SOURCES[src]) for m, _, _, _, q, ref, src in REF}
    for j, ref in enumerate(CUMUL, start=1):
        out[("cumulative REML", f"estimate step {j}")] = (ref, SOURCES["cumul"])
    for q, ref in EGGER:
        out[("Egger regtest", q)] = (ref, SOURCES["regtest"])
    return out


def _ours(model: str, quantity: str) -> float:
    """mscsim's value of `quantity` for the metafor `model` label."""
    if model == "cumulative REML":
        step = int(quantity.rsplit(" ", 1)[1])
        return float(cumulative(TABLE, measure="RR", method="REML").estimates[step - 1])
    if model == "Egger regtest":
        eg = egger_test(meta_analysis(TABLE, measure="RR", method="REML", hksj=True))
        return float(getattr(eg, quantity))
    measure, method, hksj = MODELS[model]
    res = meta_analysis(TABLE, measure=measure, method=method, hksj=hksj)
    if quantity.startswith("exp_"):
        return math.exp(getattr(res, quantity[4:]))
    return float(getattr(res, quantity))


def main(metafor_csv: Path) -> None:
    if not metafor_csv.exists():
        sys.exit(f"{metafor_csv} not found: run validation/metafor/regenerate.sh (needs R)")
    with metafor_csv.open(newline="") as fh:
        values = list(csv.DictReader(fh))
    printed = _printed()
    rows = []
    for v in values:
        ref, ours = float(v["value"]), _ours(v["model"], v["quantity"])
        pr, src = printed.get((v["model"], v["quantity"]), ("", ""))
        diff = abs(ours - ref)
        rows.append(
            (
                v["model"],
                v["quantity"],
                f"{ref:.10g}",
                f"{ours:.10g}",
                f"{diff:.2g}",
                pr,
                v["call"],
                src,
            )
        )
    with (HERE / "bcg_reference.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "model",
                "quantity",
                "metafor",
                "mscsim",
                "abs_diff",
                "printed",
                "metafor_call",
                "printed_source",
            ]
        )
        writer.writerows(rows)
    rel = [float(r[4]) / max(abs(float(r[2])), 1e-12) for r in rows if r[0] != "PM"]
    pm = [float(r[4]) for r in rows if r[0] == "PM"]
    print(
        f"{len(rows)} comparisons; largest relative difference {max(rel):.2g} "
        f"(PM, tau^2 by a different root finder: largest absolute difference {max(pm):.2g})"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "metafor_bcg.csv")
