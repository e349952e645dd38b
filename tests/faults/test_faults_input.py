"""Hostile or careless input files (issue 12, items 8 and 9): one-line errors, bounded cost."""

from __future__ import annotations

import re
import time
import tracemalloc
from importlib import resources

import numpy as np
import pytest
import yaml

from mscsim._errors import InputError
from mscsim.cli import main
from mscsim.evidence import cumulative, leave_one_out, meta_analysis, read_table_csv
from mscsim.evidence.meta._sequential import MAX_SEQUENTIAL_K
from mscsim.evidence.meta._table import StudyTable
from mscsim.trial import scenario_from_yaml

HEADER = "study,events_treat,n_treat,events_ctrl,n_ctrl,year"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def _lanzoni() -> str:
    return resources.files("mscsim.trial.scenarios").joinpath("lanzoni2021.yaml").read_text()


# item 8: evidence readers ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{HEADER}\nA,1,10,2,10,2020\nB,2,10,3,10,2021\n".replace("n_ctrl", "n_treat"), "once"),
        (f"{HEADER}\nA,1,10,2,10,2020,extra\n", "line 2: 6 fields"),
        (f"{HEADER}\nA,1,10,2,10\n", "line 2: 6 fields"),
        (f"{HEADER}\nA,1,10,2,10,inf\n", "year (line 2): a whole year"),
        (f"{HEADER}\nA,1,10,2,10,nan\n", "year (line 2): a whole year"),
        (f"{HEADER}\nA,1,10,2,10,1e308\n", "year (line 2): a whole year"),
        (f"{HEADER}\nA,1,10,2,10,2020.5\n", "year (line 2): a whole year"),
        ("study,,n_treat\nA,1,2\n", "a name for every column"),
    ],
)
def test_bad_csv_is_an_input_error(tmp_path, text, message):
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        read_table_csv(path)


def test_duplicated_header_no_longer_uses_the_last_column(tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text(
        "study,events_treat,n_treat,events_ctrl,n_ctrl,events_treat\n"
        "A,1,20,8,20,19\nB,2,20,9,20,18\n",
        encoding="utf-8",
    )
    assert main(["evidence", "meta", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "events_treat repeated" in err


@pytest.mark.parametrize("kind", ["csv", "yaml"])
def test_non_utf8_is_an_input_error(tmp_path, kind, capsys):
    path = tmp_path / f"s.{kind}"
    path.write_bytes(b"study,events_treat\n\xff\xfe\xfa,1\n")
    argv = (
        ["evidence", "meta", "--data", str(path)]
        if kind == "csv"
        else ["evidence", "add", str(path), "--store", str(tmp_path / "store.yaml")]
    )
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "UTF-8" in err
    assert not (tmp_path / "store.yaml").exists()


# item 9: YAML bombs, complex keys, unbounded sizes -------------------------------------------
def test_alias_bomb_in_a_scenario_title_is_refused_at_once():
    text = BOMB + _lanzoni().replace("title:", "title: *i\nold_title:", 1)
    start = time.perf_counter()
    with pytest.raises(InputError, match="aliases are expanded"):
        scenario_from_yaml(text, "bomb.yaml")
    assert time.perf_counter() - start < 5


def test_alias_bomb_in_an_evidence_file_is_refused(tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB + "trials: *i\n", encoding="utf-8")
    assert main(["evidence", "add", str(path), "--store", str(tmp_path / "s.yaml")]) == 2
    assert "aliases are expanded" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["? [a, b]\n: 1\n", "? {a: 1}\n: 1\n"])
def test_complex_yaml_key_is_refused(key):
    with pytest.raises(InputError, match="plain .scalar. mapping keys"):
        scenario_from_yaml(key + _lanzoni(), "k.yaml")


def test_recursive_alias_and_deep_nesting_are_refused():
    with pytest.raises(InputError, match="recursive aliases"):
        scenario_from_yaml("title: &a [*a]\n", "r.yaml")
    with pytest.raises(InputError, match="levels deep"):
        scenario_from_yaml("title: " + "[" * 200 + "]" * 200 + "\n", "d.yaml")


@pytest.mark.parametrize("number", ["9" * 5000, ":".join(["59"] * 100_000), "1" * 101 + ".5"])
def test_huge_numbers_are_refused_before_conversion(number):
    text = _lanzoni().replace("sample_size: 24", "sample_size: " + number, 1)
    start = time.perf_counter()
    with pytest.raises(InputError, match="numbers of at most 100 characters"):
        scenario_from_yaml(text, "big.yaml")
    assert time.perf_counter() - start < 5


def test_big_values_render_short_in_errors():
    text = _lanzoni().replace("sample_size: 24", "sample_size: " + "9" * 99, 1)
    with pytest.raises(InputError, match=r"sample_size: must be <= 100000 \(got <integer of"):
        scenario_from_yaml(text, "big.yaml")
    assert "(got <integer of" in str(InputError("x", "y", got=10**5000))


@pytest.mark.parametrize("days", [91, 100_000, 10**12])
def test_onset_to_screening_is_bounded(days):
    text = _lanzoni().replace(
        "onset_to_screening_days: {min: 3, max: 14}",
        f"onset_to_screening_days: {{min: 3, max: {days}}}",
    )
    with pytest.raises(InputError, match="onset_to_screening_days.max: must be <= 90"):
        scenario_from_yaml(text, "o.yaml")


def _table(k: int) -> StudyTable:
    rng = np.random.default_rng(7)
    n = rng.integers(20, 200, size=(k, 2))
    e = rng.binomial(n, 0.2)
    return StudyTable(
        kind="binary",
        study=tuple(f"s{i}" for i in range(k)),
        data={
            "events_treat": e[:, 0],
            "n_treat": n[:, 0],
            "events_ctrl": e[:, 1],
            "n_ctrl": n[:, 1],
        },
    )


@pytest.mark.parametrize("method", ["REML", "DL", "PM", "ML"])
def test_meta_analysis_memory_is_linear_in_k(method):
    table = _table(20_000)  # a k x k matrix would be 3.2 GB
    tracemalloc.start()
    res = meta_analysis(table, method=method)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert np.isfinite(res.estimate)
    assert peak < 64 * 2**20


def test_sequential_analyses_are_bounded():
    table = _table(MAX_SEQUENTIAL_K + 1)
    for analysis in (cumulative, leave_one_out):
        with pytest.raises(InputError, match=f"at most {MAX_SEQUENTIAL_K} studies"):
            analysis(table)


def test_bounded_yaml_loader_keeps_ordinary_aliases():
    doc = yaml.safe_dump({"x": 1})
    assert doc  # the loader below accepts what safe_dump writes and plain anchors
    from mscsim._yaml import load_yaml

    assert load_yaml("a: &x [1, 2]\nb: *x\n", "t") == {"a": [1, 2], "b": [1, 2]}


def _refuse_in_worker() -> None:
    raise InputError("eligibility", "fewer than 8 of 25600 virtual candidates are eligible", 3)


def test_input_error_from_a_worker_process_reaches_the_caller():
    # a worker's InputError crosses the process boundary whole: unpickling it once failed,
    # which broke the pool and left the run waiting
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1) as pool, pytest.raises(InputError) as err:
        pool.submit(_refuse_in_worker).result(timeout=60)
    assert (err.value.field, err.value.got) == ("eligibility", 3)
    assert (
        str(err.value)
        == "eligibility: fewer than 8 of 25600 virtual candidates are eligible (got 3)"
    )
