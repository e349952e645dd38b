"""Batched adaptive Rosenbrock integration with dosing events and dense output.

Every patient has its own time, step size and error control; all patients that are still
running are advanced together by vectorised straight-line code (states as rows, patients as
columns). Finished or failed patients leave the working set, so the cost is the sum of the
patients' steps, not the worst patient's steps times the cohort size.

The rules and constants of a step (error norm, step-size control, landing on doses, dense
output, failure) are data, `mscsim.solve._policy.StepPolicy`, shared by every backend.
Bolus doses are handled as events: a patient's step never crosses its next dose time; on
landing, the dose is added to the dose state and the step size restarts small. Output on the
requested grid comes from the method's dense output, so the grid does not limit step sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mscsim.solve._policy import (
    StepPolicy,
    dense_output,
    end_times,
    error_norm,
    slack,
    step_factor,
)
from mscsim.solve._status import Status


@dataclass
class RawSolution:
    """Integrator output: `ys` has shape (batch, len(t_eval), n_states); `observables`, when a
    backend computes them itself, ``(n_observables, batch, len(t_eval))``; `first_out`, when a
    backend scans the states itself, each patient's first output index where a state leaves
    its bounds (-1: none; see `mscsim.solve._guards.flag_out_of_bounds`)."""

    ys: np.ndarray
    status: np.ndarray
    n_steps: np.ndarray
    n_rejected: np.ndarray
    observables: np.ndarray | None = None
    first_out: np.ndarray | None = None


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
    xp: Any = np,
    t_stop: np.ndarray | None = None,
    horizon: float | None = None,
) -> RawSolution:
    """Integrate every column of `y0` from `t0` to ``t_eval[-1]``.

    Parameters
    ----------
    cm : compiled model (``rhs``, ``jac``, ``lu_factor``, ``lu_solve``).
    params : one entry per model parameter, a float (shared) or a ``(batch,)`` array.
    y0 : ``(n_states, batch)`` initial states at `t0` (before doses at `t0`).
    t_eval : sorted output times, all ``>= t0``.
    dose_times, dose_amounts : ``(batch, K)``; unused slots have time ``inf``.
    atol : ``(n_states, 1)`` absolute tolerances.
    t_stop : optional ``(batch,)`` per-patient end times (``<= t_eval[-1]``); outputs after a
        patient's stop time stay NaN. Default: everyone runs to ``t_eval[-1]``.
    horizon : optional time ``>= t_eval[-1]`` the steps are planned towards (they land on it)
        while the solve stops after the last output: the outputs of a solve to `horizon` at
        the cost of one to ``t_eval[-1]`` (`mscsim.solve._policy.end_times`).
    """
    n, batch = y0.shape
    T = len(t_eval)
    t_end = end_times(t_eval, batch, t_stop, horizon)
    ys = np.full((batch, T, n), np.nan)
    status = np.zeros(batch, dtype=np.int8)
    n_steps = np.zeros(batch, dtype=np.int64)
    n_rej = np.zeros(batch, dtype=np.int64)
    tab = policy.tableau
    g = tab.gamma
    K = dose_times.shape[1]
    dt_pad = np.concatenate([dose_times, np.full((batch, 1), np.inf)], axis=1)
    da_pad = np.concatenate([dose_amounts, np.zeros((batch, 1))], axis=1)

    # working set (compacted arrays) --------------------------------------------------
    gid = np.arange(batch)
    y = np.array(y0, dtype=float, copy=True)
    t = np.full(batch, float(t0))
    jd = np.zeros(batch, dtype=np.int64)  # next dose slot
    jo = np.zeros(batch, dtype=np.int64)  # next output index
    varying = [j for j, v in enumerate(params) if np.ndim(v) == 1]
    p = list(params)

    def apply_due_doses(mask: np.ndarray) -> np.ndarray:
        """Add every dose due at the current time (several may coincide); return who got one."""
        got = np.zeros_like(mask)
        for _ in range(K):
            nxt = dt_pad[gid, jd]
            due = mask & (nxt <= t + slack(t, policy.event_rtol, np))
            if not due.any():
                break
            y[dose_index, due] += da_pad[gid[due], jd[due]]
            jd[due] += 1
            got |= due
        return got

    def record(
        mask: np.ndarray,
        ta: np.ndarray,
        tb: np.ndarray,
        ya: np.ndarray,
        yb: np.ndarray,
        kd1: np.ndarray,
        kd2: np.ndarray,
    ) -> None:
        """Store outputs with ta < t_eval <= tb (or == ta at the start) for columns in mask."""
        while True:
            jj = np.minimum(jo, T - 1)
            te = t_eval[jj]
            m = mask & (jo < T) & (te <= tb + slack(tb, policy.event_rtol, np))
            if not m.any():
                return
            hh = (tb - ta)[m]
            th = np.where(hh > 0, (te[m] - ta[m]) / np.where(hh > 0, hh, 1.0), 1.0)
            th = np.clip(th, 0.0, 1.0)
            val = dense_output(th, ya[:, m], yb[:, m], kd1[:, m], kd2[:, m])
            ys[gid[m], jo[m], :] = val.T
            jo[m] += 1

    # doses and outputs at t0 ---------------------------------------------------------
    everyone = np.ones(batch, dtype=bool)
    apply_due_doses(everyone)
    zero = np.zeros_like(y)
    record(everyone, t, t, y, y, zero, zero)
    h = np.full(batch, float(h0))
    f0 = np.stack(cm.rhs(y, p, xp))
    done = t >= t_end

    while True:
        # drop finished/failed patients from the working set
        if done.any():
            keep = ~done
            gid, y, t, h, f0 = gid[keep], y[:, keep], t[keep], h[keep], f0[:, keep]
            jd, jo = jd[keep], jo[keep]
            for j in varying:
                p[j] = p[j][keep]
        if gid.size == 0:
            break
        # step size: never cross the next dose or the end
        t_ev = np.minimum(dt_pad[gid, jd], t_end[gid])
        gap = t_ev - t
        land = h >= gap * (1 - policy.land_rtol)
        h = np.where(land, gap, h)
        c = 1.0 / (g * h)
        fac = cm.lu_factor(c, cm.jac(y, p, xp), xp)
        ks: list[np.ndarray] = []
        rhs_i = f0
        u = y
        for i in range(6):
            if i > 0:
                rhs_i = np.stack(cm.rhs(u, p, xp))
                for j, cij in enumerate(tab.C[i - 1]):
                    rhs_i = rhs_i + (cij / h) * ks[j]
            k = np.stack(cm.lu_solve(fac, rhs_i, xp))
            ks.append(k)
            if i < 4:
                u = y + sum(aij * ks[j] for j, aij in enumerate(tab.a[i]))
            else:
                u = u + k  # stiffly accurate: u5 + k5, then + k6
        y1 = u
        en = error_norm(ks[5], y, y1, atol, rtol, np)
        acc = en <= 1.0
        n_steps[gid] += 1
        n_rej[gid] += ~acc
        t1 = np.where(land, t_ev, t + h)
        if acc.any():
            kd1 = np.asarray(sum(hj * kj for hj, kj in zip(tab.h2, ks)))
            kd2 = np.asarray(sum(hj * kj for hj, kj in zip(tab.h3, ks)))
            record(acc, t, t1, y, y1, kd1, kd2)
            y = np.where(acc, y1, y)
            t = np.where(acc, t1, t)
            dosed = apply_due_doses(acc & land)
            f0 = np.where(acc, np.stack(cm.rhs(y, p, xp)), f0)
        else:
            dosed = np.zeros_like(acc)
        # new step sizes (Hairer-style controller, exponent -1/order)
        with np.errstate(divide="ignore"):
            grow = step_factor(en, acc, policy, np)
        h = np.where(dosed, h0, h * grow)
        if dosed.any():
            f0 = np.where(dosed, np.stack(cm.rhs(y, p, xp)), f0)
        # termination and failure
        fin = (t >= t_end[gid] * (1 - policy.end_rtol)) | (jo >= T)
        tiny = h < slack(t, policy.min_step_rtol, np)
        over = n_steps[gid] >= max_steps
        bad = ~fin & (tiny | over)
        status[gid[bad & over]] = Status.MAX_STEPS
        status[gid[bad & tiny & ~over]] = np.where(
            np.isinf(en[bad & tiny & ~over]), Status.NONFINITE, Status.STEP_TOO_SMALL
        )
        done = fin | bad
    return RawSolution(ys=ys, status=status, n_steps=n_steps, n_rejected=n_rej)
