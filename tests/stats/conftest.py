"""Shared data for the statistics tests: small simulated two-arm trials with ties."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

Trials = tuple[np.ndarray, np.ndarray, np.ndarray]


def _make_trials(
    seed: int,
    r: int = 1,
    n0: int = 12,
    n1: int = 12,
    hr: float = 0.6,
    follow_up: float = 28.0,
    dropout: float = 0.15,
    whole_days: bool = True,
) -> Trials:
    """Exponential event times (control median ~14 d), dropout and end-of-follow-up censoring.

    Times are rounded up to whole days by default, so that ties are common (as in trial data
    recorded by study day). Returns ``time, event, group`` of shape (r, n0 + n1).
    """
    rng = np.random.default_rng(seed)
    n = n0 + n1
    group = np.tile(np.r_[np.zeros(n0, int), np.ones(n1, int)], (r, 1))
    t_event = rng.exponential(20.0 / np.where(group == 1, hr, 1.0))
    drop = rng.random((r, n)) < dropout
    t_cens = np.where(drop, rng.uniform(0.0, follow_up, (r, n)), follow_up)
    time = np.minimum(t_event, t_cens)
    if whole_days:
        time = np.ceil(time)
    return time, t_event <= t_cens, group


@pytest.fixture
def make_trials() -> Callable[..., Trials]:
    """Factory of simulated trials, see :func:`_make_trials`."""
    return _make_trials
