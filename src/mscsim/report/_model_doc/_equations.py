"""The model's definition on the page: states, intermediate expressions, ODEs and observables."""

from __future__ import annotations

import numpy as np

from mscsim.model import Model
from mscsim.model._symbolic import SymbolicModel
from mscsim.report._model_doc._markdown import cell, num, table
from mscsim.report._model_doc._math import formula_latex, latex_name, math_block
from mscsim.solve import compiled


def healthy_residual(model: Model) -> float:
    """Largest |dy/dt| at the healthy state with default parameters (0: exact steady state)."""
    y = np.array([[model.healthy_state()[s]] for s in model.state_names])
    p = [model.default_parameters()[k] for k in model.parameter_names]
    return float(np.max(np.abs(np.stack(compiled(model).rhs(y, p, np)))))


def states_section(model: Model, sm: SymbolicModel) -> str:
    """State table and whether the healthy state is a steady state."""
    rows = [
        [f"`{s.name}`", s.unit, cell(s.description), num(s.healthy), s.group] for s in model.states
    ]
    worst = healthy_residual(model)
    return "\n\n".join(
        [
            "## States",
            table(["state", "unit", "description", "healthy value", "group"], rows),
            f"With the default parameters, the largest time derivative at the healthy state is "
            f"{num(worst)} (checked when this page was generated): the healthy state is "
            f"{'an exact' if worst == 0 else 'NOT a'} steady state.",
        ]
    )


def expressions_section(model: Model, sm: SymbolicModel) -> str:
    """The guard functions and the intermediate expressions (table and LaTeX)."""
    rows = [[f"`{e.name}`", e.unit, cell(e.description)] for e in model.expressions]
    eqs = [f"{latex_name(e.name)} &= {formula_latex(sm, e.formula)}" for e in model.expressions]
    guards = math_block(
        [
            r"\mathrm{pos}(x) &= \max(x, 0)",
            r"\mathrm{hill}(x; K, n) &= \frac{\mathrm{pos}(x)^n}{\mathrm{pos}(x)^n + K^n}",
        ]
    )
    return "\n\n".join(
        [
            "## Intermediate expressions",
            "Rate laws use two guard functions, which keep them well defined when a state dips to a "
            "tiny negative value during integration:",
            guards,
            "Intermediate expressions (SBML assignment rules), in evaluation order:",
            table(["name", "unit", "description"], rows),
            math_block(eqs),
        ]
    )


def odes_section(model: Model, sm: SymbolicModel) -> str:
    """One LaTeX block of ODEs per state group."""
    parts = [
        "## Right-hand side",
        f"Time $t$ in {model.time_unit}s since symptom onset; one equation per state, "
        "grouped as in the state table.",
    ]
    groups = list(dict.fromkeys(s.group for s in model.states))
    for g in groups:
        eqs = [
            rf"\frac{{d{latex_name(s.name)}}}{{dt}} &= {formula_latex(sm, model.odes[s.name])}"
            for s in model.states
            if s.group == g
        ]
        parts += [f"### {g or 'other'}", math_block(eqs)]
    return "\n\n".join(parts)


def observables_section(model: Model, sm: SymbolicModel) -> str:
    """Observable table and their formulas in LaTeX."""
    rows = [
        [f"`{o.name}`", o.unit, cell(o.description), f"`{o.formula}`"] for o in model.observables
    ]
    eqs = [
        r"\mathrm{" + o.name.replace("_", r"\_") + "} &= " + formula_latex(sm, o.formula)
        for o in model.observables
    ]
    return "\n\n".join(
        ["## Observables", table(["name", "unit", "description", "formula"], rows), math_block(eqs)]
    )
