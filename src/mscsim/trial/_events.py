"""Clinical events from each enrolled patient's simulated trajectory.

Death, invasive ventilation, recovery, discharge and disease serious adverse events (shock,
secondary infection, thrombosis, respiratory failure needing intubation) are first-passage
times of hazards driven by the simulated state; each patient's randomness is a fixed set of
uniforms, so the same seed gives the same events. Death ends the trajectory: later events are
censored. The death hazard follows organ failure (hypoxaemia, IL-6) through a first-order lag
(``death_lag_days``) and carries the trial's baseline risk (:mod:`mscsim.trial._trial_effects`).
Infusion-associated adverse events are drawn per infusion (disease-driven instability in every
infused arm; product reactions and dose-dependent thrombo-embolic events in active arms) and
timed in hours after the infusion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from mscsim.model import MSC_COVID
from mscsim.trial._clinical import (
    EVENT_PARAMS,
    EXTUBATE_PF,
    OXYGEN_PF,
    U_DEATH,
    U_INFECT,
    U_SHOCK,
    U_THROMB,
    ventilation_threshold,
)
from mscsim.trial._trial_effects import TRIAL_PARAMS, TrialEffects

P = EVENT_PARAMS
IL6_0 = MSC_COVID.parameter("IL6_0").value
SAE_TERMS = (
    "death",
    "respiratory failure requiring invasive ventilation",
    "shock",
    "secondary infection",
    "thrombosis",
    "infusion-related thrombo-embolic event",
)
#: Terms of infusion-associated events: disease-driven (not related), product reactions and
#: thrombo-embolic events (related).
INFUSION_TERMS = (
    "infusion-associated clinical instability",
    "infusion reaction",
    "infusion-related thrombo-embolic event",
)
#: Uniforms per infusion in the replicate's event stream.
N_INFUSION_U = 7


@dataclass(frozen=True)
class Infusions:
    """Infusions of each patient: days after enrollment (NaN padded), cell-equivalents,
    cells per kg of embolic (cell) products, product reaction factor, active flag."""

    days: np.ndarray  # (n, K)
    amount: np.ndarray  # (n, K) cell-equivalents
    embolic_per_kg: np.ndarray  # (n, K) cells/kg of products that lodge as cells (0 otherwise)
    reaction_factor: np.ndarray  # (n, K)
    active: np.ndarray  # (n,) bool


@dataclass(frozen=True)
class Events:
    """Event times in days after enrollment (inf = no event within follow-up)."""

    death: np.ndarray
    intubation: np.ndarray  # 0 when ventilated at enrollment
    extubation: np.ndarray  # end of the ventilation episode (inf: not extubated)
    recovery: np.ndarray
    discharge: np.ndarray
    improvement: np.ndarray  # WHO clinical progression score down >= 2 points, or discharge
    sae_time: np.ndarray  # (n, len(SAE_TERMS))
    infusion_ae: dict[
        str, np.ndarray
    ]  # flat records: patient, infusion, hours, serious, related, term
    follow_up: float

    @property
    def first_sae(self) -> np.ndarray:
        return self.sae_time.min(axis=1)


def _cumulative_hazard(t: np.ndarray, rate: np.ndarray, out: np.ndarray | None = None):
    """Trapezoidal cumulative hazard of `rate` (``(patients, len(t))``) as a
    ``(len(t), patients)`` array (in `out` if given): 0 at ``t[0]``, then the running sum of
    ``0.5 * (rate[:, j + 1] + rate[:, j]) * (t[j + 1] - t[j])``.

    Time runs down the rows so that each step of the running sum adds two contiguous rows
    for every patient at once (``np.cumsum`` along a row adds one patient at a time: slower,
    the same sums in the same order)."""
    cum = np.empty(rate.shape[::-1]) if out is None else out
    cum[0] = 0.0
    inc = cum[1:]
    np.add(rate[:, 1:].T, rate[:, :-1].T, out=inc)
    inc *= 0.5
    inc *= np.diff(t)[:, None]
    for j in range(2, cum.shape[0]):
        np.add(cum[j - 1], inc[j - 1], out=cum[j])
    return cum


def _first_passage(
    t: np.ndarray, rate: np.ndarray, u: np.ndarray, work: np.ndarray | None = None
) -> np.ndarray:
    """First time the cumulative hazard reaches -log(u) (linear interpolation), else inf.

    `work`, a ``(len(t), patients)`` array, is used (overwritten) for the cumulative hazard."""
    cum = _cumulative_hazard(t, rate, work)  # (time, patient)
    target = -np.log(np.clip(u, 1e-300, 1.0))
    hit = cum >= target
    k = np.where(hit.any(axis=0), hit.argmax(axis=0), -1)
    out = np.full(rate.shape[0], np.inf)
    ok = k > 0
    i = np.flatnonzero(ok)
    c0, c1 = cum[k[ok] - 1, i], cum[k[ok], i]
    frac = (target[i] - c0) / np.where(c1 > c0, c1 - c0, 1.0)
    out[i] = t[k[ok] - 1] + frac * (t[k[ok]] - t[k[ok] - 1])
    out[k == 0] = 0.0
    return out


def ventilation_course(t, pf, on_vent0, theta):
    """Intubation time, extubation time and the on-ventilator indicator (one episode)."""
    below = pf < theta[:, None]
    start = np.where(on_vent0, 0.0, np.where(below.any(axis=1), t[below.argmax(axis=1)], np.inf))
    after = (t[None, :] > start[:, None]) & (pf > EXTUBATE_PF)
    stop = np.where(after.any(axis=1), t[after.argmax(axis=1)], np.inf)
    on = (t[None, :] >= start[:, None]) & (t[None, :] < stop[:, None])
    return start, stop, on


def _recovery(t, pf, on, dead_at):
    ok = (pf >= P["recovery_pf"]) & ~on & (t[None, :] < dead_at[:, None])
    steps = max(1, int(round(P["recovery_days"] / (t[1] - t[0]))))
    run = np.ones_like(ok)
    for s in range(steps + 1):  # sustained for recovery_days (or to the end of follow-up)
        shifted = np.concatenate([ok[:, s:], np.repeat(ok[:, -1:], s, axis=1)], axis=1)
        run &= shifted
    return np.where(run.any(axis=1), t[run.argmax(axis=1)], np.inf)


def organ_failure(pf, il6):
    """Log-hazard contribution of hypoxaemia and IL-6 at each time (before the lag)."""
    # ards_log_hr * (pf < 300) + slope * max(0, 300 - pf) / 100
    # + slope_il6 * log(max(il6, 10) / 10), in place
    hypoxaemia = np.subtract(300.0, pf)
    failing = hypoxaemia > 0.0
    np.maximum(0.0, hypoxaemia, out=hypoxaemia)
    hypoxaemia *= P["death_pf_slope"]
    hypoxaemia /= 100.0
    np.add(hypoxaemia, P["death_ards_log_hr"], out=hypoxaemia, where=failing)
    ratio = np.maximum(il6, 10.0)
    ratio /= 10.0
    inflammation = np.log(ratio)
    inflammation *= P["death_il6_slope"]
    hypoxaemia += inflammation
    return hypoxaemia


def lagged(t, x):
    """First-order lag of ``x`` along the grid ``t`` (time constant ``death_lag_days``), from
    0 at enrollment."""
    a = np.exp(-(t[1] - t[0]) / P["death_lag_days"]) if t.size > 1 else 0.0
    return lfilter([1.0 - a], [1.0, -a], x, axis=1)


def death_log_hazard(t, pf, il6, age, comorbidity, on_vent, trial: TrialEffects):
    """Log death hazard per day on grid ``t`` (see events.csv and trial_effects.csv)."""
    tp = TRIAL_PARAMS
    # the terms below are added in this order, in place (one buffer for the full-size terms)
    out = lagged(t, organ_failure(pf, il6))
    out += P["death_log_h0"]
    out += P["death_age_slope"] * (age[:, None] - 60.0) / 10.0
    out += P["death_comorbidity_slope"] * (comorbidity[:, None] - 1.0)
    term = np.multiply(P["death_vent_log_hr"] + trial.vent_offset[:, None], on_vent)
    out += term
    out += trial.death_offset[:, None]
    # dexamethasone: log RR by respiratory support (ventilated, oxygen, none); 0 without it
    dex = term
    dex[...] = np.log(tp["dex_rr_no_oxygen"])
    np.copyto(dex, np.log(tp["dex_rr_oxygen"]), where=pf < OXYGEN_PF)
    np.copyto(dex, np.log(tp["dex_rr_ventilated"]), where=on_vent)
    np.copyto(dex, 0.0, where=~trial.dexamethasone[:, None])
    out += dex
    out += np.where(trial.il6_blockade[:, None], np.log(tp["il6_blockade_rr"]), 0.0)
    return out


def who_score(pf, on_vent, discharged):
    """WHO clinical progression score (Marshall 2020, https://doi.org/10.1016/S1473-3099(20)30483-7)
    of living patients: 8/7 ventilated with P/F below/above 150; 6 high-flow or non-invasive
    oxygen (P/F < 200); 5 oxygen (P/F < oxygen_pf); 4 in hospital without oxygen; 2 discharged."""
    score = np.full(np.broadcast_shapes(np.shape(pf), np.shape(on_vent), np.shape(discharged)), 4)
    np.copyto(score, 5, where=pf < P["oxygen_pf"])
    np.copyto(score, 6, where=pf < 200)
    np.copyto(score, 7, where=on_vent)
    np.copyto(score, 8, where=on_vent & (pf < 150))
    np.copyto(score, 2, where=discharged)
    return score


def _improvement(t, pf, on, discharge, death):
    """First time the WHO score is >= 2 points below its enrollment value (or discharge)."""
    score = who_score(pf, on, t[None, :] >= discharge[:, None])
    # the enrollment score is an inpatient's: a discharge due at day 0 (no delay) counts after it
    base = who_score(pf[:, :1], on[:, :1], np.zeros((pf.shape[0], 1), dtype=bool))
    better = (score <= base - 2) & (t[None, :] < death[:, None])
    return np.where(better.any(axis=1), t[better.argmax(axis=1)], np.inf)


def respiratory_failure(pf):
    """Degree of respiratory failure, 0 at P/F >= 300 to 1 at P/F <= 100 mmHg."""
    failing = np.subtract(300.0, pf)
    failing /= 200.0
    return np.clip(failing, 0.0, 1.0, out=failing)


def shock_hazard(il6x, failing):
    """Shock: inflammation (IL-6 excess) in patients with respiratory failure (per day)."""
    rate = np.multiply(P["shock_rate"], il6x)
    rate /= il6x + 50.0
    rate *= failing
    return rate


def thrombosis_hazard(tv, failing):
    """Venous thrombo-embolism: vascular injury, higher in respiratory failure (per day)."""
    floor = P["thrombosis_ward_share"]
    rate = np.nan_to_num(tv)  # a copy
    rate *= P["thrombosis_rate"]
    weight = np.multiply(1.0 - floor, failing)
    weight += floor
    rate *= weight
    return rate


def _finite(x: np.ndarray) -> np.ndarray:
    """`x` with non-finite values replaced by 0 (`x` itself when all are finite)."""
    return x if np.isfinite(x).all() else np.where(np.isfinite(x), x, 0.0)


def derive_events(
    t,
    obs,
    tv,
    cohort,
    on_vent0,
    infusions: Infusions,
    infusion_u,
    follow_up,
    trial: TrialEffects,
    viral_discharge: bool = False,
) -> Events:
    """Events of `cohort` from trajectories on grid `t` (days after enrollment).

    `infusion_u` holds ``(n, K, N_INFUSION_U)`` uniforms from the replicate's event stream.
    """
    pf, il6 = obs["pf_ratio"], obs["il6"]
    pf, il6 = _finite(pf), _finite(il6)  # a failed solve is handled upstream; keep finite
    u = cohort.uniforms
    theta = ventilation_threshold(u, trial.vent_shift)
    intub, extub, on = ventilation_course(t, pf, on_vent0, theta)
    rate = np.exp(death_log_hazard(t, pf, il6, cohort.age, cohort.comorbidity, on, trial))
    work = np.empty(rate.shape[::-1])  # the cumulative hazard of each first passage below
    death = _first_passage(t, rate, u[:, U_DEATH], work)
    alive = t[None, :] < death[:, None]
    il6x = np.subtract(il6, IL6_0)
    np.maximum(il6x, 0.0, out=il6x)
    sae_mult = np.exp(trial.sae_offset)[:, None]
    failing = respiratory_failure(pf)
    iae, embolic = _infusion_aes(t, pf, death, infusions, infusion_u, sae_mult[:, 0])
    # disease SAE hazards: hazard * sae_mult * alive, each multiplied in place in that order
    shock = shock_hazard(il6x, failing)
    shock *= sae_mult
    shock *= alive
    t_shock = _first_passage(t, shock, u[:, U_SHOCK], work)
    infection = np.multiply(P["infection_rate"] * sae_mult, on, out=shock)
    infection *= alive
    t_infection = _first_passage(t, infection, u[:, U_INFECT], work)
    thrombosis = thrombosis_hazard(tv, failing)
    thrombosis *= sae_mult
    thrombosis *= alive
    t_thrombosis = _first_passage(t, thrombosis, u[:, U_THROMB], work)
    intubated = np.where(intub > 0, intub, np.inf)
    sae = np.stack([death, intubated, t_shock, t_infection, t_thrombosis, embolic], axis=1)
    sae = np.where(sae <= np.minimum(death, follow_up)[:, None], sae, np.inf)
    recovery = _recovery(t, pf, on, death)
    ready = recovery
    if viral_discharge:  # discharge also waits for the viral load to fall below detection
        above = obs["viral_load"] >= P["viral_detection_copies_ml"]
        last = np.where(above.any(axis=1), t.size - 1 - np.argmax(above[:, ::-1], axis=1), -1)
        cleared = np.where(
            last < 0, 0.0, np.where(last >= t.size - 1, np.inf, t[np.minimum(last + 1, t.size - 1)])
        )
        ready = np.maximum(recovery, cleared)
    discharge = ready + P["discharge_delay_days"]
    improvement = _improvement(t, pf, on, discharge, death)
    return Events(
        death=np.where(death <= follow_up, death, np.inf),
        intubation=np.where(intub <= np.minimum(death, follow_up), intub, np.inf),
        extubation=np.where(extub <= np.minimum(death, follow_up), extub, np.inf),
        recovery=recovery,
        discharge=np.where(discharge <= np.minimum(death, follow_up), discharge, np.inf),
        improvement=np.where(improvement <= np.minimum(death, follow_up), improvement, np.inf),
        sae_time=sae,
        infusion_ae=iae,
        follow_up=float(follow_up),
    )


def _infusion_aes(
    t, pf, death, inf: Infusions, iu, ascertainment
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Infusion-associated AE records and each patient's first thrombo-embolic event time.

    Disease-driven instability is scaled by the trial's SAE effect (`ascertainment`: case mix
    and how closely events are looked for and reported differ between trials)."""
    days = inf.days
    n, k = days.shape
    given = np.isfinite(days) & (days < death[:, None])
    pf_at = np.empty((n, k))
    for j in range(k):  # P/F at each infusion day (per patient row)
        col = np.clip(np.searchsorted(t, np.nan_to_num(days[:, j])), 0, t.size - 1)
        pf_at[:, j] = pf[np.arange(n), col]
    p_dis = np.clip(
        P["infusion_ae_base"]
        * ascertainment[:, None]
        * np.exp(P["infusion_ae_pf_slope"] * np.maximum(0, 200 - pf_at) / 100),
        0,
        0.5,
    )
    p_prod = np.where(
        inf.active[:, None],
        P["product_ae_rate"]
        * inf.reaction_factor
        * (np.maximum(inf.amount, 0) / 1e8) ** P["product_ae_dose_exponent"],
        0.0,
    )
    d2 = inf.embolic_per_kg**2
    p_emb = P["embolic_max"] * d2 / (d2 + P["embolic_d50"] ** 2)
    hours = -P["infusion_ae_mean_hours"] * np.log(np.clip(iu[..., (1, 4, 6)], 1e-300, 1))
    dis = given & (iu[..., 0] < p_dis) & (hours[..., 0] <= 24)
    dis &= days + hours[..., 0] / 24 < death[:, None]
    prod = given & (iu[..., 3] < p_prod) & (hours[..., 1] <= 24)
    emb = given & (iu[..., 5] < p_emb) & (hours[..., 2] <= 24)
    rows = []
    for term, (mask, h, serious, related) in enumerate(
        (
            (dis, hours[..., 0], iu[..., 2] < P["infusion_ae_serious"], False),
            (prod, hours[..., 1], np.zeros_like(dis), True),
            (emb, hours[..., 2], np.ones_like(dis), True),
        )
    ):
        pi, ki = np.nonzero(mask)
        rows.append(
            {
                "patient": pi,
                "infusion": ki,
                "hours": h[pi, ki],
                "serious": serious[pi, ki].astype(bool),
                "related": np.full(pi.size, related),
                "term": np.full(pi.size, term),
            }
        )
    records = {key: np.concatenate([r[key] for r in rows]) for key in rows[0]}
    emb_time = (
        np.where(emb, days + hours[..., 2] / 24, np.inf).min(axis=1) if k else np.full(n, np.inf)
    )
    return records, emb_time
