"""The user store: `add_trials` validates, refuses duplicates, writes atomically, never the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from mscsim._errors import InputError
from mscsim.evidence import add_trials, builtin_trials, default_store_path, load_trials

from ._data import NEW


def _write(path: Path, doc) -> Path:
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_default_store_follows_mscsim_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MSCSIM_HOME", str(tmp_path / "h"))
    assert default_store_path() == tmp_path / "h" / "evidence.yaml"
    monkeypatch.delenv("MSCSIM_HOME")
    assert default_store_path() == Path("~/.local/share/mscsim/evidence.yaml").expanduser()


def test_add_then_load_merges_with_builtins(tmp_path):
    store = tmp_path / "store.yaml"
    added = add_trials(_write(tmp_path / "new.yaml", NEW), store)
    assert [t.id for t in added] == ["Example2024"]
    merged = load_trials(store)
    assert len(merged) == len(builtin_trials()) + 1 and merged[-1].id == "Example2024"
    assert not list(tmp_path.glob(".evidence-*"))  # no temp file left behind


def test_default_store_is_under_mscsim_home(tmp_path):
    add_trials(_write(tmp_path / "new.yaml", {"trials": [NEW]}))
    assert default_store_path().is_file()
    assert str(default_store_path()).startswith(str(tmp_path))
    package_data = resources.files("mscsim.evidence").joinpath("data")
    assert [p.name for p in package_data.iterdir() if p.name.endswith(".yaml")] == ["trials.yaml"]


def test_duplicate_is_refused_and_store_unchanged(tmp_path):
    store = tmp_path / "store.yaml"
    src = _write(tmp_path / "new.yaml", NEW)
    add_trials(src, store)
    before = store.read_text()
    with pytest.raises(InputError, match=r"^Example2024\.id: an id not already"):
        add_trials(src, store)
    builtin_dup = dict(NEW, id="Bowdish2023")
    with pytest.raises(InputError, match=r"^Bowdish2023\.id"):
        add_trials(_write(tmp_path / "dup.yaml", builtin_dup), store)
    assert store.read_text() == before


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["mortality"]["events_treat"].update(value=31), "mortality.events_treat.value"),
        (lambda d: d["mortality"]["events_ctrl"].update(value=-1), "mortality.events_ctrl.value"),
        (lambda d: d["n_treat"].pop("quote"), "n_treat.quote"),
        (lambda d: d.pop("severity"), "severity"),
    ],
)
def test_bad_trials_are_refused_with_the_field_named(tmp_path, mutate, field):
    import copy

    doc = copy.deepcopy(NEW)
    mutate(doc)
    store = tmp_path / "store.yaml"
    with pytest.raises(InputError) as info:
        add_trials(_write(tmp_path / "bad.yaml", doc), store)
    assert info.value.field == f"Example2024.{field}"
    assert not store.exists()


def test_bad_files(tmp_path):
    with pytest.raises(InputError, match="^file: an existing"):
        add_trials(tmp_path / "missing.yaml", tmp_path / "s.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("trials: [\n", encoding="utf-8")
    with pytest.raises(InputError, match="^(file|FILE): malformed YAML"):
        add_trials(bad, tmp_path / "s.yaml")
