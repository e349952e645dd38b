"""Every reported time-to-event result is one call away from the written ADTTE.

For every time-to-event endpoint of a run (survival, SAE-free survival, times to recovery,
discharge and clinical improvement), the ADTTE parameter it is analysed on (`ENDPOINT_PARAMS`)
is read back from the written ``adtte.csv``, censored at the endpoint's horizon when that is
before the end of follow-up, and re-analysed: lifelines' log-rank p (to 1e-8) and Cox HR
(Efron ties; to 1e-6, lifelines' Newton-Raphson stops about 2e-7 short here) and statsmodels'
``PHReg`` Cox HR (Efron ties, to 1e-10) of each replicate equal the run's reported ones.
(Where the run reports a monotone likelihood, an HR of 0 or inf, only the log-rank p is
compared: the libraries stop at some large finite value there.)
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from mscsim.app import write_run_folder
from mscsim.io._adam import ENDPOINT_PARAMS
from mscsim.trial import analyse, load_scenario, run_summary, run_trial

lifelines = pytest.importorskip("lifelines")
from lifelines.statistics import logrank_test  # noqa: E402
from statsmodels.duration.hazard_regression import PHReg  # noqa: E402

#: lifelines' Newton-Raphson run further than its default (which stops ~1e-4 short here)
FIT = {"precision": 1e-12, "step_size": 0.5, "max_steps": 500}
#: lanzoni2021 with the two time-to-event kinds it does not report, one with an early horizon
EXTRA = (
    "    - {kind: time_to_discharge, day: 31, label: Time to discharge}\n"
    "    - {kind: time_to_improvement, day: 20, label: Time to improvement by day 20}\n"
)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    text = resources.files("mscsim.trial").joinpath("scenarios/lanzoni2021.yaml").read_text()
    anchor = "    - {kind: time_to_recovery, day: 31, label: Time to recovery}\n"
    assert anchor in text
    path = tmp_path_factory.mktemp("scenario") / "lanzoni_tte.yaml"
    path.write_text(text.replace(anchor, anchor + EXTRA))
    run = run_trial(load_scenario(str(path)), replicates=3)
    analyses = analyse(run)
    folder = write_run_folder(
        run,
        tmp_path_factory.mktemp("runs") / "lanzoni-tte",
        analyses=analyses,
        summary=run_summary(run, analyses),
        command="test",
    )
    return run, analyses, pd.read_csv(folder / "adtte.csv")


def test_every_time_to_event_endpoint_is_reproduced_from_the_written_adtte(written):
    run, analyses, adtte = written
    control = run.scenario.control_arm.name
    horizon = {ep.id: ep.horizon(run.events.follow_up) for ep in run.scenario.endpoints.all}
    checked, hr_checked = set(), 0
    for an in analyses:
        if an.kind not in ENDPOINT_PARAMS:
            continue
        rows = adtte[adtte["PARAMCD"] == ENDPOINT_PARAMS[an.kind]]
        for r in range(run.n_replicates):
            d = rows[(rows["REPLICATE"] == r) & rows["ARMCD"].isin([an.arm, control])]
            h = horizon[an.id]
            d = pd.DataFrame(
                {
                    "T": np.minimum(d["AVAL"], h),
                    "E": (1 - d["CNSR"]) * (d["AVAL"] <= h),
                    "treated": (d["ARMCD"] == an.arm) * 1,
                }
            )
            a, b = d[d.treated == 1], d[d.treated == 0]
            p = logrank_test(a["T"], b["T"], a["E"], b["E"]).p_value
            assert p == pytest.approx(float(an.p_value[r]), rel=1e-8), (an.id, r)
            if int(an.result.status[r]) != 0:  # monotone likelihood: HR 0 or inf
                continue
            reported = float(an.result.estimate[r])
            cox = lifelines.CoxPHFitter().fit(d, "T", "E", fit_options=FIT)
            assert float(np.exp(cox.params_["treated"])) == pytest.approx(reported, rel=1e-6)
            x = d[["treated"]].to_numpy(float)
            ph = PHReg(d["T"].to_numpy(), x, d["E"].to_numpy(), ties="efron").fit()
            assert float(np.exp(ph.params[0])) == pytest.approx(reported, rel=1e-10), (an.id, r)
            hr_checked += 1
        checked.add(an.kind)
    assert checked == set(ENDPOINT_PARAMS)  # every time-to-event kind was re-analysed
    assert hr_checked >= 8
