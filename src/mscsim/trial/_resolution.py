"""The resolution at which clinical tables are derived, so last-bit differences cannot flip them.

Backends (numpy, Numba, JAX) and CPUs (with or without AVX-512) compute the same trajectories
to round-off only (measured: up to 5e-14 relative on the lanzoni2021 follow-up, IL-6 on a CPU
with AVX-512; tested: 1e-10). Event
times are thresholds and first passages of those trajectories, so a last-bit difference could
move one by a last bit, or, exactly at a threshold, flip it. Therefore, before anything
clinical is derived from a solve:

* every observable and state the event model or the visit tables read is rounded to
  `SIGNIFICANT_BITS` significant bits (relative resolution at most ``2**-20``, about 9.5e-7:
  e.g. a P/F ratio of 150 mmHg to 1.4e-4 mmHg) by `quantize`, with exact binary arithmetic
  (``frexp``/``ldexp`` and round-half-even; no libm), so it gives the same bits on every CPU;
* event times are rounded to `TIME_DECIMALS` decimals of a day (1e-6 d = 0.09 s) by
  `round_times`, after the event model (whose own exp/log may differ in the last bit between
  CPUs) and before anything is compared with them (visits alive, censoring).

Two backends then give different tables only when a value lies within their difference (about
5e-14 relative) of a rounding boundary: a probability of at most about 1e-7 per value, i.e.
about 5e-5 per patient (500 values) or 4e-3 per 72-patient trial (most values differ far less).
Screening compares unrounded values with eligibility thresholds; there a flip needs a value
within 5e-14 of the threshold itself.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from mscsim.trial._events import Events

SIGNIFICANT_BITS = 20
TIME_DECIMALS = 6


def quantize(x: np.ndarray, bits: int = SIGNIFICANT_BITS) -> np.ndarray:
    """`x` rounded to `bits` significant bits (half to even); 0, inf and NaN unchanged."""
    a = np.asarray(x, dtype=float)
    if not a.flags.c_contiguous:  # e.g. one state of (patients, times, states): gather it first
        a = a.copy()
    mant, exp = np.frexp(a)
    with np.errstate(invalid="ignore"):
        if np.ndim(mant) == 0:  # frexp of a number gives numbers
            return np.ldexp(np.round(np.ldexp(mant, bits)), exp - bits)
        # the same operations in place: scale up (ldexp(mant, bits) is an exact multiplication
        # by 2**bits for |mant| in [0.5, 1), 0, inf or NaN), round half to even, ldexp back
        mant *= 2.0**bits
        np.round(mant, out=mant)
        exp -= bits
        return np.ldexp(mant, exp, out=mant)


def round_times(ev: Events) -> Events:
    """`ev` with every event time rounded to `TIME_DECIMALS` decimals (inf stays inf): each
    float array of `Events`, and the hours of the infusion-associated records."""
    times = {
        f.name: np.round(getattr(ev, f.name), TIME_DECIMALS)
        for f in fields(ev)
        if isinstance(getattr(ev, f.name), np.ndarray) and getattr(ev, f.name).dtype.kind == "f"
    }
    iae = dict(ev.infusion_ae)
    iae["hours"] = np.round(iae["hours"], TIME_DECIMALS)
    return replace(ev, **times, infusion_ae=iae)
