"""The :class:`Scenario`: a complete, validated virtual-trial design.

A scenario is frozen and rejects unknown keys. Besides the checks of its blocks it
enforces the rules that span blocks:

- arm names are unique and exactly one arm is the control;
- the allocation names exactly the arms, each with an integer ratio >= 1;
- a block size is a multiple of the allocation-ratio sum;
- the eligibility window can be met by the screened population (age, onset day);
- no endpoint is assessed after the end of follow-up;
- each published result refers to a declared endpoint and to declared arms, and at most
  one result per endpoint (and compared active arm) is ``used``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator

from mscsim.trial._scenario_design import Arm, Citation, Eligibility, Population, Randomization
from mscsim.trial._scenario_endpoints import Endpoints, PublishedResult
from mscsim.trial._scenario_errors import to_input_error
from mscsim.trial._scenario_fields import FROZEN, Slug, Text, check_parameter, rule
from mscsim.trial._scenario_setting import Setting


class Scenario(BaseModel):
    """A virtual randomized trial: population, eligibility, arms, randomization, endpoints.

    Build one with :func:`mscsim.trial.load_scenario` (YAML) or :meth:`from_dict`; both
    raise :class:`mscsim.InputError` on any problem, naming the field path.
    """

    model_config = FROZEN

    name: Slug = Field(description="Identifier of the scenario, e.g. 'lanzoni2021'.")
    title: Text = Field(description="One-line description of the trial.")
    citation: Citation = Field(description="Publication (and registry id) of the design.")
    population: Population = Field(description="Virtual population screened.")
    eligibility: Eligibility = Field(description="Criteria applied at screening.")
    arms: tuple[Arm, ...] = Field(min_length=2, description="Trial arms (>= 2).")
    allocation: dict[Slug, Annotated[int, Field(ge=1, le=1000)]] = Field(
        description="Allocation ratio per arm name, integers >= 1 (e.g. {uc_msc: 1, vehicle: 1})."
    )
    randomization: Randomization = Field(description="Assignment of enrolled patients.")
    sample_size: int = Field(ge=2, le=100_000, description="Total number of patients enrolled.")
    follow_up_days: int = Field(ge=1, le=3650, description="Follow-up after enrollment (days).")
    endpoints: Endpoints = Field(description="Primary and secondary endpoints.")
    replicates: int = Field(1, ge=1, le=1_000_000, description="Independent virtual trials.")
    seed: int = Field(ge=0, lt=2**63, description="Seed of the trial's random generator.")
    setting: Setting | None = Field(
        None,
        description="Enrollment period, care resources and standard of care (trial-level "
        "baseline risk); absent: the calibration reference's care.",
    )
    parameters: dict[str, float] = Field(
        default_factory=dict,
        description="Model parameter overrides, NAME: VALUE within the parameter's bounds "
        "(see `mscsim params`); each patient's value is scaled by VALUE / default.",
    )
    published_results: tuple[PublishedResult, ...] = Field(
        (), description="Published results of the real trial, with sources."
    )
    evidence: dict[Slug, Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")]] = Field(
        default_factory=dict,
        description="Active arm name -> id of its comparison with the control arm in the "
        "evidence base (`mscsim evidence list`), e.g. {uc_msc: Lanzoni2021}: links the "
        "design to the published counts pooled by `mscsim evidence meta --virtual`.",
    )
    notes: str = Field("", description="Free text: assumptions, deviations, caveats.")

    @field_validator("eligibility")
    @classmethod
    def _someone_eligible(cls, v: Eligibility, info: ValidationInfo) -> Eligibility:
        pop: Population | None = info.data.get("population")
        if pop is None:
            return v
        if v.age_min > pop.age.max:
            raise rule(
                f"must be <= the population's maximum age ({pop.age.max:g})",
                v.age_min,
                at=("age_min",),
            )
        if v.age_max is not None and v.age_max < pop.age.min:
            raise rule(
                f"must be >= the population's minimum age ({pop.age.min:g})",
                v.age_max,
                at=("age_max",),
            )
        onset = pop.onset_to_screening_days
        if v.max_days_since_onset is not None and v.max_days_since_onset < onset.min:
            raise rule(
                f"must be >= population.onset_to_screening_days.min ({onset.min})",
                v.max_days_since_onset,
                at=("max_days_since_onset",),
            )
        return v

    @field_validator("arms")
    @classmethod
    def _arms(cls, v: tuple[Arm, ...]) -> tuple[Arm, ...]:
        names = [a.name for a in v]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise rule("arm names must be unique", name, at=(i, "name"))
        controls = [a.name for a in v if a.is_control]
        if len(controls) != 1:
            raise rule("exactly one arm must have is_control: true", controls)
        return v

    @field_validator("allocation")
    @classmethod
    def _allocation(cls, v: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        arms = info.data.get("arms")
        if arms is not None:
            names = sorted(a.name for a in arms)
            if sorted(v) != names:
                raise rule(f"keys must be the arm names {names}", sorted(v))
        return v

    @field_validator("randomization")
    @classmethod
    def _block_multiple(cls, v: Randomization, info: ValidationInfo) -> Randomization:
        alloc = info.data.get("allocation")
        if alloc and v.block_size is not None and v.block_size % sum(alloc.values()):
            raise rule(
                f"block_size must be a multiple of the allocation-ratio sum "
                f"({sum(alloc.values())})",
                v.block_size,
            )
        return v

    @field_validator("sample_size")
    @classmethod
    def _one_per_arm(cls, v: int, info: ValidationInfo) -> int:
        arms = info.data.get("arms")
        if arms is not None and v < len(arms):
            raise rule(f"must be >= the number of arms ({len(arms)})", v)
        return v

    @field_validator("evidence")
    @classmethod
    def _evidence_arms(cls, v: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        arms = info.data.get("arms")
        if arms is not None:
            active = sorted(a.name for a in arms if not a.is_control)
            for name in v:
                if name not in active:
                    raise rule(f"keys must be active arm names {active}", name, at=(name,))
        return v

    @field_validator("endpoints")
    @classmethod
    def _within_follow_up(cls, v: Endpoints, info: ValidationInfo) -> Endpoints:
        horizon = info.data.get("follow_up_days")
        for part in ("primary", "secondary"):
            for i, ep in enumerate(getattr(v, part)):
                long_term = ep.kind == "lung_outcome"  # assessed at 6/12-month follow-up visits
                if (
                    horizon is not None
                    and ep.day is not None
                    and ep.day > horizon
                    and not long_term
                ):
                    raise rule(
                        f"must be <= follow_up_days ({horizon})", ep.day, at=(part, i, "day")
                    )
        return v

    @field_validator("parameters")
    @classmethod
    def _parameters_in_bounds(cls, v: dict[str, float]) -> dict[str, float]:
        for name, value in v.items():
            check_parameter(name, value)
        return v

    @field_validator("published_results")
    @classmethod
    def _results_refer(
        cls, v: tuple[PublishedResult, ...], info: ValidationInfo
    ) -> tuple[PublishedResult, ...]:
        endpoints: Endpoints | None = info.data.get("endpoints")
        arms: tuple[Arm, ...] | None = info.data.get("arms")
        used: set[str] = set()
        for i, res in enumerate(v):
            if endpoints is not None and res.endpoint not in endpoints.ids:
                raise rule(
                    f"must be one of the endpoint ids {list(endpoints.ids)}",
                    res.endpoint,
                    at=(i, "endpoint"),
                )
            key = f"{res.endpoint}:{(res.effect.arm if res.effect is not None else None) or ''}"
            if res.used and key in used:
                raise rule(
                    f"only one result per endpoint (and compared arm) may be used "
                    f"('{res.endpoint}' already has one)",
                    True,
                    at=(i, "used"),
                )
            used.add(key if res.used else "")
            if arms is None:
                continue
            names = [a.name for a in arms]
            for name in res.arms:
                if name not in names:
                    raise rule(f"must be an arm name {names}", name, at=(i, "arms", name))
            active = [a.name for a in arms if not a.is_control]
            if res.effect is not None and res.effect.arm not in (None, *active):
                raise rule(
                    f"must be an active arm {active}", res.effect.arm, at=(i, "effect", "arm")
                )
            if res.effect is not None and res.effect.arm is None and len(active) > 1:
                raise rule(
                    f"is required with several active arms {active}", at=(i, "effect", "arm")
                )
        return v

    @classmethod
    def from_dict(cls, data: Any, *, prefix: str = "") -> Scenario:
        """Validate ``data`` (e.g. parsed YAML) into a scenario.

        Raises
        ------
        mscsim.InputError
            On the first problem, naming its field path and what is allowed.
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise to_input_error(exc, cls, prefix) from None

    def with_overrides(
        self,
        *,
        seed: int | None = None,
        replicates: int | None = None,
        sample_size: int | None = None,
        parameters: dict[str, float] | None = None,
    ) -> Scenario:
        """Return a re-validated copy with the given run settings replaced (None keeps);
        `parameters` are added to (and override) the scenario's own parameter overrides."""
        updates = {"seed": seed, "replicates": replicates, "sample_size": sample_size}
        data = self.model_dump()
        data.update({k: val for k, val in updates.items() if val is not None})
        if parameters:
            data["parameters"] = {**data.get("parameters", {}), **parameters}
        return Scenario.from_dict(data)

    @property
    def control_arm(self) -> Arm:
        """The control arm."""
        return next(a for a in self.arms if a.is_control)

    def arm(self, name: str) -> Arm:
        """The arm called ``name`` (KeyError if there is none)."""
        for a in self.arms:
            if a.name == name:
                return a
        raise KeyError(name)

    def used_results(self) -> dict[str, PublishedResult]:
        """Published results used for validation, keyed by endpoint id (the first one per
        endpoint; see :meth:`validated_results` for all of them)."""
        out: dict[str, PublishedResult] = {}
        for r in self.published_results:
            if r.used:
                out.setdefault(r.endpoint, r)
        return out

    def validated_results(self) -> list[PublishedResult]:
        """Every published result used for validation (one per endpoint and compared arm)."""
        return [r for r in self.published_results if r.used]
