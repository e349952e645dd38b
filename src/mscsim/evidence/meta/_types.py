"""Names shared by the meta-analysis engine: effect measures, pooling methods, tests."""

from __future__ import annotations

from typing import Literal

from mscsim._errors import InputError

Measure = Literal["RR", "OR", "RD", "MD", "SMD", "GEN"]
Method = Literal["FE", "MH", "PETO", "DL", "REML", "PM", "ML"]

#: Measures computed from 2x2 tables (events / n in each arm).
BINARY_MEASURES: tuple[str, ...] = ("RR", "OR", "RD")
#: Measures computed from means, SDs and arm sizes.
CONTINUOUS_MEASURES: tuple[str, ...] = ("MD", "SMD")
#: Measures analysed on the log scale (reported back-transformed with ``exp``).
LOG_MEASURES: tuple[str, ...] = ("RR", "OR")
#: Every accepted measure (``GEN`` = effect sizes given directly as yi, vi).
MEASURES: tuple[str, ...] = BINARY_MEASURES + CONTINUOUS_MEASURES + ("GEN",)

#: Inverse-variance methods (FE plus the random-effects tau^2 estimators).
IV_METHODS: tuple[str, ...] = ("FE", "DL", "REML", "PM", "ML")
#: Random-effects tau^2 estimators.
RE_METHODS: tuple[str, ...] = ("DL", "REML", "PM", "ML")
#: Every accepted pooling method.
METHODS: tuple[str, ...] = ("FE", "MH", "PETO", "DL", "REML", "PM", "ML")


def check_measure(measure: str) -> str:
    """Return ``measure`` upper-cased, or raise `InputError` naming the allowed values."""
    value = str(measure).upper()
    if value not in MEASURES:
        raise InputError("measure", "one of " + "|".join(MEASURES), got=measure)
    return value


def check_method(method: str, measure: str) -> str:
    """Return ``method`` upper-cased after checking it fits ``measure``.

    Mantel-Haenszel needs RR, OR or RD; Peto needs OR (it *is* an odds ratio method).
    """
    value = str(method).upper()
    if value not in METHODS:
        raise InputError("method", "one of " + "|".join(METHODS), got=method)
    if value == "MH" and measure not in BINARY_MEASURES:
        raise InputError("method", "MH needs --measure RR, OR or RD", got=f"MH with {measure}")
    if value == "PETO" and measure != "OR":
        raise InputError("method", "PETO needs --measure OR", got=f"PETO with {measure}")
    return value


def check_level(level: float) -> float:
    """Confidence level as a fraction in (0, 1); 95 is read as 0.95 like metafor."""
    value = float(level)
    if value > 1.0:
        value /= 100.0
    if not 0.0 < value < 1.0:
        raise InputError("level", "a confidence level in (0, 1) or (0, 100)", got=level)
    return value
