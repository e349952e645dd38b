"""Scalar code for the Numba backend: one patient's right-hand side, Jacobian and sparse LU.

`mscsim.model._codegen` prints a model as vector code over an array namespace (states as rows,
patients as columns). Numba compiles loops over scalars instead, so this module prints the same
SymPy expressions (`SymbolicModel.rhs`, `.jacobian`) as straight-line scalar Python:

* ``rhs(y, p, out)``: ``out[i] = f_i(y, p)`` for one patient (``y``: ``(n_states,)``,
  ``p``: ``(n_params,)``);
* ``factor(c, y, p, lu)``: the Jacobian entries as local scalars, then the sparse LU without
  pivoting of ``W = c*I - J`` in the elimination order of `plan_lu` (same fill-in, same
  operations as the vector code), stored in ``lu`` (``n_lu`` entries: off-diagonal factors,
  then the inverted pivots);
* ``solve(lu, b, x)``: ``x = W^{-1} b``, forward and back substitution.

Expressions go through the same common-subexpression elimination as the vector code
(``sympy.cse``, basic optimisations); ``Max`` propagates NaN like ``numpy.maximum``,
``Heaviside(x)`` is ``1.0 if x > 0 else 0.0``, ``exp``/``log`` are ``math.exp``/``math.log`` and
integer powers up to 8 are products. Observables are not needed by the solver and are left to
the vector code.
"""

from __future__ import annotations

import sympy as sp

from mscsim.model._codegen import CompiledModel, plan_lu

DECORATOR = '@njit(cache=True, fastmath=False, error_model="numpy", nogil=True)'

HEADER = f'''"""mscsim Numba backend: generated code for model {{name!r}} (do not edit; see
mscsim.solve._numba_codegen and mscsim.solve._rosenbrock_numba)."""

import math

import numpy as np
from numba import njit, prange


{DECORATOR}
def fmax(a, b):
    return a if (a > b or a != a) else b
'''


class ScalarPrinter:
    """Print a SymPy expression as one Python/Numba expression over float scalars."""

    FUNCTIONS = {sp.exp: "math.exp", sp.log: "math.log"}

    def doprint(self, e: sp.Expr) -> str:  # noqa: PLR0911 - one branch per node type
        if isinstance(e, sp.Symbol):
            return e.name
        if e.is_Number:
            return repr(float(e))
        if isinstance(e, sp.Add):
            return "(" + " + ".join(self.doprint(a) for a in e.args) + ")"
        if isinstance(e, sp.Mul):
            num, den = sp.fraction(e)
            if den != 1:
                return f"({self.doprint(num)} / {self.doprint(den)})"
            return "(" + " * ".join(self.doprint(a) for a in e.args) + ")"
        if isinstance(e, sp.Pow):
            return self._pow(e.base, e.exp)
        if isinstance(e, sp.Max) and len(e.args) == 2:
            return f"fmax({self.doprint(e.args[0])}, {self.doprint(e.args[1])})"
        if isinstance(e, sp.Heaviside):
            return f"(1.0 if {self.doprint(e.args[0])} > 0 else 0.0)"
        for function, name in self.FUNCTIONS.items():
            if isinstance(e, function):
                return f"{name}({self.doprint(e.args[0])})"
        raise TypeError(f"cannot print {type(e).__name__} for the Numba backend: {e}")

    def _pow(self, base: sp.Expr, exp: sp.Expr) -> str:
        b = self.doprint(base)
        if exp.is_Integer and 1 <= abs(int(exp)) <= 8:
            prod = "(" + " * ".join([b] * abs(int(exp))) + ")"
            return prod if int(exp) > 0 else f"(1.0 / {prod})"
        if exp == sp.Rational(1, 2):
            return f"math.sqrt({b})"
        return f"({b} ** {self.doprint(exp)})"


def _bind(exprs: list[sp.Expr], states: list[str], params: list[str]) -> list[str]:
    """Lines that read the states and parameters used by `exprs` into local scalars."""
    used = {s.name for e in exprs for s in e.free_symbols}
    return ([f"    {s} = y[{i}]" for i, s in enumerate(states) if s in used]
            + [f"    {s} = p[{j}]" for j, s in enumerate(params) if s in used])


def _cse(exprs: list[sp.Expr], prefix: str) -> tuple[list[str], list[str]]:
    """Common subexpressions as assignment lines, and the reduced expressions as text."""
    pr = ScalarPrinter()
    repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols(prefix), optimizations="basic")
    return ([f"    {s.name} = {pr.doprint(v)}" for s, v in repl],
            [pr.doprint(e) for e in reduced])


def emit_rhs(exprs: list[sp.Expr], states: list[str], params: list[str]) -> str:
    """Source of ``rhs(y, p, out)``."""
    lines, out = _cse(exprs, "_t")
    body = _bind(exprs, states, params) + lines + [f"    out[{i}] = {e}" for i, e in enumerate(out)]
    return "\n".join([DECORATOR, "def rhs(y, p, out):", *body]) + "\n"


def emit_lu(cm: CompiledModel) -> tuple[str, str, int]:
    """Sources of ``factor(c, y, p, lu)`` and ``solve(lu, b, x)``, and the size of ``lu``.

    The elimination repeats `mscsim.model._codegen.plan_lu` on scalars: the same order, the
    same fill-in and the same arithmetic, so both backends factor ``W`` identically.
    """
    st, pa = cm.model.state_names, cm.model.parameter_names
    n, pattern = len(st), cm.jac_pattern
    exprs = [cm.symbolic.jacobian[k] for k in pattern]
    order = plan_lu(n, set(pattern)).order
    pos = {old: new for new, old in enumerate(order)}
    jac_index = {(pos[i], pos[j]): k for k, (i, j) in enumerate(pattern)}
    lines, jv = _cse(exprs, "_t")
    fac = _bind(exprs, st, pa) + lines + [f"    j_{k} = {e}" for k, e in enumerate(jv)]
    pat = {(pos[i], pos[j]) for i, j in pattern} | {(i, i) for i in range(n)}
    for i, j in sorted(pat):
        k = jac_index.get((i, j))
        if i == j:
            fac.append(f"    a_{i}_{j} = " + ("c" if k is None else f"(c - j_{k})"))
        else:
            fac.append(f"    a_{i}_{j} = -j_{k}")
    for k in range(n):
        fac.append(f"    d_{k} = 1.0 / a_{k}_{k}")
        rows = sorted(i for (i, kk) in pat if kk == k and i > k)
        cols = sorted(j for (kk, j) in pat if kk == k and j > k)
        for i in rows:
            fac.append(f"    a_{i}_{k} = a_{i}_{k} * d_{k}")
            for j in cols:
                if (i, j) not in pat:
                    pat.add((i, j))
                    fac.append(f"    a_{i}_{j} = -a_{i}_{k} * a_{k}_{j}")
                else:
                    fac.append(f"    a_{i}_{j} = a_{i}_{j} - a_{i}_{k} * a_{k}_{j}")
    names = [f"a_{i}_{j}" for (i, j) in sorted(pat) if i != j] + [f"d_{k}" for k in range(n)]
    slot = {v: s for s, v in enumerate(names)}
    fac += [f"    lu[{s}] = {v}" for s, v in enumerate(names)]
    sol = [f"    x_{new} = b[{old}]" for new, old in enumerate(order)]
    for i in range(n):
        terms = [f"lu[{slot[f'a_{i}_{k}']}] * x_{k}" for k in range(i) if (i, k) in pat]
        if terms:
            sol.append(f"    x_{i} = x_{i} - (" + " + ".join(terms) + ")")
    for i in reversed(range(n)):
        terms = [f"lu[{slot[f'a_{i}_{j}']}] * x_{j}" for j in range(i + 1, n) if (i, j) in pat]
        rest = f"(x_{i} - (" + " + ".join(terms) + "))" if terms else f"x_{i}"
        sol.append(f"    x_{i} = {rest} * lu[{slot[f'd_{i}']}]")
    sol += [f"    x[{old}] = x_{pos[old]}" for old in range(n)]
    factor = "\n".join([DECORATOR, "def factor(c, y, p, lu):", *fac]) + "\n"
    solve = "\n".join([DECORATOR, "def solve(lu, b, x):", *sol]) + "\n"
    return factor, solve, len(names)


def model_source(cm: CompiledModel) -> str:
    """Header, ``N_LU`` and the model functions of `cm` (the solver kernel is appended later)."""
    st, pa = cm.model.state_names, cm.model.parameter_names
    factor, solve, n_lu = emit_lu(cm)
    parts = [HEADER.format(name=cm.model.name), f"N_LU = {n_lu}\n",
             emit_rhs(cm.symbolic.rhs, st, pa), factor, solve]
    return "\n\n".join(parts)
