"""One frozen result record shared by every endpoint test, plus the failure codes.

A result holds either scalars (one trial, 1-D input) or arrays of shape ``(R,)`` (``R``
replicate trials, 2-D input). Failure is data: a replicate whose test cannot be computed gets a
:class:`Status` code and ``nan`` (or ``inf`` for an infinite estimate); nothing raises.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from mscsim._errors import InputError


class Status(enum.IntEnum):
    """Per-replicate outcome code of a statistical computation.

    ``OK`` (0) means every number is defined. The other codes say why some are ``nan`` or
    infinite; the estimate is kept where it is meaningful (e.g. a hazard ratio of ``inf``).
    """

    OK = 0
    NO_EVENTS = 1  #: no event in either arm: no information on the effect
    EMPTY_ARM = 2  #: an arm holds no analysed patient
    MONOTONE = 3  #: monotone likelihood: the maximum-likelihood estimate is 0 or inf
    NOT_CONVERGED = 4  #: Newton-Raphson stopped before convergence
    TOO_FEW = 5  #: too few non-missing values (n < 2 in an arm) or zero variance

    @property
    def message(self) -> str:
        """Human-readable meaning of the code."""
        return _MESSAGES[self]


_MESSAGES = {
    Status.OK: "ok",
    Status.NO_EVENTS: "no event in either arm",
    Status.EMPTY_ARM: "an arm holds no analysed patient",
    Status.MONOTONE: "monotone likelihood: estimate is 0 or inf",
    Status.NOT_CONVERGED: "Newton-Raphson did not converge",
    Status.TOO_FEW: "fewer than 2 values in an arm, or zero variance",
}


def _frozen(x: Any) -> Any:
    """Return a read-only numpy copy of an array, or a plain Python scalar."""
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return x.item()
        y = x.copy()
        y.flags.writeable = False
        return y
    if isinstance(x, np.generic):
        return x.item()
    return x


def _plain(x: Any, json_safe: bool) -> Any:
    """Convert a scalar or array to JSON-like Python values (lists, floats, ints)."""
    if isinstance(x, np.ndarray):
        return [_plain(v, json_safe) for v in x.tolist()]
    if isinstance(x, list):
        return [_plain(v, json_safe) for v in x]
    if isinstance(x, float) and json_safe and not math.isfinite(x):
        return None
    if isinstance(x, enum.IntEnum):
        return int(x)
    return x


@dataclass(frozen=True, kw_only=True)
class EndpointResult:
    """Result of one endpoint test, for one trial (scalars) or R replicate trials (arrays).

    Parameters
    ----------
    name : str
        Endpoint name, e.g. ``"death by day 28"``.
    method : str
        Test and interval method, e.g. ``"Cox PH (Efron ties), Wald CI and p"``.
    effect : str
        What ``estimate`` measures, e.g. ``"hazard ratio"``; ``null_value`` is its value under
        no effect (1 for ratios, 0 for differences).
    estimate, ci_low, ci_high, p_value, statistic : float or ndarray of shape (R,)
        Point estimate, two-sided ``conf_level`` confidence interval, two-sided p-value and the
        test statistic (chi-square, z or t, see ``method``).
    status : int or ndarray of int, shape (R,)
        :class:`Status` code per replicate (0 = ok).
    conf_level : float
        Confidence level of the interval, in (0, 1).
    details : mapping of str to float or ndarray
        Method-specific extras (standard error, degrees of freedom, zero-cell flags, counts).
    """

    name: str
    method: str
    effect: str
    estimate: Any
    ci_low: Any
    ci_high: Any
    p_value: Any
    statistic: Any
    status: Any
    null_value: float
    conf_level: float = 0.95
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 < self.conf_level < 1.0:
            raise InputError("conf_level", "a number in (0, 1)", self.conf_level)
        names = ("estimate", "ci_low", "ci_high", "p_value", "statistic", "status")
        shapes = {np.shape(getattr(self, n)) for n in names}
        if len(shapes) != 1 or len(next(iter(shapes))) > 1:
            raise InputError("EndpointResult", "scalars or 1-D arrays of one shape", shapes)
        for n in names:
            object.__setattr__(self, n, _frozen(getattr(self, n)))
        frozen = {k: _frozen(v) for k, v in self.details.items()}
        object.__setattr__(self, "details", MappingProxyType(frozen))

    @property
    def n_replicates(self) -> int | None:
        """Number of replicate trials, or ``None`` for a single trial (scalar fields)."""
        return None if np.ndim(self.estimate) == 0 else int(np.shape(self.estimate)[0])

    def status_counts(self) -> dict[str, int]:
        """Count replicates per :class:`Status` name (``{"OK": 998, "MONOTONE": 2}``)."""
        codes, counts = np.unique(np.atleast_1d(self.status), return_counts=True)
        return {Status(int(c)).name: int(k) for c, k in zip(codes, counts, strict=True)}

    def replicate(self, i: int) -> EndpointResult:
        """The result of replicate ``i`` alone, with scalar fields."""
        if self.n_replicates is None:
            raise InputError("replicate", "only for a result over replicate trials", i)
        if not -self.n_replicates <= i < self.n_replicates:
            raise InputError("replicate", f"an index in [0, {self.n_replicates})", i)
        pick = {
            n: np.asarray(getattr(self, n))[i]
            for n in ("estimate", "ci_low", "ci_high", "p_value", "statistic", "status")
        }
        det = {
            k: (v[i] if isinstance(v, np.ndarray) and v.ndim >= 1 else v)
            for k, v in self.details.items()
        }
        return EndpointResult(
            name=self.name,
            method=self.method,
            effect=self.effect,
            null_value=self.null_value,
            conf_level=self.conf_level,
            details=det,
            **pick,
        )

    def to_dict(self, *, json_safe: bool = False) -> dict[str, Any]:
        """Plain-Python view: floats/ints or lists of them, details merged under ``details``.

        With ``json_safe=True`` non-finite numbers (``nan``, ``inf``) become ``None``.
        """
        out: dict[str, Any] = {
            "name": self.name,
            "method": self.method,
            "effect": self.effect,
            "null_value": self.null_value,
            "conf_level": self.conf_level,
        }
        for n in ("estimate", "ci_low", "ci_high", "p_value", "statistic", "status"):
            out[n] = _plain(getattr(self, n), json_safe)
        out["details"] = {k: _plain(v, json_safe) for k, v in self.details.items()}
        return out
