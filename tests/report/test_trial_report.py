"""The report of a virtual trial run: sections, the numbers behind its figures, and rendering."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from test_report_browser import chromium, render_check  # noqa: F401

from mscsim.report import HtmlReport, trial_report
from mscsim.report._trial_report import ae_entries, ae_records, biomarker_bands, km_curve
from mscsim.stats import kaplan_meier
from mscsim.trial import PowerCurve, analyse, validate_run

BASE_SECTIONS = [
    "Design",
    "Participant flow (CONSORT)",
    "Survival",
    "Biomarkers",
    "Long-term lung outcome",
    "Endpoints",
    "Adverse events",
]


@pytest.fixture(scope="module")
def power():
    # Illustrative numbers (a results record, not a simulation): they test drawing only.
    return PowerCurve(
        scenario="lanzoni2021",
        seed=1,
        replicates=50,
        n=[24, 48, 96],
        power={"survival_d31": [0.1, 0.2, 0.4], "sae_d31": [0.2, 0.4, 0.7]},
    )


@pytest.fixture(scope="module")
def full_report(lanzoni_run, lanzoni_analyses, power):
    return trial_report(
        lanzoni_run, lanzoni_analyses, power=power, validation=validate_run(lanzoni_run)
    )


def one_replicate(run):
    """Replicate trial 0 of `run` as a run of its own."""
    return run.head(1)


def headings(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", page)]


def test_report_has_every_section(full_report):
    assert isinstance(full_report, HtmlReport)
    page = full_report.render()
    assert headings(page) == [*BASE_SECTIONS, "Power by sample size", "Observed vs predicted"]
    assert "research tool, not clinical advice" in page
    assert "Provenance" in page and "scenario_hash" in page
    assert "Lanzoni G" in page  # citation in the design section
    assert page.count("<figure") == 6  # consort, KM, pooled KM, biomarkers, power, OvP
    assert "2 replicate trials pooled" in page
    assert "power (share with p &lt; 0.05)" in page


def test_single_trial_has_no_replicate_parts_and_no_optional_sections(lanzoni_run):
    single = one_replicate(lanzoni_run)
    page = trial_report(single, analyse(single)).render()
    assert headings(page) == BASE_SECTIONS  # no power curve or validation given
    assert "pooled" not in page
    assert "quantiles of the estimate" not in page
    assert page.count("<figure") == 3  # consort, KM, biomarkers


def test_km_curve_and_numbers_at_risk():
    # the kaplan_meier docstring example: S(10) = 0.6, median 12
    time = np.array([5.0, 8.0, 8.0, 12.0, 20.0])
    event = np.array([True, True, False, True, False])
    curve = km_curve(time, event, np.array([0.0, 7.0, 14.0, 21.0]))
    assert curve["time"].tolist() == [0.0, 5.0, 8.0, 12.0, 20.0]
    assert np.allclose(curve["survival"], [1.0, 0.8, 0.6, 0.3, 0.3])
    assert curve["at_risk"].tolist() == [5, 4, 1, 0]  # times >= 0, 7, 14, 21


def test_survival_figure_uses_replicate_zero(lanzoni_run):
    ev = lanzoni_run.events
    sel = (lanzoni_run.replicate == 0) & (lanzoni_run.arm == 1)
    t = np.minimum(ev.death, ev.follow_up)[sel]
    e = (ev.death <= ev.follow_up)[sel]
    curve = km_curve(t, e)
    ref = kaplan_meier(t, e)
    assert np.allclose(curve["survival"], ref.survival[: int(ref.n_times)])
    assert curve["survival"][-1] == pytest.approx(1.0 - e.sum() / sel.sum())  # no censoring


def test_biomarker_bands_are_percentiles_by_arm(lanzoni_run):
    bands = biomarker_bands(lanzoni_run)
    assert list(bands) == ["CRP", "IL-6", "IL-10", "TNF", "P/F ratio"]
    il6 = lanzoni_run.visits["il6"][lanzoni_run.arm == 0]
    band = bands["IL-6"][lanzoni_run.arm_names[0]]
    assert np.allclose(band["median"], np.nanmedian(il6, axis=0), equal_nan=True)
    assert np.all(band["low"] <= band["median"]) and np.all(band["median"] <= band["high"])


def test_ae_entries_count_patients_and_events(lanzoni_run):
    entries = ae_entries(lanzoni_run, replicate=0)
    rec = ae_records(lanzoni_run)
    mine = lanzoni_run.replicate[rec["patient"]] == 0
    for a, name in enumerate(lanzoni_run.arm_names):
        in_arm = mine & (lanzoni_run.arm[rec["patient"]] == a)
        overall = next(
            e
            for e in entries
            if e["arm"] == name
            and e["term"] == "Any adverse event"
            and not {"serious", "related"} & set(e)
        )
        assert overall["events"] == in_arm.sum()
        assert overall["patients"] == np.unique(rec["patient"][in_arm]).size
        by_term = [e for e in entries if e["arm"] == name and e["term"] != "Any adverse event"]
        assert sum(e["events"] for e in by_term) == in_arm.sum()
        serious = next(
            e
            for e in entries
            if e["arm"] == name
            and e["term"] == "Any adverse event"
            and e.get("serious") is True
            and "related" not in e
        )
        assert serious["events"] == (in_arm & rec["serious"]).sum()
    ev = lanzoni_run.events
    assert rec["patient"].size == np.isfinite(ev.sae_time).sum() + ev.infusion_ae["patient"].size


@pytest.mark.browser
def test_trial_report_renders_in_headless_chromium(chromium, full_report, tmp_path):  # noqa: F811
    path = full_report.write(tmp_path / "report.html")
    page = path.read_text(encoding="utf-8")
    assert "<script" not in page
    result, dom = render_check(chromium, page, tmp_path)
    assert result["figures"] == page.count("<figure")
    assert result["images"] + result["svgs"] == result["figures"]
    assert result["broken_images"] == 0 and result["empty_svgs"] == 0
    assert result["resources"] == []  # self-contained: nothing fetched
    assert result["tables"] >= 10
    assert "research tool, not clinical advice" in dom
