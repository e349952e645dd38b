"""The MSC treatment effect of one parameter set, on one fixed virtual cohort.

Common random numbers: the scenario's replicate 0 is screened once (``patients`` enrolled
patients), and every evaluation follows *those* patients with the same event, measurement and
trial-effect draws (all keyed by replicate 0), no between-trial effect (``NO_SPREAD``). Each
patient is their own control: the cohort is followed once with every patient in the control
arm (the MSC parameters are inert without MSC, so once is enough) and once per parameter set
with every patient in the active arm. The effect measures compare the two on the same
patients, so they change only through the parameters, not through sampling noise.

Effect measures (active vs control, same patients):

* ``mortality_rr_d28``: risk of death by day 28, active / control;
* ``pf_gain_d7``: mean recorded P/F at day 7, active minus control, over patients alive in
  both (mmHg);
* ``lung_rr_d365``: share of follow-up survivors with the 1-year lung outcome (DLCO < 80% of
  predicted by default, as in :func:`mscsim.trial.lung_summary`), active / control.

A patient whose solve fails in either arm is left out of that evaluation's pairs and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mscsim._errors import InputError
from mscsim.model import MSC_COVID
from mscsim.trial._engine import follow_up
from mscsim.trial._outcomes import lung_hit
from mscsim.trial._screening import Screened, screen
from mscsim.trial._trial_effects import NO_SPREAD

MEASURES = {
    "mortality_rr_d28": ("28-day mortality risk ratio, MSC / control", "ratio"),
    "pf_gain_d7": ("P/F gain at day 7, MSC - control", "mmHg"),
    "lung_rr_d365": ("1-year lung outcome risk ratio among survivors, MSC / control", "ratio"),
}
MORTALITY_DAY, PF_DAY, LUNG_DAY = 28, 7, 365
VISIT_DAYS = np.array([0.0, float(PF_DAY)])


def _tile(scr: Screened, copies: int) -> Screened:
    """`copies` copies of the enrolled patients, all of them replicate 0."""
    n = scr.cohort.size
    idx = np.tile(np.arange(n), copies)
    return replace(
        scr,
        cohort=scr.cohort.take(idx),
        replicate=np.zeros(idx.size, dtype=int),
        state=scr.state[idx],
        baseline={k: v[idx] for k, v in scr.baseline.items()},
        on_vent=scr.on_vent[idx],
        ards=scr.ards[idx],
    )


def _arm_indices(scenario, arm: str | None) -> tuple[int, int]:
    names = [a.name for a in scenario.arms]
    control = next((i for i, a in enumerate(scenario.arms) if a.is_control), None)
    if control is None:
        raise InputError("scenario", "a controlled trial (one arm with is_control: true)")
    if arm is None:
        active = next(i for i, a in enumerate(scenario.arms) if not a.is_control)
    elif arm in names and not scenario.arms[names.index(arm)].is_control:
        active = names.index(arm)
    else:
        raise InputError("arm", f"an active arm of {scenario.name}: {names}", arm)
    return active, control


@dataclass
class FixedCohort:
    """The screened cohort, its control outcomes and the active arm to evaluate."""

    scenario: object
    seed: int
    scr: Screened
    active: int
    control: int
    lung_measure: str
    backend: str
    control_outcomes: dict[str, np.ndarray]

    @classmethod
    def build(
        cls,
        scenario,
        seed: int,
        patients: int,
        *,
        arm=None,
        lung_measure="dlco_below_80",
        backend: str = "auto",
    ) -> FixedCohort:
        from mscsim.solve import resolve_backend

        if scenario.follow_up_days < MORTALITY_DAY:
            raise InputError(
                "scenario", f"a follow-up of at least {MORTALITY_DAY} days (28-day mortality)"
            )
        active, control = _arm_indices(scenario, arm)
        backend = resolve_backend(backend)
        scr = screen(scenario, seed, np.array([0]), patients, backend=backend, taus=NO_SPREAD)
        self = cls(scenario, seed, scr, active, control, lung_measure, backend, {})
        self.control_outcomes = self._outcomes(self._follow(control, 1, None))
        return self

    @property
    def size(self) -> int:
        return self.scr.cohort.size

    def _follow(self, arm: int, copies: int, overrides):
        n = self.size
        return follow_up(
            self.scenario,
            self.seed,
            np.zeros(copies, dtype=int),
            n,
            _tile(self.scr, copies),
            np.full(copies * n, arm),
            VISIT_DAYS,
            NO_SPREAD,
            self.backend,
            overrides,
        )

    def _outcomes(self, chunk) -> dict[str, np.ndarray]:
        shape = (-1, self.size)
        return {
            "ok": (chunk.status == 0).reshape(shape),
            "death": (chunk.events.death <= MORTALITY_DAY).reshape(shape),
            "pf": chunk.visits["pf_ratio"][:, 1].reshape(shape),
            "lung": lung_hit(chunk.lung, self.lung_measure, LUNG_DAY).reshape(shape),
        }

    def overrides(self, names, X: np.ndarray) -> dict[str, np.ndarray]:
        """Per-patient values of each parameter set (rows of `X`) for the tiled cohort.

        A parameter that varies between patients (e.g. ``EC50_msc``) is scaled by
        value / default, so patients keep their variation; any other is set to the value
        (for ``f_trap``, ``k_l`` and ``potency`` it replaces the product's value).
        """
        n = self.size
        defaults = MSC_COVID.default_parameters()
        out = {}
        for j, name in enumerate(names):
            col = np.repeat(np.asarray(X[:, j], dtype=float), n)
            if name in self.scr.cohort.params and defaults[name] != 0:
                base = np.tile(np.broadcast_to(self.scr.cohort.params[name], (n,)), X.shape[0])
                col = base * col / defaults[name]
            out[name] = col
        return out

    def effects(self, names, X: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Effect measures of each parameter set (rows of `X`, natural units) and the number
        of patients left out of each for a failed solve."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        trt = self._outcomes(self._follow(self.active, X.shape[0], self.overrides(names, X)))
        ctl = self.control_outcomes
        ok = trt["ok"] & ctl["ok"]
        k = ok.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            rr = (trt["death"] & ok).sum(1) / (ctl["death"] & ok).sum(1)
            alive = ok & np.isfinite(trt["pf"]) & np.isfinite(ctl["pf"])
            gain = np.where(alive, trt["pf"] - ctl["pf"], 0.0).sum(1) / alive.sum(1)
            lung = _share(trt["lung"], ok) / _share(ctl["lung"] * np.ones_like(trt["lung"]), ok)
        y = {"mortality_rr_d28": rr, "pf_gain_d7": gain, "lung_rr_d365": lung}
        return y, self.size - k


def _share(hit: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Per row: share of 1s among assessed (non-NaN) patients with `ok`."""
    sel = ok & ~np.isnan(hit)
    return np.where(sel, hit, 0.0).sum(1) / sel.sum(1)
