"""The built-in MSC-COVID trial table: schema, provenance, published numbers, selection."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from mscsim._errors import InputError
from mscsim.evidence import (
    OUTCOMES,
    builtin_trials,
    check_unique,
    meta_analysis,
    parse_trial,
    select_outcome,
)


@pytest.fixture(scope="module")
def trials():
    return builtin_trials()


@pytest.fixture(scope="module")
def by_id(trials):
    return {t.id: t for t in trials}


def _sourced(obj: Any, path: str = ""):
    if isinstance(obj, dict):
        if "confidence" in obj and {"value", "text"} & set(obj):
            yield path, obj
        for key, value in obj.items():
            yield from _sourced(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _sourced(value, f"{path}[{i}]")


def test_every_number_has_source_quote_and_confidence(trials):
    n_values = 0
    for t in trials:
        for path, item in _sourced(t.model_dump(), t.id):
            assert item["confidence"] in ("verified", "partly", "unverified"), path
            if item.get("value") is None and "text" not in item:
                assert item.get("note"), f"{path}: missing value without a note"
                continue
            n_values += 1
            assert item["source"].startswith(("10.", "http://", "https://")), path
            assert item["quote"], path
    assert n_values > 100


def test_events_never_exceed_arm_sizes(trials):
    for t in trials:
        for name in OUTCOMES:
            out = getattr(t, name)
            if out is None:
                continue
            for arm in ("treat", "ctrl"):
                ev = getattr(out, f"events_{arm}")
                n = getattr(out, f"n_{arm}") or getattr(t, f"n_{arm}")
                if ev is not None and ev.value is not None:
                    assert ev.value <= n.value, (t.id, name, arm)


def test_no_duplicate_trials(trials):
    check_unique(trials)
    assert len({t.id for t in trials}) == len(trials)


def test_cell_free_products_are_flagged(by_id):
    assert by_id["Zarrabi2023-EV"].product == "cells+ev"
    assert by_id["FathiKazerooni2022"].product == "secretome"
    assert by_id["Lightner2023"].product == "ev"
    assert by_id["Zarrabi2023"].shared_control == by_id["Zarrabi2023-EV"].shared_control


def test_published_counts(by_id):
    # Bowdish 2023 Table 2 (PMC9896641): died by D30 42 (37.5%) vs 47 (42.7%), RR 0.88 (0.64-1.21)
    bow = by_id["Bowdish2023"]
    assert (bow.mortality.events_treat.value, bow.n_treat.value) == (42, 112)
    assert (bow.mortality.events_ctrl.value, bow.n_ctrl.value) == (47, 110)
    sel = select_outcome([bow], "mortality")
    row = meta_analysis(sel.table, measure="RR", method="FE").studies[0]
    assert round(math.exp(row.effect), 2) == 0.88
    assert (round(math.exp(row.ci_low), 2), round(math.exp(row.ci_high), 2)) == (0.64, 1.21)
    # Xu 2021 abstract: 7.69% vs 33.33% died
    xu = by_id["Xu2021"].mortality
    assert round(100 * xu.events_treat.value / 26, 2) == 7.69
    assert round(100 * xu.events_ctrl.value / 18, 2) == 33.33
    # Shu 2020 text: control 28-day mortality 10.34% (3/29)
    assert round(100 * by_id["Shu2020"].mortality.events_ctrl.value / 29, 2) == 10.34
    # Dilogo 2021 abstract: 10 and 4 survivors of 20
    dil = by_id["Dilogo2021"].mortality
    assert (20 - dil.events_treat.value, 20 - dil.events_ctrl.value) == (10, 4)


def test_disagreements_are_recorded_with_the_value_used(by_id):
    lan = by_id["Lanzoni2021"].mortality
    assert lan.events_treat.value == 2  # meta-analysis table: the value the analysis uses
    alt = lan.alternatives[0]
    assert alt.field == "events_treat" and alt.value == 1 and "91%" in alt.quote
    zar = by_id["Zarrabi2023"].mortality.alternatives[0]
    assert "recomputed" in zar.note


def test_default_selection_is_controlled_cell_trials_with_counts(trials):
    sel = select_outcome(trials, "mortality")
    excluded = dict(sel.excluded)
    assert excluded["WhittakerBrown2022"].startswith("single-arm")
    assert "product" in excluded["Lightner2023"]
    assert "not reported" in excluded["Meng2020"]
    assert sel.table.k == 13 and "Gregoire2022" in sel.trial_ids
    assert set(sel.table.fields) >= {"cell_source", "severity", "design", "blinding"}


def test_randomized_and_blinded_views(trials):
    rct = select_outcome(trials, "mortality", randomized_only=True)
    assert set(rct.table.fields["design"]) == {"RCT"}
    blind = select_outcome(trials, "mortality", randomized_only=True, blinded_only=True)
    assert set(blind.table.fields["blinding"]) <= {"single-blind", "double-blind"}
    assert blind.table.k < rct.table.k < 13


def test_shared_control_is_split_when_both_arms_are_pooled(trials):
    sel = select_outcome(trials, "mortality", products="all")
    i = sel.trial_ids.index("Zarrabi2023")
    j = sel.trial_ids.index("Zarrabi2023-EV")
    for k in (i, j):
        assert sel.table.data["events_ctrl"][k] == 4 and sel.table.data["n_ctrl"][k] == 12
    assert len(sel.notes) == 2


def test_mortality_pooled_result(trials):
    # Regression value of this dataset (docs/evidence.md): REML, RR, default selection.
    res = meta_analysis(select_outcome(trials, "mortality").table, measure="RR", method="REML")
    e = res.exp()
    assert res.k == 12 and res.dropped == ("Shi 2021",)
    assert (e["estimate"], e["ci_low"], e["ci_high"]) == pytest.approx(
        (0.6992, 0.5213, 0.9378), abs=1e-4
    )


def test_bad_outcome_or_products(trials):
    with pytest.raises(InputError, match="^outcome:"):
        select_outcome(trials, "survival")
    with pytest.raises(InputError, match="^products:"):
        select_outcome(trials, "mortality", products="exosomes")


def _raw(by_id):
    return by_id["Bowdish2023"].model_dump(mode="json", exclude_none=True)


def test_schema_check_rejects_events_above_n(by_id):
    raw = _raw(by_id)
    raw["mortality"]["events_treat"]["value"] = 113
    with pytest.raises(InputError, match=r"^Bowdish2023\.mortality\.events_treat\.value: at most"):
        parse_trial(raw, "x")


def test_schema_check_requires_sources_and_notes(by_id):
    raw = _raw(by_id)
    del raw["mortality"]["events_ctrl"]["source"]
    with pytest.raises(InputError, match=r"events_ctrl\.source: a DOI"):
        parse_trial(raw, "x")
    raw = _raw(by_id)
    raw["n_ctrl"] = {"value": None, "confidence": "unverified"}
    with pytest.raises(InputError, match=r"n_ctrl\.note"):
        parse_trial(raw, "x")
    raw = _raw(by_id)
    raw["design"] = "cohort"
    with pytest.raises(InputError, match=r"^Bowdish2023\.design:"):
        parse_trial(raw, "x")


def test_duplicates_are_refused(by_id):
    twin = parse_trial(_raw(by_id), "x")
    with pytest.raises(InputError, match=r"\.id: an id not already"):
        check_unique([by_id["Bowdish2023"], twin])
    raw = copy.deepcopy(_raw(by_id))
    raw["id"] = "Bowdish2023b"
    with pytest.raises(InputError, match=r"\.comparison:"):
        check_unique([by_id["Bowdish2023"], parse_trial(raw, "x")])


@pytest.mark.parametrize(
    ("kwargs", "k", "expected"),
    [  # the sensitivity rows of docs/evidence.md (REML, RR)
        ({"randomized_only": True}, 8, (0.79, 0.61, 1.02)),
        ({"randomized_only": True, "blinded_only": True}, 6, (0.79, 0.59, 1.05)),
        ({"products": "all"}, 13, (0.68, 0.50, 0.92)),
    ],
)
def test_sensitivity_views_in_the_docs(trials, kwargs, k, expected):
    res = meta_analysis(select_outcome(trials, "mortality", **kwargs).table, method="REML")
    e = res.exp()
    assert res.k == k
    assert (round(e["estimate"], 2), round(e["ci_low"], 2), round(e["ci_high"], 2)) == expected
