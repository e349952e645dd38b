"""Adverse-event tables: patients with >= 1 event and event counts per arm and category."""

from __future__ import annotations

import numpy as np
import pytest

from mscsim import InputError
from mscsim.stats import AE_CATEGORIES, adverse_event_table

# replicate, patient, arm, term, serious, related
RECORDS = [
    (0, 1, 0, "shock", True, False),
    (0, 1, 0, "shock", True, False),
    (0, 2, 0, "secondary infection", True, False),
    (0, 2, 0, "fever", False, False),
    (0, 7, 1, "infusion reaction", False, True),
    (0, 7, 1, "infusion reaction", False, True),
    (0, 8, 1, "thrombosis", True, True),
    (2, 3, 1, "shock", True, False),
]


def _columns(records):
    rep, pat, arm, term, ser, rel = (np.array(c) for c in zip(*records, strict=True))
    return {
        "replicate": rep,
        "patient": pat,
        "arm": arm,
        "term": term,
        "serious": ser,
        "related": rel,
    }


def test_counts_by_category_and_replicate():
    t = adverse_event_table(**_columns(RECORDS), n_replicates=3, n_per_arm=[12, 12])
    cat = {c: i for i, c in enumerate(AE_CATEGORIES)}
    assert t.patients.shape == (3, 2, len(AE_CATEGORIES))
    # replicate 0, control: patients 1 and 2; 4 events, 3 serious (2 patients)
    assert t.patients[0, 0, cat["any"]] == 2 and t.events[0, 0, cat["any"]] == 4
    assert t.patients[0, 0, cat["serious"]] == 2 and t.events[0, 0, cat["serious"]] == 3
    assert t.patients[0, 0, cat["non-serious"]] == 1
    assert t.patients[0, 0, cat["related"]] == 0
    # replicate 0, treatment: patient 7 (2 related non-serious), patient 8 (serious related)
    assert t.patients[0, 1, cat["related"]] == 2 and t.events[0, 1, cat["related"]] == 3
    assert t.patients[0, 1, cat["serious related"]] == 1
    assert t.patients[0, 1, cat["not related"]] == 0
    # replicate 1 has no record; replicate 2 one serious event in the treatment arm
    assert t.events[1].sum() == 0
    assert t.patients[2, 1, cat["serious"]] == 1 and t.patients[2, 0].sum() == 0


def test_per_term_counts_and_rows():
    cols = _columns(RECORDS[:7])
    del cols["replicate"]
    t = adverse_event_table(**cols, n_per_arm=[12, 12])
    k = t.terms.index("shock")
    assert t.term_patients[0, k, 0] == 1 and t.term_events[0, k, 0] == 2
    rows = t.rows(arm_names=("placebo", "MSC"))
    any_ctrl = next(
        r
        for r in rows
        if r["arm"] == "placebo" and r["term"] == "(any term)" and r["category"] == "any"
    )
    assert any_ctrl == {
        "arm": "placebo",
        "term": "(any term)",
        "category": "any",
        "patients": 2,
        "events": 4,
        "n": 12,
        "percent": pytest.approx(100 * 2 / 12),
    }
    ser_rel = next(
        r
        for r in rows
        if r["arm"] == "MSC" and r["term"] == "thrombosis" and r["category"] == "serious related"
    )
    assert ser_rel["patients"] == 1 and ser_rel["serious"] and ser_rel["related"]
    assert len(rows) == 2 * (1 + len(t.terms)) * len(AE_CATEGORIES)


def test_no_records_gives_zero_tables():
    empty = np.array([], dtype=np.int64)
    t = adverse_event_table(
        empty,
        empty,
        np.array([], dtype=str),
        empty.astype(bool),
        empty.astype(bool),
        replicate=empty,
        n_replicates=4,
    )
    assert t.patients.shape == (4, 2, len(AE_CATEGORIES)) and t.patients.sum() == 0


def test_patient_in_two_arms_is_input_error():
    bad = [(0, 1, 0, "fever", False, False), (0, 1, 1, "fever", False, False)]
    with pytest.raises(InputError) as err:
        adverse_event_table(**_columns(bad))
    assert err.value.field == "arm"


def test_replicate_out_of_range_is_input_error():
    with pytest.raises(InputError) as err:
        adverse_event_table(**_columns(RECORDS), n_replicates=2)
    assert err.value.field == "replicate"
