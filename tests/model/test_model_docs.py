"""The generated model documentation (docs/model.md) is current, complete and true to the model."""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from mscsim.model import MSC_COVID
from mscsim.model._patients import SEVERITY_TABLE
from mscsim.model._symbolic import SymbolicModel
from mscsim.report._model_doc import _courses, _diagram, _math, _page, _tables, _targets
from mscsim.solve import Rodas4

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
FORMULAS = (
    [e.formula for e in MSC_COVID.expressions]
    + list(MSC_COVID.odes.values())
    + [o.formula for o in MSC_COVID.observables]
)


@pytest.fixture(scope="module")
def generated() -> str:
    return _page.model_markdown()


@pytest.fixture(scope="module")
def sm() -> SymbolicModel:
    return SymbolicModel(MSC_COVID)


@pytest.fixture(scope="module")
def committed() -> str:
    return DOC.read_text(encoding="utf-8")


def test_committed_docs_equal_the_generator(generated, committed):
    if committed != generated:
        diff = difflib.unified_diff(
            committed.splitlines(),
            generated.splitlines(),
            "docs/model.md (committed)",
            "generator",
            lineterm="",
            n=0,
        )
        shown = "\n".join(list(diff)[:20])
        pytest.fail(
            f"docs/model.md is out of date; regenerate it with\n    {_page.REGENERATE}\n"
            f"(from the repository root). First differences:\n{shown}"
        )


def test_every_state_parameter_expression_and_observable_appears(committed):
    names = (
        MSC_COVID.state_names
        + MSC_COVID.parameter_names
        + list(SEVERITY_TABLE)
        + [e.name for e in MSC_COVID.expressions]
        + MSC_COVID.observable_names
    )
    missing = [n for n in names if f"| `{n}` |" not in committed]
    assert not missing


def test_every_measured_parameter_source_link_appears(committed):
    measured = [p for p in MSC_COVID.parameters if p.kind == "measured"]
    assert measured
    assert [p.name for p in measured if f"]({p.source})" not in committed] == []


def test_class_counts_add_up():
    counts = _tables.class_counts(MSC_COVID.parameters)
    assert sum(counts.values()) == len(MSC_COVID.parameters)
    assert counts["measured"] == sum(p.kind == "measured" for p in MSC_COVID.parameters) > 0


def test_the_printed_math_is_the_engine_math(sm):
    # The LaTeX comes from a parse that keeps pos/hill unevaluated; with the guards expanded it
    # must be the very expression the right-hand side and SBML export are built from.
    differ = [f for f in FORMULAS if _math.engine_form(_math.doc_expression(sm, f)) != sm.parse(f)]
    assert differ == []


def test_guards_print_readably(sm):
    tex = _math.formula_latex(sm, "hill(TNFx, K_inj_tnf, 1) + pos(D)")
    assert r"\mathrm{hill}\left(\mathrm{TNFx};\, K_{\mathrm{inj,tnf}}, 1\right)" in tex
    assert r"\mathrm{pos}\left(D\right)" in tex
    assert "Max" not in tex and r"\max" not in tex


@pytest.mark.parametrize(
    ("name", "tex"),
    [
        ("beta", r"\beta"),
        ("V", "V"),
        ("Sl", r"\mathrm{Sl}"),
        ("k_6", r"k_{\mathrm{6}}"),
        ("EC50_msc", r"\mathrm{EC50}_{\mathrm{msc}}"),
        ("K_inj_tnf", r"K_{\mathrm{inj,tnf}}"),
    ],
)
def test_latex_names(name, tex):
    assert _math.latex_name(name) == tex


def test_epithelium_fractions_are_conserved_as_the_docs_say(sm):
    rhs = dict(zip(MSC_COVID.state_names, sm.rhs, strict=True))
    assert sp.expand(rhs["E"] + rhs["I"] + rhs["D"]) == 0


def test_a_diagram_arrow_missing_from_the_model_is_refused(sm):
    _diagram.check_mechanisms(MSC_COVID, sm=sm)  # the shipped diagram is consistent
    bogus = (("stage", ((("Sb",), "made-up effect", ("V",)),)),)
    with pytest.raises(ValueError, match="Sb --made-up effect--> V"):
        _diagram.check_mechanisms(MSC_COVID, bogus, sm)


def test_summarize_reads_the_course():
    t = np.arange(0.0, 8.0)
    obs = {
        "pf_ratio": np.array([450, 320, 290, 150, 260, 310, 400, 440.0]),
        "viral_load": np.array([5e5, 2e6, 9e4, 500, 2e3, 800, 10, 1.0]),  # dips, rebounds
        "crp": np.array([1, 50, 120, 80, 40, 10, 2, 1.0]),
        "il6": np.full(8, 2.0),
        "il10": np.full(8, 2.0),
        "fibrosis": np.zeros(8),
    }
    c = _courses.summarize(t, obs)
    assert (c.pf_nadir, c.pf_nadir_day, c.ards_day) == (150, 3, 2)
    assert c.clearance_day == 5  # below 1e3 copies/mL for good only after the rebound
    assert c.crp_peak == 120
    obs["viral_load"] = np.full(8, 1e4)
    obs["pf_ratio"] = np.full(8, 400.0)
    c = _courses.summarize(t, obs)
    assert c.clearance_day is None and c.ards_day is None


def test_targets_report_misses():
    course = _courses.Course(
        pf_nadir=350,
        pf_nadir_day=12,
        ards_day=None,
        crp_peak=40,
        il6_peak=10,
        il10_peak=3,
        clearance_day=20,
        fibrosis_90=0.1,
        fibrosis_365=0.05,
    )
    courses = {s: (course, course) for s in ("mild", "severe")}
    targets = (
        _targets.Target("T1", "ARDS", "pf_nadir", ("severe",), hi=300),
        _targets.Target("T4", "onset to ARDS", "ards_day", ("severe",), lo=6, hi=10),
        _targets.Target(
            "T5", "longer when severe", "clearance_day", ("mild", "severe"), increasing=True
        ),
        _targets.Target("T6", "resolving", "fibrosis_change", ("mild",), hi=0),
    )
    met = [r[-1] for r in _targets.target_rows(courses, targets)]
    assert met == ["no", "no", "no", "yes"]


def test_documented_numbers_do_not_depend_on_the_faster_tolerances():
    fast = _courses.typical_courses(MSC_COVID)
    default = _courses.typical_courses(MSC_COVID, Rodas4())
    assert _courses.course_table(fast) == _courses.course_table(default)
    assert _courses.difference_table(fast) == _courses.difference_table(default)


def test_write_model_doc_is_atomic(tmp_path, monkeypatch):
    monkeypatch.setattr(_page, "model_markdown", lambda model: "# page\n")
    out = _page.write_model_doc(tmp_path / "model.md")
    assert out.read_text() == "# page\n"

    def broken(model):
        raise RuntimeError("generation failed")

    monkeypatch.setattr(_page, "model_markdown", broken)
    with pytest.raises(RuntimeError):
        _page.write_model_doc(tmp_path / "model.md")
    assert [p.name for p in tmp_path.iterdir()] == ["model.md"]
    assert out.read_text() == "# page\n"  # the previous page is untouched
