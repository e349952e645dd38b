"""The run folder (tables, summary, manifest, report), its atomicity, and the results store."""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import mscsim.io._run_folder as run_folder
from mscsim._errors import InputError
from mscsim.app import write_run_folder
from mscsim.io import endpoint_rows, list_runs, record_run
from mscsim.trial import run_summary, scenario_hash

TABLES = ("adsl", "adtte", "adae", "adlb")
FILES = {f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv")} | {
    "summary.json",
    "manifest.json",
    "report.html",
}


@pytest.fixture(scope="module")
def summary(lanzoni_run, lanzoni_analyses):
    return run_summary(lanzoni_run, lanzoni_analyses)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, lanzoni_run, lanzoni_analyses, summary):
    out = tmp_path_factory.mktemp("runs") / "lanzoni2021-run"
    return write_run_folder(
        lanzoni_run,
        out,
        analyses=lanzoni_analyses,
        summary=summary,
        command="mscsim trial run lanzoni2021 --replicates 2",
    )


def test_all_files_are_written(folder):
    assert {p.name for p in folder.iterdir()} == FILES
    siblings = {p.name for p in folder.parent.iterdir()}
    assert siblings == {folder.name}  # no temporary folder left next to it


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@pytest.mark.parametrize("name", TABLES)
def test_parquet_and_csv_agree(folder, name):
    parquet = pq.read_table(folder / f"{name}.parquet")
    csv = pacsv.read_csv(
        folder / f"{name}.csv", convert_options=pacsv.ConvertOptions(strings_can_be_null=True)
    )
    assert csv.column_names == parquet.column_names
    assert csv.num_rows == parquet.num_rows > 0
    for column in parquet.column_names:
        left, right = parquet.column(column).to_pylist(), csv.column(column).to_pylist()
        if column in ("SUBJID",):  # zero-padded text such as "007" reads back as a number
            right = [f"{v:03d}" for v in right]
        bad = [i for i, (x, y) in enumerate(zip(left, right, strict=True)) if not _same(x, y)]
        assert not bad, f"{name}.{column} differs at rows {bad[:5]}"


def test_adsl_file_has_one_row_per_enrolled_patient(folder, lanzoni_run):
    adsl = pq.read_table(folder / "adsl.parquet")
    assert adsl.num_rows == lanzoni_run.n_replicates * lanzoni_run.sample_size
    assert len(set(adsl.column("USUBJID").to_pylist())) == adsl.num_rows


def test_adtte_file_cnsr(folder, lanzoni_run):
    adtte = pq.read_table(folder / "adtte.parquet")
    os_rows = [r for r in adtte.to_pylist() if r["PARAMCD"] == "OS"]
    died = lanzoni_run.events.death <= lanzoni_run.events.follow_up
    assert [r["CNSR"] == 0 for r in os_rows] == died.tolist()


def test_adae_file_counts(folder, lanzoni_run):
    adae = pq.read_table(folder / "adae.parquet")
    ev = lanzoni_run.events
    assert adae.num_rows == int(np.isfinite(ev.sae_time).sum()) + ev.infusion_ae["patient"].size


def test_manifest_has_provenance_and_file_hashes(folder, lanzoni_run):
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["scenario"]["name"] == "lanzoni2021"
    assert manifest["scenario"]["hash"] == scenario_hash(lanzoni_run.scenario)
    assert manifest["scenario"]["citation"]["doi"] == "10.1002/sctm.20-0472"  # lanzoni2021.yaml
    assert (manifest["seed"], manifest["replicates"], manifest["sample_size"]) == (
        lanzoni_run.seed,
        2,
        lanzoni_run.sample_size,
    )
    assert manifest["command"] == "mscsim trial run lanzoni2021 --replicates 2"
    assert manifest["status_counts"] == lanzoni_run.status_counts
    assert {"simulate_s", "adam_tables_s", "write_tables_s", "report_s"} <= set(
        manifest["timings_s"]
    )
    assert manifest["environment"]["numpy"] == np.__version__
    env = manifest["environment"]
    assert env["solver_backend"] == lanzoni_run.solver_backend  # the backend that ran
    assert env["cpu_simd"] and "numba" in env and "jax" in env
    assert manifest["posterior"] == {"posterior": "none"}  # written without a posterior
    assert manifest["mscsim_version"]
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == FILES - {"manifest.json"}
    for name, entry in listed.items():
        data = (folder / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert entry["bytes"] == len(data)


def test_summary_json_is_the_given_summary(folder, summary):
    written = json.loads((folder / "summary.json").read_text())
    assert written == run_folder.jsonable(summary)
    assert written["scenario"] == "lanzoni2021"


def test_report_is_written(folder):
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Virtual trial: lanzoni2021" in page and "research tool, not clinical advice" in page


def test_jsonable_makes_strict_json():
    obj = {
        "a": float("nan"),
        "b": np.float64(2.5),
        "c": [np.int64(3), float("inf")],
        "d": np.array([1.0, np.nan]),
    }
    assert run_folder.jsonable(obj) == {"a": None, "b": 2.5, "c": [3, None], "d": [1.0, None]}


def test_store_records_runs(tmp_path, lanzoni_run, summary, folder):
    store = tmp_path / "results.sqlite"
    assert list_runs(store) == [] and not store.exists()
    first = record_run(store, lanzoni_run, summary, folder)
    second = record_run(store, lanzoni_run, summary, folder)
    assert second == first + 1
    runs = list_runs(store)
    assert [r["run_id"] for r in runs] == [first, second]
    rec = runs[0]
    assert rec["scenario"] == "lanzoni2021"
    assert rec["scenario_hash"] == scenario_hash(lanzoni_run.scenario)
    assert (rec["seed"], rec["replicates"], rec["sample_size"]) == (
        lanzoni_run.seed,
        2,
        lanzoni_run.sample_size,
    )
    assert rec["folder"] == str(folder.resolve())
    assert rec["summary"]["scenario"] == "lanzoni2021"
    rows = endpoint_rows(store, first)
    assert [r["endpoint"] for r in rows] == [e["name"] for e in summary["endpoints"]]
    power = summary["replicate_summary"]
    for r, e in zip(rows, summary["endpoints"], strict=True):
        assert r["p_value"] == e["p_value"] and r["method"] == e["method"]
        assert r["power"] == power[e["name"]]["power"]
    with sqlite3.connect(store) as con:
        assert con.execute("SELECT COUNT(*) FROM endpoints").fetchone()[0] == 2 * len(rows)


def test_store_rejects_a_file_that_is_not_sqlite(tmp_path, lanzoni_run, summary):
    bad = tmp_path / "not.sqlite"
    bad.write_text("hello, this is not a database" * 10)
    with pytest.raises(InputError, match="store"):
        record_run(bad, lanzoni_run, summary, None)


def _tree(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_nothing_is_left_behind_when_a_table_write_fails(
    tmp_path, monkeypatch, lanzoni_run, lanzoni_analyses, summary
):
    calls = []

    def failing(table, folder, stem, formats=("parquet", "csv")):
        calls.append(stem)
        (folder / f"{stem}.parquet").write_bytes(b"partial")
        if len(calls) == 3:
            raise OSError("disk full")
        return [folder / f"{stem}.parquet"]

    monkeypatch.setattr(run_folder, "write_table", failing)
    with pytest.raises(OSError, match="disk full"):
        write_run_folder(lanzoni_run, tmp_path / "out", analyses=lanzoni_analyses, summary=summary)
    assert calls == ["adsl", "adtte", "adae"]
    assert _tree(tmp_path) == []


def test_an_existing_folder_is_kept_as_it_was_when_the_report_fails(
    tmp_path, monkeypatch, lanzoni_run, lanzoni_analyses, summary
):
    import mscsim.report

    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("old report")

    def boom(*args, **kwargs):
        raise RuntimeError("report failed")

    monkeypatch.setattr(mscsim.report, "trial_report", boom)
    with pytest.raises(RuntimeError, match="report failed"):
        write_run_folder(lanzoni_run, out, analyses=lanzoni_analyses, summary=summary)
    assert _tree(tmp_path) == ["out", "out/report.html"]
    assert (out / "report.html").read_text() == "old report"


def test_bad_destination_and_formats_are_input_errors(
    tmp_path, lanzoni_run, lanzoni_analyses, summary
):
    with pytest.raises(InputError, match="^--out: "):  # the CLI option, not an internal name
        write_run_folder(
            lanzoni_run, tmp_path / "missing" / "out", analyses=lanzoni_analyses, summary=summary
        )
    with pytest.raises(InputError, match="formats"):
        write_run_folder(
            lanzoni_run,
            tmp_path / "out",
            analyses=lanzoni_analyses,
            summary=summary,
            formats=("xlsx",),
        )
    assert _tree(tmp_path) == []


def test_parquet_only(tmp_path, monkeypatch, lanzoni_run, lanzoni_analyses, summary):
    import mscsim.report

    monkeypatch.setattr(
        mscsim.report, "trial_report", lambda *a, **k: mscsim.report.HtmlReport("stub")
    )  # skip the figures
    out = write_run_folder(
        lanzoni_run,
        tmp_path / "out",
        analyses=lanzoni_analyses,
        summary=summary,
        formats=("parquet",),
    )
    assert {p.suffix for p in out.iterdir()} == {".parquet", ".json", ".html"}
