r"""Group-sequential efficacy boundaries (one-sided), with optional non-binding futility.

Designs (names as in rpact's ``getDesignGroupSequential(typeOfDesign=...)``):

``asOF``
    Lan-DeMets alpha spending, O'Brien-Fleming type:
    :math:`\alpha(t) = 2 - 2\Phi(\Phi^{-1}(1-\alpha/2)/\sqrt{t})` (Lan & DeMets 1983,
    Biometrika 70:659).
``asP``
    Lan-DeMets alpha spending, Pocock type: :math:`\alpha(t) = \alpha \ln(1 + (e-1)t)`.
``OF``
    Classical O'Brien-Fleming (1979, Biometrics 35:549): :math:`c_k = C/\sqrt{t_k}`.
``P``
    Classical Pocock (1977, Biometrika 64:191): :math:`c_k = C`.
``HP``
    Haybittle-Peto (Haybittle 1971, Br J Radiol 44:793): :math:`c_k = 3` at the interim looks,
    the final value chosen so that the overall one-sided level is exactly :math:`\alpha`.

For spending designs :math:`c_k` solves
:math:`P(Z_1 < c_1, \dots, Z_{k-1} < c_{k-1}, Z_k \ge c_k) = \alpha(t_k) - \alpha(t_{k-1})`;
for the classical designs the constant :math:`C` (or the final value) solves
:math:`P(\text{any } Z_k \ge c_k) = \alpha`. Futility bounds are non-binding: they do not change
the efficacy values, and the level with futility stopping is reported beside the nominal one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from mscsim._errors import InputError
from mscsim.design._recursion import crossing_probabilities

Spending = Literal["OF", "P", "asOF", "asP", "HP"]
SPENDING: tuple[str, ...] = ("OF", "P", "asOF", "asP", "HP")
HP_INTERIM_Z = 3.0
MAX_LOOKS = 20
_XTOL = 1e-10


@dataclass(frozen=True, kw_only=True)
class GroupSequentialDesign:
    """One-sided group-sequential design: efficacy critical values and the alpha they spend.

    Attributes
    ----------
    spending : str
        One of ``OF``, ``P``, ``asOF``, ``asP``, ``HP``.
    alpha : float
        Overall one-sided significance level.
    info : tuple of float
        Information fractions of the looks (the last is 1).
    z : tuple of float
        Efficacy critical values, standard-normal scale.
    cumulative_alpha : tuple of float
        Probability under the null of stopping for efficacy at or before each look
        (without futility stopping).
    nominal_p : tuple of float
        One-sided nominal p-value thresholds, :math:`1 - \\Phi(z_k)`.
    futility : tuple of float or None
        Non-binding futility bounds on the z scale (``-inf`` where none).
    alpha_with_futility : float or None
        Overall level if every futility bound is obeyed (at most ``alpha``).
    """

    spending: str
    alpha: float
    info: tuple[float, ...]
    z: tuple[float, ...]
    cumulative_alpha: tuple[float, ...]
    nominal_p: tuple[float, ...]
    futility: tuple[float, ...] | None = None
    alpha_with_futility: float | None = None

    @property
    def looks(self) -> int:
        return len(self.info)

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["looks"] = self.looks
        d["sided"] = 1
        return d

    def stopping_probabilities(self, drift: float = 0.0) -> dict[str, list[float]]:
        """Efficacy and futility stopping probabilities per look at drift ``drift``."""
        up, down = crossing_probabilities(self.info, self.z, self.futility, drift)
        return {"efficacy": up.tolist(), "futility": down.tolist()}


def spent(spending: str, alpha: float, t: np.ndarray) -> np.ndarray:
    """Cumulative alpha of a Lan-DeMets spending function at information fractions ``t``."""
    if spending == "asOF":
        return 2.0 - 2.0 * ndtr(ndtri(1.0 - alpha / 2.0) / np.sqrt(t))
    if spending == "asP":
        return alpha * np.log1p((np.e - 1.0) * t)
    raise ValueError(spending)


def _check(looks: int, alpha: float, spending: str, info, futility):
    if spending not in SPENDING:
        raise InputError("--spending", f"one of {', '.join(SPENDING)}", spending)
    if not (isinstance(looks, int) and 1 <= looks <= MAX_LOOKS):
        raise InputError("--looks", f"an integer between 1 and {MAX_LOOKS}", looks)
    if not (isinstance(alpha, int | float) and 1e-6 <= alpha <= 0.5):
        raise InputError("--alpha", "a one-sided level between 1e-6 and 0.5", alpha)
    t = np.arange(1, looks + 1) / looks if info is None else np.asarray(info, dtype=float)
    if t.size != looks:
        raise InputError(
            "--info", f"exactly {looks} comma-separated fractions", [float(x) for x in t]
        )
    if not (np.all(np.diff(t) > 0) and t[0] > 0 and abs(t[-1] - 1.0) < 1e-12):
        raise InputError(
            "--info", "increasing fractions in (0, 1] ending with 1", [float(x) for x in t]
        )
    fut = None
    if futility is not None:
        fut = np.asarray(futility, dtype=float)
        if fut.size == looks - 1:
            fut = np.append(fut, -np.inf)  # no futility stop at the final look
        if fut.size != looks or np.any(np.isnan(fut)):
            raise InputError("--futility", f"{looks - 1} z values (one per interim look)", futility)
    return t, fut


def _classical(spending: str, alpha: float, t: np.ndarray) -> np.ndarray:
    k = t.size

    def bounds(c: float) -> np.ndarray:
        if spending == "OF":
            return c / np.sqrt(t)
        if spending == "P":
            return np.full(k, c)
        return np.append(np.full(k - 1, HP_INTERIM_Z), c)  # HP: solve the final value

    def excess(c: float) -> float:
        return float(crossing_probabilities(t, bounds(c))[0].sum()) - alpha

    lo = -5.0 if spending == "HP" else 0.0  # HP: the interim looks may already spend > alpha
    if spending == "HP" and excess(40.0) > 0:
        raise InputError(
            "--alpha", f"too small for Haybittle-Peto interim bounds z = {HP_INTERIM_Z}", alpha
        )
    return bounds(brentq(excess, lo, 40.0, xtol=_XTOL))


def _spending_bounds(spending: str, alpha: float, t: np.ndarray) -> np.ndarray:
    target = np.diff(np.concatenate([[0.0], spent(spending, alpha, t)]))
    z = np.zeros(t.size)
    for k in range(t.size):

        def excess(c: float, k: int = k) -> float:
            zz = np.append(z[:k], c)
            return float(crossing_probabilities(t[: k + 1], zz)[0][k]) - target[k]

        z[k] = brentq(excess, -10.0, 40.0, xtol=_XTOL)
    return z


def design_boundaries(
    looks: int,
    alpha: float = 0.025,
    spending: Spending | str = "asOF",
    info: Sequence[float] | None = None,
    futility: Sequence[float] | None = None,
) -> GroupSequentialDesign:
    """Efficacy boundaries of a one-sided group-sequential design.

    Parameters
    ----------
    looks : int
        Number of analyses K (interim looks plus the final one), 1 to 20.
    alpha : float
        Overall one-sided significance level.
    spending : {"asOF", "asP", "OF", "P", "HP"}
        Boundary family (see the module docstring).
    info : sequence of float, optional
        Information fractions, increasing and ending with 1 (default: equally spaced).
    futility : sequence of float, optional
        Non-binding futility bounds on the z scale, one per interim look (``-inf`` for none).

    Examples
    --------
    >>> d = design_boundaries(3, 0.025, "asOF")
    >>> [round(z, 4) for z in d.z]
    [3.7103, 2.5114, 1.993]
    """
    t, fut = _check(looks, alpha, spending, info, futility)
    if spending in ("asOF", "asP"):
        z = _spending_bounds(spending, alpha, t)
    else:
        z = _classical(spending, alpha, t)
    cum = np.cumsum(crossing_probabilities(t, z)[0])
    a_fut = None
    if fut is not None:
        a_fut = float(crossing_probabilities(t, z, fut)[0].sum())
    return GroupSequentialDesign(
        spending=spending,
        alpha=float(alpha),
        info=tuple(float(x) for x in t),
        z=tuple(float(x) for x in z),
        cumulative_alpha=tuple(float(x) for x in cum),
        nominal_p=tuple(float(x) for x in ndtr(-z)),
        futility=None if fut is None else tuple(float(x) for x in fut),
        alpha_with_futility=a_fut,
    )
