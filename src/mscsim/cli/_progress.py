"""A minimal progress bar on stderr for long runs (no dependency)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Call with the number of units just finished; redraws at most every 0.2 s."""

    def __init__(self, total: int, label: str, enabled: bool = True) -> None:
        self.total, self.done, self.label = max(1, total), 0, label
        self.enabled = enabled
        self.t0 = self.last = time.monotonic()

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self.last > 0.2 or self.done >= self.total):
            self.last = now
            frac = min(1.0, self.done / self.total)
            bar = "#" * int(30 * frac)
            end = "\n" if self.done >= self.total else ""
            sys.stderr.write(
                f"\r{self.label} [{bar:<30s}] {self.done}/{self.total} ({now - self.t0:.1f} s){end}"
            )
            sys.stderr.flush()
