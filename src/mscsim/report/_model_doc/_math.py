"""LaTeX of the model's formulas, term order kept and the guards ``pos``/``hill`` readable.

The printed expressions come from a parse that keeps ``pos`` and ``hill`` unevaluated;
`engine_form` expands them again so tests can check that the page shows the engine's math.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from mscsim.model._symbolic import SymbolicModel


class DocPos(sp.Function):
    """``pos(x)`` kept unevaluated so it prints as itself (the engine uses ``Max(x, 0)``)."""

    nargs = 1

    def _latex(self, printer: Any, exp: str | None = None) -> str:  # SymPy printer hook
        s = rf"\mathrm{{pos}}\left({printer._print(self.args[0])}\right)"
        return s if exp is None else rf"{s}^{{{exp}}}"


class DocHill(sp.Function):
    """``hill(x, K, n)`` kept unevaluated; printed as ``hill(x; K, n)``."""

    nargs = 3

    def _latex(self, printer: Any, exp: str | None = None) -> str:  # SymPy printer hook
        x, k, n = (printer._print(a) for a in self.args)
        s = rf"\mathrm{{hill}}\left({x};\, {k}, {n}\right)"
        return s if exp is None else rf"{s}^{{{exp}}}"


def latex_name(name: str) -> str:
    r"""LaTeX for an identifier: ``K_inj_tnf`` -> ``K_{\mathrm{inj,tnf}}``, ``Sl`` -> ``\mathrm{Sl}``.

    Greek names print as letters, one-letter names in italics, longer names upright.
    """
    base, _, sub = name.partition("_")
    greek = {"alpha", "beta", "gamma", "delta", "kappa", "lambda", "mu", "sigma", "tau"}
    head = rf"\{base}" if base in greek else base if len(base) == 1 else rf"\mathrm{{{base}}}"
    return rf"{head}_{{\mathrm{{{sub.replace('_', ',')}}}}}" if sub else head


def doc_expression(sm: SymbolicModel, formula: str) -> sp.Expr:
    """Parse `formula` as written (term order kept, ``pos``/``hill`` unevaluated)."""
    local = {**sm.symbols, "pos": DocPos, "hill": DocHill, "exp": sp.exp, "log": sp.log}
    return sp.parse_expr(formula, local_dict=local, evaluate=False)


def engine_form(expr: sp.Expr) -> sp.Expr:
    """Replace the printable guards by the engine's forms (`SymbolicModel.parse` semantics)."""

    def hill(x: sp.Expr, k: sp.Expr, n: sp.Expr) -> sp.Expr:
        return sp.Max(x, 0) ** n / (sp.Max(x, 0) ** n + k**n)

    return expr.replace(DocPos, lambda x: sp.Max(x, 0)).replace(DocHill, hill).doit()


def formula_latex(sm: SymbolicModel, formula: str) -> str:
    """LaTeX of one model formula, with readable names and explicit products."""
    names = {s: latex_name(n) for n, s in sm.symbols.items()}
    return sp.latex(doc_expression(sm, formula), order="none", symbol_names=names, mul_symbol="dot")


def math_block(lines: list[str]) -> str:
    """A ```math block aligning `lines` (each ``lhs &= rhs``)."""
    body = " \\\\\n".join(lines)
    return f"```math\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n```"
