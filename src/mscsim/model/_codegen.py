"""Generate array code for a model: right-hand side, sparse Jacobian, sparse LU.

The generated functions work on any NumPy-like namespace `xp` (NumPy by default, `jax.numpy`
for the JAX backend). States are stored as rows: ``y`` has shape ``(n_states, batch)`` and
parameters are a sequence of rows (``p[j]`` is a scalar or a ``(batch,)`` array), so every
patient of a cohort is advanced by the same straight-line vector code.

The linear solves of the implicit solver use a sparse LU factorisation without pivoting, laid
out once from the Jacobian's sparsity pattern (with a minimum-degree ordering to limit fill-in)
and emitted as straight-line code. The solver guards it: a non-finite or tiny pivot rejects the
step, and a smaller step makes the matrix ``I/(h*gamma) - J`` more diagonally dominant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from mscsim.model._spec import Model
from mscsim.model._symbolic import InfixPrinter, SymbolicModel


class _ArrayPrinter(InfixPrinter):
    """Print SymPy expressions as Python code over an array namespace called ``xp``."""

    FUNCTIONS = {sp.exp: "xp.exp", sp.log: "xp.log"}
    MAX = "xp.maximum({0}, {1})"
    HEAVISIDE = "xp.where({0} > 0, 1.0, 0.0)"

    def _pow(self, base: sp.Expr, exp: sp.Expr) -> str:
        """Reciprocal, small integer powers as products and square root spelled out."""
        if exp == -1:
            return f"(1.0 / {self._p(base)})"
        if exp.is_Integer and 1 < int(exp) <= 4:
            return "(" + " * ".join([self._p(base)] * int(exp)) + ")"
        if exp == sp.Rational(1, 2):
            return f"xp.sqrt({self._p(base)})"
        return super()._pow(base, exp)


def _emit_function(
    name: str, exprs: list[sp.Expr], states: list[str], params: list[str]
) -> str:
    """Source of ``name(y, p, xp)`` returning a tuple of arrays, one per expression."""
    printer = _ArrayPrinter()
    used = set().union(*(e.free_symbols for e in exprs)) if exprs else set()
    used_names = {s.name for s in used}
    lines = [f"def {name}(y, p, xp):"]
    lines.append("    _z = y[0] * 0.0")
    lines += [f"    {s} = y[{i}]" for i, s in enumerate(states) if s in used_names]
    lines += [f"    {s} = p[{j}]" for j, s in enumerate(params) if s in used_names]
    repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_t"), optimizations="basic")
    varying = set(states)  # names whose value has the batch shape for sure
    for sym, sub in repl:
        lines.append(f"    {sym.name} = {printer.doprint(sub)}")
        if {s.name for s in sub.free_symbols} & varying:
            varying.add(sym.name)
    out = []
    for e in reduced:
        txt = printer.doprint(e)
        if not {s.name for s in e.free_symbols} & varying:
            txt = f"({txt} + _z)"  # parameter-only or constant: broadcast to the batch
        out.append(txt)
    lines.append("    return (" + ", ".join(out) + ("," if len(out) == 1 else "") + ")")
    return "\n".join(lines) + "\n"


def _min_degree_order(n: int, pattern: set[tuple[int, int]]) -> list[int]:
    """Greedy minimum-degree ordering on the symmetrised pattern (limits LU fill-in)."""
    adj = {i: set() for i in range(n)}
    for i, j in pattern:
        if i != j:
            adj[i].add(j)
            adj[j].add(i)
    order, left = [], set(range(n))
    while left:
        k = min(left, key=lambda v: (len(adj[v] & left), v))
        nb = adj[k] & left
        for a in nb:
            adj[a] |= nb - {a}
        order.append(k)
        left.remove(k)
    return order


@dataclass(frozen=True)
class LUPlan:
    """Straight-line sparse LU of ``W = c*I - J`` in a fixed elimination order."""

    n: int
    order: tuple[int, ...]
    pattern: frozenset[tuple[int, int]]  # in permuted coordinates, incl. fill-in
    factor_src: str
    solve_src: str


def plan_lu(n: int, jac_pattern: set[tuple[int, int]]) -> LUPlan:
    order = _min_degree_order(n, jac_pattern)
    pos = {old: new for new, old in enumerate(order)}
    pat = {(pos[i], pos[j]) for i, j in jac_pattern} | {(i, i) for i in range(n)}
    # symbolic elimination to find fill-in and emit factor code
    fac = ["def lu_factor(c, jv, xp):", "    # W = c*I - J, J given by entries jv[k] (pattern order)"]
    jac_index = {(pos[i], pos[j]): k for k, (i, j) in enumerate(sorted(jac_pattern))}
    for (i, j) in sorted(pat):
        src = f"-jv[{jac_index[(i, j)]}]" if (i, j) in jac_index else "0.0"
        if i == j:
            src = f"(c {'+ ' + src if src != '0.0' else ''})".replace("+ -", "- ")
        fac.append(f"    a_{i}_{j} = {src}")
    pat = set(pat)
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
    fac.append("    return {" + ", ".join(f"'{v}': {v}" for v in names) + "}")
    # solve: b given in original state order, returned in original order
    sol = ["def lu_solve(f, b, xp):"]
    for new in range(n):
        sol.append(f"    x_{new} = b[{order[new]}]")
    for i in range(n):
        terms = [f"f['a_{i}_{k}'] * x_{k}" for k in range(i) if (i, k) in pat]
        if terms:
            sol.append(f"    x_{i} = x_{i} - (" + " + ".join(terms) + ")")
    for i in reversed(range(n)):
        terms = [f"f['a_{i}_{j}'] * x_{j}" for j in range(i + 1, n) if (i, j) in pat]
        if terms:
            sol.append(f"    x_{i} = (x_{i} - (" + " + ".join(terms) + f")) * f['d_{i}']")
        else:
            sol.append(f"    x_{i} = x_{i} * f['d_{i}']")
    sol.append("    return (" + ", ".join(f"x_{pos[old]}" for old in range(n)) + ",)")
    return LUPlan(
        n=n,
        order=tuple(order),
        pattern=frozenset(pat),
        factor_src="\n".join(fac) + "\n",
        solve_src="\n".join(sol) + "\n",
    )


class CompiledModel:
    """Array functions generated from a `Model` (cached per model instance).

    Attributes
    ----------
    rhs : callable ``rhs(y, p, xp) -> tuple`` of ``n_states`` arrays.
    jac : callable ``jac(y, p, xp) -> tuple`` of the nonzero Jacobian entries, ordered as
        ``jac_pattern``.
    observe : callable ``observe(y, p, xp) -> tuple`` of observables.
    lu_factor, lu_solve : sparse LU of ``c*I - J`` and its solve.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self.symbolic = SymbolicModel(model)

    @cached_property
    def jac_pattern(self) -> list[tuple[int, int]]:
        return sorted(self.symbolic.jacobian)

    @cached_property
    def source(self) -> str:
        sym = self.symbolic
        st, pa = self.model.state_names, self.model.parameter_names
        parts = [
            _emit_function("rhs", sym.rhs, st, pa),
            _emit_function("jac", [sym.jacobian[k] for k in self.jac_pattern], st, pa),
            _emit_function("observe", sym.observables, st, pa),
        ]
        plan = plan_lu(len(st), set(self.jac_pattern))
        parts += [plan.factor_src, plan.solve_src]
        return "\n\n".join(parts)

    @cached_property
    def _namespace(self) -> dict[str, Any]:
        ns: dict[str, Any] = {}
        exec(compile(self.source, f"<mscsim generated: {self.model.name}>", "exec"), ns)  # noqa: S102
        return ns

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name in ("rhs", "jac", "observe", "lu_factor", "lu_solve"):
            return self._namespace[name]
        raise AttributeError(name)
