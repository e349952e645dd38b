"""Write bcg_reference.csv: mscsim against metafor's published results on dat.bcg.

Run from the repository root: ``python validation/metafor/compare.py``. The metafor column is
copied from ../shared/research/anchors/metafor_reference.md (sources in README.md);
`bcg.R` regenerates it where R and metafor are available.
"""

from __future__ import annotations

import csv
import math
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
    ("DL", "RR", "DL", False, "exp_pi_low", 0.1560, "recomputed"),
    ("DL", "RR", "DL", False, "exp_pi_high", 1.5371, "recomputed"),
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
    ("REML+HKSJ", "RR", "REML", True, "exp_pi_low", 0.1359, "recomputed"),
    ("REML+HKSJ", "RR", "REML", True, "exp_pi_high", 1.7629, "recomputed"),
    ("PM", "RR", "PM", False, "tau2", 0.3181, "rma_uni"),
    ("PM", "RR", "PM", False, "estimate", -0.7150, "recomputed"),
    ("PM", "RR", "PM", False, "se", 0.1809, "recomputed"),
    ("PM", "RR", "PM", False, "ci_low", -1.0695, "recomputed"),
    ("PM", "RR", "PM", False, "ci_high", -0.3604, "recomputed"),
    ("PM", "RR", "PM", False, "i2", 92.33, "recomputed"),
    ("PM", "RR", "PM", False, "exp_pi_low", 0.1532, "recomputed"),
    ("PM", "RR", "PM", False, "exp_pi_high", 1.5618, "recomputed"),
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
    "recomputed": "recomputed with metafor's formulas (anchors/bench/check_ma.py)",
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


def _digits(ref: float) -> int:
    """Decimals printed in the reference value."""
    text = repr(ref)
    return len(text.split(".")[1]) if "." in text else 0


def _diff(ours: float, ref: float) -> float:
    """Absolute difference after rounding ours to the reference's printed precision."""
    d = _digits(ref)
    return round(abs(round(ours, d) - ref), d)


def _value(res, quantity: str) -> float:
    if quantity.startswith("exp_"):
        return math.exp(getattr(res, quantity[4:]))
    return float(getattr(res, quantity))


def main() -> None:
    rows = []
    for label, measure, method, hksj, quantity, ref, src in REF:
        ours = _value(meta_analysis(TABLE, measure=measure, method=method, hksj=hksj), quantity)
        rows.append((label, quantity, ref, round(ours, 6), _diff(ours, ref), SOURCES[src]))
    cum = cumulative(TABLE, measure="RR", method="REML").estimates
    for j, (ref, ours) in enumerate(zip(CUMUL, cum, strict=True), start=1):
        rows.append(
            (
                "cumulative REML",
                f"estimate step {j}",
                ref,
                round(float(ours), 6),
                _diff(float(ours), ref),
                SOURCES["cumul"],
            )
        )
    eg = egger_test(meta_analysis(TABLE, measure="RR", method="REML", hksj=True))
    for quantity, ref in (
        ("stat", -0.7812),
        ("p", 0.4512),
        ("limit_estimate", -0.5104),
        ("limit_ci_low", -1.2123),
        ("limit_ci_high", 0.1915),
    ):
        ours = float(getattr(eg, quantity))
        rows.append(
            ("Egger regtest", quantity, ref, round(ours, 6), _diff(ours, ref), SOURCES["regtest"])
        )
    with (HERE / "bcg_reference.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["model", "quantity", "metafor", "mscsim", "abs_diff_at_printed_digits", "source"]
        )
        writer.writerows(rows)
    worst = max(r[4] for r in rows)
    print(f"{len(rows)} comparisons; largest difference at the printed precision: {worst:.2g}")


if __name__ == "__main__":
    main()
