"""Input checks and the replicate axis shared by every statistic.

Every public statistic takes arrays of shape ``(R, N)`` (R replicate trials, N patient slots)
or ``(N,)`` (one trial), a boolean ``mask`` of the same shape marking slots that hold an
analysed patient (default: all), and, for two-arm comparisons, ``group`` (0 = control,
1 = treatment). Values in slots outside the mask are ignored, whatever they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mscsim._errors import InputError


@dataclass(frozen=True)
class Batch:
    """Inputs laid out as 2-D ``(R, N)`` arrays, and whether the caller gave one 1-D trial."""

    single: bool
    mask: np.ndarray

    def out(self, x: np.ndarray) -> Any:
        """Return ``x`` (leading axis R) as given: drop the replicate axis for one trial."""
        if not self.single:
            return x
        y = x[0]
        return y.item() if np.ndim(y) == 0 else y


def check_conf_level(conf_level: float) -> float:
    """Validate a confidence level in (0, 1)."""
    if not (isinstance(conf_level, int | float) and 0.0 < float(conf_level) < 1.0):
        raise InputError("conf_level", "a number in (0, 1)", conf_level)
    return float(conf_level)


def batch_of(mask: ArrayLike | None, **arrays: ArrayLike) -> tuple[Batch, dict[str, np.ndarray]]:
    """Lift named 1-D/2-D arrays of one shape to 2-D and build the mask.

    Raises
    ------
    InputError
        If an array is not 1-D or 2-D, shapes differ, or ``mask`` is not boolean.
    """
    out: dict[str, np.ndarray] = {}
    shape = None
    single = False
    for name, a in arrays.items():
        x = np.asarray(a)
        if x.ndim not in (1, 2):
            raise InputError(name, "a 1-D (N,) or 2-D (R, N) array", f"shape {x.shape}")
        if shape is None:
            shape, single = x.shape, x.ndim == 1
        elif x.shape != shape:
            raise InputError(
                name, f"an array of shape {shape} like the first input", f"shape {x.shape}"
            )
        out[name] = x[None, :] if single else x
    assert shape is not None
    if mask is None:
        m = np.ones(out[next(iter(out))].shape, dtype=bool)
    else:
        m = np.asarray(mask)
        if m.shape != shape:
            raise InputError("mask", f"a boolean array of shape {shape}", f"shape {m.shape}")
        if m.dtype != bool:
            raise InputError("mask", "a boolean array", f"dtype {m.dtype}")
        m = m[None, :] if single else m
    return Batch(single=single, mask=m), out


def check_group(group: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return ``group`` as int (0 = control, 1 = treatment), checked on analysed slots."""
    g = np.asarray(group)
    vals = g[mask]
    if vals.size and not np.isin(vals, (0, 1)).all():
        raise InputError(
            "group",
            "0 (control) or 1 (treatment) in every analysed slot",
            sorted(set(np.unique(vals).tolist()) - {0, 1})[:5],
        )
    return np.where(mask, g, 0).astype(np.int64)


def check_binary(x: np.ndarray, mask: np.ndarray, field: str) -> np.ndarray:
    """Return a boolean array from 0/1 or bool values, checked on analysed slots."""
    vals = np.asarray(x)[mask]
    if vals.size and not np.isin(vals, (0, 1)).all():
        raise InputError(
            field,
            "booleans or 0/1 in every analysed slot",
            sorted(set(np.unique(vals).tolist()) - {0, 1})[:5],
        )
    return np.where(mask, x, 0).astype(bool)


def check_times(t: np.ndarray, mask: np.ndarray, field: str = "time") -> np.ndarray:
    """Return float times, checked finite and >= 0 on analysed slots."""
    try:
        x = np.asarray(t, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(field, "numbers (days)", str(exc)) from None
    vals = x[mask]
    if vals.size and not (np.isfinite(vals).all() and (vals >= 0).all()):
        bad = vals[~(np.isfinite(vals) & (vals >= 0))]
        raise InputError(field, "finite times >= 0 in every analysed slot", bad[:3].tolist())
    return x
