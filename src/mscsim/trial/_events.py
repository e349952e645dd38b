"""Clinical events from each enrolled patient's simulated trajectory.

Death, invasive ventilation, recovery and disease serious adverse events (shock, secondary
infection, thrombosis, respiratory failure needing intubation) are first-passage times of
hazards driven by the simulated state; each patient's randomness is a fixed set of uniforms, so
the same seed gives the same events. Death ends the trajectory: later events are censored.
Infusion-associated adverse events are drawn per infusion (disease-driven instability in every
infused arm, product reactions in active arms) and timed in hours after the infusion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mscsim.model import MSC_COVID
from mscsim.trial._clinical import (
    EVENT_PARAMS,
    EXTUBATE_PF,
    U_DEATH,
    U_INFECT,
    U_SHOCK,
    U_THROMB,
    ventilation_threshold,
)

P = EVENT_PARAMS
IL6_0 = MSC_COVID.parameter("IL6_0").value
SAE_TERMS = (
    "death",
    "respiratory failure requiring invasive ventilation",
    "shock",
    "secondary infection",
    "thrombosis",
)
#: Terms of infusion-associated events: disease-driven (not related) and product reactions.
INFUSION_TERMS = ("infusion-associated clinical instability", "infusion reaction")


@dataclass(frozen=True)
class Events:
    """Event times in days after enrollment (inf = no event within follow-up)."""

    death: np.ndarray
    intubation: np.ndarray  # 0 when ventilated at enrollment
    recovery: np.ndarray
    sae_time: np.ndarray  # (n, len(SAE_TERMS))
    infusion_ae: dict[str, np.ndarray]  # flat records: patient, infusion, hours, serious, related
    follow_up: float

    @property
    def first_sae(self) -> np.ndarray:
        return self.sae_time.min(axis=1)


def _first_passage(t: np.ndarray, rate: np.ndarray, u: np.ndarray) -> np.ndarray:
    """First time the cumulative hazard reaches -log(u) (linear interpolation), else inf."""
    dt = np.diff(t)
    cum = np.concatenate(
        [np.zeros((rate.shape[0], 1)), np.cumsum(0.5 * (rate[:, 1:] + rate[:, :-1]) * dt, axis=1)],
        axis=1,
    )
    target = -np.log(np.clip(u, 1e-300, 1.0))[:, None]
    hit = cum >= target
    k = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
    out = np.full(rate.shape[0], np.inf)
    ok = k > 0
    i = np.flatnonzero(ok)
    c0, c1 = cum[i, k[ok] - 1], cum[i, k[ok]]
    frac = (target[i, 0] - c0) / np.where(c1 > c0, c1 - c0, 1.0)
    out[i] = t[k[ok] - 1] + frac * (t[k[ok]] - t[k[ok] - 1])
    out[k == 0] = 0.0
    return out


def _ventilation(t, pf, on_vent0, theta):
    """Intubation time and the on-ventilator indicator (one episode)."""
    below = pf < theta[:, None]
    start = np.where(on_vent0, 0.0, np.where(below.any(axis=1), t[below.argmax(axis=1)], np.inf))
    after = (t[None, :] > start[:, None]) & (pf > EXTUBATE_PF)
    stop = np.where(after.any(axis=1), t[after.argmax(axis=1)], np.inf)
    on = (t[None, :] >= start[:, None]) & (t[None, :] < stop[:, None])
    return start, on


def _recovery(t, pf, on, dead_at):
    ok = (pf >= P["recovery_pf"]) & ~on & (t[None, :] < dead_at[:, None])
    steps = max(1, int(round(P["recovery_days"] / (t[1] - t[0]))))
    run = np.ones_like(ok)
    for s in range(steps + 1):  # sustained for recovery_days (or to the end of follow-up)
        shifted = np.concatenate([ok[:, s:], np.repeat(ok[:, -1:], s, axis=1)], axis=1)
        run &= shifted
    return np.where(run.any(axis=1), t[run.argmax(axis=1)], np.inf)


def death_log_hazard(pf, il6, age, comorbidity, on_vent):
    """Log death hazard per day (see events.csv for sources and calibration)."""
    return (
        P["death_log_h0"]
        + P["death_pf_slope"] * np.maximum(0.0, 300.0 - pf) / 100.0
        + P["death_il6_slope"] * np.log(np.maximum(il6, 1.0) / 10.0)
        + P["death_age_slope"] * (age[:, None] - 60.0) / 10.0
        + P["death_comorbidity_slope"] * (comorbidity[:, None] - 1.0)
        + P["death_vent_log_hr"] * on_vent
    )


def derive_events(t, obs, tv, cohort, on_vent0, infusions, infusion_u, follow_up) -> Events:
    """Events of `cohort` from trajectories on grid `t` (days after enrollment).

    `infusions` is ``(days (n, K) with nan padding, cells (n, K), active (n,))``;
    `infusion_u` holds ``(n, K, 5)`` uniforms from the replicate's event stream.
    """
    pf, il6 = obs["pf_ratio"], obs["il6"]
    pf = np.where(np.isfinite(pf), pf, 0.0)  # a failed solve is handled upstream; keep finite
    il6 = np.where(np.isfinite(il6), il6, 0.0)
    u = cohort.uniforms
    intub, on = _ventilation(t, pf, on_vent0, ventilation_threshold(u))
    rate = np.exp(death_log_hazard(pf, il6, cohort.age, cohort.comorbidity, on))
    death = _first_passage(t, rate, u[:, U_DEATH])
    alive = t[None, :] < death[:, None]
    il6x = np.maximum(il6 - IL6_0, 0.0)
    sae = np.stack(
        [
            death,
            np.where(intub > 0, intub, np.inf),
            _first_passage(t, P["shock_rate"] * il6x / (il6x + 50.0) * alive, u[:, U_SHOCK]),
            _first_passage(t, P["infection_rate"] * on * alive, u[:, U_INFECT]),
            _first_passage(t, P["thrombosis_rate"] * np.nan_to_num(tv) * alive, u[:, U_THROMB]),
        ],
        axis=1,
    )
    sae = np.where(sae <= np.minimum(death, follow_up)[:, None], sae, np.inf)
    return Events(
        death=np.where(death <= follow_up, death, np.inf),
        intubation=np.where(intub <= np.minimum(death, follow_up), intub, np.inf),
        recovery=_recovery(t, pf, on, death),
        sae_time=sae,
        infusion_ae=_infusion_aes(t, pf, death, infusions, infusion_u),
        follow_up=float(follow_up),
    )


def _infusion_aes(t, pf, death, infusions, iu) -> dict[str, np.ndarray]:
    days, cells, active = infusions
    n, k = days.shape
    given = np.isfinite(days) & (days < death[:, None])
    pf_at = np.empty((n, k))
    for j in range(k):  # P/F at each infusion day (per patient row)
        col = np.clip(np.searchsorted(t, np.nan_to_num(days[:, j])), 0, t.size - 1)
        pf_at[:, j] = pf[np.arange(n), col]
    p_dis = np.clip(
        P["infusion_ae_base"]
        * np.exp(P["infusion_ae_pf_slope"] * np.maximum(0, 200 - pf_at) / 100),
        0,
        0.5,
    )
    p_prod = np.where(
        active[:, None],
        P["product_ae_rate"] * (np.maximum(cells, 0) / 1e8) ** P["product_ae_dose_exponent"],
        0.0,
    )
    hours_dis = -P["infusion_ae_mean_hours"] * np.log(np.clip(iu[..., 1], 1e-300, 1))
    hours_prod = -P["infusion_ae_mean_hours"] * np.log(np.clip(iu[..., 4], 1e-300, 1))
    dis = (
        given & (iu[..., 0] < p_dis) & (hours_dis <= 24) & (days + hours_dis / 24 < death[:, None])
    )
    prod = given & (iu[..., 3] < p_prod) & (hours_prod <= 24)
    rows = []
    for mask, hours, serious, related in (
        (dis, hours_dis, iu[..., 2] < P["infusion_ae_serious"], False),
        (prod, hours_prod, np.zeros_like(dis), True),
    ):
        pi, ki = np.nonzero(mask)
        rows.append(
            {
                "patient": pi,
                "infusion": ki,
                "hours": hours[pi, ki],
                "serious": serious[pi, ki].astype(bool),
                "related": np.full(pi.size, related),
            }
        )
    return {key: np.concatenate([r[key] for r in rows]) for key in rows[0]}
