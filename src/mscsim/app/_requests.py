"""Validated job requests (the web API's request bodies) and the scenario each one runs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mscsim._errors import InputError

UPLOAD_PREFIX = "upload-"
NAME_PATTERN = r"^[A-Za-z0-9_\-]{1,80}$"


class ArmEdit(BaseModel):
    """Changes to one arm of the scenario (None keeps the scenario's value)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=NAME_PATTERN, description="Arm to change (must exist).")
    dose_per_infusion: float | None = Field(
        default=None, description="Cells or cells/kg per infusion."
    )
    infusion_days: tuple[int, ...] | None = Field(
        default=None, description="Days after enrollment."
    )


class JobRequest(BaseModel):
    """A trial run, power curve or validation of a built-in or uploaded scenario."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["trial", "power", "validate"] = "trial"
    scenario: str = Field(pattern=NAME_PATTERN, description="Built-in name or uploaded id.")
    seed: int | None = Field(default=None, ge=0, lt=2**63)
    replicates: int | None = Field(default=None, ge=1, le=1_000_000)
    sample_size: int | None = Field(default=None, ge=2, le=100_000)
    sizes: tuple[int, ...] | None = Field(
        default=None, description="Total sample sizes (power only)."
    )
    arms: tuple[ArmEdit, ...] = ()
    selection: str = Field(
        default="none",
        max_length=32,
        description="Validation only: predict a published trial (none, hopewell, fitted or a "
        "risk ratio of publication >= 1; see `mscsim trial validate --selection`).",
    )

    @field_validator("selection")
    @classmethod
    def _selection(cls, v: str) -> str:
        from mscsim.trial._selection import selection_rr

        try:
            selection_rr(v)
        except InputError as exc:
            raise ValueError(exc.allowed) from None
        return v

    def replicate_count(self, scenario) -> int:
        """Replicates the job runs (all sizes of a power curve together)."""
        if self.kind == "trial":
            return self.replicates or scenario.replicates
        k = self.replicates or 200
        return k * (len(self.sizes or ()) or 1) if self.kind == "power" else k


def resolve_scenario(request: JobRequest, store: str | Path | None = None):
    """The scenario a request runs: built-in or uploaded, with its edits, re-validated.

    Raises :class:`mscsim.InputError` naming the field (e.g. ``arms[0].dose_per_infusion``).
    """
    from mscsim.io._jobs import get_scenario_text
    from mscsim.trial import Scenario, builtin_names, load_scenario, scenario_from_yaml

    name = request.scenario
    if name.startswith(UPLOAD_PREFIX) and store is not None:
        text = get_scenario_text(store, name)
        if text is None:
            raise InputError("scenario", "a built-in name or the id of an uploaded scenario", name)
        sc = scenario_from_yaml(text, name)
    elif name in builtin_names():
        sc = load_scenario(name)
    else:
        raise InputError("scenario", "a built-in name or the id of an uploaded scenario", name)
    data = sc.model_dump()
    if request.sample_size is not None:
        data["sample_size"] = request.sample_size
    names = [a["name"] for a in data["arms"]]
    for edit in request.arms:
        if edit.name not in names:
            raise InputError("arms", f"arm names are {names}", edit.name)
        arm = data["arms"][names.index(edit.name)]
        if edit.dose_per_infusion is not None:
            arm["dose_per_infusion"] = edit.dose_per_infusion
        if edit.infusion_days is not None:
            arm["infusion_days"] = list(edit.infusion_days)
    if request.kind == "power" and not request.sizes:
        raise InputError("sizes", "a list of total sample sizes for a power job")
    return sc if data == sc.model_dump() else Scenario.from_dict(data)
