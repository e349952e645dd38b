"""Export a model + patient + regimen as SBML Level 3 Version 2 (python-libsbml).

Every state becomes a species (amount units, ``hasOnlySubstanceUnits``) driven by a rate rule;
parameters are constants; intermediate expressions and observables are non-constant
parameters set by assignment rules, under the same ids as `mscsim simulate --json`; each
infusion is an event that adds the dose to the blood MSC compartment at its day.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import libsbml

from mscsim._atomic import write_text_atomic
from mscsim.model import Model, Regimen
from mscsim.model._symbolic import L3FormulaPrinter, SymbolicModel


def _check(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(
            f"libsbml failed to {what}: {libsbml.OperationReturnValue_toString(code)}"
        )


def _math(formula: str) -> libsbml.ASTNode:
    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise RuntimeError(f"libsbml could not parse {formula!r}: {libsbml.getLastParseL3Error()}")
    return ast


def to_sbml(
    model: Model,
    params: Mapping[str, float] | None = None,
    y0: Mapping[str, float] | None = None,
    regimen: Regimen | None = None,
) -> str:
    """Return the SBML document (a string) for one patient."""
    sym = SymbolicModel(model)
    printer = L3FormulaPrinter()
    values = {**model.default_parameters(), **(params or {})}
    init = {**model.healthy_state(), **(y0 or {})}
    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId(model.name)
    m.setName(model.description)
    m.setTimeUnits("dimensionless")
    comp = m.createCompartment()
    comp.setId("body")
    comp.setSize(1.0)
    comp.setConstant(True)
    comp.setSpatialDimensions(3)
    for s in model.states:
        sp = m.createSpecies()
        sp.setId(s.name)
        sp.setName(f"{s.description} [{s.unit}]")
        sp.setCompartment("body")
        sp.setInitialAmount(float(init[s.name]))
        sp.setHasOnlySubstanceUnits(True)
        sp.setBoundaryCondition(False)
        sp.setConstant(False)
    for p in model.parameters:
        par = m.createParameter()
        par.setId(p.name)
        par.setName(f"{p.description} [{p.unit}]")
        par.setValue(float(values[p.name]))
        par.setConstant(True)
    for item in (*model.expressions, *model.observables):
        par = m.createParameter()
        par.setId(item.name)
        par.setName(f"{item.description} [{item.unit}]")
        par.setConstant(False)
        rule = m.createAssignmentRule()
        rule.setVariable(item.name)
        _check(rule.setMath(_math(printer.doprint(sym.parse(item.formula)))), f"set {item.name}")
    for s in model.states:
        rule = m.createRateRule()
        rule.setVariable(s.name)
        _check(
            rule.setMath(_math(printer.doprint(sym.parse(model.odes[s.name])))), f"set d{s.name}/dt"
        )
    for k, (day, cells) in enumerate((regimen or Regimen()).infusions):
        ev = m.createEvent()
        ev.setId(f"infusion_{k + 1}")
        ev.setName(f"IV infusion of {cells:.4g} MSC at day {day:g}")
        # values at execution time: same-day infusions add up (with values from the trigger
        # time the last of them would overwrite the others)
        ev.setUseValuesFromTriggerTime(False)
        trig = ev.createTrigger()
        trig.setInitialValue(day > 0)
        trig.setPersistent(True)
        trig.setMath(_math(f"time >= {float(day)!r}"))
        ea = ev.createEventAssignment()
        ea.setVariable(model.dose_state)
        ea.setMath(_math(f"{model.dose_state} + {float(cells)!r}"))
    return libsbml.writeSBMLToString(doc)


def validate_sbml(text: str) -> list[str]:
    """libsbml consistency check; returns the error messages (empty when valid)."""
    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    errs = []
    for i in range(doc.getNumErrors()):
        e = doc.getError(i)
        if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
            errs.append(f"{e.getErrorId()}: {e.getMessage().strip()}")
    return errs


def write_sbml(path: str | Path, text: str) -> Path:
    """Write `text` to `path` atomically (see `mscsim._atomic`); errors name ``OUT.xml``."""
    return write_text_atomic(path, text, option="OUT.xml")
