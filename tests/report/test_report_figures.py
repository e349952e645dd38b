"""Trial figures draw exactly the precomputed data they are given, and reject bad input."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from matplotlib.figure import Figure

from mscsim._errors import InputError
from mscsim.report import (
    ae_table_rows,
    plot_biomarker_trajectories,
    plot_consort,
    plot_km,
    plot_observed_vs_predicted,
    plot_power_curve,
)


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_km_draws_given_steps_bands_and_numbers_at_risk(km_curves):
    before = copy.deepcopy(km_curves)
    fig = plot_km(km_curves, at_risk_times=[0, 7, 14, 21, 28], title="Day-31 survival")
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if ln.get_label() in km_curves]
    assert [ln.get_label() for ln in lines] == list(km_curves)
    for line, curve in zip(lines, km_curves.values(), strict=True):
        assert line.get_drawstyle() == "steps-post"
        np.testing.assert_array_equal(line.get_xdata(), curve["time"])
        np.testing.assert_array_equal(line.get_ydata(), curve["survival"])
    assert len(ax.collections) == 2  # one CI band per arm
    table = fig.axes[1]
    assert [t.get_text() for t in table.get_yticklabels()] == list(km_curves)
    numbers = [t.get_text() for t in table.texts if t.get_text().isdigit()]
    assert numbers == [str(n) for c in km_curves.values() for n in c["at_risk"]]
    assert list(ax.get_xticks()) == [0, 7, 14, 21, 28]
    assert km_curves == before  # inputs untouched


def test_km_on_callers_axes(km_curves):
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_km(km_curves, ax=ax, at_risk_times=[0, 7, 14, 21, 28]) is fig
    assert len(ax.get_lines()) == 2
    (table,) = ax.child_axes  # numbers at risk in a strip under the caller's axes
    assert sum(t.get_text().isdigit() for t in table.texts) == 10


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda c: c["UC-MSC"].update(survival=[1.0, 1.2, 0.9, 0.9, 0.9]), "survival"),
        (lambda c: c["UC-MSC"].update(time=[0, 5, 4, 20, 31]), "time"),
        (lambda c: c["UC-MSC"].update(ci_low=[1.0, 0.5]), "ci_low"),
        (lambda c: c["UC-MSC"].pop("ci_high"), "ci_high"),
        (lambda c: c["UC-MSC"].update(at_risk=[12, 11]), "at_risk"),
        (lambda c: c["UC-MSC"].update(at_risk=[12, 11, 10.5, 9, 9]), "at_risk"),
    ],
)
def test_km_rejects_bad_curves(km_curves, mutate, field):
    mutate(km_curves)
    with pytest.raises(InputError, match=field):
        plot_km(km_curves, at_risk_times=[0, 7, 14, 21, 28])


def test_biomarkers_one_panel_each_with_units_and_log_scale(biomarkers):
    fig = plot_biomarker_trajectories(
        biomarkers["time"], biomarkers["series"], units=biomarkers["units"], log_scale={"IL-6"}
    )
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["IL-6", "CRP", "P/F"]
    assert [ax.get_ylabel() for ax in panels] == ["IL-6 (pg/mL)", "CRP (mg/L)", "P/F (mmHg)"]
    assert [ax.get_yscale() for ax in panels] == ["log", "linear", "linear"]
    medians = [ln.get_ydata() for ln in panels[1].get_lines()]
    np.testing.assert_array_equal(medians[0], biomarkers["series"]["CRP"]["UC-MSC"]["median"])
    assert len(panels[1].collections) == 2  # one band per arm
    legend = [t.get_text() for t in panels[0].get_legend().get_texts()]
    assert legend == ["UC-MSC (median)", "Vehicle control (median)", "5-95% range"]


def test_biomarkers_reject_missing_unit_and_nonpositive_log(biomarkers):
    units = dict(biomarkers["units"])
    del units["CRP"]
    with pytest.raises(InputError, match=r"units\['CRP'\]"):
        plot_biomarker_trajectories(biomarkers["time"], biomarkers["series"], units=units)
    biomarkers["series"]["IL-6"]["UC-MSC"]["low"][0] = 0.0
    with pytest.raises(InputError, match="positive"):
        plot_biomarker_trajectories(
            biomarkers["time"], biomarkers["series"], units=biomarkers["units"], log_scale=["IL-6"]
        )
    with pytest.raises(InputError, match="log_scale"):
        plot_biomarker_trajectories(
            biomarkers["time"], biomarkers["series"], units=biomarkers["units"], log_scale=["IL-10"]
        )


def test_biomarkers_on_callers_axes(biomarkers):
    fig = Figure()
    axes = fig.subplots(1, 3)
    assert (
        plot_biomarker_trajectories(
            biomarkers["time"], biomarkers["series"], units=biomarkers["units"], axes=axes
        )
        is fig
    )
    with pytest.raises(InputError, match="axes"):
        plot_biomarker_trajectories(
            biomarkers["time"], biomarkers["series"], units=biomarkers["units"], axes=axes[:2]
        )


def test_power_curve_lines_and_reference(power):
    fig = plot_power_curve(power["n"], power["power"], replicates=500)
    ax = fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    for name, values in power["power"].items():
        np.testing.assert_array_equal(lines[name].get_xdata(), power["n"])
        np.testing.assert_array_equal(lines[name].get_ydata(), values)
    np.testing.assert_array_equal(lines["80% power"].get_ydata(), [0.8, 0.8])
    assert ax.get_legend().get_title().get_text() == "500 replicates per size"


@pytest.mark.parametrize(
    ("n", "values", "field"),
    [
        ([24, 24, 200], [0.1, 0.2, 0.3], "n"),
        ([24, 100, 200], [0.1, 1.2, 0.3], "power"),
        ([24, 100], [0.1, 0.2, 0.3], "power"),
    ],
)
def test_power_curve_rejects_bad_input(n, values, field):
    with pytest.raises(InputError, match=field):
        plot_power_curve(n, {"survival": values})


def test_observed_vs_predicted_panels(ovp_rows):
    fig = plot_observed_vs_predicted(ovp_rows)
    assert [ax.get_title(loc="left") for ax in fig.axes] == [r["endpoint"] for r in ovp_rows]
    for ax, row in zip(fig.axes, ovp_rows, strict=True):
        interval, median, observed = ax.get_lines()
        np.testing.assert_array_equal(interval.get_xdata(), [row["pi_low"], row["pi_high"]])
        np.testing.assert_array_equal(median.get_xdata(), [row["predicted_median"]])
        np.testing.assert_array_equal(observed.get_xdata(), [row["observed"]])
        assert f"percentile {row['percentile']:.0f}" in [t.get_text() for t in ax.texts]
        assert ax.get_xlabel() == row["unit"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["90% predictive interval", "predicted median", "observed (published)"]


def test_observed_vs_predicted_on_one_axes(ovp_rows):
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_observed_vs_predicted(ovp_rows, axes=ax) is fig
    assert [t.get_text() for t in ax.get_yticklabels()] == [r["endpoint"] for r in ovp_rows]


def test_observed_vs_predicted_rejects_bad_rows(ovp_rows):
    ovp_rows[1]["predicted_median"] = 10.0  # outside [pi_low, pi_high]
    with pytest.raises(InputError, match=r"rows\[1\]"):
        plot_observed_vs_predicted(ovp_rows)
    del ovp_rows[0]["percentile"]
    with pytest.raises(InputError, match="percentile"):
        plot_observed_vs_predicted(ovp_rows)
    with pytest.raises(InputError, match="rows"):
        plot_observed_vs_predicted([])


def test_consort_boxes_show_the_counts(flow):
    fig = plot_consort(flow)
    texts = _texts(fig)
    assert "Assessed for eligibility\n(n = 57)" in texts
    assert "Enrolled and randomized\n(n = 24)" in texts
    excluded = next(t for t in texts if t.startswith("Excluded"))
    assert excluded.splitlines() == [
        "Excluded (n = 33)",
        "\u2022 P/F > 300 mmHg: 21",
        "\u2022 more than 14 days from onset: 9",
        "\u2022 not on oxygen: 5",
    ]
    assert "Allocated to UC-MSC\n(n = 12)" in texts
    assert "Completed follow-up\n(n = 11)" in texts
    assert texts.count("Analysed\n(n = 12)") == 2
    arrows = [a for a in fig.axes[0].texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == 9  # 1 + side + trunk + 2 arms x (allocation + 2 stages)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"enrolled": 60}, "flow.enrolled"),
        ({"randomized": {"UC-MSC": 12, "Vehicle control": 11}}, "flow.randomized"),
        ({"completed": {"UC-MSC": 13, "Vehicle control": 11}}, "flow.completed"),
        ({"analysed": {"UC-MSC": 12}}, "flow.analysed"),
        ({"screened": -1}, "flow.screened"),
        ({"excluded": {"P/F > 300": 2.5}}, "flow.excluded"),
    ],
)
def test_consort_rejects_inconsistent_flow(flow, change, field):
    flow.update(change)
    with pytest.raises(InputError, match=field.replace(".", r"\.")):
        plot_consort(flow)


def test_ae_table_rows(ae_entries):
    rows = ae_table_rows(ae_entries, {"UC-MSC": 12, "Vehicle control": 12})
    assert [(r["Category"], r["Adverse event"]) for r in rows] == [
        ("Non-serious, related", "Infusion-associated AE"),
        ("Serious, not related", "Shock"),
        ("Serious, not related", "Secondary infection"),
    ]
    shock = rows[1]
    assert shock["UC-MSC (N=12) patients, n (%)"] == "1 (8.3%)"
    assert shock["Vehicle control (N=12) patients, n (%)"] == "3 (25.0%)"
    assert shock["Vehicle control events"] == "4"
    assert rows[2]["UC-MSC (N=12) patients, n (%)"] == "0 (0.0%)"  # arm without an entry


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"term": "Shock", "arm": "Placebo", "patients": 1, "events": 1}, "arm"),
        ({"term": "Shock", "arm": "UC-MSC", "patients": 13, "events": 13}, "patients"),
        ({"term": "Shock", "arm": "UC-MSC", "patients": 2, "events": 1}, "events"),
        ({"term": "Shock", "arm": "UC-MSC", "patients": 1}, "entries"),
    ],
)
def test_ae_table_rejects_bad_entries(entry, field):
    with pytest.raises(InputError, match=field):
        ae_table_rows([entry], {"UC-MSC": 12, "Vehicle control": 12})
