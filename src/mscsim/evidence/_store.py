"""The built-in trial table (package data) and the user's store of added trials.

Built-ins ship as ``mscsim/evidence/data/trials.yaml``. Trials added with
``mscsim evidence add`` go to a user store, by default ``$MSCSIM_HOME/evidence.yaml`` with
``MSCSIM_HOME`` defaulting to ``~/.local/share/mscsim``; the installed package is never
written. `load_trials` merges both and checks the merged set for duplicates.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mscsim._atomic import locked, write_text_atomic
from mscsim._errors import InputError
from mscsim._yaml import load_yaml
from mscsim.evidence._checks import check_unique, parse_trials
from mscsim.evidence._schema import Trial


def default_store_path() -> Path:
    """``$MSCSIM_HOME/evidence.yaml`` (``MSCSIM_HOME`` defaults to ``~/.local/share/mscsim``)."""
    home = os.environ.get("MSCSIM_HOME") or "~/.local/share/mscsim"
    return Path(home).expanduser() / "evidence.yaml"


def _raw_trials(doc: Any, where: str) -> list[Mapping[str, Any]]:
    if doc is None:
        return []
    if isinstance(doc, Mapping) and "trials" in doc:
        doc = doc["trials"]
    elif isinstance(doc, Mapping):
        doc = [doc]
    if not isinstance(doc, list):
        raise InputError(
            where, "a trial mapping, a list of trials or {trials: [...]}", got=type(doc).__name__
        )
    return doc


def _read_yaml(path: Path, where: str) -> list[Mapping[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, "a UTF-8 text file", got=f"byte {exc.start} undecodable") from None
    return _raw_trials(load_yaml(text, where), where)


@functools.cache
def builtin_trials() -> tuple[Trial, ...]:
    """The curated trials shipped with mscsim (validated once, then cached; records are frozen)."""
    text = resources.files("mscsim.evidence").joinpath("data/trials.yaml").read_text("utf-8")
    doc = load_yaml(text, "builtin")
    return parse_trials(_raw_trials(doc, "builtin"), where="builtin")


def store_trials(store: str | Path | None = None) -> tuple[Trial, ...]:
    """Trials in the user store (empty if the file does not exist)."""
    path = Path(store) if store is not None else default_store_path()
    if not path.is_file():
        return ()
    return parse_trials(_read_yaml(path, "store"), where=str(path))


def load_trials(
    store: str | Path | None = None, *, builtin: bool = True, user: bool = True
) -> tuple[Trial, ...]:
    """Built-in trials followed by those in the user ``store``, checked for duplicates."""
    trials = (builtin_trials() if builtin else ()) + (store_trials(store) if user else ())
    check_unique(trials)
    return trials


def add_trials(file: str | Path, store: str | Path | None = None) -> tuple[Trial, ...]:
    """Validate the trials in YAML ``file`` and append them to the user ``store``.

    The file holds one trial mapping, a list of them, or ``{trials: [...]}``. Every trial
    is schema-checked and checked for duplicates against the built-ins and the store;
    on any error nothing is written. The store is rewritten atomically, under an exclusive
    lock on ``<store>.lock`` held from reading the store to replacing it, so concurrent
    adds (several processes) each keep their records.

    Returns
    -------
    tuple of Trial
        The trials added.
    """
    src = Path(file)
    if not src.is_file():
        raise InputError("file", "an existing YAML file", got=str(file))
    path = Path(store) if store is not None else default_store_path()
    if path.is_dir():
        raise InputError("store", "a YAML file, not a folder", got=str(path))
    incoming = _read_yaml(src, "file")
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        existing_raw: Sequence[Mapping[str, Any]] = (
            _read_yaml(path, "store") if path.is_file() else []
        )
        existing = builtin_trials() + parse_trials(existing_raw, where=str(path))
        new = parse_trials(incoming, existing=existing, where=src.name)
        if not new:
            raise InputError("file", "at least one trial", got="empty")
        dumped = [dict(r) for r in existing_raw] + [
            t.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for t in new
        ]
        header = "# mscsim user evidence store: trials added with `mscsim evidence add`\n"
        text = yaml.safe_dump({"trials": dumped}, sort_keys=False, allow_unicode=True)
        write_text_atomic(path, header + text, option="store")
    return new
