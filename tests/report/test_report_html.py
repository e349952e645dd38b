"""HtmlReport: escaping, embedding, self-containedness and atomic writing."""

from __future__ import annotations

import base64
import re
from collections import Counter

import numpy as np
import pytest

from mscsim._errors import InputError
from mscsim.report import RESEARCH_NOTICE, HtmlReport, plot_power_curve, write_text_atomic

EVIL = '<script>alert("x")</script> & <img src=http://evil.example/a.png>'
SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def _figure():
    return plot_power_curve([24, 100], {"survival": [0.2, 0.6]})


def _report(**kwargs) -> HtmlReport:
    report = HtmlReport("Trial", provenance={"seed": 3}, **kwargs)
    report.add_section("Results", "First paragraph.\n\nSecond paragraph.")
    report.add_table([{"arm": "MSC", "n": 12}, {"arm": "control", "n": 12}])
    return report


def test_notice_and_provenance_are_rendered():
    report = HtmlReport(
        "Virtual trial",
        provenance={
            "version": "0.1.0",
            "scenario_hash": "ab12",
            "seed": 42,
            "timings_s": {"simulate": 1.5},
            "status_counts": {"ok": 240, "failed": 1},
        },
    )
    page = report.render()
    assert "research tool, not clinical advice" in page
    assert page.count(RESEARCH_NOTICE) == 2  # header and footer
    for text in ("scenario_hash", "ab12", "42", "simulate", "1.5", "status_counts", ">240<"):
        assert text in page
    assert page.startswith("<!DOCTYPE html>")


def test_all_text_is_escaped():
    report = HtmlReport(EVIL, provenance={EVIL: EVIL, "nested": {EVIL: [EVIL, 1.0]}}, subtitle=EVIL)
    report.add_section(EVIL, EVIL)
    report.add_text(EVIL)
    report.add_table([{EVIL: EVIL}], caption=EVIL)
    report.add_table({EVIL: [EVIL, None]})
    report.add_figure(_figure(), caption=EVIL)
    page = report.render()
    assert "<script" not in page
    assert "evil.example/a.png>" not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ") >= 10


def test_tables_from_rows_and_columns():
    report = HtmlReport("T")
    report.add_table([{"a": 1, "b": 0.123456}, {"b": None, "c": "x"}], caption="rows")
    report.add_table({"arm": ["MSC", "control"], "deaths": [2, 7]})
    page = report.render()
    rows_table = re.search(r"<caption>rows</caption>.*?</table>", page).group(0)
    assert re.findall(r'<th scope="col">(\w)</th>', rows_table) == ["a", "b", "c"]
    assert '<td class="num">0.1235</td>' in rows_table  # default float format {:.4g}
    assert "<td></td>" in rows_table  # missing key and None are empty cells
    assert '<td class="num">7</td>' in page


def test_numpy_values_are_formatted_as_numbers():
    report = HtmlReport("T")
    report.add_table(
        {
            "arm": np.array(["MSC", "control"]),
            "p": np.array([0.01234567, 0.5]),
            "ok": np.array([True, False]),
        }
    )
    page = report.render()
    assert '<td class="num">0.01235</td>' in page
    assert "<td>MSC</td>" in page and "<td>true</td>" in page


def test_empty_table_and_bad_tables():
    report = HtmlReport("T")
    report.add_table([], caption="Adverse events")
    assert "Adverse events: No rows." in report.render()
    with pytest.raises(InputError, match="table"):
        report.add_table({"a": [1, 2], "b": [1]})
    with pytest.raises(InputError, match="table"):
        report.add_table("not a table")
    with pytest.raises(InputError, match=r"table\[1\]"):
        report.add_table([{"a": 1}, 3])


def test_png_figures_are_embedded_as_data_uris():
    report = HtmlReport("T")
    report.add_figure(_figure(), caption="Power")
    report.add_figure(_figure())
    page = report.render()
    payloads = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(payloads) == 2
    for payload in payloads:
        png = base64.b64decode(payload, validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width = int.from_bytes(png[16:20], "big")
        assert width > 300
    assert "Figure 1. Power" in page


def test_svg_figures_are_inline_with_unique_ids():
    report = HtmlReport("T")
    report.add_figure(_figure(), fmt="svg")
    report.add_figure(_figure(), fmt="svg")
    page = report.render()
    assert page.count("<svg ") == 2
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert ids and max(ids.values()) == 1
    refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', page))
    assert refs <= set(ids)  # every internal reference resolves


def test_no_external_resources():
    report = _report()
    report.add_figure(_figure(), fmt="png")
    report.add_figure(_figure(), fmt="svg")
    page = report.render()
    assert "<link" not in page and "<script" not in page and "@import" not in page
    for target in re.findall(r'\b(?:src|href)\s*=\s*"([^"]*)"', page):
        assert target.startswith(("data:image/png;base64,", "#")), target
    assert not re.search(r"url\(\s*['\"]?(?!#)", page)
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= SVG_NAMESPACES


def test_render_is_deterministic():
    def build() -> str:
        report = _report()
        report.add_figure(_figure(), fmt="png")
        report.add_figure(_figure(), fmt="svg")
        return report.render()

    assert build() == build()


def test_bad_arguments_raise_input_error():
    with pytest.raises(InputError, match="title"):
        HtmlReport("  ")
    with pytest.raises(InputError, match="provenance"):
        HtmlReport("T", provenance=[("seed", 1)])
    report = HtmlReport("T")
    with pytest.raises(InputError, match="heading"):
        report.add_section("")
    with pytest.raises(InputError, match="fmt"):
        report.add_figure(_figure(), fmt="jpeg")
    with pytest.raises(InputError, match="fig"):
        report.add_figure("not a figure")


def test_write_creates_the_file(tmp_path):
    report = _report()
    path = report.write(tmp_path / "report.html")
    assert path.read_text(encoding="utf-8") == report.render()
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_failure_leaves_nothing_behind(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("previous report", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("mscsim._atomic.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        _report().write(target)
    assert target.read_text(encoding="utf-8") == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_failure_during_encoding_leaves_nothing(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(tmp_path / "out.html", "ok \ud800 lone surrogate")
    assert list(tmp_path.iterdir()) == []


def test_write_rejects_missing_folder_and_folder_target(tmp_path):
    with pytest.raises(InputError, match="path"):
        _report().write(tmp_path / "missing" / "report.html")
    with pytest.raises(InputError, match="path"):
        _report().write(tmp_path)
    assert list(tmp_path.iterdir()) == []
