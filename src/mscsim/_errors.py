"""Errors shared by every layer of mscsim.

`InputError` is what any layer raises for bad user input. It names the offending field and
what is allowed, so the CLI can print it as one line and exit with status 2.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: `field` is the option/column/key at fault, `allowed` says what is valid."""

    def __init__(self, field: str, allowed: str, got: object = None) -> None:
        self.field = field
        self.allowed = allowed
        self.got = got
        got_txt = "" if got is None else f" (got {got!r})"
        super().__init__(f"{field}: {allowed}{got_txt}")
