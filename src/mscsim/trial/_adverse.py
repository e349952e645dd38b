"""Adverse events of a run as flat records: the one flattening that tables and reports use.

Disease events are the serious events of ``events.sae_time`` (not related to the product);
infusion-associated events carry their infusion number and hours after it. The infusion-related
thrombo-embolic event is kept once, as an infusion record (its ``sae_time`` column only feeds
SAE-free survival).
"""

from __future__ import annotations

import numpy as np

from mscsim.trial._events import INFUSION_TERMS, SAE_TERMS

#: Every AE term: disease SAE terms, then infusion terms (indices of ``records()["term"]``).
AE_TERMS = (*SAE_TERMS, *INFUSION_TERMS)
_DISEASE_COLUMNS = len(SAE_TERMS) - 1  # the last SAE column is the infusion embolic event


def ae_records(run) -> dict[str, np.ndarray]:
    """Records sorted by patient and onset: patient, term (index into :data:`AE_TERMS`),
    serious, related, disease (bool), day (onset, days after enrollment), infusion (1-based,
    0 for disease events), hours (after the infusion, NaN for disease events)."""
    ev = run.events
    dp, dk = np.nonzero(np.isfinite(ev.sae_time[:, :_DISEASE_COLUMNS]))
    iae = ev.infusion_ae
    ip = np.asarray(iae["patient"], dtype=np.int64)
    ik = np.asarray(iae["infusion"], dtype=np.int64)
    hours = np.asarray(iae["hours"], dtype=float)
    nd = dp.size
    patient = np.concatenate([dp, ip])
    day = np.concatenate([ev.sae_time[dp, dk], run.infusion_days[ip, ik] + hours / 24.0])
    order = np.lexsort((day, patient))
    rec = {
        "patient": patient,
        "term": np.concatenate([dk, len(SAE_TERMS) + np.asarray(iae["term"], dtype=np.int64)]),
        "serious": np.concatenate([np.ones(nd, bool), np.asarray(iae["serious"], dtype=bool)]),
        "related": np.concatenate([np.zeros(nd, bool), np.asarray(iae["related"], dtype=bool)]),
        "disease": np.arange(patient.size) < nd,
        "day": day,
        "infusion": np.concatenate([np.zeros(nd, np.int16), ik.astype(np.int16) + 1]),
        "hours": np.concatenate([np.full(nd, np.nan), hours]),
    }
    return {k: v[order] for k, v in rec.items()}
