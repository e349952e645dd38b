"""ADaM-named trial tables: one row per patient / event / visit, and CNSR semantics."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pyarrow as pa
import pytest

from mscsim.io import adam_tables
from mscsim.model import MSC_COVID, SEVERITIES
from mscsim.trial import load_scenario, run_trial
from mscsim.trial._events import SAE_TERMS

ADSL_COLUMNS = (
    "STUDYID USUBJID REPLICATE SUBJID ARM ARMCD TRT01P DOSE DOSEU AGE AGEU SEX "
    "WEIGHTBL COMORB ONSETDY SEVBL ARDSBL PFBL CRPBL IL6BL IL10BL TNFBL VENTBL DTHFL "
    "DTHDY ITTFL SAFFL SOLVSTAT"
).split()
ADTTE_COLUMNS = "USUBJID PARAMCD PARAM AVAL CNSR EVNTDESC CNSDTDSC".split()
ADAE_COLUMNS = "USUBJID AEDECOD AESER AEREL ASTDY AEINFNUM AEHRS AEWIN6 AEWIN24".split()
ADLB_COLUMNS = "USUBJID PARAMCD PARAM AVISITN ADY AVAL BASE CHG ABLFL".split()


@pytest.fixture(scope="module")
def run(lanzoni_run):
    return lanzoni_run


@pytest.fixture(scope="module")
def tables(run):
    return adam_tables(run)


def col(table, name) -> np.ndarray:
    """A column as a numpy array (dictionary columns decoded, nulls as None / NaN)."""
    values = table.column(name).to_pylist()
    if (
        values
        and all(isinstance(v, float | int) or v is None for v in values)
        and any(isinstance(v, float) for v in values)
    ):
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    return np.array(values, dtype=object)


def test_tables_and_columns(tables):
    assert list(tables) == ["ADSL", "ADTTE", "ADAE", "ADLB"]
    for name, cols in (
        ("ADSL", ADSL_COLUMNS),
        ("ADTTE", ADTTE_COLUMNS),
        ("ADAE", ADAE_COLUMNS),
        ("ADLB", ADLB_COLUMNS),
    ):
        missing = set(cols) - set(tables[name].column_names)
        assert not missing, f"{name} lacks {missing}"
        assert tables[name].column_names[:5] == [
            "STUDYID",
            "USUBJID",
            "REPLICATE",
            "SUBJID",
            "ARMCD",
        ]


def test_adsl_one_row_per_enrolled_patient(run, tables):
    adsl = tables["ADSL"]
    n = run.n_replicates * run.sample_size
    assert adsl.num_rows == n == run.arm.size
    ids = col(adsl, "USUBJID")
    assert len(set(ids)) == n
    assert ids[0] == "lanzoni2021-R0000-001"
    assert ids[-1] == f"lanzoni2021-R0001-{run.sample_size:03d}"
    assert all(re.fullmatch(r"lanzoni2021-R\d{4}-\d{3}", s) for s in ids)
    assert np.array_equal(col(adsl, "REPLICATE").astype(int), run.replicate)
    assert list(col(adsl, "ARMCD")) == [run.arm_names[a] for a in run.arm]
    assert set(col(adsl, "STUDYID")) == {"lanzoni2021"}


def test_adsl_values_come_from_the_run(run, tables):
    adsl, ev = tables["ADSL"], run.events
    dead = ev.death <= ev.follow_up
    assert list(col(adsl, "DTHFL")) == ["Y" if d else "N" for d in dead]
    dthdy = col(adsl, "DTHDY")
    assert np.array_equal(dthdy[dead], ev.death[dead]) and np.isnan(dthdy[~dead]).all()
    assert list(col(adsl, "VENTBL")) == ["Y" if v else "N" for v in run.on_vent0]
    assert list(col(adsl, "ARDSBL")) == list(run.ards)
    assert list(col(adsl, "SEVBL")) == [SEVERITIES[k] for k in run.cohort.severity_class]
    assert list(col(adsl, "SEX")) == ["F" if f else "M" for f in run.cohort.female]
    assert np.array_equal(col(adsl, "ONSETDY").astype(int), run.cohort.screening_day)
    for short, key in (
        ("PF", "pf_ratio"),
        ("CRP", "crp"),
        ("IL6", "il6"),
        ("IL10", "il10"),
        ("TNF", "tnf"),
    ):
        assert np.array_equal(col(adsl, f"{short}BL"), run.baseline[key])
    dose = col(adsl, "DOSE")
    active = run.arm == run.arm_names.index("uc_msc")
    assert np.all(dose[active] == 100e6) and np.all(dose[~active] == 0)  # lanzoni2021.yaml
    assert set(col(adsl, "ITTFL")) == {"Y"}
    assert set(col(adsl, "SOLVSTAT")) <= {
        "ok",
        "failed: max_steps",
        "failed: step_too_small",
        "failed: nonfinite",
        "failed: out_of_bounds",
    }


def _expected_events(run) -> dict[str, np.ndarray]:
    ev, fu = run.events, run.events.follow_up
    return {
        "OS": ev.death <= fu,
        "SAEFS": ev.sae_time.min(axis=1) <= fu,
        "RECOV": ev.recovery <= fu,
        "VENT": (ev.intubation > 0) & (ev.intubation <= fu),
        "RECOVCD": ev.recovery <= fu,
        "DISCH": ev.discharge <= fu,
        "IMPROV": ev.improvement <= fu,
    }


def test_adtte_cnsr_is_zero_exactly_for_events_before_the_horizon(run, tables):
    adtte, fu = tables["ADTTE"], run.events.follow_up
    assert adtte.num_rows == 7 * run.arm.size
    paramcd, cnsr, aval = col(adtte, "PARAMCD"), col(adtte, "CNSR"), col(adtte, "AVAL")
    expected = _expected_events(run)
    assert sum(e.sum() for e in expected.values()) > 0  # the run has events to check
    for code, event in expected.items():
        sel = paramcd == code
        assert np.array_equal(cnsr[sel].astype(int) == 0, event), code
        assert np.all((aval[sel] >= 0) & (aval[sel] <= fu))
    assert np.all((col(adtte, "EVNTDESC") != None) == (cnsr == 0))  # noqa: E711
    assert np.all((col(adtte, "CNSDTDSC") != None) == (cnsr == 1))  # noqa: E711
    os_ = paramcd == "OS"
    assert np.array_equal(aval[os_], np.minimum(run.events.death, fu))


def test_adtte_censoring_by_death_and_ventilation_at_enrollment(run):
    ev, fu = run.events, run.events.follow_up
    death, intub, recov, sae = (
        a.copy() for a in (ev.death, ev.intubation, ev.recovery, ev.sae_time)
    )
    # patient 0 ventilated at enrollment, dies on day 5 without recovering
    death[0], intub[0], recov[0], sae[0] = 5.0, 0.0, np.inf, [5.0, *[np.inf] * 5]
    # patient 1 recovers on day 3, no other event
    death[1], intub[1], recov[1], sae[1] = np.inf, np.inf, 3.0, np.inf
    # patient 2 intubated on day 2.5, infection on day 10, recovers on day 20
    death[2], intub[2], recov[2] = np.inf, 2.5, 20.0
    sae[2] = [np.inf, 2.5, np.inf, 10.0, np.inf, np.inf]
    events = dataclasses.replace(ev, death=death, intubation=intub, recovery=recov, sae_time=sae)
    adtte = adam_tables(dataclasses.replace(run, events=events))["ADTTE"].slice(0, 21)
    got = list(
        zip(
            col(adtte, "PARAMCD"),
            col(adtte, "AVAL"),
            col(adtte, "CNSR"),
            col(adtte, "EVNTDESC"),
            col(adtte, "CNSDTDSC"),
            strict=True,
        )
    )
    # (DISCH and IMPROV of these patients come from the run's own discharge/improvement times)
    got = [g for g in got if g[0] in ("OS", "SAEFS", "RECOV", "VENT", "RECOVCD")]
    assert got == [
        ("OS", 5.0, 0, "DEATH", None),
        ("SAEFS", 5.0, 0, "DEATH", None),
        ("RECOV", fu, 1, None, "DEATH, CENSORED AT END OF FOLLOW-UP"),
        ("VENT", 0.0, 1, None, "VENTILATED AT ENROLLMENT"),
        ("RECOVCD", 5.0, 1, None, "DEATH"),
        ("OS", fu, 1, None, "END OF FOLLOW-UP"),
        ("SAEFS", fu, 1, None, "END OF FOLLOW-UP"),
        ("RECOV", 3.0, 0, "RECOVERY", None),
        ("VENT", fu, 1, None, "END OF FOLLOW-UP"),
        ("RECOVCD", 3.0, 0, "RECOVERY", None),
        ("OS", fu, 1, None, "END OF FOLLOW-UP"),
        ("SAEFS", 2.5, 0, "RESPIRATORY FAILURE REQUIRING INVASIVE VENTILATION", None),
        ("RECOV", 20.0, 0, "RECOVERY", None),
        ("VENT", 2.5, 0, "INVASIVE MECHANICAL VENTILATION", None),
        ("RECOVCD", 20.0, 0, "RECOVERY", None),
    ]


def test_adae_counts_equal_the_event_arrays(run, tables):
    adae, ev = tables["ADAE"], run.events
    iae = ev.infusion_ae
    n_disease = int(np.isfinite(ev.sae_time).sum())
    assert adae.num_rows == n_disease + iae["patient"].size
    cat, term = col(adae, "AECAT"), col(adae, "AEDECOD")
    assert (cat == "DISEASE").sum() == n_disease
    for k, name in enumerate(SAE_TERMS):
        assert (term == name).sum() == np.isfinite(ev.sae_time[:, k]).sum(), name
    infusion = cat == "INFUSION"
    hours = np.sort(col(adae, "AEHRS")[infusion])
    assert np.array_equal(hours, np.sort(iae["hours"]))
    assert (col(adae, "AEWIN6") == "Y").sum() == (iae["hours"] <= 6).sum()
    assert (col(adae, "AEWIN24") == "Y").sum() == (iae["hours"] <= 24).sum()
    assert (col(adae, "AEREL") == "Y").sum() == np.asarray(iae["related"], bool).sum()
    assert (col(adae, "AESER")[infusion] == "Y").sum() == np.asarray(iae["serious"], bool).sum()
    assert set(col(adae, "AESER")[~infusion]) <= {"Y"}
    # per patient: the rows of each patient are its events
    ids = col(tables["ADSL"], "USUBJID")
    per_patient = np.isfinite(ev.sae_time).sum(axis=1) + np.bincount(
        iae["patient"], minlength=ids.size
    )
    counts = {u: 0 for u in ids}
    for u in col(adae, "USUBJID"):
        counts[u] += 1
    assert [counts[u] for u in ids] == per_patient.tolist()


def test_adlb_rows_stop_at_death_and_hold_change_from_baseline(run, tables):
    adlb, ev = tables["ADLB"], run.events
    long_term = np.isin(col(adlb, "PARAMCD"), ["DLCO", "FVC", "FIBIDX", "CTABN"])
    survivors = int((~np.isfinite(ev.death)).sum())
    assert long_term.sum() == 4 * 2 * survivors  # four outcomes at 6 and 12 months
    assert set(col(adlb, "ADY")[long_term]) == {180, 365}
    assert np.isnan(col(adlb, "BASE")[long_term]).all()
    adlb = adlb.filter(pa.array(~long_term))
    assert adlb.num_rows == sum(int(np.isfinite(v).sum()) for v in run.visits.values())
    index = {u: i for i, u in enumerate(col(tables["ADSL"], "USUBJID"))}
    patient = np.array([index[u] for u in col(adlb, "USUBJID")])
    day = col(adlb, "ADY").astype(float)
    assert np.all(day < ev.death[patient])  # no row at or after death
    assert np.array_equal(col(adlb, "AVISITN"), col(adlb, "ADY"))
    aval, base = col(adlb, "AVAL"), col(adlb, "BASE")
    assert np.allclose(col(adlb, "CHG"), aval - base, rtol=0, atol=1e-9)
    first = day == 0
    assert np.array_equal(col(adlb, "ABLFL") == "Y", first)
    assert np.array_equal(aval[first], base[first])
    il6 = col(adlb, "PARAMCD") == "IL6"
    assert np.array_equal(base[il6 & first], run.visits["il6"][patient[il6 & first], 0])
    units = {o.name: o.unit for o in MSC_COVID.observables}
    assert set(col(adlb, "PARAM")) == {
        f"C-reactive protein ({units['crp']})",
        f"Interleukin-6 ({units['il6']})",
        f"Interleukin-10 ({units['il10']})",
        f"Tumour necrosis factor ({units['tnf']})",
        f"PaO2/FiO2 ratio ({units['pf_ratio']})",
        "Oxygenation index (cmH2O/mmHg x 100)",
    }
    assert units["crp"] == "mg/L" and units["il6"] == "pg/mL"


def test_same_seed_gives_identical_tables_whatever_the_batch_size(run, tables):
    again = adam_tables(run_trial(load_scenario("lanzoni2021"), replicates=2, chunk=1))
    assert all(again[k].equals(tables[k]) for k in tables)
