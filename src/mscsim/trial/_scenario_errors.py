"""Turn a pydantic ``ValidationError`` into a one-line :class:`~mscsim._errors.InputError`.

The message names the full field path in the scenario (``arms[0].dose_unit``) and what
is allowed there, e.g. ``arms[0].dose_unit: must be one of 'cells', 'cells/kg' (got
'mg')``. Only the first error is reported: fields are validated in the order they are
declared, so the first error is the first problem in the file.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from mscsim._errors import InputError, short_repr
from mscsim.trial._scenario_fields import PATTERN_TEXT

_SCALAR = (str, int, float, bool)
_MAX_GOT = 70


class _Abbrev(str):
    """A string shown without quotes by ``repr`` (for values too long to print whole)."""

    def __repr__(self) -> str:
        return str(self)


def format_loc(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic location as a path: ``('arms', 0, 'name')`` -> ``arms[0].name``."""
    out = ""
    for item in loc:
        if item == "[key]":
            continue
        out += f"[{item}]" if isinstance(item, int) else (f".{item}" if out else str(item))
    return out or "scenario"


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class found by following ``loc`` from ``root`` (None if not a model)."""
    tp: Any = root
    for item in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if not isinstance(item, str) or item not in tp.model_fields:
                return None
            tp = tp.model_fields[item].annotation
        elif get_origin(tp) in (tuple, list) and isinstance(item, int):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict and isinstance(item, str):
            tp = get_args(tp)[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _num(x: object) -> object:
    """Render floats compactly (``1.0`` -> ``1``, ``1e13`` -> ``1e+13``)."""
    return f"{x:g}" if isinstance(x, float) else x


def _one_of(expected: str) -> str:
    head, _, last = expected.rpartition(" or ")
    return f"must be one of {head}, {last}" if head else f"must be {expected}"


def _allowed(err: dict[str, Any], root: type[BaseModel]) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    loc = tuple(err["loc"])
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        model = _model_at(root, loc[:-1])
        names = ", ".join(model.model_fields) if model else "see the scenario documentation"
        return f"unknown field (extra forbidden); allowed: {names}"
    if kind == "literal_error":
        prefix = "key " if "[key]" in loc else ""
        return prefix + _one_of(ctx["expected"])
    simple = {
        "scenario_rule": str(ctx.get("allowed", "")),
        "value_error": str(ctx.get("error", err["msg"])),
        "int_type": "must be an integer",
        "int_parsing": "must be an integer",
        "int_from_float": "must be an integer",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "finite_number": "must be a finite number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "string_type": "must be a string",
        "string_too_short": "must not be empty",
        "tuple_type": "must be a list",
        "list_type": "must be a list",
        "dict_type": "must be a mapping (key: value)",
        "model_type": "must be a mapping (key: value)",
        "model_attributes_type": "must be a mapping (key: value)",
    }
    if kind in simple:
        return simple[kind]
    bounds = {
        "greater_than": ">",
        "greater_than_equal": ">=",
        "less_than": "<",
        "less_than_equal": "<=",
    }
    if kind in bounds:
        limit = next(iter(ctx.values()))
        return f"must be {bounds[kind]} {_num(limit)}"
    if kind == "string_pattern_mismatch":
        return PATTERN_TEXT.get(ctx["pattern"], f"must match {ctx['pattern']}")
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} item(s)"
    return str(err["msg"]).replace("\n", " ")


def _got(err: dict[str, Any]) -> object:
    if err["type"] in ("missing", "extra_forbidden"):
        return None
    if err["type"] == "too_short":
        return len(err["input"])
    got = err.get("ctx", {}).get("got") if err["type"] == "scenario_rule" else err.get("input")
    if got is None:
        return None
    if isinstance(got, float) and abs(got) >= 1e6:
        return _Abbrev(f"{got:g}")
    text = short_repr(got)  # bounded: never renders a huge value whole
    if not isinstance(got, _SCALAR) or len(text) > _MAX_GOT:
        return _Abbrev(text if len(text) <= _MAX_GOT else text[: _MAX_GOT - 3] + "...")
    return got


def to_input_error(exc: ValidationError, root: type[BaseModel], prefix: str = "") -> InputError:
    """Convert the first error of ``exc`` into an :class:`InputError`.

    Parameters
    ----------
    exc : pydantic.ValidationError
        Raised while validating ``root``.
    root : type[BaseModel]
        The model that was validated (used to list the allowed keys of unknown fields).
    prefix : str
        Prepended to the field path (e.g. ``"scenario."``); empty by default.
    """
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"]) + tuple(err.get("ctx", {}).get("at", ()))
    return InputError(prefix + format_loc(loc), _allowed(err, root), got=_got(err))
