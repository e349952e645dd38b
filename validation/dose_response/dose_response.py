"""Regenerate docs/dose_response.png and docs/dose_response.csv (the dose-response of docs/trials.md).

    python validation/dose_response/dose_response.py [SAMPLE_SIZE]

Two infusions (days 0 and 3) of 1e6 to 1e10 UC-MSC per infusion in the Lanzoni 2021 population
(COVID-19 ARDS), one virtual trial per dose with the same patients, no between-trial effect.
"""

import csv
import sys
from pathlib import Path

import numpy as np

from mscsim.report import plot_dose_response
from mscsim.trial import dose_response, load_scenario

if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    doses = np.logspace(6, 10, 9)
    points = dose_response(load_scenario("lanzoni2021"), doses, sample_size=n, seed=1)
    docs = Path(__file__).resolve().parents[2] / "docs"
    rows = [p.to_dict() for p in points]
    with open(docs / "dose_response.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in r.items()})
    fig = plot_dose_response(
        points, title=f"UC-MSC x2 in COVID-19 ARDS (Lanzoni 2021 design, n = {n})"
    )
    fig.savefig(docs / "dose_response.png", dpi=110)
    for r in rows:
        print({k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()})
