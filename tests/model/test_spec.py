"""The declarative model: completeness, units, provenance, exact healthy steady state."""

from __future__ import annotations

import numpy as np
import pytest

from mscsim.model import MSC_COVID, Model, State
from mscsim.model._spec import Parameter
from mscsim.solve import compiled

REQUIRED_OBSERVABLES = {
    "viral_load": "copies/mL",
    "il6": "pg/mL",
    "tnf": "pg/mL",
    "il10": "pg/mL",
    "crp": "mg/L",
    "pf_ratio": "mmHg",
    "epithelium": "1",
    "edema": "1",
    "fibrosis": "1",
    "msc_lung": "cells",
    "dlco": "% predicted",
    "fvc": "% predicted",
}


def test_every_required_observable_with_its_unit():
    units = {o.name: o.unit for o in MSC_COVID.observables}
    assert units == REQUIRED_OBSERVABLES


def test_parameter_table_is_complete_and_classed():
    for p in MSC_COVID.parameters:
        assert p.kind in ("measured", "calibrated", "assumed"), p.name
        assert p.unit and p.description, p.name
        assert p.lower <= p.value <= p.upper, p.name
        if p.kind == "measured":
            assert p.source.startswith("http") and p.note, f"{p.name} needs a source and a quote"


def test_measured_parameter_without_source_is_refused():
    with pytest.raises(ValueError, match="source"):
        Parameter(name="x", value=1, unit="1", lower=0, upper=2, kind="measured", description="d")


def test_crp_half_life_is_19_hours():
    # Vigushin et al. 1993 (https://doi.org/10.1172/JCI116336): plasma CRP t1/2 = 19 h
    assert np.log(2) / MSC_COVID.parameter("k_C").value * 24 == pytest.approx(19, abs=0.01)


def test_msc_lung_residence_half_life_about_a_day():
    # Lee RH et al. 2009: lung MSC "disappeared with a half-life of about 24 hr"
    assert np.log(2) / MSC_COVID.parameter("k_l").value == pytest.approx(1.0, abs=0.01)


def test_healthy_state_is_an_exact_steady_state():
    cm = compiled(MSC_COVID)
    y = np.array([[MSC_COVID.healthy_state()[s]] for s in MSC_COVID.state_names])
    p = [MSC_COVID.default_parameters()[k] for k in MSC_COVID.parameter_names]
    assert np.all(np.stack(cm.rhs(y, p, np)) == 0.0)


def test_model_rejects_inconsistent_declarations():
    s = State(name="x", unit="1", description="x")
    with pytest.raises(ValueError, match="odes and states"):
        Model(
            name="m",
            description="",
            time_unit="day",
            states=(s,),
            parameters=(),
            expressions=(),
            odes={},
            observables=(),
            dose_state="x",
        )


def test_unknown_name_in_a_formula_is_an_error():
    from mscsim.model._symbolic import SymbolicModel

    with pytest.raises(ValueError, match="unknown names"):
        SymbolicModel(MSC_COVID).parse("k_C * CRPx + typo_name")
