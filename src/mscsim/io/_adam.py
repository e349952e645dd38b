r"""Tidy trial tables named after CDISC ADaM: ADSL, ADTTE, ADAE and ADLB.

Each table holds every patient of every replicate trial of a :class:`mscsim.trial.TrialRun`
(replicate-major, enrollment order), so one replicate is ``REPLICATE == r``. Variable names
follow the CDISC Analysis Data Model (ADaM IG v1.3; ADTTE: ADaM Basic Data Structure for
Time-to-Event Analyses v1.0; ADAE: ADaM Occurrence Data Structure v1.0); values are virtual,
not clinical data. Repeated text (arms, parameter names, flags) is stored as a dictionary
column, which Parquet keeps compact and CSV writes as plain text.

Times are days after enrollment (day 0 = enrollment = first infusion), as continuous numbers
on the event model's grid, not integer study days. In ADTTE, ``CNSR = 0`` marks an event and
``CNSR = 1`` a censored time:

.. math::

    \mathrm{AVAL} = \min(T_\text{event}, C), \qquad \mathrm{CNSR} = 1[T_\text{event} > C],

with :math:`C` the end of follow-up, or for VENT and RECOVCD the earlier death (and 0 for
patients already ventilated at enrollment, who are not at risk of intubation). ADTTE stores what
the trial analysis analyses (`ENDPOINT_PARAMS`: survival -> OS, SAE-free survival -> SAEFS,
time to recovery -> RECOV), so lifelines or R's ``survival`` on the written table reproduces
each reported log-rank p and Cox HR: in RECOV a death before recovery is censored at the end of
follow-up (the dead stay in the risk set, as `mscsim.trial.analyse` does), while RECOVCD is the
cause-specific alternative, censored at death.

Variables that are not plain ADaM:

========== =================================================================================
DOSE/DOSEU dose per infusion as the scenario states it (``cells`` or ``cells/kg``)
DOSECELL   cells per infusion given to this patient (weight-based doses resolved)
NINF       planned infusions
ONSETDY    days from symptom onset to screening and enrollment
SEVBL      host severity class drawn for the virtual patient (mild ... critical)
ARDSBL     Berlin ARDS class of the simulated P/F at enrollment ('none' above 300 mmHg)
SAFFL      'Y' if at least one infusion was given (before death), or the arm infuses nothing
SOLVSTAT   solver outcome of the patient's follow-up simulation ('ok' or 'failed: ...')
AECAT      'DISEASE' (serious events of the disease) or 'INFUSION' (infusion-associated)
AEHRS      hours from the start of the infusion to the event; AEWIN6/AEWIN24 within 6/24 h
========== =================================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mscsim.model import MSC_COVID, SEVERITIES
from mscsim.solve import Status
from mscsim.trial import AE_TERMS, ae_records
from mscsim.trial._events import SAE_TERMS
from mscsim.trial._scenario_fields import BIOMARKER_UNITS, LUNG_OUTCOME_DAYS

#: Biomarkers of ADLB: run key -> (PARAMCD, PARAM without unit).
LAB_PARAMS = {
    "crp": ("CRP", "C-reactive protein"),
    "il6": ("IL6", "Interleukin-6"),
    "il10": ("IL10", "Interleukin-10"),
    "tnf": ("TNF", "Tumour necrosis factor"),
    "pf_ratio": ("PFRATIO", "PaO2/FiO2 ratio"),
    "oxygenation_index": ("OI", "Oxygenation index"),
}
#: Long-term lung outcomes of ADLB (survivors, at the 6- and 12-month visits): run key ->
#: (PARAMCD, PARAM, unit).
LUNG_PARAMS = {
    "dlco": ("DLCO", "Diffusing capacity for CO", "% predicted"),
    "fvc": ("FVC", "Forced vital capacity", "% predicted"),
    "fibrosis": ("FIBIDX", "Fibrosis index", "1"),
    "ct_abnormal": ("CTABN", "Residual abnormality on chest CT (1 = yes)", "1"),
}
#: ADTTE parameters: PARAMCD -> PARAM.
TTE_PARAMS = {
    "OS": "Time to death (days)",
    "SAEFS": "Time to first serious adverse event or death (days)",
    "RECOV": "Time to recovery, death censored at end of follow-up (days)",
    "VENT": "Time to invasive mechanical ventilation (days)",
    "RECOVCD": "Time to recovery, censored at death (days)",
    "DISCH": "Time to discharge, death censored at end of follow-up (days)",
    "IMPROV": "Time to clinical improvement, death censored at end of follow-up (days)",
}
#: The ADTTE parameter each time-to-event endpoint kind of a scenario is analysed on (an
#: endpoint with a horizon before the end of follow-up censors AVAL at its horizon).
ENDPOINT_PARAMS = {
    "survival": "OS",
    "sae_free_survival": "SAEFS",
    "time_to_recovery": "RECOV",
    "time_to_discharge": "DISCH",
    "time_to_improvement": "IMPROV",
}
#: Terms of infusion-associated events: (not related, related to the product).
#: Units of the model observables (``MSC_COVID``).
UNITS = {o.name: o.unit for o in MSC_COVID.observables} | {
    "oxygenation_index": BIOMARKER_UNITS["oxygenation_index"]
}
_END, _DEATH, _VENT0 = "END OF FOLLOW-UP", "DEATH", "VENTILATED AT ENROLLMENT"
_YN = ("N", "Y")


def _codes(indices: np.ndarray, values: Sequence[str], mask: np.ndarray | None = None) -> pa.Array:
    """Dictionary column: ``values[indices]`` (null where `mask` is True); repeats merged."""
    uniq = list(dict.fromkeys(values))
    small = np.int8 if len(uniq) < 128 else np.int32
    idx = np.asarray(indices)
    if len(uniq) != len(values):
        idx = np.array([uniq.index(v) for v in values], dtype=small)[idx]
    return pa.DictionaryArray.from_arrays(
        pa.array(idx.astype(small, copy=False), mask=mask), pa.array(uniq, pa.string())
    )


def _yn(flag: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return _codes(np.asarray(flag, dtype=np.int8), _YN, mask)


def _num(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=float), type=pa.float64(), mask=null)


def _ids(run) -> dict[str, Any]:
    """Per-patient identifiers: every USUBJID, the subject strings, position, replicate, arm."""
    n_pat = run.arm.size
    pos = (np.arange(n_pat) % run.sample_size).astype(np.int32)  # enrollment order, from 0
    rep_w = max(4, len(str(max(run.n_replicates - 1, 0))))
    subj_w = max(3, len(str(run.sample_size)))
    subj = pc.utf8_lpad(pa.array(np.arange(1, run.sample_size + 1).astype(str)), subj_w, "0")
    prefix = pc.binary_join_element_wise(
        run.scenario.name + "-R",
        pc.utf8_lpad(pa.array(np.arange(run.n_replicates).astype(str)), rep_w, "0"),
        "",
    )
    usubjid = pc.binary_join_element_wise(
        prefix.take(pa.array(run.replicate)), subj.take(pa.array(pos)), "-"
    )
    return {
        "usubjid": usubjid,
        "subjid": subj,
        "pos": pos,
        "replicate": run.replicate.astype(np.int32),
        "arm": run.arm.astype(np.int8),
    }


def _id_columns(run, ids: dict, patient: np.ndarray | None = None) -> dict[str, pa.Array]:
    """STUDYID, USUBJID, REPLICATE, SUBJID and ARMCD of rows that belong to `patient`."""
    pick = (lambda a: a) if patient is None else (lambda a: a[patient])  # noqa: E731
    rows = ids["pos"].size if patient is None else patient.size
    who = np.arange(ids["pos"].size, dtype=np.int32)
    return {
        "STUDYID": _codes(np.zeros(rows, np.int8), [run.scenario.name]),
        "USUBJID": pa.DictionaryArray.from_arrays(pa.array(pick(who)), ids["usubjid"]),
        "REPLICATE": pa.array(pick(ids["replicate"])),
        "SUBJID": pa.DictionaryArray.from_arrays(pa.array(pick(ids["pos"])), ids["subjid"]),
        "ARMCD": _codes(pick(ids["arm"]), run.arm_names),
    }


def arm_label(arm) -> str:
    """Planned treatment text of a scenario arm, e.g. ``UC-MSC 1e+08 cells per infusion, days 0, 3``."""
    days = ", ".join(str(d) for d in arm.infusion_days)
    if not arm.infusion_days:
        return arm.product
    dose = (
        f" {arm.dose_per_infusion:.3g} {arm.dose_unit} per infusion"
        if arm.dose_per_infusion
        else ""
    )
    return f"{arm.product}{dose}, day{'s' if len(arm.infusion_days) > 1 else ''} {days}"


def adsl(run, ids: dict) -> pa.Table:
    """Subject level: one row per enrolled patient (see the module docstring)."""
    arms = run.scenario.arms
    a = run.arm
    c, ev = run.cohort, run.events
    dead = ev.death <= ev.follow_up
    given = np.isfinite(run.infusion_days) & (run.infusion_days < ev.death[:, None])
    planned = np.array([len(arm.infusion_days) for arm in arms])
    ards, ards_code = np.unique(np.asarray(run.ards, dtype=str), return_inverse=True)
    labels = [arm_label(arm) for arm in arms]
    statuses = [s.label for s in Status]
    base = run.baseline
    cols = {
        **_id_columns(run, ids),
        "ARM": _codes(a, labels),
        "TRT01P": _codes(a, labels),
        "DOSE": _num(np.array([arm.dose_per_infusion for arm in arms])[a]),
        "DOSEU": _codes(a, [arm.dose_unit for arm in arms]),
        "DOSECELL": _num(np.nan_to_num(run.infusion_cells).max(axis=1)),
        "NINF": pa.array(planned[a].astype(np.int16)),
        "AGE": _num(c.age),
        "AGEU": _codes(np.zeros(a.size, np.int8), ["YEARS"]),
        "SEX": _codes(np.asarray(c.female, dtype=np.int8), ("M", "F")),
        "WEIGHTBL": _num(c.weight),
        "COMORB": pa.array(np.asarray(c.comorbidity).astype(np.int16)),
        "ONSETDY": pa.array(np.asarray(c.screening_day).astype(np.int16)),
        "SEVBL": _codes(c.severity_class, SEVERITIES),
        "ARDSBL": _codes(ards_code, ards.tolist()),
        "PFBL": _num(base["pf_ratio"]),
        "CRPBL": _num(base["crp"]),
        "IL6BL": _num(base["il6"]),
        "IL10BL": _num(base["il10"]),
        "TNFBL": _num(base["tnf"]),
        "VENTBL": _yn(run.on_vent0),
        "DTHFL": _yn(dead),
        "DTHDY": _num(ev.death, null=~dead),
        "ITTFL": _yn(np.ones(a.size, bool)),
        "SAFFL": _yn(given.any(axis=1) | (planned[a] == 0)),
        "SOLVSTAT": _codes(np.asarray(run.solver_status), statuses),
    }
    return pa.table(cols)


def _tte_columns(run) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """AVAL, CNSR, event-description and censoring-description codes, shape (n, 7).

    Description codes index ``_EVENT_TEXT`` and ``_CENSOR_TEXT`` (-1 = not applicable).
    """
    ev = run.events
    fu = ev.follow_up
    n = ev.death.size
    dead = ev.death <= fu
    end = np.where(dead, ev.death, fu)  # end of observation: death or end of follow-up
    first = ev.first_sae
    intub = np.where(ev.intubation > 0, ev.intubation, np.inf)
    times = np.stack(
        [ev.death, first, ev.recovery, intub, ev.recovery, ev.discharge, ev.improvement], axis=1
    )
    event = times <= fu
    vent0 = ev.intubation == 0
    full = np.full(n, fu)
    cens_t = np.stack([full, full, full, np.where(vent0, 0.0, end), end, full, full], axis=1)
    aval = np.where(event, times, cens_t)
    sae_term = np.argmin(ev.sae_time, axis=1)
    one, two = np.ones(n, int), np.full(n, 2)
    k = 3 + len(SAE_TERMS)  # DISCHARGE, CLINICAL IMPROVEMENT
    ev_code = np.stack(
        [np.zeros(n, int), 3 + sae_term, one, two, one, np.full(n, k), np.full(n, k + 1)], axis=1
    )
    cn_code = np.zeros((n, 7), int)  # END OF FOLLOW-UP
    death_at_end = np.where(dead, 3, 0)  # a death censored at the end of follow-up
    cn_code[:, 2] = cn_code[:, 5] = cn_code[:, 6] = death_at_end
    cn_code[:, 3] = np.where(vent0, 2, np.where(dead, 1, 0))
    cn_code[:, 4] = np.where(dead, 1, 0)
    return (
        aval,
        (~event).astype(np.int8),
        np.where(event, ev_code, -1),
        np.where(event, -1, cn_code),
    )


_EVENT_TEXT = (
    _DEATH,
    "RECOVERY",
    "INVASIVE MECHANICAL VENTILATION",
    *(t.upper() for t in SAE_TERMS),
    "DISCHARGE",
    "CLINICAL IMPROVEMENT",
)
_CENSOR_TEXT = (_END, _DEATH, _VENT0, "DEATH, CENSORED AT END OF FOLLOW-UP")


def adtte(run, ids: dict) -> pa.Table:
    """Time to event: one row per patient and parameter (`TTE_PARAMS`)."""
    aval, cnsr, ev_code, cn_code = _tte_columns(run)
    n, k = aval.shape
    patient = np.repeat(np.arange(n), k)
    param = np.tile(np.arange(k), n)
    ev_code, cn_code = ev_code.ravel(), cn_code.ravel()
    cols = {
        **_id_columns(run, ids, patient),
        "PARAMCD": _codes(param, list(TTE_PARAMS)),
        "PARAM": _codes(param, list(TTE_PARAMS.values())),
        "AVAL": _num(aval.ravel()),
        "CNSR": pa.array(cnsr.ravel()),
        "EVNTDESC": _codes(np.maximum(ev_code, 0), _EVENT_TEXT, mask=ev_code < 0),
        "CNSDTDSC": _codes(np.maximum(cn_code, 0), _CENSOR_TEXT, mask=cn_code < 0),
    }
    return pa.table(cols)


def adae(run, ids: dict) -> pa.Table:
    """Adverse events: one row per event, sorted by patient and onset.

    Disease events (``AECAT = "DISEASE"``) are the serious events of ``run.events.sae_time``,
    not related to the product; infusion-associated events (``AECAT = "INFUSION"``) carry the
    infusion number, the hours after it and the 6 h / 24 h window flags.
    """
    rec = ae_records(run)
    is_dis, hrs = rec["disease"], rec["hours"]
    cols = {
        **_id_columns(run, ids, rec["patient"]),
        "AECAT": _codes(np.where(is_dis, 0, 1), ("DISEASE", "INFUSION")),
        "AEDECOD": _codes(rec["term"], AE_TERMS),
        "AESER": _yn(rec["serious"]),
        "AEREL": _yn(rec["related"]),
        "ASTDY": _num(rec["day"]),
        "AEINFNUM": pa.array(rec["infusion"], mask=is_dis),
        "AEHRS": _num(hrs, null=is_dis),
        "AEWIN6": _yn(hrs <= 6.0, mask=is_dis),
        "AEWIN24": _yn(hrs <= 24.0, mask=is_dis),
    }
    return pa.table(cols)


def adlb(run, ids: dict) -> pa.Table:
    """Biomarkers at the visit days: one row per patient, parameter and visit while alive,
    then the long-term lung outcomes (DLCO, FVC, fibrosis index, CT) of survivors at the 6-
    and 12-month visits.

    Values after death (and of a failed solve) are absent, so no row follows a death.
    ``BASE`` is the enrollment (day-0) value and ``CHG = AVAL - BASE`` (no baseline for the
    long-term lung outcomes).
    """
    keys = list(LAB_PARAMS)
    lung = list(LUNG_PARAMS)
    days = np.concatenate([np.rint(run.visit_days), np.asarray(LUNG_OUTCOME_DAYS, float)])
    nv, nl = run.visit_days.size, len(LUNG_OUTCOME_DAYS)
    n = run.arm.size
    p = len(keys) + len(lung)
    values = np.full((n, p, nv + nl), np.nan)
    values[:, : len(keys), :nv] = np.stack([run.visits[k] for k in keys], axis=1)
    for i, k in enumerate(lung):
        for j, d in enumerate(LUNG_OUTCOME_DAYS):
            values[:, len(keys) + i, nv + j] = run.lung[f"{k}_d{d}"]
    units = [UNITS[k] for k in keys] + [LUNG_PARAMS[k][2] for k in lung]
    codes = [LAB_PARAMS[k][0] for k in keys] + [LUNG_PARAMS[k][0] for k in lung]
    names = [LAB_PARAMS[k][1] for k in keys] + [LUNG_PARAMS[k][1] for k in lung]
    v = nv + nl
    flat = np.flatnonzero(np.isfinite(values))
    patient, rest = np.divmod(flat, p * v)
    param, visit = np.divmod(rest, v)
    aval = values.reshape(-1)[flat]
    has_base = param < len(keys)
    base = np.where(has_base, values[:, :, 0].reshape(-1)[patient * p + param], np.nan)
    day = days.astype(np.int16)[visit]
    first = visit == 0
    cols = {
        **_id_columns(run, ids, patient),
        "PARAMCD": _codes(param, codes),
        "PARAM": _codes(param, [f"{a} ({u})" for a, u in zip(names, units, strict=True)]),
        "AVALU": _codes(param, units),
        "AVISITN": pa.array(day),
        "AVISIT": _codes(visit, [f"DAY {int(d)}" for d in days]),
        "ADY": pa.array(day),
        "AVAL": _num(aval),
        "BASE": _num(base, null=~has_base),
        "CHG": _num(aval - base, null=~has_base),
        "ABLFL": _codes(np.zeros(flat.size, np.int8), ["Y"], mask=~first),
    }
    return pa.table(cols)


def adam_tables(run) -> dict[str, pa.Table]:
    """ADSL, ADTTE, ADAE and ADLB of every replicate trial in `run`.

    Parameters
    ----------
    run : mscsim.trial.TrialRun
        A run of :func:`mscsim.trial.run_trial`.

    Returns
    -------
    dict of str to pyarrow.Table
        ``{"ADSL", "ADTTE", "ADAE", "ADLB"}``. Every table starts with ``STUDYID`` (the
        scenario name), ``USUBJID`` (``<scenario>-R<replicate>-<subject>``, replicate from 0,
        subject 1-based in enrollment order), ``REPLICATE``, ``SUBJID`` and ``ARMCD`` (the
        scenario's arm name).

    Examples
    --------
    >>> from mscsim.trial import load_scenario, run_trial
    >>> run = run_trial(load_scenario("lanzoni2021"), replicates=1)  # doctest: +SKIP
    >>> adam_tables(run)["ADSL"].num_rows  # doctest: +SKIP
    24
    """
    ids = _ids(run)
    return {
        "ADSL": adsl(run, ids),
        "ADTTE": adtte(run, ids),
        "ADAE": adae(run, ids),
        "ADLB": adlb(run, ids),
    }
