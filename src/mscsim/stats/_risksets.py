"""Risk sets of right-censored data, for many replicate trials at once.

Each replicate row is sorted by time (slots outside the mask go last, at ``+inf``) after an
*origin* column at time 0 that holds no patient, so that the distinct-time grid always starts
at 0 (the lifelines convention). For every sorted position the record gives the counts of its
*tie group* (all positions sharing its time): at risk just before the time, events, removals,
and the same restricted to ``group == 1``. ``is_last`` marks one position per distinct time.
All counts come from cumulative sums, so the cost is one sort, O(R N log N).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RiskSets:
    """Sorted times with per-tie-group counts; every array has shape (R, N + 1)."""

    time: np.ndarray  #: sorted times, origin 0 first, ``inf`` for unused slots
    event: np.ndarray  #: bool, observed event at this position
    group: np.ndarray  #: int 0/1 at this position
    is_last: np.ndarray  #: last position of a distinct finite time
    at_risk: np.ndarray  #: n, patients with time >= this time
    at_risk1: np.ndarray  #: n1, of them in group 1
    group_events: np.ndarray  #: d, events at this time
    group_events1: np.ndarray  #: d1, of them in group 1
    group_removed: np.ndarray  #: events + censorings at this time
    event_rank: np.ndarray  #: 0, 1, ... for the events of a tie group (-1 if no event)


def sort_with_origin(
    time: np.ndarray, event: np.ndarray, group: np.ndarray, mask: np.ndarray
) -> RiskSets:
    """Sort each row by time and count its risk sets (see module docstring).

    Parameters
    ----------
    time : ndarray, shape (R, N)
        Times >= 0 (anything outside ``mask``).
    event : ndarray of bool, shape (R, N)
    group : ndarray of int, shape (R, N)
        0 or 1.
    mask : ndarray of bool, shape (R, N)
        Slots that hold a patient.
    """
    r = time.shape[0]
    zeros = np.zeros((r, 1))
    t = np.concatenate([zeros, np.where(mask, time, np.inf)], axis=1)
    e = np.concatenate([zeros.astype(bool), mask & event], axis=1)
    g = np.concatenate([zeros.astype(np.int64), np.where(mask, group, 0)], axis=1)
    order = np.argsort(t, axis=1, kind="stable")
    t = np.take_along_axis(t, order, axis=1)
    e = np.take_along_axis(e, order, axis=1)
    g = np.take_along_axis(g, order, axis=1)

    width = t.shape[1]
    idx = np.broadcast_to(np.arange(width), t.shape)
    new = np.ones_like(e)
    new[:, 1:] = t[:, 1:] != t[:, :-1]
    last = np.ones_like(e)
    last[:, :-1] = new[:, 1:]
    first_idx = np.maximum.accumulate(np.where(new, idx, 0), axis=1)
    last_idx = np.minimum.accumulate(np.where(last, idx, width)[:, ::-1], axis=1)[:, ::-1]

    def before(c: np.ndarray) -> np.ndarray:
        """Cumulative count strictly before the first position of the tie group."""
        c0 = np.concatenate([np.zeros((r, 1), dtype=c.dtype), c], axis=1)
        return np.take_along_axis(c0, first_idx, axis=1)

    def through(c: np.ndarray) -> np.ndarray:
        """Cumulative count through the last position of the tie group."""
        return np.take_along_axis(c, last_idx, axis=1)

    real = np.concatenate([np.zeros((r, 1), dtype=np.int64), mask.astype(np.int64)], axis=1)
    real = np.take_along_axis(real, order, axis=1)
    c_real = np.cumsum(real, axis=1)
    c_g = np.cumsum(g * real, axis=1)
    c_e = np.cumsum(e, axis=1, dtype=np.int64)
    c_e1 = np.cumsum(e & (g == 1), axis=1, dtype=np.int64)
    n_real = c_real[:, -1:]
    n1_real = c_g[:, -1:]
    at_risk = n_real - before(c_real)
    at_risk1 = n1_real - before(c_g)
    ev_before = before(c_e)
    return RiskSets(
        time=t,
        event=e,
        group=g,
        is_last=last & np.isfinite(t),
        at_risk=at_risk,
        at_risk1=at_risk1,
        group_events=through(c_e) - ev_before,
        group_events1=through(c_e1) - before(c_e1),
        group_removed=through(c_real) - before(c_real),
        event_rank=np.where(e, c_e - ev_before - 1, -1),
    )
