"""Schema check of trial records: types, provenance, events <= n, arms, no duplicates.

Every failure raises `InputError` naming the field as ``<trial id>.<path>`` and what is
allowed, so ``mscsim evidence add`` can refuse bad input with one line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pydantic

from mscsim._errors import InputError
from mscsim.evidence._schema import (
    OUTCOMES,
    Alternative,
    Finding,
    SourcedCount,
    SourcedNumber,
    Trial,
)

_Sourced = SourcedCount | SourcedNumber | Finding | Alternative


def _is_source(text: str | None) -> bool:
    return bool(text) and (text.startswith("10.") or text.startswith(("http://", "https://")))


def _walk(obj: Any, path: str) -> Iterator[tuple[str, _Sourced]]:
    if isinstance(obj, SourcedCount | SourcedNumber | Finding | Alternative):
        yield path, obj
    if isinstance(obj, pydantic.BaseModel):
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, tuple):
        for i, item in enumerate(obj):
            yield from _walk(item, f"{path}[{i}]")


def _check_provenance(trial: Trial) -> None:
    for path, item in _walk(trial, trial.id):
        has_value = not (isinstance(item, SourcedCount | SourcedNumber) and item.value is None)
        if has_value:
            if not _is_source(item.source):
                raise InputError(
                    f"{path}.source", "a DOI (10.x/...) or an http(s) URL", got=item.source
                )
            if not item.quote:
                raise InputError(f"{path}.quote", "a short quote or table reference")
        elif not item.note:
            raise InputError(f"{path}.note", "a note saying why the value is missing")


def _value(count: SourcedCount | None) -> int | None:
    return None if count is None else count.value


def _check_counts(trial: Trial) -> None:
    tid = trial.id
    if trial.design == "single-arm":
        if _value(trial.n_ctrl):
            raise InputError(
                f"{tid}.n_ctrl", "empty or 0 for a single-arm study", got=_value(trial.n_ctrl)
            )
    elif trial.n_ctrl is None:
        raise InputError(f"{tid}.n_ctrl", f"a control-arm size for design {trial.design}")
    if trial.n_treat.value == 0:
        raise InputError(f"{tid}.n_treat.value", "a positive arm size", got=0)
    for name in OUTCOMES:
        out = getattr(trial, name)
        if out is None:
            continue
        for arm in ("treat", "ctrl"):
            ev = _value(getattr(out, f"events_{arm}"))
            n = _value(getattr(out, f"n_{arm}")) or _value(getattr(trial, f"n_{arm}"))
            if ev is not None and n is not None and ev > n:
                raise InputError(
                    f"{tid}.{name}.events_{arm}.value", f"at most n_{arm} = {n}", got=ev
                )
            if ev is not None and n is None:
                raise InputError(
                    f"{tid}.{name}.events_{arm}", f"an arm size n_{arm} for the events", got=ev
                )


def check_trial(trial: Trial) -> Trial:
    """Cross-field checks of one validated `Trial` (provenance, arms, events <= n)."""
    _check_provenance(trial)
    _check_counts(trial)
    return trial


def parse_trial(raw: Mapping[str, Any], where: str) -> Trial:
    """Validate a raw mapping (from YAML) into a `Trial`, or raise a one-line `InputError`."""
    if not isinstance(raw, Mapping):
        raise InputError(where, "a mapping of trial fields", got=type(raw).__name__)
    name = str(raw.get("id") or where)
    try:
        trial = Trial.model_validate(dict(raw))
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        got = err.get("input") if err["type"] != "missing" else None
        if isinstance(got, Mapping | list):
            got = None
        raise InputError(f"{name}.{loc}" if loc else name, err["msg"], got=got) from None
    return check_trial(trial)


def check_unique(trials: Iterable[Trial]) -> None:
    """No two trials share an ``id``, or a DOI/registry id with the same ``comparison``."""
    ids: set[str] = set()
    keys: dict[tuple[str, str], str] = {}
    for t in trials:
        if t.id in ids:
            raise InputError(f"{t.id}.id", "an id not already in the evidence base", got=t.id)
        ids.add(t.id)
        for ref in (t.doi, t.registry):
            if not ref:
                continue
            key = (ref.lower(), t.comparison)
            if key in keys:
                raise InputError(
                    f"{t.id}.comparison",
                    f"a comparison other than '{t.comparison}' for {ref} "
                    f"(already trial {keys[key]})",
                    got=t.comparison,
                )
            keys[key] = t.id


def parse_trials(
    raws: Iterable[Mapping[str, Any]], *, existing: Iterable[Trial] = (), where: str = "trials"
) -> tuple[Trial, ...]:
    """Validate several raw trials and check them for duplicates against ``existing``."""
    parsed = tuple(parse_trial(r, f"{where}[{i}]") for i, r in enumerate(raws))
    check_unique((*existing, *parsed))
    return parsed
