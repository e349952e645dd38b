"""Batched adaptive Rodas4 on JAX/XLA: the whole cohort solve is one loop on the device.

The algorithm and status codes are those of `mscsim.solve._rosenbrock.integrate` (read that
module first), and every rule and constant of a step comes from the shared
`mscsim.solve._policy.StepPolicy` (error norm, step-size control, landing, failure; the same
functions as the numpy backend); only the data layout differs.
Instead of compacting the working set, every patient keeps its column and a mask freezes the
patients that have finished or failed, so all shapes are static and the steps, the dosing
events and the dense output run inside a single `jax.lax.while_loop` with no host round-trip.
Each loop iteration attempts one step for every running patient, with its own step size; the
cost is (most steps of any patient) x (batch), paid in parallel on a GPU.

Other differences leave the method unchanged: the stage-1 slope f(y) is evaluated at the start
of every attempt (the NumPy solver keeps it from the last accepted step; only rejected steps
pay one more evaluation), the six stages run in one `fori_loop` so the model code is traced
once, and the batch is padded (`_bucket`). Results agree with the NumPy solver to round-off
only (XLA has its own exp/pow and contracts a*b+c into FMAs where it fuses); a patient's
result is bit-identical across cohorts padded to the same size and agrees to round-off across
sizes, where XLA may fuse differently.

`jax` is imported only when `mscsim.solve.simulate(..., backend="jax")` asks for it, and
float64 is enabled only inside this backend's calls (``jax.enable_x64``), never globally.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from mscsim.solve._policy import (
    StepPolicy,
    dense_output,
    end_times,
    error_norm,
    slack,
    step_factor,
)
from mscsim.solve._rosenbrock import RawSolution
from mscsim.solve._status import Status


def _x64() -> Any:
    """Context manager that enables float64 for the calls made inside it only."""
    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # type: ignore[attr-defined]  # jax < 0.6

    return enable_x64()


def _solve(
    cm, policy, dose_index, p, y0, t0, t_eval, t_end, dt_pad, da_pad, atol, rtol, h0, max_steps
):
    """Traced body of the solve; see `integrate` for the arguments."""
    n, batch = y0.shape
    T = t_eval.shape[0]
    tab = policy.tableau
    cols = jnp.arange(batch)
    a = jnp.array([row + (0.0,) * (4 - len(row)) for row in tab.a])
    C = jnp.array([(0.0,) * 5] + [row + (0.0,) * (5 - len(row)) for row in tab.C])

    def apply_due_doses(y, t, jd, mask):
        """Add every dose due at the current time (several may coincide); return who got one."""

        def one(_, c):
            y, jd, got = c
            due = mask & (dt_pad[cols, jd] <= t + slack(t, policy.event_rtol, jnp))
            yd = jnp.where(due, y[dose_index] + da_pad[cols, jd], y[dose_index])
            return y.at[dose_index].set(yd), jd + due, got | due

        return lax.fori_loop(0, dt_pad.shape[1] - 1, one, (y, jd, jnp.zeros_like(mask)))

    def record(ys, jo, mask, ta, tb, ya, yb, kd1, kd2):
        """Store outputs with ta < t_eval <= tb (or == ta at the start) for columns in mask."""
        lim = tb + slack(tb, policy.event_rtol, jnp)

        def due(jo):
            return mask & (jo < T) & (t_eval[jnp.minimum(jo, T - 1)] <= lim)

        def one(c):
            ys, jo = c
            m = due(jo)
            te = t_eval[jnp.minimum(jo, T - 1)]
            hh = tb - ta
            th = jnp.where(hh > 0, (te - ta) / jnp.where(hh > 0, hh, 1.0), 1.0)
            th = jnp.clip(th, 0.0, 1.0)
            val = dense_output(th, ya, yb, kd1, kd2)
            ys = ys.at[cols, jnp.where(m, jo, T)].set(val.T, mode="drop")  # T: no write
            return ys, jo + m

        return lax.while_loop(lambda c: jnp.any(due(c[1])), one, (ys, jo))

    def step(c):
        y, t, h, jd, jo, ys, done, status, n_steps, n_rej = c
        live = ~done
        # step size: never cross the next dose or the end
        t_ev = jnp.minimum(dt_pad[cols, jd], t_end)
        gap = t_ev - t
        land = h >= gap * (1 - policy.land_rtol)
        hs = jnp.where(land, gap, h)
        fac = cm.lu_factor(1.0 / (tab.gamma * hs), cm.jac(y, p, jnp), jnp)

        def stage(i, c):  # unset ks are 0 and padded coefficients 0, so the sums are exact
            ks, u = c
            rhs_i = jnp.stack(cm.rhs(u, p, jnp))  # stage 1: f(y), recomputed after a rejection only
            for j in range(5):
                rhs_i = rhs_i + (C[i, j] / hs) * ks[j]
            k = jnp.stack(cm.lu_solve(fac, rhs_i, jnp))
            ks = ks.at[i].set(k)
            lin = y + sum(a[jnp.minimum(i, 3), j] * ks[j] for j in range(4))
            return ks, jnp.where(i < 4, lin, u + k)  # stiffly accurate: u5 + k5, then + k6

        ks, u = lax.fori_loop(0, 6, stage, (jnp.zeros((6, n, batch), dtype=y.dtype), y))
        y1 = u
        en = error_norm(ks[5], y, y1, atol, rtol, jnp)
        acc = live & (en <= 1.0)
        n_steps = n_steps + live
        n_rej = n_rej + (live & ~acc)
        t1 = jnp.where(land, t_ev, t + hs)
        kd1 = sum(hj * kj for hj, kj in zip(tab.h2, ks))
        kd2 = sum(hj * kj for hj, kj in zip(tab.h3, ks))
        ys, jo = record(ys, jo, acc, t, t1, y, y1, kd1, kd2)
        y = jnp.where(acc, y1, y)
        t = jnp.where(acc, t1, t)
        y, jd, dosed = apply_due_doses(y, t, jd, acc & land)
        # new step sizes (Hairer-style controller, exponent -1/order)
        grow = step_factor(en, acc, policy, jnp)
        h = jnp.where(live, jnp.where(dosed, h0, hs * grow), h)
        # termination and failure
        fin = (t >= t_end * (1 - policy.end_rtol)) | (jo >= T)
        tiny = h < slack(t, policy.min_step_rtol, jnp)
        over = n_steps >= max_steps
        bad = live & ~fin & (tiny | over)
        code = jnp.where(
            over,
            int(Status.MAX_STEPS),
            jnp.where(jnp.isinf(en), int(Status.NONFINITE), int(Status.STEP_TOO_SMALL)),
        )
        status = jnp.where(bad, code.astype(status.dtype), status)
        done = done | fin | bad
        return y, t, h, jd, jo, ys, done, status, n_steps, n_rej

    # doses and outputs at t0
    everyone = jnp.ones(batch, dtype=bool)
    t = jnp.full(batch, t0, dtype=y0.dtype)
    idx0 = jnp.zeros(batch, dtype=jnp.int32)
    y, jd, _ = apply_due_doses(y0, t, idx0, everyone)
    zero = jnp.zeros_like(y)
    ys, jo = record(jnp.full((batch, T, n), jnp.nan), idx0, everyone, t, t, y, y, zero, zero)
    h = jnp.full(batch, h0, dtype=y0.dtype)
    count = jnp.zeros(batch, dtype=jnp.int32)
    carry = (y, t, h, jd, jo, ys, t >= t_end, jnp.zeros(batch, dtype=jnp.int8), count, count)
    carry = lax.while_loop(lambda c: jnp.any(~c[6]), step, carry)
    return carry[5], carry[7], carry[8], carry[9]


def _bucket(batch: int) -> int:
    """Padded batch size: an odd multiple of 8, at most 8 sizes per doubling of the cohort.

    The size is rounded up to a multiple of ``q = 2**max(3, floor(log2(batch)) - 3)`` (at most
    1/8 extra columns, plus 8 if needed to make it an odd multiple of 8). The odd multiple of 8 keeps the rows of ``(n_states, batch)`` arrays off 4 KiB-aligned strides,
    which cost XLA on CPU a factor 2-3 (cache aliasing) at e.g. 1024 or 10240 patients.
    """
    q = 2 ** max(3, batch.bit_length() - 4)
    b = -(-batch // q) * q
    return b + 8 if b % 16 == 0 else b


@lru_cache(maxsize=8)
def _jitted(cm: Any, policy: StepPolicy) -> Any:
    """One jit-compiled solver per (compiled model, step policy); XLA caches per shape."""
    return jax.jit(partial(_solve, cm, policy), static_argnums=0)


def integrate(
    cm: Any,
    params: list[Any],
    y0: np.ndarray,
    t0: float,
    t_eval: np.ndarray,
    dose_times: np.ndarray,
    dose_amounts: np.ndarray,
    dose_index: int,
    policy: StepPolicy,
    *,
    rtol: float,
    atol: np.ndarray,
    h0: float,
    max_steps: int,
    xp: Any = None,
    t_stop: np.ndarray | None = None,
    horizon: float | None = None,
) -> RawSolution:
    """Integrate every column of `y0` from `t0` to ``t_eval[-1]`` (or its `t_stop`, or up to
    the last output towards `horizon`) with JAX.

    Same arguments and result as `mscsim.solve._rosenbrock.integrate`; `xp` is ignored (the
    generated model code always runs on ``jax.numpy`` here). Runs on JAX's default device.
    The batch is padded to `_bucket` columns (copies of the last patient) and the dose slots
    to a multiple of 4, so one compiled solver serves many cohort sizes and regimens; the
    first call for a new model, padded size, number of output times or set of per-patient
    parameters compiles it (seconds to tens of seconds), later calls reuse it.
    """
    batch = y0.shape[1]
    cols = np.minimum(np.arange(_bucket(batch)), batch - 1)  # pad by repeating the last patient
    slots = -(-(dose_times.shape[1] + 1) // 4) * 4  # dose slots + an `inf` sentinel, padded
    dt_pad = np.full((cols.size, slots), np.inf)
    da_pad = np.zeros((cols.size, slots))
    dt_pad[:, : dose_times.shape[1]] = dose_times[cols]
    da_pad[:, : dose_times.shape[1]] = dose_amounts[cols]
    params = [v if np.ndim(v) == 0 else np.asarray(v)[cols] for v in params]
    t_end = end_times(t_eval, batch, t_stop, horizon)
    with _x64():
        f64 = partial(jnp.asarray, dtype=jnp.float64)
        ys, status, n_steps, n_rej = _jitted(cm, policy)(
            int(dose_index),
            tuple(f64(v) for v in params),
            f64(y0[:, cols]),
            f64(t0),
            f64(t_eval),
            f64(t_end[cols]),
            f64(dt_pad),
            f64(da_pad),
            f64(atol),
            f64(rtol),
            f64(h0),
            jnp.int32(max_steps),
        )
        return RawSolution(
            ys=np.array(ys)[:batch],
            status=np.asarray(status, dtype=np.int8)[:batch],
            n_steps=np.asarray(n_steps, dtype=np.int64)[:batch],
            n_rejected=np.asarray(n_rej, dtype=np.int64)[:batch],
        )
