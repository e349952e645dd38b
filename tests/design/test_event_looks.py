"""Event-driven interim looks in calendar time (``looks_by: events``)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from mscsim import InputError
from mscsim.cli import main
from mscsim.design import AdaptiveDesign, decisions, design_boundaries, evaluate_design
from mscsim.design._calendar import calendar_looks, enrollment_days, event_targets
from mscsim.stats import logrank_test
from mscsim.trial import load_scenario, run_trial

SURVIVAL_D31 = SimpleNamespace(kind="survival", id="survival_d31", horizon=lambda fu: 31.0)


def _fake_run(death, arm, follow_up=31.0):
    """The parts of a trial run that event-driven looks read: (R, N) deaths and arms."""
    death, arm = np.atleast_2d(death).astype(float), np.atleast_2d(arm)
    r, n = death.shape
    return SimpleNamespace(
        arm_names=("placebo", "msc"),
        scenario=SimpleNamespace(control_arm=SimpleNamespace(name="placebo")),
        arm=arm.ravel(),
        events=SimpleNamespace(
            death=death.ravel(),
            **{k: None for k in ("first_sae", "recovery", "discharge", "improvement")},
            follow_up=follow_up,
        ),
        sample_size=n,
        n_replicates=r,
        as_matrix=lambda v: v.reshape(r, n, *v.shape[1:]),
    )


def _design(**kw):
    return AdaptiveDesign(scenario="x", looks_by="events", **kw)


# Four patients enrolled on days 0, 10, 20, 30 (accrual 40 days); MSC, placebo, MSC, placebo.
# Deaths on study days 5, 50 (after the day-31 horizon: censored), 3 and 12, i.e. on
# calendar days 5, (never), 23 and 42. End of study: day 30 + 31 = 61.
HAND = _fake_run([5.0, 50.0, 3.0, 12.0], [1, 0, 1, 0])


def test_event_counting_and_censoring_by_hand():
    cl = calendar_looks(HAND, SURVIVAL_D31, "msc", _design(accrual_days=40, looks=(0.5, 1.0)))
    # default max_events: the 3 events at full follow-up; looks after ceil(1.5) = 2 and 3
    assert cl.max_events == 3 and cl.stats.sizes == (2, 3)
    np.testing.assert_array_equal(cl.time, [[23.0, 42.0]])
    np.testing.assert_array_equal(cl.events, [[2, 3]])
    np.testing.assert_array_equal(cl.enrolled, [[3, 4]])
    # look 1 (day 23): patient 1 censored at 23 - 10 = 13 days; patient 2 dies on day 3 of 3
    # O - E = 2 - (2/3 + 1/2) = 5/6, V = 2/9 + 1/4 = 17/36: z = -(5/6)/sqrt(17/36) (harm)
    assert cl.stats.z[0, 0] == pytest.approx(-5 / math.sqrt(17))
    assert cl.stats.estimate[0, 0] == pytest.approx((5 / 6) / (17 / 36))
    # look 2 (day 42): everyone, patient 1 censored at the horizon, patient 3 dies on day 12
    lr = logrank_test([5, 31, 3, 12], [1, 0, 1, 1], [1, 0, 1, 0])
    assert cl.stats.z[0, 1] ** 2 == pytest.approx(lr.statistic)
    assert cl.stats.z[0, 1] < 0 and cl.end_of_study == 61.0


def test_final_look_at_end_of_study_when_max_events_is_not_reached():
    d = _design(accrual_days=40, looks=(0.5, 1.0), max_events=8)
    cl = calendar_looks(HAND, SURVIVAL_D31, "msc", d)
    assert cl.stats.sizes == (4, 8) and cl.max_events_source == "design"
    assert np.isnan(cl.time[0, 0]) and np.isnan(cl.stats.z[0, 0])  # interim not held
    assert cl.time[0, 1] == 61.0 and cl.events[0, 1] == 3 and cl.enrolled[0, 1] == 4
    first, success = decisions(cl.stats, d)
    assert first[0] == 1 and not success[0]  # nan interim: the trial goes on to the end
    s = cl.summary(first)
    assert s["held"] == [0.0, 1.0] and s["mean_time_days"] == [None, 61.0]
    assert s["expected_duration_days"] == 61.0 and s["reached_max_events"] == 0.0


def test_patients_enrolled_after_the_look_are_not_analysed():
    # slow accrual (400 days: days 0, 100, 200, 300): the 2nd event (day 103) comes first
    cl = calendar_looks(
        _fake_run([50.0, 3.0, 2.0, 1.0], [1, 0, 1, 0]),
        SURVIVAL_D31,
        "msc",
        _design(accrual_days=400, looks=(0.5, 1.0), max_events=2),
    )
    assert cl.stats.sizes == (1, 2)
    np.testing.assert_array_equal(cl.time, [[103.0, 202.0]])
    np.testing.assert_array_equal(cl.enrolled, [[2, 3]])  # patient 3 (day 300) never enrolls


def test_event_targets_and_enrollment():
    assert event_targets((1 / 3, 2 / 3, 1.0), 60) == (20, 40, 60)
    assert event_targets((0.5, 1.0), 7) == (4, 7)
    with pytest.raises(InputError) as exc:
        event_targets((0.3, 0.35, 1.0), 4)
    assert exc.value.field == "max_events"
    np.testing.assert_allclose(enrollment_days(4, 40.0), [0, 10, 20, 30])


def test_event_looks_hold_the_level_on_exponential_null_data():
    """Null exponential survival, 100 patients over 200 days, looks after 20, 40, 60 events:
    the log-rank z at event-driven looks has the canonical joint law, so the asOF design's
    level and per-look crossing probabilities are the boundaries' (MC SE 0.0011 at 0.025)."""
    r, n = 20_000, 100
    rng = np.random.default_rng(7)
    death = rng.exponential(20.0, size=(r, n))  # about 79% die by day 31
    arm = np.tile(np.arange(n) % 2, (r, 1))
    d = _design(accrual_days=200, looks=(1 / 3, 2 / 3, 1.0), max_events=60)
    cl = calendar_looks(_fake_run(death, arm), SURVIVAL_D31, "msc", d)
    assert np.mean(cl.events[:, -1] == 60) > 0.99
    first, success = decisions(cl.stats, d)
    se = math.sqrt(0.025 * 0.975 / r)
    assert abs(success.mean() - 0.025) < 4 * se
    gs = design_boundaries(3, 0.025, "asOF", info=d.looks)
    per_look = np.diff(np.concatenate([[0.0], gs.cumulative_alpha]))
    for j in range(3):
        assert abs(np.mean(success & (first == j)) - per_look[j]) < 4 * math.sqrt(per_look[j] / r)


@pytest.fixture(scope="module")
def lanzoni():
    return load_scenario("lanzoni2021")


def test_looks_by_patients_is_unchanged(lanzoni):
    kw = dict(scenario="lanzoni2021", max_sample_size=24, replicates=6, seed=5, looks=(0.5, 1.0))
    old = evaluate_design(AdaptiveDesign(**kw), lanzoni).to_dict()
    new = evaluate_design(AdaptiveDesign(**kw, looks_by="patients"), lanzoni).to_dict()
    assert old == new and "calendar" not in old and old["sizes"] == (12, 24)


def test_event_looks_on_the_model_are_deterministic_and_consistent(lanzoni):
    d = _design(max_sample_size=48, replicates=12, seed=9, looks=(0.5, 1.0), accrual_days=90)
    a = evaluate_design(d, lanzoni, null=True)
    b = evaluate_design(d, lanzoni, null=True, workers=2)
    assert a.to_dict() == b.to_dict()
    cal = a.calendar
    assert a.endpoint == "survival_d31" and a.sizes == tuple(cal["events_target"])
    assert sum(a.stop_efficacy) + sum(a.stop_futility) == pytest.approx(1.0)
    assert 0 < a.expected_sample_size <= a.max_sample_size == 48
    assert cal["expected_duration_days"] <= cal["end_of_study_days"] == 90 * 47 / 48 + 31
    assert cal["max_events_source"] == "mean events at full follow-up" and cal["held"][1] == 1.0


def test_event_looks_do_not_depend_on_chunking(lanzoni):
    d = _design(max_sample_size=24, replicates=6, seed=2, looks=(0.5, 1.0), accrual_days=60)
    ep = lanzoni.endpoints.all[2]
    runs = [run_trial(lanzoni, seed=2, replicates=6, sample_size=24, chunk=c) for c in (1, 4)]
    a, b = (calendar_looks(r, ep, "uc_msc", d) for r in runs)
    np.testing.assert_allclose(a.stats.z, b.stats.z, rtol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.enrolled, b.enrolled)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"looks_by": "events"}, "accrual_days"),
        ({"looks_by": "events", "accrual_days": 0}, "accrual_days"),
        ({"accrual_days": 90}, "accrual_days"),
        ({"max_events": 30}, "max_events"),
        ({"looks_by": "events", "accrual_days": 9, "max_events": 1}, "max_events"),
        ({"looks_by": "calendar"}, "looks_by"),
        (
            {
                "looks_by": "events",
                "accrual_days": 9,
                "looks": [0.5, 1],
                "reestimation": {"max_sample_size": 200},
            },
            "looks_by",
        ),
        ({"looks_by": "events", "accrual_days": 9, "multi_arm": {}}, "looks_by"),
    ],
)
def test_bad_event_design_names_the_field(data, field):
    with pytest.raises(InputError) as exc:
        AdaptiveDesign.from_dict({"scenario": "lanzoni2021", **data})
    assert exc.value.field == field


def test_event_looks_need_a_time_to_event_endpoint(lanzoni):
    d = _design(endpoint="sae_d31", accrual_days=30, replicates=2)
    with pytest.raises(InputError) as exc:
        evaluate_design(d, lanzoni)
    assert exc.value.field == "endpoint" and "time-to-event" in str(exc.value)


@pytest.mark.parametrize(
    "extra",
    [
        ["--looks-by", "events"],
        ["--looks-by", "events", "--accrual-days", "-5"],
        ["--looks-by", "weeks", "--accrual-days", "5"],
        ["--accrual-days", "90"],
        ["--max-events", "30"],
        ["--looks-by", "events", "--accrual-days", "90", "--endpoint", "sae_d31"],
        [
            "--looks-by",
            "events",
            "--accrual-days",
            "90",
            "--looks",
            "0.3,0.35,1",
            "--max-events",
            "4",
        ],
    ],
)
def test_cli_bad_event_options_one_line_exit_2(extra, capsys):
    assert main(["design", "adaptive", "lanzoni2021", *extra, "--replicates", "2", "--json"]) == 2
    err = capsys.readouterr()
    assert err.out == "" and err.err.count("\n") == 1 and err.err.startswith("error: ")


def test_cli_event_looks_json(capsys):
    argv = ["design", "adaptive", "lanzoni2021", "--n-max", "24", "--looks", "0.5,1"]
    argv += ["--looks-by", "events", "--accrual-days", "60", "--replicates", "4", "--seed", "2"]
    assert main([*argv, "--json"]) == 0
    doc = __import__("json").loads(capsys.readouterr().out)
    assert doc["design"]["looks_by"] == "events"
    cal, null = doc["scenario"]["calendar"], doc["null"]["calendar"]
    assert null["max_events"] == cal["max_events"] and null["max_events_source"] == "design"
    assert len(cal["mean_time_days"]) == 2 and cal["accrual_days"] == 60
