"""MSC infusion regimens: when and how many cells (fixed count or per kg body weight)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mscsim._errors import InputError


@dataclass(frozen=True)
class Regimen:
    """Intravenous MSC infusions as ``(day since symptom onset, cells)`` pairs."""

    infusions: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        for day, cells in self.infusions:
            if not np.isfinite(day) or day < 0:
                raise InputError("infusion day", "must be a finite number >= 0", day)
            if not np.isfinite(cells) or cells < 0:
                raise InputError("dose", "cells must be a finite number >= 0", cells)
        object.__setattr__(self, "infusions", tuple(sorted(self.infusions)))

    @classmethod
    def fixed(cls, cells: float, days: Sequence[float]) -> Regimen:
        """The same fixed cell count at each of `days`."""
        return cls(tuple((float(d), float(cells)) for d in days))

    @classmethod
    def per_kg(cls, cells_per_kg: float, weight_kg: float, days: Sequence[float]) -> Regimen:
        """`cells_per_kg` times body weight at each of `days`."""
        if not np.isfinite(weight_kg) or not 20 <= weight_kg <= 300:
            raise InputError("--weight", "body weight must be between 20 and 300 kg", weight_kg)
        return cls.fixed(cells_per_kg * weight_kg, days)

    @property
    def total_cells(self) -> float:
        return float(sum(c for _, c in self.infusions))

    def __bool__(self) -> bool:
        return any(c > 0 for _, c in self.infusions)


def stack_regimens(regimens: Sequence[Regimen]) -> tuple[np.ndarray, np.ndarray]:
    """Pad regimens to arrays ``(times, cells)`` of shape ``(batch, max_infusions)``.

    Zero-cell infusions are dropped: a zero dose is no event, so it leaves the solve
    bit-identical to the untreated one.
    """
    if len(regimens) > 1 and all(r is regimens[0] for r in regimens):  # e.g. [Regimen()] * n
        times, cells = stack_regimens(regimens[:1])
        return np.repeat(times, len(regimens), axis=0), np.repeat(cells, len(regimens), axis=0)
    given = [[(d, c) for d, c in r.infusions if c > 0] for r in regimens]
    k = max((len(g) for g in given), default=0)
    times = np.full((len(regimens), k), np.inf)
    cells = np.zeros((len(regimens), k))
    for i, g in enumerate(given):
        for j, (d, c) in enumerate(g):
            times[i, j], cells[i, j] = d, c
    return times, cells


@dataclass(frozen=True)
class Doses:
    """Infusions of a cohort as arrays, the batched twin of one `Regimen` per patient.

    `times` (days) and `cells` are ``(batch, K)``, as `stack_regimens` returns them: each
    row's infusions sorted by (day, cells), zero-cell infusions dropped, padded with ``inf``
    days and 0 cells. Build it with `Doses.of`.
    """

    times: np.ndarray
    cells: np.ndarray

    @classmethod
    def of(cls, days: np.ndarray, cells: np.ndarray) -> Doses:
        """From ``(batch, K)`` infusion days (NaN: no infusion) and cells; the same arrays as
        `stack_regimens` of the per-patient regimens, without building them."""
        days = np.asarray(days, dtype=float)
        cells = np.asarray(cells, dtype=float)
        planned = ~np.isnan(days)
        if np.any(planned & ~(np.isfinite(days) & (days >= 0))):
            raise InputError("infusion day", "must be a finite number >= 0", days[planned].min())
        if np.any(planned & ~(np.isfinite(cells) & (cells >= 0))):
            raise InputError("dose", "cells must be a finite number >= 0", cells[planned].min())
        given = planned & (cells > 0)
        t = np.where(given, days, np.inf)
        c = np.where(given, cells, 0.0)
        order = np.lexsort((c, t), axis=-1)  # by day, then cells, as Regimen sorts its pairs
        k = int(given.sum(axis=1).max(initial=0))
        times = np.take_along_axis(t, order, axis=-1)[:, :k]
        amounts = np.take_along_axis(c, order, axis=-1)[:, :k]
        return cls(np.ascontiguousarray(times), np.ascontiguousarray(amounts))
