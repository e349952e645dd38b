"""The PEtab export's SBML model: `to_sbml` plus condition-set dosing and enrollment events.

The model of `mscsim export sbml` (rate rules, observables as assignment rules) is extended with
constant parameters that the condition table sets per (trial, arm):

- ``t_enrol``: enrollment (trial day 0) in days since symptom onset; an event ``enrollment``
  at that time stores each biomarker in ``<biomarker>_d0`` (so changes from enrollment are
  observables ``<biomarker> - <biomarker>_d0``);
- ``t_inf_k``, ``dose_k`` (k = 1..slots): infusion times (days since onset) and doses (UC-MSC
  cell-equivalents); event ``infusion_k`` adds ``dose_k`` to the blood MSC compartment.
  Unused slots have dose 0 at enrollment. Infusion events use the values at their execution
  time, so simultaneous ones add up (SBML's values-from-trigger-time would let the last one
  overwrite the others).
"""

from __future__ import annotations

from collections.abc import Sequence

import libsbml

from mscsim.io._sbml import _check, _math, to_sbml
from mscsim.model import MSC_COVID, Model

ENROLLMENT = "t_enrol"


def baseline_id(observable: str) -> str:
    """SBML id of the value of model observable `observable` at enrollment."""
    return f"{observable}_d0"


def _parameter(m: libsbml.Model, pid: str, value: float, name: str, constant: bool) -> None:
    par = m.createParameter()
    _check(par.setId(pid), f"create {pid}")
    par.setName(name)
    par.setValue(float(value))
    par.setConstant(constant)


def _event(
    m: libsbml.Model, eid: str, time_param: str, assignments: dict[str, str], from_trigger: bool
) -> None:
    ev = m.createEvent()
    ev.setId(eid)
    ev.setUseValuesFromTriggerTime(from_trigger)
    trig = ev.createTrigger()
    trig.setInitialValue(False)  # a time of 0 fires at the start
    trig.setPersistent(True)
    _check(trig.setMath(_math(f"time >= {time_param}")), f"set trigger of {eid}")
    for var, formula in assignments.items():
        ea = ev.createEventAssignment()
        ea.setVariable(var)
        _check(ea.setMath(_math(formula)), f"set {var} in {eid}")


def petab_sbml(slots: int, biomarkers: Sequence[str], model: Model = MSC_COVID) -> str:
    """The SBML document: default parameters, healthy state, `slots` infusion events."""
    doc = libsbml.readSBMLFromString(to_sbml(model))
    m = doc.getModel()
    _parameter(m, ENROLLMENT, 0.0, "enrollment, trial day 0 [day since onset]", True)
    for b in biomarkers:
        _parameter(m, baseline_id(b), 0.0, f"{b} at enrollment", False)
    _event(m, "enrollment", ENROLLMENT, {baseline_id(b): b for b in biomarkers}, True)
    for k in range(1, slots + 1):
        _parameter(m, f"t_inf_{k}", 0.0, f"time of infusion {k} [day since onset]", True)
        _parameter(m, f"dose_{k}", 0.0, f"dose of infusion {k} [UC-MSC cell-equivalents]", True)
        # values at execution, not trigger, time: infusions at the same time (the unused slots
        # sit at enrollment with dose 0) add up instead of overwriting each other
        add = {model.dose_state: f"{model.dose_state} + dose_{k}"}
        _event(m, f"infusion_{k}", f"t_inf_{k}", add, False)
    return libsbml.writeSBMLToString(doc)
