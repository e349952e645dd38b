"""Which model parameters a PEtab export estimates: the uncertain MSC kinetics and effects.

A parameter concerns MSC when it appears in the right-hand side of an MSC state (``group ==
"msc"``: blood, lung, biophase, liver/spleen), in the secretome exposure ``h_msc``, or acts only
through the MSC effect (its derivative vanishes when ``h_msc = 0``: the Emax/Imax terms). Of
these, the ``assumed`` and ``calibrated`` ones are estimated; ``measured`` ones stay fixed, and so
does ``potency``: UC-MSC is the reference product (potency 1 by definition, bounds [1, 1] in
``mscsim/trial/products.csv``), which the paracrine EC50 would otherwise absorb.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from mscsim.model import MSC_COVID, Model, Parameter
from mscsim.model._symbolic import SymbolicModel

EXPOSURE = "h_msc"
REFERENCE_SCALE = ("potency",)  # fixed: relative to the reference product (see module docstring)
LOG10_SPAN = 10.0  # bounds spanning at least a decade (and positive) are estimated on log10


@dataclass(frozen=True)
class Estimated:
    """One estimated parameter: the model's row, its PEtab scale and nominal value."""

    parameter: Parameter
    scale: str  # "lin" or "log10"

    @property
    def name(self) -> str:
        return self.parameter.name


def petab_scale(p: Parameter) -> str:
    """``log10`` where the bounds are positive and span a decade or more, else ``lin``."""
    return "log10" if p.lower > 0 and p.upper / p.lower >= LOG10_SPAN else "lin"


@cache
def msc_parameter_names(model: Model = MSC_COVID) -> tuple[str, ...]:
    """Parameters of the MSC kinetics and effects (see the module docstring), in table order."""
    sym = SymbolicModel(model)
    names = set(model.parameter_names)
    h = sym.symbols[EXPOSURE]
    found: set[str] = set()
    exposure = next(e.formula for e in model.expressions if e.name == EXPOSURE)
    found |= {s.name for s in sym.parse(exposure).free_symbols} & names
    for state in model.states:
        if state.group == "msc":
            found |= {s.name for s in sym.parse(model.odes[state.name]).free_symbols} & names
    formulas = [e.formula for e in model.expressions if e.name != EXPOSURE]
    for expr in (sym.parse(f) for f in [*formulas, *model.odes.values()]):
        for s in expr.free_symbols & {sym.symbols[n] for n in names}:
            d = sp.diff(expr, s)
            if d != 0 and sp.simplify(d.subs(h, 0)) == 0:
                found.add(s.name)
    return tuple(n for n in model.parameter_names if n in found)


def estimated_parameters(model: Model = MSC_COVID) -> tuple[Estimated, ...]:
    """The MSC parameters of class assumed or calibrated, potency excepted."""
    return tuple(
        Estimated(p, petab_scale(p))
        for name in msc_parameter_names(model)
        if (p := model.parameter(name)).kind in ("assumed", "calibrated")
        and name not in REFERENCE_SCALE
    )
