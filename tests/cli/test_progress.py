"""Progress bars: rich on stderr for a person at a terminal, nothing for --json or --quiet."""

from __future__ import annotations

import io
import sys

import pytest

from mscsim.cli import _progress
from mscsim.cli._progress import Progress, wanted


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("quiet", "tty", "drawn"),
    [(False, True, True), (True, True, False), (False, False, False), (True, False, False)],
)
def test_progress_is_drawn_only_for_a_person_at_a_terminal(quiet, tty, drawn, monkeypatch):
    err = _Tty() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = Progress(500, "lanzoni2021", enabled=wanted(quiet))  # 500 >= 200: size does not matter
    for _ in range(5):
        bar(100)
    assert ("lanzoni2021" in err.getvalue() and "500/500" in err.getvalue()) == drawn
    assert bar._bar is None  # closed at its total


def test_trial_cli_never_draws_progress_with_json(monkeypatch):
    from mscsim.cli._trial import _progress as make

    monkeypatch.setattr(sys, "stderr", _Tty())
    assert make(10_000, "x", quiet=True).enabled is False
    assert make(10_000, "x", quiet=False).enabled is True
    assert _progress.Progress is Progress
