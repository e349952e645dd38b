"""Rosenbrock tableaus (a method is data; the stepping engine is written once).

Coefficients are in Hairer & Wanner's transformed form: with ``W = I/(h*gamma) - J`` each
stage solves ``W k_i = f(y + sum_j a_ij k_j) + sum_j (C_ij / h) k_j``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RodasTableau:
    """Six-stage, stiffly accurate Rodas-type tableau with a 3rd-order dense output.

    The step is ``y1 = y + sum_j a_6j k_j + k6`` with ``a_6j = a_5j + delta_j5``, i.e.
    ``u5 = y + sum a_5j k_j``, ``y1 = u5 + k5 + k6``; the local error estimate is ``k6``.
    Dense output: ``y(theta) = (1-theta) y0 + theta (y1 + (1-theta)(K1 + theta K2))`` with
    ``K1 = sum h2j k_j`` and ``K2 = sum h3j k_j``.
    """

    name: str
    gamma: float
    a: tuple[tuple[float, ...], ...]  # a[i] = coefficients of k_1..k_i for stage i+2 (i=0..3)
    C: tuple[tuple[float, ...], ...]  # C[i] = coefficients of k_1..k_{i+1} for stage i+2 (i=0..4)
    h2: tuple[float, ...]
    h3: tuple[float, ...]
    order: int
    reference: str


RODAS4 = RodasTableau(
    name="Rodas4",
    gamma=0.25,
    a=(
        (1.544000000000000,),
        (0.9466785280815826, 0.2557011698983284),
        (3.314825187068521, 2.896124015972201, 0.9986419139977817),
        (1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950),
    ),
    C=(
        (-5.668800000000000,),
        (-2.430093356833875, -0.2063599157091915),
        (-0.1073529058151375, -9.594562251023355, -20.47028614809616),
        (7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160),
        (
            8.083246795921522,
            -7.981132988064893,
            -31.52159432874371,
            16.31930543123136,
            -6.058818238834054,
        ),
    ),
    h2=(
        10.12623508344586,
        -7.487995877610167,
        -34.80091861555747,
        -7.992771707568823,
        1.025137723295662,
    ),
    h3=(
        -0.6762803392801253,
        6.087714651680015,
        16.43084320892478,
        24.76722511418386,
        -6.594389125716872,
    ),
    order=4,
    reference=(
        "Hairer E, Wanner G. Solving Ordinary Differential Equations II: Stiff and "
        "Differential-Algebraic Problems, 2nd ed., Springer 1996, Sect. IV.7 (RODAS, "
        "https://doi.org/10.1007/978-3-642-05221-7); coefficients as in rodas.f / "
        "OrdinaryDiffEq.jl Rodas4Tableau"
    ),
)
