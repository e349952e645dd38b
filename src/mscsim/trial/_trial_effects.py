"""Each virtual trial's baseline risk: standard of care, care resources, between-trial effects.

For replicate ``r`` of a scenario, three between-trial effects are drawn from the stream
``SeedSequence([seed, STREAM_TRIAL, r])``: ``u_death ~ N(0, tau_death^2)`` (death
log-hazard), ``u_sae ~ N(0, tau_sae^2)`` (disease SAE log-hazards) and a shift of the
intubation threshold, a log multiplier ``N(mu_vent_log, tau_vent_log^2)``. The shift is the
trial's intubation practice: screening applies it too (:func:`vent_shifts`), so a patient
below the trial's threshold before enrollment was intubated then, as after. Per patient,
corticosteroid and IL-6-blocker use are drawn from the setting's shares (reserved uniforms).
Parameters and sources: ``trial_effects.csv``; the scenario vocabulary:
:mod:`mscsim.trial._scenario_setting`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mscsim._tables import read_values
from mscsim.trial._clinical import U_DEX, U_IL6B

STREAM_TRIAL = 4
#: Between-trial spreads switched off: the fixed-effect reference (``run_trial(taus=...)``).
NO_SPREAD = {"tau_death": 0.0, "tau_sae": 0.0, "tau_vent_log": 0.0}
#: The terms of the intubation practice: numbers in ``taus``, never per-patient draws, since
#: screening applies them (:func:`vent_shifts`) before any posterior draw is made.
VENT_TERMS = ("mu_vent_log", "tau_vent_log")


TRIAL_PARAMS = read_values("mscsim.trial", "trial_effects.csv")


@dataclass(frozen=True)
class TrialEffects:
    """Per-patient trial-level terms of the event model (arrays of length n)."""

    death_offset: np.ndarray  # log-hazard: between-trial effect
    vent_offset: np.ndarray  # log-hazard added while ventilated (care resources)
    dexamethasone: np.ndarray  # bool
    il6_blockade: np.ndarray  # bool
    sae_offset: np.ndarray  # log-hazard of disease SAEs
    vent_shift: np.ndarray  # log multiplier of the intubation threshold

    @classmethod
    def none(cls, n: int) -> TrialEffects:
        """The calibration reference: no trial effect, no corticosteroids, no IL-6 blockade."""
        z, f = np.zeros(n), np.zeros(n, dtype=bool)
        return cls(z, z, f, f, z, z)


def soc_shares(setting) -> tuple[float, float]:
    """(corticosteroid share, IL-6-blocker share) of a setting, defaults by enrollment period."""
    if setting is None:
        return 0.0, 0.0
    mid = setting.midpoint
    steroid, il6 = setting.corticosteroids, setting.il6_blockade
    if steroid is None:
        late = mid is not None and mid >= "2020-07"
        steroid = TRIAL_PARAMS[
            "steroid_share_from_2020_07" if late else "steroid_share_before_2020_07"
        ]
    if il6 is None:
        il6 = (
            TRIAL_PARAMS["il6_share_from_2021_03"] if mid is not None and mid >= "2021-03" else 0.0
        )
    return float(steroid), float(il6)


def _normals(seed: int, replicates: np.ndarray) -> np.ndarray:
    """The three standard normals of each entry's replicate (replicate-major order kept)."""
    reps = np.asarray(replicates, dtype=int)
    uniq = np.unique(reps)
    if not uniq.size:
        return np.zeros((0, 3))
    z = np.stack(
        [
            np.random.default_rng(
                np.random.SeedSequence([seed, STREAM_TRIAL, int(r)])
            ).standard_normal(3)
            for r in uniq
        ]
    )
    return z[np.searchsorted(uniq, reps)]


def vent_shifts(seed: int, replicates: np.ndarray, taus: dict | None = None) -> np.ndarray:
    """The intubation-threshold shift (log multiplier) of each entry's replicate, the trial's
    practice: ``mu_vent_log + tau_vent_log * z`` (numbers from ``taus`` or trial_effects.csv)."""
    return _vent_shift(taus, _normals(seed, replicates))


def _vent_shift(taus: dict | None, z: np.ndarray) -> np.ndarray:
    tp = {**TRIAL_PARAMS, **{k: v for k, v in (taus or {}).items() if k in VENT_TERMS}}
    return float(tp["mu_vent_log"]) + float(tp["tau_vent_log"]) * z[:, 2]


def draw_trial_effects(
    setting,
    seed: int,
    replicates: np.ndarray,
    uniforms: np.ndarray,
    taus: dict[str, float] | None = None,
) -> TrialEffects:
    """Trial terms for patients of ``replicates`` (one entry per patient, replicate-major).

    ``taus`` overrides the between-trial terms (``mu_death``, ``tau_death``, ``tau_sae``,
    as numbers or per-patient arrays, e.g. a posterior draw per replicate; ``mu_vent_log``
    and ``tau_vent_log`` as numbers, since screening applies them too); zero SDs switch
    the between-trial effects off.
    """
    tp = {**TRIAL_PARAMS, **(taus or {})}
    reps = np.asarray(replicates, dtype=int)
    zi = _normals(seed, reps)
    steroid, il6 = soc_shares(setting)
    limited = setting is not None and setting.care_resources == "limited"
    return TrialEffects(
        death_offset=tp["mu_death"] + tp["tau_death"] * zi[:, 0],
        vent_offset=np.full(reps.size, tp["limited_resources_log_hr"] if limited else 0.0),
        dexamethasone=uniforms[:, U_DEX] < steroid,
        il6_blockade=uniforms[:, U_IL6B] < il6,
        sae_offset=tp["tau_sae"] * zi[:, 1],
        vent_shift=_vent_shift(taus, zi),
    )
