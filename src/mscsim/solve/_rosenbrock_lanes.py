"""The Numba backend's Rodas4 kernel over SIMD lanes: `LANES` patients stepped in lockstep.

`mscsim.solve._rosenbrock_numba._patient` integrates one patient with scalar code. Here each
Numba thread keeps `LANES` (16) patients ("lanes") in flat, lane-minor arrays (state ``s`` of
lane ``l`` at ``y[s * LANES + l]``) and does one step attempt for all of them together: the
generated lane functions ``factor_v``, ``rhs_v``, ``solve_v`` (`_numba_codegen.lanes`) and
``axpy_v`` (stage sums), ``stage_v`` (stage states), ``error_v`` (error norm)
(`_numba_codegen.lane_helpers`), and the loops below over all lanes' entries, are loops that
LLVM turns into SIMD instructions (16 doubles: two AVX-512 vectors, four AVX2 vectors). Each
lane has its own ``h`` in them (``1 / (gamma h)``, ``C_ij / h``). Then the rest of the step
(accept or reject, dense output, dose landing, the next ``h``, termination and failure) runs
lane by lane as scalar code: the lines of `_patient`, with the same helpers (`_apply_doses`,
`_first_out`, `_record`; after a step `_record_lane`, its copy that reads the lane in place).
A lane whose patient is finished takes the next patient of its thread's queue at once (thread
``w`` of ``k`` takes patients ``w, w + k, ...``), so lanes do not wait for the slowest patient
of a group; lanes left without a patient at the end compute on stale data whose results are
never read (no floating-point trap is enabled, so a division by zero there is harmless).

Bit-identical to the scalar kernel: every lane performs, on its own patient's numbers, the very
operations of `_patient` in the same order (sums over stages and states accumulated in the same
order from the same 0.0; ``max``/``abs``/``sqrt``, comparisons and ``+ - * /`` are exact,
IEEE-rounded operations in SIMD registers as in scalar ones; fast-math is off, so LLVM neither
reorders nor fuses multiply-adds), and no value crosses lanes. The one change of form, testing
``u`` for finiteness as ``sum(u - u) == 0`` instead of ``and``-ing ``isfinite`` (a branch would
stop vectorization), gives the same truth value. So a patient's outputs, status and step counts
do not depend on its lane, its neighbours, the batch or the number of threads
(tests/solve/test_lanes.py compares both kernels bit for bit, also with AVX2 code). Caveat: were
Numba to use Intel SVML, a model whose right-hand side calls ``exp``/``log`` would get vector
versions of them, which may differ from libm's in the last bit (the bundled model's has none).

These functions are compiled inside the generated module (see `_rosenbrock_numba`), next to
the generated functions, ``LANES``, ``OBS_STATES``, ``OBS_PARAMS``, ``dense_output`` and the
scalar kernel's helpers.
"""

# ruff: noqa: F821 - names of the generated module

from __future__ import annotations

import math

import numpy as np
from numba import prange

from mscsim.solve._rosenbrock_numba import (
    MAX_STEPS,
    NONFINITE,
    STEP_TOO_SMALL,
    _apply_doses,
    _first_out,
    _keep_states,
    _record,
)


def _last_stages(u, k):
    """``u += k`` (stages 4 and 5: the method is stiffly accurate)."""
    for q in range(u.shape[0]):
        u[q] = u[q] + k[q]


def _dense_coefficients(kd1, kd2, ks, h2, h3):
    """``kd1 = sum_j h2_j k_j``, ``kd2 = sum_j h3_j k_j`` for every lane (used if accepted),
    accumulated from 0.0 in stage order as in the scalar kernel."""
    m = kd1.shape[0]
    for q in range(m):
        kd1[q], kd2[q] = 0.0, 0.0
    for j in range(h2.shape[0]):
        for q in range(m):
            kd1[q] = kd1[q] + h2[j] * ks[j, q]
            kd2[q] = kd2[q] + h3[j] * ks[j, q]


def _record_lane(ys, jo, t_eval, ta, tb, ya, yb, kd1, kd2, ln, event_rtol, lo, hi, fo):
    """`_record` into `ys` (``(T, n)``) for lane `ln` of the lane arrays `ya`, `yb`, `kd1`, `kd2` (the
    same lines, indexing the lane in place: a view per call would cost more than the work).
    Returns the next output index and the first output index out of the state bounds `lo`,
    `hi` (`fo` if already found or none is: `_first_out`'s test on each value as it is stored,
    which saves reading the trajectory again)."""
    nl = LANES
    lim = tb + event_rtol * max(1.0, abs(tb))
    hh = tb - ta
    while jo < t_eval.shape[0] and t_eval[jo] <= lim:
        th = (t_eval[jo] - ta) / hh if hh > 0 else 1.0
        th = 0.0 if th < 0.0 else (1.0 if th > 1.0 else th)  # keeps NaN, like np.clip
        out = False
        for s in range(ys.shape[1]):
            q = s * nl + ln
            v = dense_output(th, ya[q], yb[q], kd1[q], kd2[q])
            ys[jo, s] = v
            out = out | (v < lo[s]) | (v > hi[s])
        if out and fo < 0:
            fo = jo
        jo += 1
    return jo, fo


def _start(ln, b, y, p, Y, P, t0, t_eval, DT, DA, dose_index, event_rtol, yb, zero):
    """Load patient `b` into lane `ln` (its trajectory: `yb`); ``(next dose slot, next output
    index)``."""
    nl = LANES
    for s in range(Y.shape[1]):
        y[s * nl + ln] = Y[b, s]
    for j in range(P.shape[1]):
        p[j * nl + ln] = P[b, j]
    yl = y[ln::nl]
    jd, _ = _apply_doses(yl, t0, DT[b], DA[b], 0, dose_index, event_rtol)
    jo = _record(yb, 0, t_eval, t0, t0, yl, yl, zero, zero, event_rtol)
    return jd, jo


def _lane_group(
    w,
    k,
    P,
    Y,
    t0,
    t_eval,
    t_end,
    DT,
    DA,
    dose_index,
    atol,
    rtol,
    h0,
    max_steps,
    gamma,
    a,
    cc,
    h2,
    h3,
    ctl,
    n_lu,
    ys,
    status,
    n_steps,
    n_rej,
    lo,
    hi,
    first,
    obs,
    sel,
    direct,
    keep,
    xs,
):
    """Integrate patients ``w, w + k, ...`` in `LANES` lanes (see the module docstring).

    A patient's trajectory goes to ``ys[b]`` (`direct`) or to its lane's slot
    ``ys[w * LANES + lane]``; when the patient is done, `_observe_patient_v` takes its
    observables into `obs` and (not `direct`) `_keep_states` its states `keep` into `xs`.
    """
    safety, exponent, acc_min, acc_max, rej_min, rej_max = (
        ctl[0],
        ctl[1],
        ctl[2],
        ctl[3],
        ctl[4],
        ctl[5],
    )
    land_rtol, event_rtol, end_rtol, min_step_rtol = ctl[6], ctl[7], ctl[8], ctl[9]
    nl = LANES
    n = Y.shape[1]
    m = n * nl
    y, u, f0, r = np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m)
    p = np.zeros(P.shape[1] * nl)
    ks, lu = np.zeros((6, m)), np.zeros(n_lu * nl)  # ks[i]: stage i
    kd1, kd2, zero = np.zeros(m), np.zeros(m), np.zeros(n)
    cv, cij, sq, fin = np.ones(nl), np.zeros(nl), np.zeros(nl), np.zeros(nl)
    pat = np.full(nl, -1, dtype=np.int64)  # patient of each lane, -1: none
    t, h, t_ev = np.zeros(nl), np.full(nl, h0), np.zeros(nl)
    jd, jo = np.zeros(nl, dtype=np.int64), np.zeros(nl, dtype=np.int64)
    fo = np.full(nl, -1, dtype=np.int64)  # first output out of bounds so far, -1: none
    steps, rejected = np.zeros(nl, dtype=np.int64), np.zeros(nl, dtype=np.int64)
    land = np.zeros(nl, dtype=np.bool_)
    yo, po, oo = np.empty(n * nl), np.empty(P.shape[1] * nl), np.empty(obs.shape[0] * nl)
    nxt, busy, fresh = np.int64(w), 0, True  # next patient of the queue, lanes with a patient
    slot0 = np.int64(w) * nl  # this thread's first lane slot (when not `direct`)
    while True:
        # lanes without a patient take the next ones (a patient already at its end is done)
        for ln in range(nl):
            while pat[ln] < 0 and nxt < P.shape[0]:
                b = nxt
                nxt += k
                yb = ys[b if direct else slot0 + ln]
                jd[ln], jo[ln] = _start(
                    ln, b, y, p, Y, P, t0, t_eval, DT, DA, dose_index, event_rtol, yb, zero
                )
                if t0 >= t_end[b]:
                    yb[jo[ln] :] = np.nan
                    status[b], n_steps[b], n_rej[b] = 0, 0, 0
                    first[b] = _first_out(yb, lo, hi)
                    _observe_patient_v(yb, P[b], obs, b, sel, yo, po, oo)
                    if not direct:
                        _keep_states(yb, xs, b, keep)
                else:
                    pat[ln], busy, fresh = b, busy + 1, True
                    t[ln], h[ln], steps[ln], rejected[ln] = t0, h0, 0, 0
                    fo[ln] = _first_out(yb[: jo[ln]], lo, hi)
        if busy == 0:
            break
        if fresh:  # after an accepted step or a new patient (unchanged lanes: same values)
            rhs_v(y, p, f0)
            fresh = False
        # step size per lane: never cross the next dose or the end
        for ln in range(nl):
            b = pat[ln]
            if b >= 0:
                t_ev[ln] = t_end[b] if DT[b, jd[ln]] > t_end[b] else DT[b, jd[ln]]
                gap = t_ev[ln] - t[ln]
                land[ln] = h[ln] >= gap * (1 - land_rtol)
                if land[ln]:
                    h[ln] = gap
            cv[ln] = 1.0 / (gamma * h[ln])
        factor_v(cv, y, p, lu)
        for i in range(6):
            if i == 0:
                r[:] = f0
            else:
                rhs_v(u, p, r)
                for j in range(i):
                    for ln in range(nl):
                        cij[ln] = cc[i - 1, j] / h[ln]
                    axpy_v(r, ks[j], cij)
            solve_v(lu, r, ks[i])
            if i < 4:
                stage_v(u, y, ks, a, i)
            else:
                _last_stages(u, ks[i])
        error_v(sq, fin, ks[5], y, u, atol, rtol)
        _dense_coefficients(kd1, kd2, ks, h2, h3)
        # the rest of the step, lane by lane: `_patient`'s lines
        for ln in range(nl):
            b = pat[ln]
            if b < 0:
                continue
            en = math.sqrt(sq[ln] / n)
            if not (fin[ln] == 0.0 and math.isfinite(en)):
                en = math.inf
            accept = en <= 1.0
            steps[ln] += 1
            rejected[ln] += 0 if accept else 1
            dosed = False
            if accept:
                t1 = t_ev[ln] if land[ln] else t[ln] + h[ln]
                jo[ln], fo[ln] = _record_lane(
                    ys[b if direct else slot0 + ln],
                    jo[ln],
                    t_eval,
                    t[ln],
                    t1,
                    y,
                    u,
                    kd1,
                    kd2,
                    ln,
                    event_rtol,
                    lo,
                    hi,
                    fo[ln],
                )
                for s in range(n):
                    y[s * nl + ln] = u[s * nl + ln]
                t[ln] = t1
                if land[ln]:
                    jd[ln], dosed = _apply_doses(
                        y[ln::nl], t1, DT[b], DA[b], jd[ln], dose_index, event_rtol
                    )
                fresh = True
            g = safety * en**exponent
            g = min(max(g, acc_min), acc_max) if accept else min(max(g, rej_min), rej_max)
            h[ln] = h0 if dosed else h[ln] * (g if math.isfinite(g) else rej_min)
            done = t[ln] >= t_end[b] * (1 - end_rtol) or jo[ln] >= t_eval.shape[0]
            over = steps[ln] >= max_steps
            st = 0
            if not done and (over or h[ln] < min_step_rtol * max(1.0, abs(t[ln]))):
                st = MAX_STEPS if over else (NONFINITE if math.isinf(en) else STEP_TOO_SMALL)
                done = True
            if done:
                yb = ys[b if direct else slot0 + ln]
                yb[jo[ln] :] = np.nan
                status[b], n_steps[b], n_rej[b] = st, steps[ln], rejected[ln]
                first[b] = fo[ln]  # the NaN after the last output is never out of bounds
                _observe_patient_v(yb, P[b], obs, b, sel, yo, po, oo)
                if not direct:
                    _keep_states(yb, xs, b, keep)
                pat[ln], busy = -1, busy - 1


def _cohort(
    P,
    Y,
    t0,
    t_eval,
    t_end,
    DT,
    DA,
    dose_index,
    atol,
    rtol,
    h0,
    max_steps,
    gamma,
    a,
    cc,
    h2,
    h3,
    ctl,
    n_lu,
    ys,
    status,
    n_steps,
    n_rej,
    k,
    lo,
    hi,
    first,
    obs,
    sel,
    direct,
    keep,
    xs,
):
    """`_rosenbrock_numba._cohort_scalar` (same arguments, same results; not `direct`, `ys`
    has ``k * LANES`` slots) with `_lane_group` per thread: the Numba backend's kernel."""
    for w in prange(k):
        _lane_group(
            w,
            k,
            P,
            Y,
            t0,
            t_eval,
            t_end,
            DT,
            DA,
            dose_index,
            atol,
            rtol,
            h0,
            max_steps,
            gamma,
            a,
            cc,
            h2,
            h3,
            ctl,
            n_lu,
            ys,
            status,
            n_steps,
            n_rej,
            lo,
            hi,
            first,
            obs,
            sel,
            direct,
            keep,
            xs,
        )


def _observe_patient_v(yb, pb, obs, b, sel, y, p, out):
    """`_rosenbrock_numba._observe_patient` (same results) with ``observe_sel_v`` (the
    observables with ``sel[o]``) on `LANES` output times of patient `b` at once (the last lanes
    of its last group repeat its last time; their results are not stored). Only the states and
    parameters the observables read (``OBS_STATES``, ``OBS_PARAMS``) are loaded into the lane
    arrays `y`, `p` (`out`: the observables' lane array)."""
    nl = LANES
    T = yb.shape[0]
    for j in OBS_PARAMS:
        for ln in range(nl):
            p[j * nl + ln] = pb[j]
    for j0 in range(0, T, nl):
        for ln in range(nl):
            jt = min(j0 + ln, T - 1)
            for s in OBS_STATES:
                y[s * nl + ln] = yb[jt, s]
        observe_sel_v(y, p, out, sel)
        for o in range(obs.shape[0]):
            if not sel[o]:
                continue
            for ln in range(min(nl, T - j0)):
                obs[o, b, j0 + ln] = out[o * nl + ln]
