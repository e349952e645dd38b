"""Schema of the trial dataset: every number carries its source, a quote and a confidence.

A `Trial` is one controlled comparison (a multi-arm trial gives one `Trial` per active arm,
linked by ``shared_control``). Numbers are `SourcedCount` / `SourcedNumber`: the value, the
DOI or URL it was read from, a short quote or table reference, and a confidence
(``verified``: seen in a primary source; ``partly``: from a secondary source, derived or
inferred; ``unverified``: not seen). A value that could not be found is ``null`` with a
``note`` saying so. Where two published values disagree, the one the analysis uses is the
field value and the other is kept in the outcome's ``alternatives``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Confidence = Literal["verified", "partly", "unverified"]
Product = Literal["cells", "secretome", "ev", "cells+ev"]
Design = Literal["RCT", "non-randomized", "single-arm"]
Blinding = Literal["double-blind", "single-blind", "open-label", "not-stated"]
Severity = Literal["moderate", "severe", "critical", "mixed"]
CellSource = Literal["UC", "BM", "AD", "MB", "PL", "mixed", "unspecified"]

#: Trial fields usable for subgroup analyses (``--by``).
SUBGROUP_FIELDS: tuple[str, ...] = (
    "cell_source",
    "severity",
    "design",
    "blinding",
    "product",
    "confidence",
    "country",
)
#: Outcomes with per-arm event counts.
OUTCOMES: tuple[str, ...] = ("mortality", "sae", "ae")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourcedCount(_Frozen):
    """A count (patients, events) with its provenance; ``value`` is null if not reported."""

    value: int | None = Field(default=None, ge=0)
    source: str | None = None
    quote: str | None = None
    confidence: Confidence
    note: str | None = None


class SourcedNumber(_Frozen):
    """A non-negative measured quantity (e.g. a dose) with its provenance."""

    value: float | None = Field(default=None, ge=0)
    source: str | None = None
    quote: str | None = None
    confidence: Confidence
    note: str | None = None


class Finding(_Frozen):
    """A reported finding in words (biomarkers, imaging, fibrosis) with its provenance."""

    text: str
    source: str | None = None
    quote: str | None = None
    confidence: Confidence


class Alternative(_Frozen):
    """A conflicting published value that the analysis does not use, and why."""

    field: str
    value: float | None = None
    source: str
    quote: str
    confidence: Confidence
    note: str


class Outcome(_Frozen):
    """Per-arm event counts of one outcome (patients with >= 1 event).

    ``n_treat``/``n_ctrl`` override the trial's arm sizes when the outcome was counted in
    another population (e.g. a safety population).
    """

    events_treat: SourcedCount
    events_ctrl: SourcedCount | None = None
    n_treat: SourcedCount | None = None
    n_ctrl: SourcedCount | None = None
    timepoint: str | None = None
    definition: str | None = None
    alternatives: tuple[Alternative, ...] = ()


class Trial(_Frozen):
    """One controlled comparison (or one single-arm study, kept for context)."""

    id: str = Field(min_length=1)
    comparison: str = "main"
    first_author: str
    year: int = Field(ge=1990, le=2100)
    journal: str | None = None
    doi: str | None = None
    registry: str | None = None
    country: str = "not stated"
    product: Product
    design: Design
    design_detail: str | None = None
    blinding: Blinding
    severity: Severity
    population: str | None = None
    cell_source: CellSource
    cell_source_detail: str | None = None
    dose_per_infusion: SourcedNumber | None = None
    dose_unit: str | None = None
    n_infusions: SourcedCount | None = None
    infusion_days: str | None = None
    control_type: str | None = None
    n_treat: SourcedCount
    n_ctrl: SourcedCount | None = None
    shared_control: str | None = None
    mortality: Outcome | None = None
    sae: Outcome | None = None
    ae: Outcome | None = None
    biomarkers: Finding | None = None
    imaging: Finding | None = None
    fibrosis: Finding | None = None
    risk_of_bias: str | None = None
    confidence: Confidence
    notes: str | None = None

    @property
    def label(self) -> str:
        """Display label: ``"<surname> <year>"`` (initials dropped) plus a non-main comparison."""
        words = self.first_author.split()
        if len(words) > 1 and words[-1].isupper() and len(words[-1]) <= 4:
            words = words[:-1]  # drop the initials
        base = f"{' '.join(words) or self.id} {self.year}"
        return base if self.comparison == "main" else f"{base} ({self.comparison})"
