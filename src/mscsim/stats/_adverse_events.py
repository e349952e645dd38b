"""Adverse-event tables per arm: patients with >= 1 event and event counts.

The layout is the usual safety table of a trial report (e.g. Lanzoni et al. 2021, Stem Cells
Transl Med 10:660, Table 3: SAEs and infusion-associated AEs per arm): for each arm, the number
of patients with at least one event and the number of events, overall and by seriousness and
relatedness to the product, and the same per reported term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mscsim._errors import InputError
from mscsim.stats._batch import check_binary

#: Categories of an AE table, in order; each is a subset of the events.
CATEGORIES = ("any", "serious", "non-serious", "related", "not related", "serious related")
#: The ``serious`` / ``related`` flags that define each category (absent = either).
CATEGORY_FLAGS: dict[str, dict[str, bool]] = {
    "any": {},
    "serious": {"serious": True},
    "non-serious": {"serious": False},
    "related": {"related": True},
    "not related": {"related": False},
    "serious related": {"serious": True, "related": True},
}


@dataclass(frozen=True, kw_only=True)
class AdverseEventTable:
    """Counts of adverse events per replicate, arm (0 = control, 1 = treatment) and category.

    Attributes
    ----------
    categories : tuple of str
        :data:`CATEGORIES`.
    terms : tuple of str
        Distinct event terms, sorted.
    patients, events : ndarray of int, shape (R, 2, C) or (2, C)
        Patients with >= 1 event of the category, and number of events.
    term_patients, term_events : ndarray of int, shape (R, 2, T, C) or (2, T, C)
        The same per term.
    n_per_arm : ndarray of int, shape (R, 2) or (2,), or None
        Patients analysed per arm (denominators of the percentages), if given.
    """

    categories: tuple[str, ...]
    terms: tuple[str, ...]
    patients: np.ndarray
    events: np.ndarray
    term_patients: np.ndarray
    term_events: np.ndarray
    n_per_arm: np.ndarray | None

    def __post_init__(self) -> None:
        for a in (self.patients, self.events, self.term_patients, self.term_events, self.n_per_arm):
            if a is not None:
                a.flags.writeable = False

    def rows(
        self,
        replicate: int | None = None,
        *,
        arm_names: tuple[str, str] = ("control", "treatment"),
    ) -> list[dict[str, Any]]:
        """Tidy rows ``{arm, term, category, patients, events, n, percent}`` of one trial.

        ``arm`` is ``arm_names[arm]``; ``term`` is ``"(any term)"`` for the overall rows;
        ``n``/``percent`` are ``None`` without ``n_per_arm``. Each row also carries the
        ``serious``/``related`` flags of its category (:data:`CATEGORY_FLAGS`), the entry
        format of ``mscsim.report``'s AE table. ``replicate`` is required for a table over
        replicates.
        """
        if len(arm_names) != 2:
            raise InputError("arm_names", "two names: control, treatment", arm_names)
        batched = self.patients.ndim == 3
        if batched != (replicate is not None):
            raise InputError(
                "replicate", "an index for a table over replicate trials, else nothing", replicate
            )
        pick = (lambda a: a[replicate]) if batched else (lambda a: a)  # noqa: E731
        pat, ev, tp, te = (
            pick(a) for a in (self.patients, self.events, self.term_patients, self.term_events)
        )
        n = None if self.n_per_arm is None else pick(self.n_per_arm)
        out = []
        for arm in (0, 1):
            labels = [("(any term)", pat[arm], ev[arm])]
            labels += [(term, tp[arm, k], te[arm, k]) for k, term in enumerate(self.terms)]
            for term, p_row, e_row in labels:
                for c, cat in enumerate(self.categories):
                    denom = None if n is None else int(n[arm])
                    pct = None if not denom else 100.0 * int(p_row[c]) / denom
                    out.append(
                        {
                            "arm": arm_names[arm],
                            "term": term,
                            "category": cat,
                            "patients": int(p_row[c]),
                            "events": int(e_row[c]),
                            "n": denom,
                            "percent": pct,
                            **CATEGORY_FLAGS[cat],
                        }
                    )
        return out


def _count(keys: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(keys, minlength=size)[:size]


def adverse_event_table(
    patient: ArrayLike,
    arm: ArrayLike,
    term: ArrayLike,
    serious: ArrayLike,
    related: ArrayLike,
    *,
    replicate: ArrayLike | None = None,
    n_replicates: int | None = None,
    n_per_arm: ArrayLike | None = None,
) -> AdverseEventTable:
    """Build AE tables from event records (one record per event).

    Parameters
    ----------
    patient : array_like of int or str, shape (E,)
        Patient id, unique within a replicate.
    arm : array_like of int, shape (E,)
        0 = control, 1 = treatment.
    term : array_like of str, shape (E,)
        Event term (e.g. ``"hypotension"``).
    serious, related : array_like of bool, shape (E,)
        Serious adverse event; related to the product (e.g. infusion-associated).
    replicate : array_like of int, shape (E,), optional
        Replicate trial of each record; omit for one trial (then results drop the R axis).
    n_replicates : int, optional
        Number of replicate trials R (default: max(replicate) + 1); replicates without any
        record get zero rows.
    n_per_arm : array_like of int, shape (2,) or (R, 2), optional
        Patients analysed per arm, kept as the denominators of percentages.

    Returns
    -------
    AdverseEventTable

    Examples
    --------
    >>> t = adverse_event_table([1, 1, 2, 7], [0, 0, 0, 1], ["shock", "shock", "sepsis",
    ...                         "fever"], [True, True, True, False], [False] * 3 + [True])
    >>> t.patients[:, 0].tolist(), t.events[:, 0].tolist()  # "any" per arm
    ([2, 1], [3, 1])
    """
    cols = {
        "patient": np.asarray(patient),
        "arm": np.asarray(arm),
        "term": np.asarray(term),
        "serious": np.asarray(serious),
        "related": np.asarray(related),
    }
    single = replicate is None
    cols["replicate"] = (
        np.zeros(cols["patient"].shape, np.int64) if single else np.asarray(replicate)
    )
    n_ev = cols["patient"].shape
    for k, v in cols.items():
        if v.ndim != 1 or v.shape != n_ev:
            raise InputError(
                k, f"a 1-D array with one entry per event ({n_ev[0]})", f"shape {v.shape}"
            )
    for k in ("arm", "replicate"):
        if n_ev[0] and not np.issubdtype(cols[k].dtype, np.integer):
            raise InputError(k, "integers", str(cols[k].dtype))
    if n_ev[0] and not np.isin(cols["arm"], (0, 1)).all():
        raise InputError("arm", "0 (control) or 1 (treatment)", np.unique(cols["arm"])[:5])
    every = np.ones(n_ev, dtype=bool)
    ser = check_binary(cols["serious"], every, "serious")
    rel = check_binary(cols["related"], every, "related")
    rep = cols["replicate"].astype(np.int64)
    r = (
        1
        if single
        else int(n_replicates if n_replicates is not None else (rep.max() + 1 if n_ev[0] else 0))
    )
    if n_ev[0] and (rep.min() < 0 or rep.max() >= r):
        raise InputError("replicate", f"integers in [0, {r})", int(rep.max()))
    a = cols["arm"].astype(np.int64)
    pid = np.unique(cols["patient"], return_inverse=True)[1].reshape(-1)
    pairs = np.unique(np.stack([rep, pid, a]), axis=1)
    if np.unique(pairs[:2], axis=1).shape[1] != pairs.shape[1]:
        raise InputError("arm", "one arm per patient within a replicate")
    terms, code = np.unique(cols["term"].astype(str), return_inverse=True)
    code = code.reshape(-1)
    n_t, n_c = len(terms), len(CATEGORIES)
    cats = (every, ser, ~ser, rel, ~rel, ser & rel)

    patients = np.zeros((r, 2, n_c), np.int64)
    events = np.zeros((r, 2, n_c), np.int64)
    t_pat = np.zeros((r, 2, n_t, n_c), np.int64)
    t_ev = np.zeros((r, 2, n_t, n_c), np.int64)
    for c, sel in enumerate(cats):
        cell = rep[sel] * 2 + a[sel]
        events[:, :, c] = _count(cell, 2 * r).reshape(r, 2)
        t_ev[:, :, :, c] = _count(cell * n_t + code[sel], 2 * r * n_t).reshape(r, 2, n_t)
        u = np.unique(np.stack([rep[sel], pid[sel], a[sel]]), axis=1)
        patients[:, :, c] = _count(u[0] * 2 + u[2], 2 * r).reshape(r, 2)
        ut = np.unique(np.stack([rep[sel], pid[sel], a[sel], code[sel]]), axis=1)
        t_pat[:, :, :, c] = _count((ut[0] * 2 + ut[2]) * n_t + ut[3], 2 * r * n_t).reshape(
            r, 2, n_t
        )
    npa = None
    if n_per_arm is not None:
        raw = np.asarray(n_per_arm)
        if raw.shape not in ((2,), (r, 2)):
            raise InputError("n_per_arm", f"counts of shape (2,) or ({r}, 2)", raw.shape)
        npa = np.broadcast_to(raw, (r, 2)).astype(np.int64)
        if (npa < 0).any():
            raise InputError("n_per_arm", "non-negative patient counts per arm")
        if (patients[:, :, 0] > npa).any():
            raise InputError("n_per_arm", "at least the patients with an event in each arm")
    drop = (lambda x: x[0]) if single else (lambda x: x)  # noqa: E731
    return AdverseEventTable(
        categories=CATEGORIES,
        terms=tuple(terms.tolist()),
        patients=drop(patients),
        events=drop(events),
        term_patients=drop(t_pat),
        term_events=drop(t_ev),
        n_per_arm=None if npa is None else drop(npa),
    )
