"""What a result's last bits depend on: the backend that ran, the CPU's SIMD level, versions.

NumPy picks its exp/log/pow loops at run time by CPU feature (AVX-512 ones differ from libm in
the last bit), Numba calls libm, XLA has its own; so the same seed gives trajectories that agree
to round-off, not bit for bit, across backends and CPUs. Results record these facts (see
`runtime_info`) next to the backend that actually ran.
"""

from __future__ import annotations

import importlib
import platform
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def simd_level() -> str:
    """NumPy's SIMD targets on this CPU: its baseline, then the dispatched targets the CPU has.

    E.g. ``"baseline X86_V2; dispatched X86_V3 X86_V4 AVX512_ICL"``; ``"unknown"`` where NumPy
    does not expose its CPU dispatch tables.
    """
    umath = None
    for name in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # numpy 2, 1
        try:
            umath = importlib.import_module(name)
            break
        except ImportError:
            continue
    features = getattr(umath, "__cpu_features__", None) if umath is not None else None
    if features is None:
        return "unknown"
    baseline = list(getattr(umath, "__cpu_baseline__", []))
    dispatched = [t for t in getattr(umath, "__cpu_dispatch__", []) if features.get(t)]
    return f"baseline {' '.join(baseline) or '-'}; dispatched {' '.join(dispatched) or '-'}"


@lru_cache(maxsize=1)
def runtime_info() -> dict[str, Any]:
    """Machine and library facts that can change the last bits of a solve."""
    return {
        "machine": platform.machine(),
        "cpu_simd": simd_level(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": _version("numba"),
        "jax": _version("jax"),
    }
