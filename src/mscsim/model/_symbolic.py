"""Parse the model's math strings into SymPy and print them for other targets.

One parser feeds every consumer: the numerical right-hand side and Jacobian
(`_codegen`), the SBML export (L3 formula strings) and the docs (LaTeX).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import ClassVar

import sympy as sp

from mscsim.model._spec import Model


def _pos(x: sp.Expr) -> sp.Expr:
    return sp.Max(x, 0)


def _hill(x: sp.Expr, k: sp.Expr, n: sp.Expr) -> sp.Expr:
    xp = sp.Max(x, 0)
    return xp**n / (xp**n + k**n)


_FUNCTIONS = {"pos": _pos, "hill": _hill, "exp": sp.exp, "log": sp.log}


class SymbolicModel:
    """SymPy view of a `Model`: symbols, parsed formulas and the expanded right-hand side."""

    def __init__(self, model: Model) -> None:
        self.model = model
        names = model.state_names + model.parameter_names
        names += [e.name for e in model.expressions]
        self.symbols = {n: sp.Symbol(n, real=True) for n in names}
        self._locals = {**self.symbols, **_FUNCTIONS}

    def parse(self, formula: str) -> sp.Expr:
        """Parse one formula; unknown names are an error (typos must not become symbols)."""
        expr = sp.sympify(formula, locals=self._locals, rational=False)
        unknown = {s.name for s in expr.free_symbols} - set(self.symbols)
        if unknown:
            raise ValueError(f"unknown names {sorted(unknown)} in formula {formula!r}")
        return expr

    @cached_property
    def expressions(self) -> dict[str, sp.Expr]:
        """Intermediate expressions, each fully expanded in states and parameters."""
        out: dict[str, sp.Expr] = {}
        for e in self.model.expressions:
            out[e.name] = self.parse(e.formula).subs({self.symbols[k]: v for k, v in out.items()})
        return out

    def expand(self, formula: str) -> sp.Expr:
        """Parse `formula` and substitute every intermediate expression."""
        subs = {self.symbols[k]: v for k, v in self.expressions.items()}
        return self.parse(formula).subs(subs)

    @cached_property
    def rhs(self) -> list[sp.Expr]:
        """Right-hand side in state order, in states and parameters only."""
        return [self.expand(self.model.odes[s]) for s in self.model.state_names]

    @cached_property
    def observables(self) -> list[sp.Expr]:
        return [self.expand(o.formula) for o in self.model.observables]

    @cached_property
    def jacobian(self) -> dict[tuple[int, int], sp.Expr]:
        """Structurally nonzero entries of d(rhs_i)/d(state_j)."""
        states = [self.symbols[s] for s in self.model.state_names]
        out: dict[tuple[int, int], sp.Expr] = {}
        for i, f in enumerate(self.rhs):
            for j, s in enumerate(states):
                if s in f.free_symbols:
                    d = sp.diff(f, s)
                    if d != 0:
                        out[(i, j)] = d
        return out


class InfixPrinter:
    """Print SymPy expressions as infix text; subclasses state only their target's syntax.

    The walk is shared: symbols print as their names, numbers as Python floats, sums and
    products in parentheses (a product with a denominator as one division), ``Max`` of two
    operands only. The target-specific pieces are class attributes used by overridable
    methods: `FUNCTIONS` (names of ``exp`` and ``log``), `POW` and `MAX` (``str.format``
    templates of the two operands, via `_pow` and `_max`), `HEAVISIDE` (template of the
    argument, empty where the target has no step function, via `_heaviside`) and `TARGET`
    (named in the error for an unsupported node).
    The defaults print Python-style math.
    """

    FUNCTIONS: ClassVar[Mapping[type[sp.Function], str]] = {sp.exp: "exp", sp.log: "log"}
    POW = "({0} ** {1})"
    MAX = "max({0}, {1})"
    HEAVISIDE = ""
    TARGET = ""

    def doprint(self, e: sp.Expr) -> str:
        return self._p(e)

    def _p(self, e: sp.Expr) -> str:  # noqa: PLR0911 - one branch per node type
        if isinstance(e, sp.Symbol):
            return e.name
        if e.is_Number:
            return repr(float(e))
        if isinstance(e, sp.Add):
            return "(" + " + ".join(self._p(a) for a in e.args) + ")"
        if isinstance(e, sp.Mul):
            num, den = sp.fraction(e)
            if den != 1:
                return f"({self._p(num)} / {self._p(den)})"
            return "(" + " * ".join(self._p(a) for a in e.args) + ")"
        if isinstance(e, sp.Pow):
            return self._pow(e.base, e.exp)
        if isinstance(e, sp.Max) and len(e.args) == 2:
            return self._max(*e.args)
        if isinstance(e, sp.Heaviside) and self.HEAVISIDE:
            return self._heaviside(e.args[0])
        for function, name in self.FUNCTIONS.items():
            if isinstance(e, function):
                return f"{name}({self._p(e.args[0])})"
        raise TypeError(f"cannot print {type(e).__name__}{self.TARGET}: {e}")

    def _pow(self, base: sp.Expr, exp: sp.Expr) -> str:
        return self.POW.format(self._p(base), self._p(exp))

    def _max(self, a: sp.Expr, b: sp.Expr) -> str:
        return self.MAX.format(self._p(a), self._p(b))

    def _heaviside(self, x: sp.Expr) -> str:
        return self.HEAVISIDE.format(self._p(x))


class L3FormulaPrinter(InfixPrinter):
    """Print SymPy expressions in libSBML's Level 3 infix syntax (`parseL3Formula`)."""

    FUNCTIONS = {sp.exp: "exp", sp.log: "ln"}
    POW = "pow({0}, {1})"
    MAX = "piecewise({0}, {0} > {1}, {1})"
    TARGET = " as an SBML formula"
