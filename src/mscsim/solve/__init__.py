"""Batched, deterministic ODE solving for virtual cohorts."""

from mscsim.solve._platform import runtime_info
from mscsim.solve._simulate import Rodas4, compiled, default_backend, resolve_backend, simulate
from mscsim.solve._solution import Solution
from mscsim.solve._status import Status

__all__ = [
    "Rodas4",
    "Solution",
    "Status",
    "compiled",
    "default_backend",
    "resolve_backend",
    "runtime_info",
    "simulate",
]
