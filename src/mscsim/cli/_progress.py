"""Progress bars for long runs, drawn by rich on stderr (never on stdout, never for --json)."""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """Call with the number of units just finished; the bar closes itself at `total`.

    Disabled (`enabled` false) it draws nothing and imports nothing. Enabled, it draws with
    ``rich.progress`` on stderr without rich's refresh thread (``auto_refresh=False``: the bar
    is redrawn by the calls themselves), so no thread is running when the trial engine forks
    its worker processes. `close` stops it early (an error, Ctrl-C).
    """

    def __init__(self, total: int, label: str, enabled: bool = True) -> None:
        self.total, self.done, self.label, self.enabled = max(1, total), 0, label, enabled
        self._bar: Any = None
        self._task: Any = None

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            auto_refresh=False,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=self.total)

    def __call__(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        if self._bar is None:
            self._start()
        self._bar.update(self._task, completed=min(self.done, self.total), refresh=True)
        if self.done >= self.total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wanted(quiet: bool) -> bool:
    """Draw progress only for a person: not with --json or --quiet, and only on a terminal."""
    return not quiet and sys.stderr.isatty()
