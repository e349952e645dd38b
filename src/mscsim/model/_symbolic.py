"""Parse the model's math strings into SymPy and print them for other targets.

One parser feeds every consumer: the numerical right-hand side and Jacobian
(`_codegen`), the SBML export (L3 formula strings) and the docs (LaTeX).
"""

from __future__ import annotations

from functools import cached_property

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
            out[e.name] = self.parse(e.formula).subs(
                {self.symbols[k]: v for k, v in out.items()}
            )
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


class L3FormulaPrinter:
    """Print SymPy expressions in libSBML's Level 3 infix syntax (`parseL3Formula`)."""

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
            return f"pow({self._p(e.base)}, {self._p(e.exp)})"
        if isinstance(e, sp.Max):
            a, b = e.args
            return f"piecewise({self._p(a)}, {self._p(a)} > {self._p(b)}, {self._p(b)})"
        if isinstance(e, sp.exp):
            return f"exp({self._p(e.args[0])})"
        if isinstance(e, sp.log):
            return f"ln({self._p(e.args[0])})"
        raise TypeError(f"cannot print {type(e).__name__} as an SBML formula: {e}")
