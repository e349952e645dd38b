"""Input validation shared by the report figures and tables.

The figures draw what they are given; these helpers only check shapes, types and ranges and raise
`InputError` naming the field at fault. They never derive statistics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mscsim._errors import InputError


def float_array(field: str, values: Any, *, length: int | None = None) -> np.ndarray:
    """Return `values` as a 1-D float array, or raise `InputError` naming `field`.

    Parameters
    ----------
    field : str
        Name used in the error message, e.g. ``"curves['MSC'].survival"``.
    values : sequence of float
        Numbers; ``None`` and NaN are kept as NaN.
    length : int, optional
        Required number of values.
    """
    try:
        arr = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    except (TypeError, ValueError):
        raise InputError(field, "a 1-D sequence of numbers", got=type(values).__name__) from None
    if arr.ndim != 1:
        raise InputError(field, "a 1-D sequence of numbers", got=f"shape {arr.shape}")
    if length is not None and arr.size != length:
        raise InputError(field, f"{length} values (one per time point)", got=f"{arr.size} values")
    return arr


def finite(field: str, arr: np.ndarray) -> np.ndarray:
    """Raise `InputError` unless every value of `arr` is finite."""
    if not np.all(np.isfinite(arr)):
        raise InputError(field, "finite numbers (no NaN or inf)")
    return arr


def within(field: str, arr: np.ndarray, low: float, high: float) -> np.ndarray:
    """Raise `InputError` unless every non-NaN value of `arr` lies in ``[low, high]``."""
    ok = np.isnan(arr) | ((arr >= low) & (arr <= high))
    if not np.all(ok):
        raise InputError(field, f"values in [{low:g}, {high:g}]")
    return arr


def nondecreasing(field: str, arr: np.ndarray) -> np.ndarray:
    """Raise `InputError` unless `arr` is finite and sorted in non-decreasing order."""
    finite(field, arr)
    if np.any(np.diff(arr) < 0):
        raise InputError(field, "times sorted in non-decreasing order")
    return arr


def mapping(field: str, value: Any, *, nonempty: bool = True) -> Mapping[str, Any]:
    """Raise `InputError` unless `value` is a (non-empty) mapping with string keys."""
    if not isinstance(value, Mapping) or (nonempty and not value):
        raise InputError(field, "a non-empty mapping" if nonempty else "a mapping")
    for key in value:
        if not isinstance(key, str):
            raise InputError(field, "string keys", got=key)
    return value


def keys(field: str, value: Mapping[str, Any], required: Sequence[str]) -> None:
    """Raise `InputError` if a required key of `value` is missing."""
    missing = [k for k in required if k not in value]
    if missing:
        raise InputError(field, f"keys {', '.join(required)}", got=f"missing {missing[0]}")


def count(field: str, value: Any) -> int:
    """Return `value` as a non-negative int, or raise `InputError`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise InputError(field, "a non-negative integer", got=value)
    return int(value)
