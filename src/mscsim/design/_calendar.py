r"""Event-driven interim looks in calendar time (``looks_by: events``).

Each replicate trial is simulated once at the maximum size :math:`n`; patient :math:`i`
(0-based enrollment position) enrolls on calendar day :math:`e_i = A\,i/n`, so the :math:`n`
patients arrive at the constant rate :math:`n/A` over the accrual period :math:`[0, A)`
(``accrual_days``). Arrivals are deterministic rather than a seeded Poisson process: the order
of patients is already random (randomization and patient draws come from the trial seed), the
looks' timing then depends only on the events, and results need no second random stream. A
patient with endpoint time :math:`t_i` (already censored at the endpoint's horizon :math:`h`)
has an event on calendar day :math:`e_i + t_i` if the event is observed.

Look :math:`k` of :math:`K` happens on the calendar day :math:`T_k` on which the number of
observed events (active and control arm together) first reaches
:math:`d_k = \lceil f_k D \rceil` (:math:`f_k` the planned fractions ``looks``, :math:`D`
``max_events``; :math:`d_K = D`). If a replicate never reaches :math:`d_k`, an interim look is
not held (its statistic is ``nan``, so the trial continues) and the final look is held at the
end of the study, :math:`e_{n-1} + h` (the last patient's follow-up of the endpoint). At look
:math:`k` the patients enrolled by :math:`T_k` are analysed, each administratively censored at
:math:`T_k - e_i`: the log-rank z and Peto log hazard ratio of
:func:`mscsim.design._looks.pair_statistic`. Boundaries use the planned fractions :math:`f_k` (as rpact's event-driven
designs do); with :math:`d_k` events at look :math:`k` the observed fraction equals the planned
one up to rounding and ties, except when the final look falls short of :math:`D`.

``max_events`` defaults to the mean number of events per replicate at full follow-up of all
:math:`n` patients, rounded down: the expected events of the fixed design, estimated on the
simulated replicates (so it depends on their number; give ``max_events`` to fix it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mscsim._errors import InputError
from mscsim.design._looks import (
    LookStatistics,
    benefit_sign,
    effect_name,
    pair_statistic,
)
from mscsim.trial._outcomes import times

ENROLLMENT = "uniform: patient i of n enrolls on day accrual_days * i / n"


def enrollment_days(n: int, accrual_days: float) -> np.ndarray:
    """Calendar day of enrollment of each of ``n`` positions (uniform over ``accrual_days``)."""
    return accrual_days * np.arange(n) / n


def event_targets(looks, max_events: int) -> tuple[int, ...]:
    """Events at each look: ``ceil(f_k * max_events)``, the last one ``max_events``."""
    d = tuple(max(1, math.ceil(f * max_events - 1e-9)) for f in looks[:-1]) + (int(max_events),)
    if any(b <= a for a, b in zip(d, d[1:])):
        raise InputError("max_events", f"too few for {len(d)} looks: events {list(d)}", max_events)
    return d


@dataclass(frozen=True)
class CalendarLooks:
    """Look statistics with the calendar per replicate (rows) and look (columns).

    ``time`` is the look's calendar day (``nan``: an interim look not held), ``events`` the
    events observed by then, ``enrolled`` the patients enrolled by then (all arms).
    """

    stats: LookStatistics
    time: np.ndarray
    events: np.ndarray
    enrolled: np.ndarray
    endpoint: str
    max_events: int
    max_events_source: str
    accrual_days: float
    end_of_study: float

    def summary(self, first: np.ndarray) -> dict:
        """Calendar outputs, given the 0-based look at which each replicate stops."""
        idx = np.arange(first.size)
        held = np.isfinite(self.time)

        def per_look(x: np.ndarray) -> list[float | None]:
            cols = range(x.shape[1])
            return [float(x[held[:, j], j].mean()) if held[:, j].any() else None for j in cols]

        return {
            "events_target": list(self.stats.sizes),
            "held": [float(h) for h in held.mean(axis=0)],
            "mean_time_days": per_look(self.time),
            "mean_events": per_look(self.events),
            "mean_enrolled": per_look(self.enrolled),
            "expected_duration_days": float(self.time[idx, first].mean()),
            "duration_without_stop_days": float(self.time[:, -1].mean()),
            "reached_max_events": float(np.mean(self.events[:, -1] >= self.max_events)),
            "end_of_study_days": self.end_of_study,
            "accrual_days": self.accrual_days,
            "max_events": self.max_events,
            "max_events_source": self.max_events_source,
            "enrollment": ENROLLMENT,
            "information": "planned fractions (looks) of max_events",
        }


def calendar_looks(run, ep, arm: str, design) -> CalendarLooks:
    """Event-driven looks of ``design`` on endpoint ``ep`` (active ``arm`` vs control)."""
    names = list(run.arm_names)
    a, c = names.index(arm), names.index(run.scenario.control_arm.name)
    m = run.as_matrix
    sel = m(np.isin(run.arm, [a, c]))
    group = m((run.arm == a).astype(int))
    t, e = (m(x) for x in times(run, ep))
    e = e & sel
    enroll = enrollment_days(run.sample_size, design.accrual_days)[None, :]
    cal = enroll + t  # calendar day of the event (or of the end of the endpoint's follow-up)
    end = float(enroll[0, -1] + ep.horizon(run.events.follow_up))
    if design.max_events is None:
        d_max, source = max(2, int(np.floor(e.sum(axis=1).mean()))), "mean events at full follow-up"
    else:
        d_max, source = int(design.max_events), "design"
    targets = event_targets(design.looks, d_max)
    ordered = np.sort(np.where(e, cal, np.inf), axis=1)
    r, k_looks = t.shape[0], len(targets)
    when = np.full((r, k_looks), np.nan)
    for j, d in enumerate(targets):
        day = ordered[:, d - 1] if d <= ordered.shape[1] else np.full(r, np.inf)
        when[:, j] = np.where(np.isfinite(day), day, end if j == k_looks - 1 else np.nan)
    cols, events, enrolled = [], np.zeros_like(when), np.zeros_like(when)
    for j in range(k_looks):
        day = np.nan_to_num(when[:, j], nan=-np.inf)[:, None]
        mask = sel & (enroll <= day)
        ev = e & mask & (cal <= day)
        # follow-up at the look: the endpoint's own time if it has ended, else T_k - e_i
        at = np.where(cal <= day, t, np.where(mask, day - enroll, 0.0))
        cols.append(pair_statistic(ep, mask, group, at, ev))
        events[:, j] = ev.sum(axis=1)
        enrolled[:, j] = np.broadcast_to(enroll <= day, t.shape).sum(axis=1)
    z, est, se = (np.stack([col[i] for col in cols], axis=1) for i in range(3))
    stats = LookStatistics(z, est, se, targets, effect_name(ep), benefit_sign(ep))
    return CalendarLooks(
        stats=stats,
        time=when,
        events=events,
        enrolled=enrolled,
        endpoint=ep.id,
        max_events=d_max,
        max_events_source=source,
        accrual_days=float(design.accrual_days),
        end_of_study=end,
    )
