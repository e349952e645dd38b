"""Forest and funnel plots: files are written as PNG/SVG from results; plots draw, never compute."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mscsim._errors import InputError
from mscsim.evidence.meta import cumulative, leave_one_out, meta_analysis, subgroup_analysis
from mscsim.report._evidence_plots import plot_forest, plot_funnel


@pytest.fixture(scope="module")
def results(bcg):
    return {
        "meta": meta_analysis(bcg, measure="RR", method="REML"),
        "subgroup": subgroup_analysis(bcg, "alloc", measure="RR", method="DL"),
        "cumulative": cumulative(bcg, measure="RR", method="DL"),
        "loo": leave_one_out(bcg, measure="OR", method="FE"),
    }


@pytest.mark.parametrize("kind", ["meta", "subgroup", "cumulative", "loo"])
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_forest_writes_png_and_svg(results, tmp_path, kind, suffix):
    path = tmp_path / f"forest{suffix}"
    fig = plot_forest(results[kind], path, title=kind)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data[:2000]
    assert fig.get_axes() and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_forest_shows_study_labels_and_pooled_values(results):
    fig = plot_forest(results["meta"])
    texts = [t.get_text() for t in fig.get_axes()[0].texts]
    assert "1. Aronson 1948" in texts and "Pooled (REML)" in texts
    assert "0.49 [0.34, 0.70]" in texts  # metafor REML RR 0.4894 (0.3441, 0.6962)
    assert "[0.15, 1.55]" in texts  # prediction interval 0.1546, 1.5490


def test_funnel_and_drawing_on_callers_axes(results, tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot(1, 1, 1)
    assert plot_funnel(results["meta"], ax=ax) is fig
    assert len(ax.collections) >= 2  # region + study points
    plot_funnel(results["meta"], tmp_path / "funnel.svg")
    assert (tmp_path / "funnel.svg").stat().st_size > 1000


def test_bad_plot_paths(results, tmp_path):
    with pytest.raises(InputError, match="^--plot: a file name ending in .png or .svg"):
        plot_forest(results["meta"], tmp_path / "f.jpg")
    with pytest.raises(InputError, match="^--plot: a file in an existing folder"):
        plot_forest(results["meta"], tmp_path / "no" / "f.png")


def test_core_imports_neither_matplotlib_nor_report_nor_cli():
    code = (
        "import sys, mscsim.evidence; "
        "print(any(m.split('.')[0] == 'matplotlib' or m.startswith(('mscsim.report', "
        "'mscsim.cli')) for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"
