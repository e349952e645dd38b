"""Built-in scenarios: published designs and results, pinned to their sources."""

from __future__ import annotations

from importlib import resources

import pytest

from mscsim.trial._reproduce import irreproducible
from mscsim.trial._scenario import builtin_names, list_scenarios, load_scenario
from mscsim.trial._scenario_fields import BERLIN_PF_MMHG

NAMES = builtin_names()


def test_at_least_six_builtins() -> None:
    assert len(NAMES) >= 6


@pytest.mark.parametrize("name", NAMES)
def test_builtin_is_complete_and_sourced(name: str) -> None:
    s = load_scenario(name)
    assert s.name == name  # the file stem is the scenario name
    assert s.citation.doi or s.citation.url
    assert s.notes.strip()
    assert s.replicates == 1
    # Every arm of the allocation receives a share of the sample.
    assert s.sample_size >= sum(s.allocation.values()) or s.randomization.method == "simple"
    for res in s.published_results:
        assert res.quote.strip() and res.source.strip()
        assert res.endpoint in s.endpoints.ids
    # Each YAML states which numbers are assumptions.
    text = resources.files("mscsim.trial.scenarios").joinpath(f"{name}.yaml").read_text()
    assert "ASSUMED" in text


def test_summaries_match_scenarios() -> None:
    for summary in list_scenarios():
        s = load_scenario(summary.name)
        assert summary.sample_size == s.sample_size
        assert summary.n_published_results == len(s.published_results)
        assert summary.arms[-1] == s.control_arm.name


def test_berlin_categories() -> None:
    # Ranieri et al., JAMA 2012 (doi 10.1001/jama.2012.5669): "mild (200 mm Hg<PaO2/FIO2
    # <=300 mm Hg), moderate (100 mm Hg<PaO2/FIO2 <=200 mm Hg), and severe (PaO2/FIO2 <=100)".
    assert BERLIN_PF_MMHG == {
        "mild": (200.0, 300.0),
        "moderate": (100.0, 200.0),
        "severe": (0.0, 100.0),
    }


def test_lanzoni2021_design() -> None:
    s = load_scenario("lanzoni2021")
    # Registry NCT04355728: "Enrollment 24"; "two groups, each with 12 subjects";
    # "randomization will be stratified by ARDS severity"; "100x10^6 cells/infusion".
    assert s.sample_size == 24 and s.allocation == {"uc_msc": 1, "vehicle": 1}
    assert s.randomization.method == "stratified_block"
    assert s.randomization.strata == ("ards_severity",)
    msc, ctrl = s.arm("uc_msc"), s.control_arm
    assert (msc.product, msc.dose_per_infusion, msc.dose_unit) == ("UC-MSC", 100e6, "cells")
    assert msc.infusion_days == ctrl.infusion_days == (0, 3)  # "at day 0 and 3"
    assert ctrl.product == "vehicle" and ctrl.dose_per_infusion == 0
    # Registry inclusion: ">= 18 years", "PaO2/FiO2 ratio < 300 mmHg", oxygen.
    assert (s.eligibility.age_min, s.eligibility.pf_ratio_max) == (18, 300)
    assert s.eligibility.require_oxygen
    assert {
        "survival_d31",
        "sae_free_survival_d31",
        "infusion_ae_6h",
        "infusion_ae_24h",
        "sae_d31",
        "time_to_recovery_d31",
        "il6_change_d6",
    } <= set(s.endpoints.ids)


def test_lanzoni2021_results_paper_vs_meta_analysis() -> None:
    s = load_scenario("lanzoni2021")
    survival = [r for r in s.published_results if r.endpoint == "survival_d31"]
    used = [r for r in survival if r.used]
    unused = [r for r in survival if not r.used]
    # Preprint abstract: "patient survival was 91% and 42% ... (p=0.015)".
    assert len(used) == 1 and used[0].arms["uc_msc"].value == 91
    assert used[0].arms["vehicle"].value == 42 and used[0].effect.p_value == 0.015
    # Meta-analysis table PMC10140776: deaths 2/12 vs 7/12, recorded but not used.
    assert len(unused) == 1
    assert (unused[0].arms["uc_msc"].events, unused[0].arms["vehicle"].events) == (2, 7)
    sae = s.used_results()["sae_d31"]
    # "Treatment unrelated SAEs were reported in 2 and 8 patients ... (p=0.04)".
    assert (sae.arms["uc_msc"].events, sae.arms["vehicle"].events) == (2, 8)
    assert sae.effect.p_value == 0.04
    assert s.used_results()["sae_free_survival_d31"].effect.p_value == 0.008
    assert s.used_results()["time_to_recovery_d31"].effect.p_value == 0.03


def test_meng2020_design_and_results() -> None:
    s = load_scenario("meng2020")
    # PMC9242686 Table 1: "3 rounds of 3 x 10^7 cells/dose on days 0, 3 and 6, IV | 18".
    msc = s.arm("uc_msc")
    assert (msc.dose_per_infusion, msc.dose_unit, msc.infusion_days) == (3e7, "cells", (0, 3, 6))
    assert s.sample_size == 18 and s.control_arm.product == "standard-care"
    assert s.control_arm.infusion_days == ()
    # Meng 2020 Table 3: "Mechanical ventilation 1/9 4/9 0.294".
    vent = s.used_results()["ventilation_d28"]
    assert (vent.arms["uc_msc"].events, vent.arms["standard_care"].events) == (1, 4)
    assert vent.effect.p_value == 0.294


def test_shi2021_design() -> None:
    s = load_scenario("shi2021")
    # medRxiv v2 abstract: "UC-MSCs (4 x 10^7 cells per infusion) or placebo on day 0, 3,
    # and 6"; "recruited 101"; 2:1 ratio.
    assert s.allocation == {"uc_msc": 2, "placebo": 1} and s.sample_size == 101
    assert s.arm("uc_msc").dose_per_infusion == 4e7
    assert s.arm("uc_msc").infusion_days == (0, 3, 6)
    # 1-year follow-up (EBioMedicine 2022): "17.9% (10/56) of patients in the MSC group had
    # normal CT images at month 12, but none in the placebo group (p = 0.013)": recorded, not
    # used (any residual lesion is not the model's fibrotic-like CT abnormality)
    (ct,) = [r for r in s.published_results if r.endpoint == "lung_ct_abnormal_d365"]
    assert not ct.used and "lung_ct_abnormal_d365" not in s.used_results()
    assert (ct.arms["uc_msc"].events, ct.arms["uc_msc"].n) == (46, 56)
    # the derived placebo size is the only one whose Fisher p rounds to the published 0.013
    from scipy.stats import fisher_exact

    sizes = [n for n in range(20, 36) if round(fisher_exact([[10, 46], [0, n]])[1], 3) == 0.013]
    assert sizes == [ct.arms["placebo"].n] == [30]


def test_monsel2022_primary_endpoint() -> None:
    s = load_scenario("monsel2022")
    res = s.used_results()["pf_ratio_change_d7"]
    # Crit Care 2022;26:48 abstract: "medians [IQR] 54.3 [-15.5 to 93.3] vs 25.3 [-33.3 to
    # 104.6]; ANCOVA estimated treatment effect 7.4, 95% CI -44.7 to 59.7; P = 0.77".
    assert (res.arms["uc_msc"].median, res.arms["placebo"].median) == (54.3, 25.3)
    assert (res.effect.estimate, res.effect.ci_low, res.effect.ci_high) == (7.4, -44.7, 59.7)
    assert res.effect.p_value == 0.77
    # "Six (28.6%) of the 21 UC-MSCs recipients and six of 24 (25%) placebo-group patients".
    sae = s.used_results()["sae_d14"]
    assert (sae.arms["uc_msc"].events, sae.arms["uc_msc"].n) == (6, 21)
    assert (sae.arms["placebo"].events, sae.arms["placebo"].n) == (6, 24)
    assert "mortality_d28" not in s.used_results()  # timepoint unknown: recorded, not used


def test_bowdish2023_primary_endpoint() -> None:
    s = load_scenario("bowdish2023")
    res = s.used_results()["mortality_d30"]
    # PMC9896641 Table 2: "died by D 30 | 42 (37.5) | 47 (42.7) | 0.88 (0.64-1.21)".
    assert (res.arms["remestemcel_l"].events, res.arms["remestemcel_l"].n) == (42, 112)
    assert (res.arms["sham"].events, res.arms["sham"].n) == (47, 110)
    assert (res.effect.measure, res.effect.estimate) == ("RR", 0.88)
    assert (res.effect.ci_low, res.effect.ci_high) == (0.64, 1.21)
    # The published RR is the ratio of the risks: (42/112) / (47/110) = 0.878.
    assert (42 / 112) / (47 / 110) == pytest.approx(0.88, abs=0.005)
    assert s.eligibility.require_invasive_ventilation
    assert s.eligibility.crp_min_mg_l == 40  # "hs-CRP serum level >4.0 mg/dL"


def test_dilogo2021_and_shu2020_results() -> None:
    dilogo = load_scenario("dilogo2021").used_results()["mortality_d28"]
    # "... which is 10 patients and 4 patients [surviving] in the UC-MSCs and control groups".
    assert (dilogo.arms["uc_msc"].events, dilogo.arms["placebo"].events) == (10, 16)
    shu = load_scenario("shu2020").used_results()
    # Shu 2020 Table 3: time to clinical improvement 9.00 (6.00, 13.00) vs 14.00 (9.50, 21.00).
    ttr = shu["time_to_improvement_d28"]
    assert (ttr.arms["uc_msc"].median, ttr.arms["standard_care"].median) == (9.0, 14.0)
    assert (
        shu["mortality_d28"].arms["standard_care"].events,
        shu["mortality_d28"].arms["standard_care"].n,
    ) == (3, 29)


# ------------------------------------------------------------ links to the evidence base
def _evidence_records() -> dict:
    from mscsim.evidence import builtin_trials

    return {t.id: t for t in builtin_trials()}


@pytest.mark.parametrize("name", NAMES)
def test_evidence_links_resolve_and_agree_on_deaths(name: str) -> None:
    s = load_scenario(name)
    records = _evidence_records()
    ctrl = s.control_arm.name
    eps = {ep.id: ep for ep in s.endpoints.all}
    assert s.evidence, "every built-in names the evidence-base comparison of its active arm"
    for arm, rec_id in s.evidence.items():
        assert rec_id in records, f"{name}: evidence id {rec_id!r} is not in the evidence base"
        rec = records[rec_id]
        m = rec.mortality
        if m is None or m.events_treat.value is None or m.events_ctrl.value is None:
            continue
        # The death counts the evidence base pools are among the counts used for validation
        # (a trial may publish several timepoints, e.g. Bowdish days 7, 14 and 30).
        counts = {
            (r.arms[arm].events, r.arms[ctrl].events, r.arms[arm].n, r.arms[ctrl].n)
            for r in s.validated_results()
            if eps[r.endpoint].kind == "mortality" and arm in r.arms and ctrl in r.arms
        }
        pooled = (m.events_treat.value, m.events_ctrl.value, rec.n_treat.value, rec.n_ctrl.value)
        assert not counts or pooled in counts


@pytest.mark.parametrize("name", NAMES)
def test_non_randomized_trials_say_they_are_run_as_randomized(name: str) -> None:
    s = load_scenario(name)
    records = _evidence_records()
    if any(records[i].design == "non-randomized" for i in s.evidence.values()):
        notes = s.notes.lower()
        assert "not random" in notes or "non-randomized" in notes
        assert s.randomization.method in ("block", "stratified_block", "simple")


def _arm_sizes(s) -> dict[str, int]:
    """Arm sizes of a design whose blocks tile the sample exactly."""
    assert s.randomization.block_size and s.sample_size % s.randomization.block_size == 0
    total = sum(s.allocation.values())
    return {arm: s.sample_size * r // total for arm, r in s.allocation.items()}


def test_rebelatto2022_design_and_deaths() -> None:
    s = load_scenario("rebelatto2022")
    # PMC8935270: "three doses of 5 x 10^5 cells/kg UC-MSCs, with a dosing interval of 48 h
    # (n = 11) or placebo (n = 6)"; "invasive mechanical ventilation".
    msc = s.arm("uc_msc")
    assert (msc.product, msc.dose_per_infusion, msc.dose_unit) == ("UC-MSC", 5e5, "cells/kg")
    assert msc.infusion_days == s.control_arm.infusion_days == (0, 2, 4)
    assert _arm_sizes(s) == {"uc_msc": 11, "placebo": 6}
    assert s.eligibility.require_invasive_ventilation
    # "From July to August 2020, period in which this study was carried out".
    assert (s.setting.enrollment_start, s.setting.enrollment_end) == ("2020-07", "2020-08")
    # Meta-analysis table PMC10140776: MSC deaths 5 of 11, control deaths 1 of 6.
    res = s.used_results()["mortality_end"]
    assert (res.arms["uc_msc"].events, res.arms["placebo"].events) == (5, 1)
    assert res.confidence == "partly"


def test_adas2021_design_and_deaths() -> None:
    s = load_scenario("adas2021")
    # PMC8243094: "three consecutive doses on treatment days 0, 3, and 6, (as 3 x 10^6
    # cells/kg, intravenously)"; critical groups of 10.
    msc = s.arm("msc")
    assert (msc.dose_per_infusion, msc.dose_unit, msc.infusion_days) == (3e6, "cells/kg", (0, 3, 6))
    assert s.control_arm.product == "standard-care"
    assert _arm_sizes(s) == {"msc": 10, "conventional": 10}
    # "six patients in Group-2 and three patients in Group-3 died".
    res = s.used_results()["mortality_end"]
    assert (res.arms["msc"].events, res.arms["conventional"].events) == (3, 6)


def test_xu2021_design_and_deaths() -> None:
    s = load_scenario("xu2021")
    # PMC7839959: "three infusions totaling 9 x 10^7 MSCs, one infusion every other day";
    # "Twenty-six patients received ... MSC therapy ... and 18 patients received only
    # concomitant medications"; "enrolled from January to April 2020".
    msc = s.arm("mb_msc")
    assert msc.product == "MB-MSC" and msc.dose_unit == "cells"
    assert msc.dose_per_infusion * len(msc.infusion_days) == pytest.approx(9e7)
    assert _arm_sizes(s) == {"mb_msc": 26, "concomitant": 18}
    assert (s.setting.enrollment_start, s.setting.enrollment_end) == ("2020-01", "2020-04")
    # "7.69% died in the experimental group vs 33.33% in the control group; P = .048".
    res = s.used_results()["mortality_end"]
    assert res.arms["mb_msc"].events / 26 == pytest.approx(0.0769, abs=5e-5)
    assert res.arms["concomitant"].events / 18 == pytest.approx(0.3333, abs=5e-5)
    assert res.effect.p_value == 0.048


def test_leng2020_design_and_deaths() -> None:
    s = load_scenario("leng2020")
    # Review PMC9242686: "1 round of 1 x 10^6 cells/kg, IV | 7"; abstract: "assessed for 14
    # days after MSC injection", enrolled "from Jan 23, 2020 to Feb 16, 2020".
    msc = s.arm("msc")
    assert (msc.dose_per_infusion, msc.dose_unit, msc.infusion_days) == (1e6, "cells/kg", (0,))
    assert _arm_sizes(s) == {"msc": 7, "placebo": 3}
    assert s.follow_up_days == 14
    # Review PMC8666565 Table 6: "Leng et al. (20) | 0/7 | 1/3".
    res = s.used_results()["mortality_d14"]
    assert (res.arms["msc"].events, res.arms["placebo"].events) == (0, 1)


def test_gregoire2022_design_deaths_and_paired_p_values() -> None:
    s = load_scenario("gregoire2022")
    # PubMed 35860245: "8 intensive care unit patients ... were treated with BM-MSCs" and
    # compared "with those of 24 matched control patients"; "All patients also received
    # dexamethasone"; "3 intravenous infusions ... at 3-day intervals".
    msc = s.arm("bm_msc")
    assert (msc.product, msc.dose_unit, msc.infusion_days) == ("BM-MSC", "cells/kg", (0, 3, 6))
    assert _arm_sizes(s) == {"bm_msc": 8, "matched_controls": 24}
    assert s.setting.corticosteroids == 1.0
    # "(100% vs 79.2%, p = 0.025 and 100% vs 70.8%, p = 0.0082, respectively)": 19 and 17
    # of 24 controls alive at days 28 and 60.
    used = s.used_results()
    for endpoint, alive_share in (("mortality_d28", 0.792), ("mortality_d60", 0.708)):
        arms = used[endpoint].arms
        assert arms["bm_msc"].events == 0
        assert arms["matched_controls"].events == 24 - round(alive_share * 24)
    # the p-values come from paired tests on the matched sets: listed, not compared
    bad = irreproducible(s)
    assert sorted(bad) == [(0, "p_value"), (1, "p_value")]
    assert bad[(0, "p_value")].recomputed > 0.2  # 0/8 vs 5/24 by Fisher's exact test


def test_zhu2021_severity_mix_from_table3_subgroups() -> None:
    s = load_scenario("zhu2021")
    # Table 3 (s41422-021-00573-y/tables/3), day-7 chest-image rows: common/mild 6 + 8 + 1
    # (MSC) and 7 + 9 + 0 (placebo); severe/critical 10 + 4 + 0 and 2 + 9 + 2.
    common_mild, severe_critical = 6 + 8 + 1 + 7 + 9 + 0, 10 + 4 + 0 + 2 + 9 + 2
    assert common_mild + severe_critical == s.sample_size == 58
    mix = s.population.disease_mix
    assert mix is not None
    total = sum(mix.values())
    assert (mix["mild"] + mix["moderate"]) / total == pytest.approx(common_mild / 58, abs=1e-3)
    assert (mix["severe"] + mix["critical"]) / total == pytest.approx(
        severe_critical / 58, abs=1e-3
    )
    # meta-analysis Table 1 (s13287-023-03286-8): mean age 63.49, female 62.1%
    assert s.population.age.mean == 63.49
    assert s.population.female_fraction == 0.621


def test_fathi_kazerooni2022_registry_eligibility_and_dates() -> None:
    s = load_scenario("fathi_kazerooni2022")
    assert s.citation.registry_id == "NCT05019287"
    # registry: "25 Years - 75 Years"; "resting oxygen saturation of 90% or less; ... <=300mmHg"
    e = s.eligibility
    assert (e.age_min, e.age_max, e.pf_ratio_max, e.require_oxygen) == (25, 75, 300, True)
    # "Study Start Date 2021-04-17", "Study Completion Date 2021-06-09"
    assert str(s.setting.enrollment_start).startswith("2021-04")
    assert str(s.setting.enrollment_end).startswith("2021-06")
