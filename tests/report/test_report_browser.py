"""The sample report, with every figure type, renders in headless Chromium.

Chromium is Debian's `chromium` package. Without it the test is skipped locally, but it fails
when MSCSIM_REQUIRE_BROWSER=1 (set in CI), so a missing browser cannot pass as a skip.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mscsim.report import (
    HtmlReport,
    ae_table_rows,
    plot_biomarker_trajectories,
    plot_consort,
    plot_km,
    plot_observed_vs_predicted,
    plot_power_curve,
)

pytestmark = pytest.mark.browser

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# Runs on the load event (after every image has loaded or failed) and leaves its verdict in
# the DOM, which --dump-dom prints.
_CHECK_SCRIPT = """<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var svgs = Array.prototype.slice.call(document.querySelectorAll("figure svg"));
  var out = document.createElement("pre");
  out.id = "render-check";
  out.textContent = JSON.stringify({
    images: imgs.length,
    broken_images: imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).length,
    svgs: svgs.length,
    empty_svgs: svgs.filter(function (s) {
      var r = s.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); }).length,
    figures: document.querySelectorAll("figure").length,
    tables: document.querySelectorAll("table").length,
    resources: performance.getEntriesByType("resource").map(function (e) { return e.name; })
  });
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in _BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    message = f"headless Chromium not found (looked for {', '.join(_BROWSERS)})"
    if os.environ.get("MSCSIM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message}, but MSCSIM_REQUIRE_BROWSER=1")
    pytest.skip(message)


def _run_chromium(browser: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    profile.mkdir()
    env = {**os.environ, "HOME": str(profile)}
    cmd = [browser, *_FLAGS, f"--user-data-dir={profile}", *args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within 120 s: {' '.join(cmd)}")
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture
def sample_report(tmp_path, km_curves, biomarkers, power, ovp_rows, flow, ae_entries) -> Path:
    report = HtmlReport(
        "Virtual trial: lanzoni2021 (sample data)",
        provenance={
            "version": "0.1.0",
            "scenario_hash": "sha256:0f3a",
            "seed": 20210105,
            "timings_s": {"simulate": 1.2, "analyse": 0.3},
            "status_counts": {"ok": 24, "failed": 0},
        },
    )
    report.add_section("Participant flow", "Screened, excluded and randomized patients.")
    report.add_figure(plot_consort(flow), caption="CONSORT-like flow", fmt="svg")
    report.add_section("Survival")
    report.add_figure(plot_km(km_curves, at_risk_times=[0, 7, 14, 21, 28]), caption="KM")
    report.add_section("Biomarkers")
    report.add_figure(
        plot_biomarker_trajectories(
            biomarkers["time"], biomarkers["series"], units=biomarkers["units"], log_scale={"IL-6"}
        ),
        caption="Biomarker trajectories by arm",
        fmt="svg",
    )
    report.add_section("Adverse events")
    report.add_table(ae_table_rows(ae_entries, {"UC-MSC": 12, "Vehicle control": 12}))
    report.add_section("Power")
    report.add_figure(plot_power_curve(power["n"], power["power"]), caption="Power")
    report.add_section("Observed vs predicted")
    report.add_figure(plot_observed_vs_predicted(ovp_rows), caption="Observed vs predicted")
    report.add_table(ovp_rows)
    return report.write(tmp_path / "report.html")


def render_check(browser: str, page: str, tmp: Path) -> tuple[dict, str]:
    """Open `page` (HTML text) in headless Chromium with the on-load check: (its result, DOM)."""
    checked = tmp / "report_checked.html"
    checked.write_text(page.replace("</body>", f"{_CHECK_SCRIPT}</body>"), encoding="utf-8")
    dom = _run_chromium(browser, tmp, "--dump-dom", checked.as_uri()).stdout
    match = re.search(r'<pre id="render-check">(.*?)</pre>', dom, flags=re.S)
    assert match, "the on-load check did not run"
    return json.loads(html.unescape(match.group(1))), dom


def test_report_renders_in_headless_chromium(chromium, sample_report, tmp_path):
    page = sample_report.read_text(encoding="utf-8")
    assert "<script" not in page  # the report itself runs no code
    result, dom = render_check(chromium, page, tmp_path)
    assert result == {
        "images": 3,
        "broken_images": 0,
        "svgs": 2,
        "empty_svgs": 0,
        "figures": 5,
        "tables": result["tables"],
        "resources": [],
    }
    assert result["tables"] >= 3  # provenance, adverse events, observed vs predicted
    assert "research tool, not clinical advice" in dom
    _check_screenshot(chromium, sample_report, tmp_path)


def _check_screenshot(chromium: str, sample_report: Path, tmp_path: Path) -> None:
    """A screenshot of the unmodified report is painted, figures included."""
    from matplotlib.image import imread

    shot = tmp_path / "shot.png"
    _run_chromium(
        chromium,
        tmp_path,
        "--hide-scrollbars",
        "--window-size=1200,2400",
        f"--screenshot={shot}",
        sample_report.as_uri(),
    )
    rgb = imread(shot)[..., :3]
    assert rgb.shape[:2] == (2400, 1200)
    ink = np.mean(np.any(rgb < 0.9, axis=-1))
    assert ink > 0.02, f"only {ink:.1%} of the page is painted"
    # Pixels in the first arm's colour (#0072B2) prove the figures were painted, not just text.
    arm_blue = np.all(np.abs(rgb - np.array([0x00, 0x72, 0xB2]) / 255) < 0.06, axis=-1)
    assert arm_blue.sum() > 200
