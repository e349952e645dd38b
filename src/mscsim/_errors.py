"""Errors shared by every layer of mscsim.

`InputError` is what any layer raises for bad user input. It names the offending field and
what is allowed, so the CLI can print it as one line and exit with status 2.
"""

from __future__ import annotations

import reprlib


class _Bounded(reprlib.Repr):
    """``repr`` that stays short whatever it is given (huge strings, integers, nested data)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict = 3, 6, 6, 6
        self.maxstring, self.maxother, self.maxlong = 300, 120, 60

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 200:  # str() of a huge int is slow, and refused past 4300 digits
            return f"<integer of {x.bit_length()} bits>"
        return super().repr_int(x, level)


short_repr = _Bounded().repr


class InputError(ValueError):
    """Bad user input: `field` is the option/column/key at fault, `allowed` says what is valid."""

    def __init__(self, field: str, allowed: str, got: object = None) -> None:
        self.field = field
        self.allowed = allowed
        self.got = got
        got_txt = "" if got is None else f" (got {short_repr(got)})"
        super().__init__(f"{field}: {allowed}{got_txt}")

    def __reduce__(self):
        # rebuilt from its fields (not its message) where it crosses a process boundary
        return (type(self), (self.field, self.allowed, self.got))
