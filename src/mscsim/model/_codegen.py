"""Generate array code for a model: right-hand side, sparse Jacobian, sparse LU.

The generated functions work on any NumPy-like namespace `xp` (NumPy by default, `jax.numpy`
for the JAX backend). States are stored as rows: ``y`` has shape ``(n_states, batch)`` and
parameters are a sequence of rows (``p[j]`` is a scalar or a ``(batch,)`` array), so every
patient of a cohort is advanced by the same straight-line vector code.

The linear solves of the implicit solver use a sparse LU factorisation without pivoting, laid
out once from the Jacobian's sparsity pattern (with a minimum-degree ordering to limit fill-in)
as a `LUPlan`, whose statements this vector code and the Numba backend's scalar code both emit.
The solver guards it: a non-finite or tiny pivot rejects the step, and a smaller step makes the
matrix ``I/(h*gamma) - J`` more diagonally dominant.
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


def _emit_function(name: str, exprs: list[sp.Expr], states: list[str], params: list[str]) -> str:
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
    adj: dict[int, set[int]] = {i: set() for i in range(n)}
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


def _eliminate(n: int, pattern: set[tuple[int, int]]) -> list[str]:
    """Straight-line LU without pivoting on the scalars ``a_i_j`` (adds fill-in to `pattern`).

    Right-looking elimination in the permuted order: for pivot ``k``, ``d_k = 1/a_k_k``; each
    entry ``a_i_k`` below it becomes the multiplier ``l_ik = a_i_k * d_k``, and each ``a_i_j``
    to its right (``i, j > k``) is updated as ``a_i_j - l_ik * a_k_j`` (or set to
    ``-l_ik * a_k_j`` where it is fill-in). The statements are plain Python arithmetic on
    named locals, valid for scalars and arrays alike.
    """
    lines = []
    for k in range(n):
        lines.append(f"    d_{k} = 1.0 / a_{k}_{k}")
        rows = sorted(i for (i, kk) in pattern if kk == k and i > k)
        cols = sorted(j for (kk, j) in pattern if kk == k and j > k)
        for i in rows:
            lines.append(f"    a_{i}_{k} = a_{i}_{k} * d_{k}")
            for j in cols:
                if (i, j) not in pattern:
                    pattern.add((i, j))
                    lines.append(f"    a_{i}_{j} = -a_{i}_{k} * a_{k}_{j}")
                else:
                    lines.append(f"    a_{i}_{j} = a_{i}_{j} - a_{i}_{k} * a_{k}_{j}")
    return lines


@dataclass(frozen=True)
class LUPlan:
    """Sparse LU without pivoting of ``W = c*I - J`` in a fixed elimination order.

    The elimination is laid out once (`plan_lu`) and shared by every emitter; each target
    states only how it reads the Jacobian, stores the factors and returns the solution.

    Attributes
    ----------
    n : number of states.
    order : states in elimination order (``order[new] = old``).
    pattern : nonzeros of the factors in permuted coordinates, including fill-in.
    entries : initial nonzeros of ``W`` as ``(i, j, k)`` in permuted coordinates, sorted, where
        ``k`` indexes the sorted Jacobian pattern (None for a diagonal without a Jacobian
        entry).
    elimination : statements of the factorisation (see `_eliminate`).
    factors : names of the factors: off-diagonal ``a_i_j`` (sorted), then pivot inverses
        ``d_k``.
    """

    n: int
    order: tuple[int, ...]
    pattern: frozenset[tuple[int, int]]
    entries: tuple[tuple[int, int, int | None], ...]
    elimination: tuple[str, ...]
    factors: tuple[str, ...]

    def assemble(self, jac: Callable[[int], str], c_only: str) -> list[str]:
        """Statements setting each initial ``a_i_j`` of ``W = c*I - J``.

        `jac` maps an index into the sorted Jacobian pattern to the target's expression of that
        entry; `c_only` is the target's text of a diagonal entry without a Jacobian term.
        """
        lines = []
        for i, j, k in self.entries:
            if i != j:
                assert k is not None  # off-diagonal entries are Jacobian entries
                lines.append(f"    a_{i}_{j} = -{jac(k)}")
            else:
                lines.append(f"    a_{i}_{j} = " + (c_only if k is None else f"(c - {jac(k)})"))
        return lines

    @property
    def solution(self) -> tuple[str, ...]:
        """Names of the solved unknowns ``x_new``, in original state order."""
        pos = {old: new for new, old in enumerate(self.order)}
        return tuple(f"x_{pos[old]}" for old in range(self.n))

    def substitution(self, factor: Callable[[str], str]) -> list[str]:
        """Statements of ``x = W^{-1} b``: permute ``b``, forward then back substitution.

        `factor` maps a factor name (``a_i_j``, ``d_k``) to the target's expression reading it.
        """
        n, pat = self.n, self.pattern
        lines = [f"    x_{new} = b[{old}]" for new, old in enumerate(self.order)]
        for i in range(n):
            terms = [f"{factor(f'a_{i}_{k}')} * x_{k}" for k in range(i) if (i, k) in pat]
            if terms:
                lines.append(f"    x_{i} = x_{i} - (" + " + ".join(terms) + ")")
        for i in reversed(range(n)):
            terms = [f"{factor(f'a_{i}_{j}')} * x_{j}" for j in range(i + 1, n) if (i, j) in pat]
            rest = f"(x_{i} - (" + " + ".join(terms) + "))" if terms else f"x_{i}"
            lines.append(f"    x_{i} = {rest} * {factor(f'd_{i}')}")
        return lines

    @cached_property
    def factor_src(self) -> str:
        """Vector code ``lu_factor(c, jv, xp)``: the factors of ``W`` as a dict by name."""
        fac = [
            "def lu_factor(c, jv, xp):",
            "    # W = c*I - J, J given by entries jv[k] (pattern order)",
        ]
        fac += self.assemble(lambda k: f"jv[{k}]", c_only="(c )")
        fac += self.elimination
        fac.append("    return {" + ", ".join(f"'{v}': {v}" for v in self.factors) + "}")
        return "\n".join(fac) + "\n"

    @cached_property
    def solve_src(self) -> str:
        """Vector code ``lu_solve(f, b, xp)``: ``b`` and the result in original state order."""
        sol = ["def lu_solve(f, b, xp):", *self.substitution(lambda v: f"f['{v}']")]
        sol.append("    return (" + ", ".join(self.solution) + ",)")
        return "\n".join(sol) + "\n"


def plan_lu(n: int, jac_pattern: set[tuple[int, int]]) -> LUPlan:
    """Order (minimum degree), fill-in and statements of the sparse LU of ``c*I - J``."""
    order = _min_degree_order(n, jac_pattern)
    pos = {old: new for new, old in enumerate(order)}
    jac_index = {(pos[i], pos[j]): k for k, (i, j) in enumerate(sorted(jac_pattern))}
    pat = set(jac_index) | {(i, i) for i in range(n)}
    entries = tuple((i, j, jac_index.get((i, j))) for i, j in sorted(pat))
    elimination = tuple(_eliminate(n, pat))
    factors = [f"a_{i}_{j}" for (i, j) in sorted(pat) if i != j] + [f"d_{k}" for k in range(n)]
    return LUPlan(
        n=n,
        order=tuple(order),
        pattern=frozenset(pat),
        entries=entries,
        elimination=elimination,
        factors=tuple(factors),
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
    def lu_plan(self) -> LUPlan:
        """Sparse LU of ``c*I - J`` laid out from `jac_pattern` (shared with the Numba code)."""
        return plan_lu(len(self.model.state_names), set(self.jac_pattern))

    @cached_property
    def source(self) -> str:
        sym = self.symbolic
        st, pa = self.model.state_names, self.model.parameter_names
        parts = [
            _emit_function("rhs", sym.rhs, st, pa),
            _emit_function("jac", [sym.jacobian[k] for k in self.jac_pattern], st, pa),
            _emit_function("observe", sym.observables, st, pa),
        ]
        parts += [self.lu_plan.factor_src, self.lu_plan.solve_src]
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
