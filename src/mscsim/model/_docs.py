"""Generate the model documentation (``docs/model.md``) from the declarative model.

Everything except the hand-written intro (``model_doc_intro.md``) and limits
(``model_doc_limits.md``) is rendered from the definition itself: the mechanism diagram (every
arrow is checked against the right-hand side), states, intermediate expressions and ODEs as
LaTeX, observables, the parameter and severity tables with their provenance, and what the
calibrated typical patients reach (simulated untreated and with MSC). Regenerate with::

    python -m mscsim.model._docs > docs/model.md

or ``python -m mscsim.model._docs docs/model.md``, which replaces the file atomically.

The page is deterministic, so ``tests/model/test_docs.py`` requires the committed file to equal
the generator's output. The simulation imports `mscsim.solve` lazily (solve depends on model,
never the other way round at import time).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import sympy as sp

from mscsim.model._msc_covid import MSC_COVID
from mscsim.model._patients import SEVERITIES, SEVERITY_SCORE, SEVERITY_TABLE, typical_patient
from mscsim.model._spec import Model, Parameter
from mscsim.model._symbolic import SymbolicModel
from mscsim.model._therapy import Regimen

REGENERATE = "python -m mscsim.model._docs > docs/model.md"
INTRO_TEMPLATE = "model_doc_intro.md"
LIMITS_TEMPLATE = "model_doc_limits.md"
CLASSES = ("measured", "calibrated", "assumed")

# ----------------------------------------------------------------------------- LaTeX


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
    return sp.latex(doc_expression(sm, formula), order="none", symbol_names=names,
                    mul_symbol="dot")


def _math(lines: list[str]) -> str:
    body = " \\\\\n".join(lines)
    return f"```math\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n```"


# ----------------------------------------------------------------------------- Markdown bits


def _num(v: float) -> str:
    """Compact number: 6 significant digits, ``5e+07`` -> ``5e7``."""
    s = f"{v:.6g}"
    if "e" in s:
        m, e = s.split("e")
        s = f"{m}e{int(e)}"
    return s


def _cell(text: str) -> str:
    """Escape text for a Markdown table cell (pipes, emphasis stars, HTML)."""
    return text.replace("|", r"\|").replace("*", r"\*").replace("<", "&lt;").strip()


def _table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def source_link(url: str) -> str:
    """Markdown link with a short label (``doi:...``, ``PMC...`` or the host)."""
    if not url:
        return ""
    u = urlparse(url)
    pmc = [p for p in u.path.split("/") if p.startswith("PMC")]
    if u.netloc.endswith("doi.org"):
        label = "doi:" + u.path.lstrip("/")
    elif pmc:
        label = pmc[0]
    else:
        label = u.netloc.removeprefix("www.")
    target = f"<{url}>" if any(c in url for c in "() ") else url
    return f"[{label}]({target})"


def _template(name: str) -> str:
    return files("mscsim.model").joinpath(name).read_text(encoding="utf-8").strip()


# ----------------------------------------------------------------------------- mechanisms

DOSE = "<infusion>"
Link = tuple[tuple[str, ...], str, tuple[str, ...]]  # (sources, mechanism, targets)
Stage = tuple[str, tuple[Link, ...]]
# Every arrow must exist in the right-hand side (`check_mechanisms`); an empty target tuple
# after DOSE means the model's dose state.
MECHANISMS: tuple[Stage, ...] = (
    ("virus and adaptive immunity", (
        (("V", "E"), "infection", ("I",)),
        (("I",), "virus production", ("V",)),
        (("V",), "priming", ("A",)),
        (("A",), "antibody clearance / CD8 killing", ("V", "I")),
    )),
    ("epithelium", (
        (("I",), "infected-cell death", ("D",)),
        (("TNFx", "N"), "inflammatory injury", ("E", "D")),
        (("D",), "repair by type II cell proliferation", ("E",)),
    )),
    ("macrophages and neutrophils", (
        (("V", "A"), "monocyte recruitment (innate, then primed)", ("M1",)),
        (("I", "E"), "DAMPs from dying cells recruit", ("M1",)),
        (("IL6x",), "amplifies recruitment", ("M1",)),
        (("M2x",), "damps recruitment (resolution)", ("M1",)),
        (("M1", "IL10x"), "repolarisation M1 -> M2", ("M2x",)),
        (("TNFx", "IL6x"), "neutrophil recruitment", ("N",)),
    )),
    ("cytokines", (
        (("M1", "N", "D"), "IL-6 production", ("IL6x",)),
        (("M1", "N"), "TNF production", ("TNFx",)),
        (("IL10x",), "brakes production", ("IL6x", "TNFx")),
        (("M2x", "M1"), "IL-10 production", ("IL10x",)),
        (("M2x", "D"), "TGF-beta activation", ("TGFx",)),
    )),
    ("CRP, edema and P/F", (
        (("IL6x",), "hepatic induction (transit)", ("H",)),
        (("H",), "CRP synthesis", ("CRPx",)),
        (("TNFx", "N", "D"), "capillary leak", ("Q",)),
        (("E",), "alveolar fluid clearance", ("Q",)),
        (("IL6x",), "microthrombosis / perfusion mismatch", ("Tv",)),
        (("Q", "D", "Tv"), "impair oxygenation", ("pf_ratio",)),
    )),
    ("fibrosis", (
        (("TGFx",), "fibroblast activation", ("F",)),
        (("F",), "matrix deposition", ("C",)),
        (("F", "C"), "matrix turns into persistent scar", ("P",)),
        (("C", "P"), "fibrosis index", ("fibrosis",)),
    )),
    ("MSC pharmacokinetics", (
        ((DOSE,), "IV bolus", ()),
        (("Sb",), "first-pass lung entrapment (f_trap)", ("Sl",)),
        (("Sb",), "pass the lung (1 - f_trap)", ("Ss",)),
        (("Sl",), "loss from the lung, redistribution (f_red)", ("Ss",)),
    )),
    ("MSC pharmacodynamics via h_msc = Sl / (Sl + EC50_msc)", (
        (("Sl",), "PGE2: M1 -> M2 repolarisation", ("M1", "M2x")),
        (("Sl",), "PGE2: more IL-10", ("IL10x",)),
        (("Sl",), "TSG-6: less IL-6 and TNF", ("IL6x", "TNFx")),
        (("Sl",), "KGF: epithelial repair", ("E", "D")),
        (("Sl",), "KGF: alveolar fluid clearance", ("Q",)),
        (("Sl",), "anti-fibrotic: less TGF-beta-driven activation", ("F",)),
    )),
)


def dependencies(model: Model, sm: SymbolicModel | None = None) -> dict[str, set[str]]:
    """States each state's derivative and each observable depends on (expressions expanded)."""
    sm = sm or SymbolicModel(model)
    states = set(model.state_names)
    exprs = dict(zip(model.state_names, sm.rhs, strict=True))
    exprs |= dict(zip(model.observable_names, sm.observables, strict=True))
    return {k: {s.name for s in e.free_symbols} & states for k, e in exprs.items()}


def check_mechanisms(
    model: Model, mechanisms: tuple[Stage, ...] = MECHANISMS, sm: SymbolicModel | None = None
) -> None:
    """Raise ValueError for an arrow ``source -> target`` that the model's equations lack."""
    deps = dependencies(model, sm)
    for _, links in mechanisms:
        for sources, label, targets in links:
            for src in sources:
                for tgt in targets or (model.dose_state,):
                    ok = tgt == model.dose_state if src == DOSE else src in deps.get(tgt, ())
                    if not ok:
                        msg = f"diagram arrow {src} --{label}--> {tgt} is not in the model"
                        raise ValueError(msg)


def _names(sources: tuple[str, ...]) -> str:
    return "IV infusion" if sources == (DOSE,) else ", ".join(sources)


def mechanisms_section(model: Model, sm: SymbolicModel) -> str:
    check_mechanisms(model, MECHANISMS, sm)
    width = max(len(_names(s)) for _, links in MECHANISMS for s, _, _ in links)
    lines = []
    for stage, links in MECHANISMS:
        lines.append(stage)
        for sources, label, targets in links:
            tgt = ", ".join(targets or (model.dose_state,))
            lines.append(f"  {_names(sources):<{width}}  --{label}-->  {tgt}")
        lines.append("")
    deps = dependencies(model, sm)
    rows = [[f"`{s}`", ", ".join(f"`{d}`" for d in model.state_names if d in deps[s])]
            for s in model.state_names]
    return "\n\n".join([
        "## Mechanisms",
        "Each arrow reads *sources -- mechanism --> targets* (state and observable names as in "
        "the tables below). The generator checks every arrow against the right-hand side: the "
        "targets' equations contain the sources.",
        "```text\n" + "\n".join(lines).rstrip() + "\n```",
        "### Couplings\n\nStates that appear in each state's time derivative (after "
        "substituting the intermediate expressions).",
        _table(["state", "derivative depends on"], rows),
    ])


# ----------------------------------------------------------------------------- definition


def healthy_residual(model: Model) -> float:
    """Largest |dy/dt| at the healthy state with default parameters (0: exact steady state)."""
    from mscsim.solve import compiled  # lazy: the solve layer builds on the model layer

    y = np.array([[model.healthy_state()[s]] for s in model.state_names])
    p = [model.default_parameters()[k] for k in model.parameter_names]
    return float(np.max(np.abs(np.stack(compiled(model).rhs(y, p, np)))))


def states_section(model: Model, sm: SymbolicModel) -> str:
    rows = [[f"`{s.name}`", s.unit, _cell(s.description), _num(s.healthy), s.group]
            for s in model.states]
    worst = healthy_residual(model)
    return "\n\n".join([
        "## States",
        _table(["state", "unit", "description", "healthy value", "group"], rows),
        f"With the default parameters, the largest time derivative at the healthy state is "
        f"{_num(worst)} (checked when this page was generated): the healthy state is "
        f"{'an exact' if worst == 0 else 'NOT a'} steady state.",
    ])


def expressions_section(model: Model, sm: SymbolicModel) -> str:
    rows = [[f"`{e.name}`", e.unit, _cell(e.description)] for e in model.expressions]
    eqs = [f"{latex_name(e.name)} &= {formula_latex(sm, e.formula)}" for e in model.expressions]
    guards = _math([
        r"\mathrm{pos}(x) &= \max(x, 0)",
        r"\mathrm{hill}(x; K, n) &= \frac{\mathrm{pos}(x)^n}{\mathrm{pos}(x)^n + K^n}",
    ])
    return "\n\n".join([
        "## Intermediate expressions",
        "Rate laws use two guard functions, which keep them well defined when a state dips to a "
        "tiny negative value during integration:",
        guards,
        "Intermediate expressions (SBML assignment rules), in evaluation order:",
        _table(["name", "unit", "description"], rows),
        _math(eqs),
    ])


def odes_section(model: Model, sm: SymbolicModel) -> str:
    parts = ["## Right-hand side",
             f"Time $t$ in {model.time_unit}s since symptom onset; one equation per state, "
             "grouped as in the state table."]
    groups = list(dict.fromkeys(s.group for s in model.states))
    for g in groups:
        eqs = [rf"\frac{{d{latex_name(s.name)}}}{{dt}} &= {formula_latex(sm, model.odes[s.name])}"
               for s in model.states if s.group == g]
        parts += [f"### {g or 'other'}", _math(eqs)]
    return "\n\n".join(parts)


def observables_section(model: Model, sm: SymbolicModel) -> str:
    rows = [[f"`{o.name}`", o.unit, _cell(o.description), f"`{o.formula}`"]
            for o in model.observables]
    eqs = [r"\mathrm{" + o.name.replace("_", r"\_") + "} &= " + formula_latex(sm, o.formula)
           for o in model.observables]
    return "\n\n".join(["## Observables", _table(["name", "unit", "description", "formula"], rows),
                        _math(eqs)])


def _parameter_rows(params: tuple[Parameter, ...]) -> list[list[str]]:
    return [[f"`{p.name}`", _num(p.value), p.unit, f"[{_num(p.lower)}, {_num(p.upper)}]", p.kind,
             _cell(p.description), source_link(p.source), _cell(p.note)] for p in params]


PARAMETER_HEADER = ["name", "value", "unit", "bounds", "class", "description", "source",
                    "quote / note"]


def class_counts(params: tuple[Parameter, ...]) -> dict[str, int]:
    """Number of parameters per class (measured, calibrated, assumed)."""
    c = Counter(p.kind for p in params)
    return {k: c.get(k, 0) for k in CLASSES}


def parameters_section(model: Model) -> str:
    severity = tuple(SEVERITY_TABLE.values())
    a, b = class_counts(model.parameters), class_counts(severity)
    rows = [[k, str(a[k]), str(b[k])] for k in CLASSES]
    rows.append(["total", str(len(model.parameters)), str(len(severity))])
    return "\n\n".join([
        "## Parameters",
        "Classes: *measured* = taken from a measurement in the cited source (converted as noted); "
        "*calibrated* = tuned so the typical patients meet the calibration targets; *assumed* = "
        "a modelling choice (a source, if given, is a prior model or a qualitative finding).",
        _table(["class", "parameters.csv", "severity.csv"], rows),
        _table(PARAMETER_HEADER, _parameter_rows(model.parameters)),
    ])


def severity_section(model: Model) -> str:
    scaled = ("r_M", "p_V", "k_rep")
    rows = []
    for s in SEVERITIES:
        p = typical_patient(s, model)
        rows.append([s, _num(SEVERITY_SCORE[s])] + [_num(p.params[k]) for k in scaled]
                    + [_num(p.y0["V"]), _num(p.y0["I"])])
    return "\n\n".join([
        "## Severity axis",
        "A host-severity score `s` (0 mild, 1 moderate, 2 severe, 3 critical; fractional values "
        "interpolate) scales `r_M`, `p_V` and `k_rep` geometrically, e.g. "
        "`r_M * fold_r_M**s` (`severity.csv`):",
        _table(PARAMETER_HEADER, _parameter_rows(tuple(SEVERITY_TABLE.values()))),
        "The typical patients and their state at symptom onset (`V = V0_onset`, infected "
        "epithelium at quasi-steady state `I = V0_onset * c_V / p_V`, `E = 1 - I`):",
        _table(["patient", "score", *[f"`{k}`" for k in scaled], "`V`(0)", "`I`(0)"], rows),
    ])


# ----------------------------------------------------------------------------- typical courses

DOSE_CELLS = 1e8
DOSE_DAYS = (10.0, 13.0)
CLEARED = 1e3  # copies/mL
ARDS_PF = 300.0  # mmHg (Berlin definition)
# 10x looser than the solver defaults (1e-6, 1e-9) for speed; the tables agree at the shown
# precision (tests/model/test_docs.py).
SOLVER = {"rtol": 1e-5, "atol": 1e-8}
GRID = np.concatenate([np.arange(0.0, 60.0, 0.05), np.arange(60.0, 366.0)])


@dataclass(frozen=True)
class Course:
    """Summary of one simulated course (days since symptom onset)."""

    pf_nadir: float
    pf_nadir_day: float
    ards_day: float | None  # first day with P/F < 300 mmHg
    crp_peak: float
    il6_peak: float
    il10_peak: float
    clearance_day: float | None  # viral load below 1e3 copies/mL for good
    fibrosis_90: float
    fibrosis_365: float

    @property
    def fibrosis_change(self) -> float:
        """Fibrosis index at 365 d minus at 90 d (negative: still resolving)."""
        return self.fibrosis_365 - self.fibrosis_90


def summarize(t: np.ndarray, obs: dict[str, np.ndarray]) -> Course:
    """`Course` of one patient from observables on the grid `t`."""
    pf, v = obs["pf_ratio"], obs["viral_load"]
    below = np.flatnonzero(pf < ARDS_PF)
    high = np.flatnonzero(v >= CLEARED)
    if not high.size:
        clear: float | None = float(t[0])
    elif high[-1] == t.size - 1:
        clear = None  # not cleared by the end of the grid
    else:
        clear = float(t[high[-1] + 1])
    fib = obs["fibrosis"]
    return Course(
        pf_nadir=float(pf.min()), pf_nadir_day=float(t[pf.argmin()]),
        ards_day=float(t[below[0]]) if below.size else None,
        crp_peak=float(obs["crp"].max()), il6_peak=float(obs["il6"].max()),
        il10_peak=float(obs["il10"].max()), clearance_day=clear,
        fibrosis_90=float(np.interp(90.0, t, fib)), fibrosis_365=float(np.interp(365.0, t, fib)),
    )


def typical_courses(
    model: Model = MSC_COVID, solver: Any = None
) -> dict[str, tuple[Course, Course]]:
    """(untreated, MSC) courses of each typical patient; MSC = 1e8 cells at days 10 and 13.

    `solver` is a `mscsim.solve.Rodas4` (default: the `SOLVER` tolerances).
    """
    from mscsim.solve import Rodas4, simulate  # lazy: the solve layer builds on the model layer

    patients = [typical_patient(s, model) for s in SEVERITIES]
    params = {k: np.repeat([p.params[k] for p in patients], 2) for k in patients[0].params}
    y0 = {k: np.repeat([p.y0[k] for p in patients], 2) for k in patients[0].y0}
    regimens = [Regimen(), Regimen.fixed(DOSE_CELLS, DOSE_DAYS)] * len(patients)
    sol = simulate(model, params, y0, regimens, t_eval=GRID,
                   solver=solver or Rodas4(**SOLVER))
    if not sol.ok.all():
        raise RuntimeError(f"typical-patient simulation failed: {sol.status_counts()}")
    courses = [summarize(sol.t, sol.patient(i)) for i in range(sol.batch_size)]
    return {s: (courses[2 * i], courses[2 * i + 1]) for i, s in enumerate(SEVERITIES)}


def _berlin(pf: float) -> str:
    """Berlin oxygenation category of a P/F ratio (Ranieri et al. 2012)."""
    return "none" if pf > 300 else "mild" if pf > 200 else "moderate" if pf > 100 else "severe"


def _fmt(v: float | None, digits: int, signed: bool = False) -> str:
    if v is None:
        return "never"
    s = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    return s.replace("+", "").replace("-", "") if float(s) == 0 else s


DIGITS = {"pf_nadir": 0, "pf_nadir_day": 1, "ards_day": 1, "crp_peak": 0, "il6_peak": 1,
          "il10_peak": 1, "clearance_day": 1, "fibrosis_90": 3, "fibrosis_365": 3,
          "fibrosis_change": 3}  # decimals shown per Course metric


def course_table(courses: dict[str, tuple[Course, Course]]) -> str:
    keys = [k for k in DIGITS if k != "fibrosis_change"]
    rows = []
    for sev, arms in courses.items():
        for arm, c in zip(("untreated", "MSC"), arms, strict=True):
            vals = [_fmt(getattr(c, k), DIGITS[k]) for k in keys]
            rows.append([sev, arm, vals[0], vals[1], _berlin(c.pf_nadir), *vals[2:]])
    header = ["patient", "arm", "P/F nadir (mmHg)", "nadir day", "Berlin category",
              "first day P/F < 300", "CRP peak (mg/L)", "IL-6 peak (pg/mL)",
              "IL-10 peak (pg/mL)", "viral clearance day", "fibrosis 90 d", "fibrosis 365 d"]
    return _table(header, rows)


def _delta(on: Course, off: Course, key: str) -> str:
    a, b = getattr(on, key), getattr(off, key)
    return "n/a" if a is None or b is None else _fmt(a - b, DIGITS[key], signed=True)


def difference_table(courses: dict[str, tuple[Course, Course]]) -> str:
    keys = ["pf_nadir", "crp_peak", "il6_peak", "il10_peak", "clearance_day", "fibrosis_365"]
    rows = []
    for sev, (off, on) in courses.items():
        rel = 100 * (on.fibrosis_365 / off.fibrosis_365 - 1) if off.fibrosis_365 else 0.0
        rows.append([sev, *[_delta(on, off, k) for k in keys], _fmt(rel, 0, signed=True) + " %"])
    header = ["patient", "P/F nadir", "CRP peak", "IL-6 peak", "IL-10 peak", "clearance day",
              "fibrosis 365 d", "fibrosis 365 d (relative)"]
    return _table(header, rows)


@dataclass(frozen=True)
class Target:
    """A calibration check: `metric` of each `patients` in [lo, hi], or increasing along them."""

    label: str
    criterion: str
    metric: str
    patients: tuple[str, ...] = SEVERITIES
    lo: float = -np.inf
    hi: float = np.inf
    increasing: bool = False


# Labels T1-T6 refer to the sourced targets listed in model_doc_intro.md.
TARGETS = (
    Target("T1", "no ARDS: P/F nadir > 300 mmHg", "pf_nadir", ("mild",), lo=300),
    Target("T1", "ARDS: P/F nadir < 300 mmHg", "pf_nadir", ("severe",), hi=300),
    Target("T1", "severe ARDS: P/F nadir <= 100 mmHg", "pf_nadir", ("critical",), hi=100),
    Target("T2", "CRP peak within the moderate range 34-346 mg/L", "crp_peak", ("moderate",),
           lo=34, hi=346),
    Target("T2", "CRP peak within the severe range 124-452 mg/L", "crp_peak",
           ("severe", "critical"), lo=124, hi=452),
    Target("T3", "IL-6 peak in the tens to low hundreds of pg/mL (10-300)", "il6_peak",
           ("severe", "critical"), lo=10, hi=300),
    Target("T4", "first day P/F < 300 within the IQR 6-10 d", "ards_day", ("severe", "critical"),
           lo=6, hi=10),
    Target("T5", "viral clearance within 14.0-20.5 d (mild-moderate)", "clearance_day",
           ("mild", "moderate"), lo=14.0, hi=20.5),
    Target("T5", "viral clearance within 16.2-23.5 d (severe)", "clearance_day",
           ("severe", "critical"), lo=16.2, hi=23.5),
    Target("T5", "viral RNA persists longer in more severe disease", "clearance_day",
           increasing=True),
    Target("T6", "fibrosis index still falls from 90 d to 365 d (change < 0)",
           "fibrosis_change", hi=0.0),
    Target("T6", "residual fibrosis at 365 d rises with severity", "fibrosis_365",
           increasing=True),
)


def target_rows(
    courses: dict[str, tuple[Course, Course]], targets: tuple[Target, ...] = TARGETS
) -> list[list[str]]:
    """One row per (target, patient), or per target for an ordering; the last cell is yes/no."""
    rows = []
    for t in targets:
        vals = [getattr(courses[p][0], t.metric) for p in t.patients]
        shown = ", ".join(_fmt(v, DIGITS[t.metric]) for v in vals)
        if t.increasing:
            ok = None not in vals and all(a < b for a, b in zip(vals, vals[1:]))
            rows.append([t.label, " < ".join(t.patients), t.criterion, shown,
                         "yes" if ok else "no"])
            continue
        for p, v in zip(t.patients, vals, strict=True):
            ok = v is not None and t.lo <= v <= t.hi
            rows.append([t.label, p, t.criterion, _fmt(v, DIGITS[t.metric]), "yes" if ok else "no"])
    return rows


def calibration_section(model: Model) -> str:
    courses = typical_courses(model)
    return "\n\n".join([
        "## What the calibrated typical patients reach",
        f"Simulated from symptom onset to day 365, untreated and with MSC ({_num(DOSE_CELLS)} "
        f"cells IV at days {' and '.join(_num(d) for d in DOSE_DAYS)}). Days are read on a "
        "0.05-day grid up to day 60 (daily after). Viral clearance is the day the lower-airway "
        f"load falls below {_num(CLEARED)} copies/mL for good. Fibrosis is the model's index "
        "`C + P` (0-1), not a CT score.",
        course_table(courses),
        "### MSC minus untreated",
        difference_table(courses),
        "### Targets met by the untreated typical patients",
        _table(["target", "patient", "criterion", "model", "met"], target_rows(courses)),
    ])


def _header(model: Model) -> str:
    return (f"<!-- Generated by `{REGENERATE}` from src/mscsim/model/ (model definition, "
            "parameters.csv, severity.csv, model_doc_intro.md, model_doc_limits.md). "
            "Do not edit by hand: change the sources and regenerate. -->\n\n"
            f"# The `{model.name}` model\n\n{model.description}.")


def model_markdown(model: Model = MSC_COVID) -> str:
    """The complete model documentation page (Markdown; equations in ```math blocks).

    `model` is `MSC_COVID` or a variant with the same state, parameter and observable names
    (e.g. other parameter values): the mechanism diagram, typical patients and calibration
    checks refer to those names. Takes a few seconds (eight one-year simulations).
    """
    sm = SymbolicModel(model)
    parts = [
        _header(model), _template(INTRO_TEMPLATE), calibration_section(model),
        mechanisms_section(model, sm), states_section(model, sm), expressions_section(model, sm),
        odes_section(model, sm), observables_section(model, sm), parameters_section(model),
        severity_section(model), _template(LIMITS_TEMPLATE),
    ]
    return "\n\n".join(parts) + "\n"


def write_model_doc(path: str | os.PathLike[str], model: Model = MSC_COVID) -> Path:
    """Write the page to `path` atomically (temporary file, then rename)."""
    path = Path(path)
    text = model_markdown(model)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a docs page is world-readable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


if __name__ == "__main__":
    if len(sys.argv) > 1:
        write_model_doc(sys.argv[1])
    else:
        sys.stdout.write(model_markdown())
