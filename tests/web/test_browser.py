"""End to end in a real browser: Debian's headless Chromium driven by Selenium.

start server -> open the page -> launch a run -> wait -> the result page shows the KM plot and
the numbers; a screenshot is saved. Without Chromium/chromedriver the test is skipped locally
but fails when MSCSIM_REQUIRE_BROWSER=1 (set in CI).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import TOKEN  # noqa: I001

pytestmark = pytest.mark.browser


def _need(what: str, found) -> None:
    if found:
        return
    if os.environ.get("MSCSIM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} not found, but MSCSIM_REQUIRE_BROWSER=1")
    pytest.skip(f"{what} not found")


@pytest.fixture
def driver(tmp_path):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _need("selenium", False)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )
    _need("chromium", chromium)
    _need("chromedriver (Debian package chromium-driver)", chromedriver)
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,2400",
    ):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(executable_path=chromedriver), options=opts)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def test_launch_a_run_and_see_the_km_plot(server, driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(driver, 240)
    driver.get(server.url + "/")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#f-arms tr[data-arm]")))
    token = driver.find_element(By.ID, "token")
    token.send_keys(TOKEN)
    Select(driver.find_element(By.ID, "f-scenario")).select_by_value("lanzoni2021")
    driver.find_element(By.ID, "f-seed").send_keys("7")
    driver.find_element(By.ID, "f-submit").click()
    wait.until(ec.url_contains("#/runs/"))
    job_id = driver.current_url.rsplit("/", 1)[1]
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#km-plot svg path.km-curve")))
    shot = tmp_path / "web-result.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    assert driver.find_element(By.ID, "status-text").text == "done"
    curves = driver.find_elements(By.CSS_SELECTOR, "#km-plot path.km-curve")
    assert len(curves) == 2  # one per arm
    for c in curves:
        box = c.rect
        assert box["width"] > 100 and box["height"] > 5
    # the numbers on the page are the server's summary (which equals the CLI's)
    import httpx

    summary = httpx.get(f"{server.url}/api/runs/{job_id}").json()["summary"]
    arm_rows = driver.find_elements(By.CSS_SELECTOR, "#arm-table tr")[1:]
    shown = {r.find_elements(By.TAG_NAME, "td")[0].text: r.text for r in arm_rows}
    for arm, v in summary["arms"].items():
        cells = shown[arm].split()
        assert cells[1:3] == [str(v["n"]), str(v["deaths"])]
    assert len(driver.find_elements(By.CSS_SELECTOR, "#endpoint-table tr")) == 1 + len(
        summary["endpoints"]
    )
    for fig in ("forest-plot", "consort-plot"):
        assert driver.find_element(By.ID, fig).is_displayed()
    # nothing loaded from another origin, and no script errors
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources and all(r.startswith(server.url) for r in resources), resources
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    (tmp_path / "web-result.json").write_text(json.dumps({"job": job_id, "summary": summary}))


def test_evidence_page_draws_the_forest_plot(server, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server.url + "/#/evidence")
    WebDriverWait(driver, 60).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#evidence-forest svg"))
    )
    points = driver.find_elements(By.CSS_SELECTOR, "#evidence-forest rect.forest-point")
    assert len(points) >= 5


def test_form_errors_come_from_the_server_and_runs_compare(server, driver):
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from conftest import AUTH, wait_job

    wait = WebDriverWait(driver, 240)
    driver.get(server.url + "/")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#f-arms tr[data-arm]")))
    driver.find_element(By.ID, "token").send_keys(TOKEN)
    Select(driver.find_element(By.ID, "f-scenario")).select_by_value("lanzoni2021")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "tr[data-arm='uc_msc']")))
    dose = driver.find_element(By.CSS_SELECTOR, "tr[data-arm='uc_msc'] .a-dose")
    dose.clear()
    dose.send_keys("0")
    driver.find_element(By.ID, "f-submit").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "f-error"), "422"))
    assert "arms[0].dose_per_infusion" in driver.find_element(By.ID, "f-error").text
    assert "#/runs/" not in driver.current_url
    ids = []
    for seed in (7, 8):
        r = httpx.post(f"{server.url}/api/runs", json={"scenario": "meng2020", "seed": seed},
                       headers=AUTH)  # fmt: skip
        ids.append(r.json()["id"])
    for jid in ids:
        assert wait_job(lambda p: httpx.get(server.url + p), jid)["status"] == "done"
    driver.get(f"{server.url}/#/compare/{ids[0]}/{ids[1]}")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "path.km-curve")) == 4)
    tables = driver.find_elements(By.ID, "arm-table")
    assert len(tables) == 2 and tables[0].text != tables[1].text  # different seeds


def test_power_job_page_draws_the_power_curve(server, driver):
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from conftest import AUTH

    body = {"scenario": "meng2020", "kind": "power", "sizes": [18, 36], "replicates": 4}
    job_id = httpx.post(f"{server.url}/api/runs", json=body, headers=AUTH).json()["id"]
    driver.get(f"{server.url}/#/runs/{job_id}")
    WebDriverWait(driver, 240).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#power-plot svg path[data-series]"))
    )
    curves = driver.find_elements(By.CSS_SELECTOR, "#power-plot path[data-series]")
    result = httpx.get(f"{server.url}/api/runs/{job_id}").json()["result"]
    assert len(curves) == len(result["power"])  # one line per endpoint
