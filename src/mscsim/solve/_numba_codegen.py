"""Scalar code for the Numba backend: one patient's right-hand side, Jacobian and sparse LU.

`mscsim.model._codegen` prints a model as vector code over an array namespace (states as rows,
patients as columns). Numba compiles loops over scalars instead, so this module prints the same
SymPy expressions (`SymbolicModel.rhs`, `.jacobian`) as straight-line scalar Python:

* ``rhs(y, p, out)``: ``out[i] = f_i(y, p)`` for one patient (``y``: ``(n_states,)``,
  ``p``: ``(n_params,)``);
* ``factor(c, y, p, lu)``: the Jacobian entries as local scalars, then the sparse LU without
  pivoting of ``W = c*I - J`` laid out by `plan_lu` (the very statements of the vector
  code), stored in ``lu`` (``n_lu`` entries: off-diagonal factors, then the inverted pivots);
* ``solve(lu, b, x)``: ``x = W^{-1} b``, forward and back substitution;
* ``observe(y, p, out)``: the observables of one patient at one time;
* ``rhs_v``, ``factor_v``, ``solve_v`` (and ``observe_sel_v``, see `emit_observables`):
  the same functions over `LANES`
  patients (or output times) at once (see `lanes`), and two loops of the lane kernel written out over the states
  (`lane_helpers`), for `mscsim.solve._rosenbrock_lanes`.

Expressions go through the same common-subexpression elimination as the vector code
(``sympy.cse``, basic optimisations); ``Max`` propagates NaN like ``numpy.maximum``,
``Heaviside(x)`` is ``1.0 if x > 0 else 0.0``, ``exp``/``log`` are ``math.exp``/``math.log`` and
integer powers up to 8 are products.
"""

from __future__ import annotations

import re

import sympy as sp

from mscsim.model._codegen import CompiledModel
from mscsim.model._symbolic import InfixPrinter

LANES = 16  # patients stepped together: two AVX-512 vectors of doubles, four AVX2 vectors
DECORATOR = '@njit(cache=True, fastmath=False, error_model="numpy", nogil=True)'

HEADER = f'''"""mscsim Numba backend: generated code for model {{name!r}} (do not edit; see
mscsim.solve._numba_codegen and mscsim.solve._rosenbrock_numba)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


{DECORATOR}
def fmax(a, b):
    return a if (a > b or a != a) else b
'''


class ScalarPrinter(InfixPrinter):
    """Print a SymPy expression as one Python/Numba expression over float scalars."""

    FUNCTIONS = {sp.exp: "math.exp", sp.log: "math.log"}
    MAX = "fmax({0}, {1})"
    HEAVISIDE = "(1.0 if {0} > 0 else 0.0)"
    TARGET = " for the Numba backend"

    def _pow(self, base: sp.Expr, exp: sp.Expr) -> str:
        """Integer powers up to 8 (and their reciprocals) as products, square root spelled out."""
        if exp.is_Integer and 1 <= abs(int(exp)) <= 8:
            prod = "(" + " * ".join([self._p(base)] * abs(int(exp))) + ")"
            return prod if int(exp) > 0 else f"(1.0 / {prod})"
        if exp == sp.Rational(1, 2):
            return f"math.sqrt({self._p(base)})"
        return super()._pow(base, exp)


def _bind(exprs: list[sp.Expr], states: list[str], params: list[str]) -> list[str]:
    """Lines that read the states and parameters used by `exprs` into local scalars."""
    used = {s.name for e in exprs for s in e.free_symbols}
    return [f"    {s} = y[{i}]" for i, s in enumerate(states) if s in used] + [
        f"    {s} = p[{j}]" for j, s in enumerate(params) if s in used
    ]


def _cse(exprs: list[sp.Expr], prefix: str) -> tuple[list[str], list[str]]:
    """Common subexpressions as assignment lines, and the reduced expressions as text."""
    pr = ScalarPrinter()
    repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols(prefix), optimizations="basic")
    return ([f"    {s.name} = {pr.doprint(v)}" for s, v in repl], [pr.doprint(e) for e in reduced])


def emit_rhs(exprs: list[sp.Expr], states: list[str], params: list[str], name: str = "rhs") -> str:
    """Source of ``rhs(y, p, out)`` (or of `name`, e.g. ``observe``, with the same layout)."""
    lines, out = _cse(exprs, "_t")
    body = _bind(exprs, states, params) + lines + [f"    out[{i}] = {e}" for i, e in enumerate(out)]
    return "\n".join([DECORATOR, f"def {name}(y, p, out):", *body]) + "\n"


def emit_lu(cm: CompiledModel) -> tuple[str, str, int]:
    """Sources of ``factor(c, y, p, lu)`` and ``solve(lu, b, x)``, and the size of ``lu``.

    The elimination is `CompiledModel.lu_plan`, the one the vector code uses: the same order,
    the same fill-in and the same arithmetic, so both backends factor ``W`` identically. Here
    the Jacobian entries are local scalars ``j_k`` and the factors are stored in ``lu``.
    """
    st, pa = cm.model.state_names, cm.model.parameter_names
    plan = cm.lu_plan
    exprs = [cm.symbolic.jacobian[k] for k in cm.jac_pattern]
    lines, jv = _cse(exprs, "_t")
    fac = _bind(exprs, st, pa) + lines + [f"    j_{k} = {e}" for k, e in enumerate(jv)]
    fac += plan.assemble(lambda k: f"j_{k}", c_only="c") + list(plan.elimination)
    fac += [f"    lu[{s}] = {v}" for s, v in enumerate(plan.factors)]
    slot = {v: s for s, v in enumerate(plan.factors)}
    sol = plan.substitution(lambda v: f"lu[{slot[v]}]")
    sol += [f"    x[{old}] = {x}" for old, x in enumerate(plan.solution)]
    factor = "\n".join([DECORATOR, "def factor(c, y, p, lu):", *fac]) + "\n"
    solve = "\n".join([DECORATOR, "def solve(lu, b, x):", *sol]) + "\n"
    return factor, solve, len(plan.factors)


_INDEXED = re.compile(r"\b(y|p|out|lu|b|x)\[(\d+)\]")


def lanes(src: str, trip: str) -> str:
    """Lane version ``NAME_v`` of a generated scalar function `src`: its body, unchanged, inside
    one loop over `LANES` patients (``_lane``), whose arrays are flat, lane-minor.

    The arrays are renamed (``y`` -> ``_Y``, ``c`` -> ``_C``, ...: a model state may be called
    ``y``). Entry ``i`` of patient ``_lane`` is ``_Y[i * LANES + _lane]`` (``_Y``
    ``(n * LANES,)``, the same for ``p``, ``out``, ``lu``, ``b``, ``x``); ``factor_v`` takes one
    ``c`` per lane (``_C``, ``(LANES,)``). Constant offsets between rows let LLVM's loop
    vectorizer group the loads and stores of each array and vectorize the loop over lanes,
    whose trip count `trip` is read from an array length (a literal count would be unrolled
    instead). Every lane does the very operations of the scalar function, and ``+ - * /``,
    ``sqrt`` and comparisons are exact in SIMD registers as in scalar ones (no fast-math: no
    reordering, no fused multiply-add), so each lane's results are bit-identical to the scalar
    function's.
    """
    dec, head, *body = src.rstrip("\n").split("\n")
    name = head[4 : head.index("(")]
    args = [a.strip() for a in head[head.index("(") + 1 : head.index(")")].split(",")]
    lines = [dec, f"def {name}_v({', '.join('_' + a.upper() for a in args)}):"]
    lines.append(f"    for _lane in range({trip}):")
    lines += ["        c = _C[_lane]"] if args[0] == "c" else []

    def at(m: re.Match[str]) -> str:
        return f"_{m[1].upper()}[{int(m[2]) * LANES} + _lane]"

    lines += ["    " + _INDEXED.sub(at, line) for line in body]
    return "\n".join(lines) + "\n"


def lane_helpers(n: int) -> str:
    """Sources of two kernel loops over lanes, written out over the `n` states like `lanes`
    (a loop with a short body would be vectorized for 32 lanes or more, not for `LANES`):

    * ``axpy_v(r, k, c)``: ``r += c * k`` with one ``c`` per lane (a stage sum);
    * ``error_v(sq, fin, k5, y, u, atol, rtol)``: per lane, the squared scaled errors summed in
      state order from 0.0 (the scalar kernel's ``sq``) into ``sq``, and ``sum_s (u_s - u_s)``
      (0.0 exactly when every ``u_s`` is finite, else NaN) into ``fin``;
    * ``stage_v(u, y, ks, a, i)`` (``i < 4``): ``u = y + (0.0 + a_i0 k_0 + ... + a_ii k_i)``,
      summed in that order (the scalar kernel's ``acc``).
    """
    ax = ["def axpy_v(r, k, c):", "    for _lane in range(c.shape[0]):", "        cl = c[_lane]"]
    er = ["def error_v(sq, fin, k5, y, u, atol, rtol):", "    for _lane in range(sq.shape[0]):"]
    er.append("        acc, f = 0.0, 0.0")
    for s in range(n):
        q = f"{s * LANES} + _lane"
        ax.append(f"        r[{q}] = r[{q}] + cl * k[{q}]")
        er.append(f"        e = k5[{q}] / (atol[{s}] + rtol * max(abs(y[{q}]), abs(u[{q}])))")
        er += ["        acc = acc + e * e", f"        f = f + (u[{q}] - u[{q}])"]
    er += ["        sq[_lane] = acc", "        fin[_lane] = f"]
    st = ["def stage_v(u, y, ks, a, i):"]
    for i in range(4):
        st.append(f"    {'if' if i == 0 else 'elif'} i == {i}:")
        st += [f"        a{j} = a[{i}, {j}]" for j in range(i + 1)]
        st.append(f"        for _lane in range(u.shape[0] // {n}):")
        for s in range(n):
            q = f"{s * LANES} + _lane"
            acc = "0.0"
            for j in range(i + 1):
                acc = f"({acc} + a{j} * ks[{j}, {q}])"
            st.append(f"            u[{q}] = y[{q}] + {acc}")
    return "\n\n\n".join("\n".join([DECORATOR, *f]) + "\n" for f in (ax, er, st))


def _observed_inputs(cm: CompiledModel) -> str:
    """``OBS_STATES``, ``OBS_PARAMS``: indices of the states and parameters the observables
    read (``_observe_patient_v`` loads only those into its lanes)."""
    used = {s.name for e in cm.symbolic.observables for s in e.free_symbols}
    st = [i for i, s in enumerate(cm.model.state_names) if s in used]
    pa = [j for j, s in enumerate(cm.model.parameter_names) if s in used]
    return (
        f"OBS_STATES = np.array({st}, dtype=np.int64)\n"
        f"OBS_PARAMS = np.array({pa}, dtype=np.int64)\n"
    )


def emit_observables(exprs: list[sp.Expr], states: list[str], params: list[str]) -> str:
    """Lane functions ``observe_K_v`` (observable ``K`` only) and ``observe_sel_v(y, p, out,
    sel)``, which calls those with ``sel[K]`` set: unselected observables cost nothing (their
    ``exp`` calls are most of the observables' time).

    Each ``observe_K`` is `emit_rhs`'s ``observe`` cut down to output ``K`` and the common
    subexpressions it needs (the same ``sympy.cse`` of all observables, the same lines), so
    it does the very operations of ``observe`` for that output.
    """
    pr = ScalarPrinter()
    repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_t"), optimizations="basic")
    deps = dict(repl)
    parts, sel = [], [DECORATOR, "def observe_sel_v(y, p, out, sel):"]
    for k, e in enumerate(reduced):
        need: set[sp.Symbol] = set()
        todo = [x for x in e.free_symbols if x in deps]
        while todo:
            x = todo.pop()
            if x not in need:
                need.add(x)
                todo += [z for z in deps[x].free_symbols if z in deps]
        body = _bind([*(deps[x] for x in need), e], states, params)
        body += [f"    {x.name} = {pr.doprint(v)}" for x, v in repl if x in need]
        body.append(f"    out[{k}] = {pr.doprint(e)}")
        src = "\n".join([DECORATOR, f"def observe_{k}(y, p, out):", *body]) + "\n"
        parts.append(lanes(src, f"_OUT.shape[0] // {len(exprs)}"))
        sel += [f"    if sel[{k}]:", f"        observe_{k}_v(y, p, out)"]
    sel.append("    return None")
    return "\n\n".join([*parts, "\n".join(sel) + "\n"])


def model_source(cm: CompiledModel) -> str:
    """Header, ``N_LU`` and the model functions of `cm` (the solver kernel is appended later)."""
    st, pa = cm.model.state_names, cm.model.parameter_names
    factor, solve, n_lu = emit_lu(cm)
    rhs, n = emit_rhs(cm.symbolic.rhs, st, pa), len(st)
    observe = emit_rhs(cm.symbolic.observables, st, pa, name="observe")
    parts = [
        HEADER.format(name=cm.model.name),
        f"N_LU = {n_lu}\nLANES = {LANES}\n",
        _observed_inputs(cm),
        rhs,
        observe,
        factor,
        solve,
        lanes(rhs, f"_OUT.shape[0] // {n}"),
        emit_observables(cm.symbolic.observables, st, pa),
        lanes(factor, "_C.shape[0]"),
        lanes(solve, f"_X.shape[0] // {n}"),
        lane_helpers(n),
    ]
    return "\n\n".join(parts)
