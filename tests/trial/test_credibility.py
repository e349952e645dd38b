"""Trial-level baseline risk, products, long-term lung outcomes, new endpoints and overrides."""

from __future__ import annotations

import numpy as np
import pytest

from mscsim import InputError
from mscsim.cli import main
from mscsim.trial import (
    TRIAL_PARAMS,
    Scenario,
    dose_response,
    load_scenario,
    run_trial,
    unsupported_numbers,
    validate_run,
)
from mscsim.trial._between_trial import SHIFTS, VentProfile, fit_tau_vent
from mscsim.trial._calibration import control_arm_calibration
from mscsim.trial._clinical import EVENT_PARAMS, ventilation_threshold
from mscsim.trial._trial_effects import NO_SPREAD, draw_trial_effects, soc_shares


def _variant(name: str, **updates) -> Scenario:
    data = load_scenario(name).model_dump()
    for path, value in updates.items():
        d = data
        keys = path.split("__")
        for k in keys[:-1]:
            d = d[int(k)] if k.isdigit() else d[k]
        d[keys[-1]] = value
    return Scenario.from_dict(data)


# ------------------------------------------------------------------ scenario vocabulary
def test_old_scenario_files_keep_loading_without_the_new_blocks():
    data = load_scenario("lanzoni2021").model_dump()
    data.pop("setting")
    data.pop("parameters")
    sc = Scenario.from_dict(data)
    assert sc.setting is None and sc.parameters == {}
    assert soc_shares(sc.setting) == (0.0, 0.0)  # the calibration reference's care


@pytest.mark.parametrize(
    ("update", "message"),
    [
        (
            {"parameters": {"k_rep": 99.0}},
            "parameters.k_rep: must lie within the parameter's bounds",
        ),
        ({"parameters": {"nope": 1.0}}, "parameters.nope: must be a model parameter name"),
        (
            {"setting": {"enrollment_start": "2021-01", "enrollment_end": "2020-01"}},
            "setting.enrollment_end: must be >= enrollment_start (2021-01)",
        ),
        ({"setting": {"care_resources": "poor"}}, "setting.care_resources: must be one of"),
        ({"setting": {"corticosteroids": 1.5}}, "setting.corticosteroids:"),
    ],
)
def test_new_fields_give_one_line_errors(update, message):
    data = load_scenario("lanzoni2021").model_dump() | update
    with pytest.raises(InputError) as info:
        Scenario.from_dict(data)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_products_are_dosed_in_their_own_units():
    with pytest.raises(InputError, match=r"arms\[0\].dose_unit: product 'MSC-EV' is dosed in mL"):
        _variant("lanzoni2021", arms__0__product="MSC-EV")
    sc = _variant(
        "lanzoni2021",
        arms__0__product="MSC-EV",
        arms__0__dose_unit="mL",
        arms__0__dose_per_infusion=10.0,
    )
    assert sc.arms[0].schedule() == [(0, "MSC-EV", 10.0, "mL"), (3, "MSC-EV", 10.0, "mL")]


def test_mixed_cell_and_vesicle_arm_enters_as_cell_equivalents():
    sc = load_scenario("zarrabi2023")
    run = run_trial(sc, replicates=1, seed=3)
    ev_arm = run.arm == run.arm_names.index("msc_ev")
    cells = run.infusion_cells[ev_arm]
    # day 0: 1e8 cells; day 2: 10 mL of EVs at 5e6 cell-equivalents per mL (products.csv)
    assert np.allclose(cells[:, 0], 1e8) and np.allclose(cells[:, 1], 10 * 5e6)


def test_end_of_follow_up_and_lung_outcome_endpoints():
    sc = load_scenario("zarrabi2023")
    ids = sc.endpoints.ids
    assert "mortality_end" in ids and "lung_ct_abnormal_d365" in ids
    with pytest.raises(InputError, match="must be one of \\[180, 365\\] for kind 'lung_outcome'"):
        Scenario.from_dict(
            sc.model_dump()
            | {
                "endpoints": {
                    "primary": [{"kind": "lung_outcome", "measure": "dlco_below_80", "day": 90}]
                },
                "published_results": [],
            }
        )


# ------------------------------------------------------------------ trial-level risk
def test_standard_of_care_lowers_deaths_of_the_same_patients():
    base = _variant("bowdish2023", sample_size=100)
    runs = {}
    for share in (0.0, 1.0):
        sc = _variant("bowdish2023", sample_size=100, setting__corticosteroids=share)
        runs[share] = run_trial(sc, replicates=2, seed=4, taus=NO_SPREAD)
    assert base.setting.corticosteroids is None  # reported share absent: default by period
    without, with_dex = runs[0.0].events.death, runs[1.0].events.death
    assert np.isfinite(with_dex).sum() < np.isfinite(without).sum()


def test_between_trial_effects_have_the_fitted_spread_and_one_value_per_trial():
    reps = np.repeat(np.arange(3000), 2)
    u = np.zeros((reps.size, 16))
    eff = draw_trial_effects(None, 11, reps, u)
    per_trial = eff.death_offset[::2]
    assert np.array_equal(eff.death_offset[::2], eff.death_offset[1::2])
    assert abs(per_trial.std() / TRIAL_PARAMS["tau_death"] - 1) < 0.06
    again = draw_trial_effects(None, 11, reps[:10], u[:10])  # independent of how many run
    assert np.array_equal(again.death_offset, eff.death_offset[:10])


def test_intubation_practice_is_the_same_before_and_after_enrollment():
    # a trial that intubates at higher P/F excludes the patients it would already have
    # intubated, and intubates more of those it enrolls; none enrolled as not ventilated is
    # counted as ventilated at enrollment (intubation time 0)
    sc = _variant("fathi_kazerooni2022", sample_size=60)
    risk = {}
    for shift in (0.0, 0.45):
        run = run_trial(sc, replicates=2, seed=3, taus={**NO_SPREAD, "mu_vent_log": shift})
        assert not run.on_vent0.any()
        assert not (run.events.intubation == 0).any()
        assert np.allclose(run.effects.vent_shift, shift)
        risk[shift] = np.mean(np.isfinite(run.events.intubation))
    assert risk[0.45] > risk[0.0] + 0.1


def test_intubation_threshold_scales_with_the_practice_factor():
    u = np.full((2, 16), 0.5)
    lo, hi = EVENT_PARAMS["vent_pf_low"], EVENT_PARAMS["vent_pf_high"]
    assert np.allclose(ventilation_threshold(u), (lo + hi) / 2)
    assert np.allclose(ventilation_threshold(u, np.log(2.0)), lo + hi)


def test_vent_spread_fit_follows_the_control_arms():
    risks = tuple(0.1 + 0.08 * k for k in range(len(SHIFTS)))  # rises with the shift
    at_zero = risks[SHIFTS.index(0.0)]
    agree = [VentProfile("a", "v", 200, round(200 * at_zero), risks)]
    far = [VentProfile("a", "v", 200, 180, risks), VentProfile("b", "v", 200, 10, risks)]
    tau_agree, _ = fit_tau_vent(agree)
    tau_far, _ = fit_tau_vent(far)
    assert tau_agree < 0.05
    assert 0.3 < tau_far <= 1.0
    assert TRIAL_PARAMS["tau_vent_log"] > 0  # fitted, not switched off


class _Draws:
    """Replicate r gets mu_death = r, no spread, and an MSC parameter (picklable)."""

    def __call__(self, seed, replicate):
        return {"mu_death": float(replicate), "tau_death": 0.0, "Emax_kgf": 0.5 + replicate}


def test_posterior_draws_set_trial_terms_and_parameters_per_replicate():
    sc = _variant("lanzoni2021", sample_size=8)
    run = run_trial(sc, replicates=3, seed=2, param_draws=_Draws())
    assert np.array_equal(run.effects.death_offset, np.repeat([0.0, 1.0, 2.0], 8))
    kgf = run.as_matrix(run.cohort.params["Emax_kgf"])
    assert np.allclose(kgf.mean(axis=1) / kgf.mean(axis=1)[0], [1.0, 3.0, 5.0])
    # the same replicate is the same whatever the others (chunking, replicate count)
    one = run_trial(sc, replicates=2, seed=2, param_draws=_Draws(), chunk=1)
    assert np.array_equal(one.events.death, run.events.death[:16], equal_nan=True)


class _VentDraws:
    def __call__(self, seed, replicate):
        return {"tau_vent_log": 0.1}


def test_posterior_draws_cannot_set_the_intubation_practice():
    # screening applies the practice before the draws are made: a draw of it is refused
    sc = _variant("lanzoni2021", sample_size=8)
    with pytest.raises(InputError, match="tau_vent_log"):
        run_trial(sc, replicates=1, seed=2, param_draws=_VentDraws())


def test_control_arm_calibration_meets_berlin_and_recovery_targets():
    rows = {r.name: r for r in control_arm_calibration(replicates=20, per_replicate=100)}
    for name, target in (
        ("mortality, mild ARDS", 27.0),
        ("mortality, moderate ARDS", 32.0),
        ("mortality, severe ARDS", 45.0),
    ):
        assert abs(rows[name].model - target) <= 5.0, name
    dex = rows["28-day mortality, ventilated, dexamethasone (RECOVERY)"]
    assert dex.low <= dex.model <= dex.high
    # inpatients without respiratory failure die at a lower rate than the Berlin gradient
    # extrapolates (ACTT-1's placebo arm by baseline respiratory support)
    no_o2 = rows["29-day mortality, no oxygen (ACTT-1 placebo, score 4)"]
    low_flow = rows["29-day mortality, low-flow oxygen (ACTT-1 placebo, score 5)"]
    assert no_o2.within and low_flow.within
    assert no_o2.model < low_flow.model < rows["mortality, mild ARDS"].model


def test_viral_clearance_delays_discharge():
    runs = [
        run_trial(
            _variant("shu2020", setting__discharge_requires_viral_clearance=flag),
            replicates=2,
            seed=2,
        )
        for flag in (False, True)
    ]
    assert np.all(runs[1].events.discharge >= runs[0].events.discharge)
    assert np.array_equal(runs[1].events.recovery, runs[0].events.recovery)


# ------------------------------------------------------------------ long-term lung outcome
def test_lung_outcomes_exist_for_survivors_only():
    run = run_trial(load_scenario("lanzoni2021"), replicates=3, seed=8)
    dead = np.isfinite(run.events.death)
    for key, values in run.lung.items():
        assert np.array_equal(np.isnan(values), dead), key
    fib = run.lung["fibrosis_d365"][~dead]
    ct = run.lung["ct_abnormal_d365"][~dead]
    assert np.array_equal(ct == 1, fib > EVENT_PARAMS["ct_threshold"])


def test_dose_response_plateaus_and_toxicity_rises():
    pts = dose_response(load_scenario("lanzoni2021"), [1e7, 1e8, 1e9, 1e10], sample_size=60, seed=2)
    gain = [p.pf_gain_d7 for p in pts]
    tox = [p.infusion_toxicity for p in pts]
    assert gain[1] > gain[0] and gain[2] > gain[1]
    assert gain[3] - gain[2] < 0.25 * (gain[2] - gain[0])  # plateau: lung entrapment saturates
    assert tox == sorted(tox) and tox[-1] > tox[0]
    assert all(p.mortality_d28_control == pts[0].mortality_d28_control for p in pts)


# ------------------------------------------------------------------ validation
def test_every_published_number_is_compared_or_listed():
    data = load_scenario("meng2020").model_dump()
    stay = next(r for r in data["published_results"] if r["endpoint"] == "time_to_recovery_d28")
    assert not stay["used"]  # Meng's stay is counted from admission: recorded but not used
    stay["used"] = True  # a user who uses it gets it listed, not silently dropped
    warnings = unsupported_numbers(Scenario.from_dict(data))
    assert any("time_to_recovery_d28: uc_msc.median" in w for w in warnings)
    run = run_trial(load_scenario("lanzoni2021"), replicates=20, seed=1)
    rows = validate_run(run)
    assert any(r.quantity == "vehicle: events" for r in rows)  # event counts are compared now
    assert not unsupported_numbers(load_scenario("lanzoni2021"))
    # each row keeps its predictive sample (one value per replicate), not serialized
    row = rows[0]
    assert row.simulated is not None and row.simulated.shape == (20,)
    assert row.pi_low == pytest.approx(np.quantile(row.simulated, 0.05))
    assert "simulated" not in row.to_dict()
    # what kind of number each row is: an arm's, a p-value or a between-arm estimate
    kinds = {r.quantity: r.kind for r in rows}
    assert kinds["vehicle: events"] == "arm"
    assert {k for q, k in kinds.items() if q.startswith("p-value")} == {"p-value"}
    assert rows[0].to_dict()["kind"] == rows[0].kind


def test_cli_param_override_is_checked(capsys):
    assert main(["trial", "run", "lanzoni2021", "--param", "EC50_msc=1e12"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "error: --param: EC50_msc must lie within its bounds [1e+06, 1e+09] cells "
        "(got 1000000000000.0)"
    ]
