"""Every reported time-to-event result is one call away from the written ADTTE.

For every time-to-event endpoint of a run (survival, SAE-free survival, time to recovery), the
ADTTE parameter it is analysed on (`ENDPOINT_PARAMS`) is read back from the written
``adtte.csv`` and re-analysed: lifelines' log-rank p (to 1e-8) and Cox HR (Efron ties; to 1e-6,
lifelines' Newton-Raphson stops about 2e-7 short here) and statsmodels' ``PHReg`` Cox HR (Efron
ties, to 1e-10) of each replicate equal the run's reported ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mscsim.io import write_run_folder
from mscsim.io._adam import ENDPOINT_PARAMS
from mscsim.trial import run_summary

lifelines = pytest.importorskip("lifelines")
from lifelines.statistics import logrank_test  # noqa: E402
from statsmodels.duration.hazard_regression import PHReg  # noqa: E402

#: lifelines' Newton-Raphson run further than its default (which stops ~1e-4 short here)
FIT = {"precision": 1e-12, "step_size": 0.5, "max_steps": 500}


@pytest.fixture(scope="module")
def adtte(tmp_path_factory, lanzoni_run, lanzoni_analyses):
    out = tmp_path_factory.mktemp("runs") / "lanzoni2021-reanalysis"
    folder = write_run_folder(
        lanzoni_run,
        out,
        analyses=lanzoni_analyses,
        summary=run_summary(lanzoni_run, lanzoni_analyses),
        command="test",
    )
    return pd.read_csv(folder / "adtte.csv")


def test_every_time_to_event_endpoint_is_reproduced_by_lifelines(
    adtte, lanzoni_run, lanzoni_analyses
):
    run = lanzoni_run
    control = run.scenario.control_arm.name
    checked = set()
    for an in lanzoni_analyses:
        if an.kind not in ENDPOINT_PARAMS:
            continue
        rows = adtte[adtte["PARAMCD"] == ENDPOINT_PARAMS[an.kind]]
        for r in range(run.n_replicates):
            d = rows[(rows["REPLICATE"] == r) & rows["ARMCD"].isin([an.arm, control])]
            d = pd.DataFrame(
                {"T": d["AVAL"], "E": 1 - d["CNSR"], "treated": (d["ARMCD"] == an.arm) * 1}
            )
            cox = lifelines.CoxPHFitter().fit(d, "T", "E", fit_options=FIT)
            hr = float(np.exp(cox.params_["treated"]))
            a, b = d[d.treated == 1], d[d.treated == 0]
            p = logrank_test(a["T"], b["T"], a["E"], b["E"]).p_value
            ph = PHReg(
                d["T"].to_numpy(), d[["treated"]].to_numpy(float), d["E"].to_numpy(), ties="efron"
            )
            reported = float(an.result.estimate[r])
            assert hr == pytest.approx(reported, rel=1e-6), (an.id, r)
            assert float(np.exp(ph.fit().params[0])) == pytest.approx(reported, rel=1e-10)
            assert p == pytest.approx(float(an.p_value[r]), rel=1e-8), (an.id, r)
        checked.add(an.kind)
    assert checked == set(ENDPOINT_PARAMS)  # lanzoni2021 reports all three kinds
