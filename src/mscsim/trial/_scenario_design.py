"""Design blocks of a trial scenario: citation, population, eligibility, arms, randomization.

Each block is a frozen pydantic model that rejects unknown keys. Rules that involve a
single block are checked here; rules across blocks (allocation vs arms, eligibility vs
population, ...) are checked by :class:`mscsim.trial._scenario_model.Scenario`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from mscsim.trial._products import PRODUCTS
from mscsim.trial._scenario_fields import (
    BERLIN_PF_MMHG,
    DOI_PATTERN,
    FROZEN,
    INACTIVE_PRODUCTS,
    MAX_DOSE,
    URL_PATTERN,
    ArdsClass,
    Covariate,
    DayRange,
    DoseUnit,
    Product,
    RandomizationMethod,
    Severity,
    Slug,
    Text,
    TruncatedNormal,
    rule,
)


class Citation(BaseModel):
    """Where the trial design comes from. At least one of ``doi`` and ``url`` is required."""

    model_config = FROZEN

    text: Text = Field(description="Reference as text: authors, title, journal, year.")
    doi: str | None = Field(None, pattern=DOI_PATTERN, description="DOI without 'doi:'.")
    url: str | None = Field(
        None, pattern=URL_PATTERN, validate_default=True, description="Landing page URL."
    )
    registry_id: str | None = Field(
        None, min_length=1, description="Trial registry id, e.g. 'NCT04355728'."
    )

    @field_validator("url")
    @classmethod
    def _doi_or_url(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None and info.data.get("doi") is None:
            raise rule("at least one of 'doi' and 'url' is required")
        return v


#: Longest symptom-onset-to-screening interval a scenario may ask for (days).
MAX_ONSET_DAYS = 90


class Population(BaseModel):
    """The virtual population that is screened (before eligibility is applied)."""

    model_config = FROZEN

    age: TruncatedNormal = Field(description="Age at screening (years).")
    female_fraction: float = Field(ge=0, le=1, description="Share of women (0-1).")
    weight_kg: TruncatedNormal = Field(description="Body weight (kg).")
    comorbidity_mean: float = Field(
        ge=0, le=10, description="Mean count of major comorbidities (Poisson mean)."
    )
    onset_to_screening_days: DayRange = Field(
        description="Days from symptom onset to screening; the engine draws within this range."
    )
    disease_mix: dict[Severity, float] | None = Field(
        None,
        description="Optional weights of 'mild', 'moderate', 'severe', 'critical' among the "
        "patients screened; each >= 0, summing to 1.",
    )

    @field_validator("age")
    @classmethod
    def _age_bounds(cls, v: TruncatedNormal) -> TruncatedNormal:
        if v.min < 0 or v.max > 120:
            raise rule("bounds must lie within [0, 120] years", f"[{v.min:g}, {v.max:g}]")
        return v

    @field_validator("onset_to_screening_days")
    @classmethod
    def _onset_bounds(cls, v: DayRange) -> DayRange:
        if v.max > MAX_ONSET_DAYS:  # also bounds the memory of the pre-screening simulation
            raise rule(f"must be <= {MAX_ONSET_DAYS} days", v.max, at=("max",))
        return v

    @field_validator("weight_kg")
    @classmethod
    def _weight_bounds(cls, v: TruncatedNormal) -> TruncatedNormal:
        if v.min <= 0 or v.max > 400:
            raise rule("bounds must lie within (0, 400] kg", f"[{v.min:g}, {v.max:g}]")
        return v

    @field_validator("disease_mix")
    @classmethod
    def _mix_sums_to_one(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        if not v or any(w < 0 for w in v.values()):
            raise rule("weights must be >= 0 and not all missing", v)
        total = sum(v.values())
        if abs(total - 1.0) > 1e-6:
            raise rule("weights must sum to 1", round(total, 6))
        return v


class Eligibility(BaseModel):
    """Eligibility criteria, evaluated by the engine on the simulated state at screening.

    Fields without a default must be written in the scenario; ``null`` means "no such
    criterion", so an author states explicitly that a criterion is absent.
    """

    model_config = FROZEN

    age_min: int = Field(ge=0, le=120, description="Minimum age (years, inclusive).")
    age_max: int | None = Field(ge=0, le=120, description="Maximum age (years, inclusive).")
    max_days_since_onset: int | None = Field(
        ge=0, description="Latest day after symptom onset at which a patient may be enrolled."
    )
    pf_ratio_max: float | None = Field(
        gt=0, le=700, description="Upper P/F bound (PaO2/FiO2, mmHg, inclusive), e.g. 300."
    )
    pf_ratio_min: float | None = Field(
        None, ge=0, description="Lower P/F bound (mmHg, exclusive); < pf_ratio_max."
    )
    ards_severity: tuple[ArdsClass, ...] | None = Field(
        description="Berlin ARDS classes admitted, a subset of 'mild' (200<P/F<=300), "
        "'moderate' (100<P/F<=200), 'severe' (P/F<=100); null admits any P/F class."
    )
    require_oxygen: bool = Field(description="Patient must be on supplemental oxygen.")
    require_invasive_ventilation: bool = Field(
        False, description="Patient must already be on invasive mechanical ventilation."
    )
    exclude_invasive_ventilation: bool = Field(
        description="Patients on invasive mechanical ventilation are not eligible."
    )
    crp_min_mg_l: float | None = Field(
        None, ge=0, description="Minimum C-reactive protein at screening (mg/L)."
    )

    @field_validator("age_max")
    @classmethod
    def _age_window(cls, v: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("age_min")
        if v is not None and low is not None and v < low:
            raise rule(f"must be >= age_min ({low})", v)
        return v

    @field_validator("pf_ratio_min")
    @classmethod
    def _pf_window(cls, v: float | None, info: ValidationInfo) -> float | None:
        high = info.data.get("pf_ratio_max")
        if v is not None and high is not None and v >= high:
            raise rule(f"must be < pf_ratio_max ({high:g})", v)
        return v

    @field_validator("ards_severity")
    @classmethod
    def _ards_classes(
        cls, v: tuple[str, ...] | None, info: ValidationInfo
    ) -> tuple[str, ...] | None:
        if v is None:
            return v
        if not v or len(set(v)) != len(v):
            raise rule("must be a non-empty list without repeats, or null", list(v))
        low = info.data.get("pf_ratio_min") or 0.0
        high = info.data.get("pf_ratio_max") or float("inf")
        if not any(lo < high and hi > low for lo, hi in (BERLIN_PF_MMHG[c] for c in v)):
            raise rule(f"no class overlaps the P/F window ({low:g}, {high:g}] mmHg", list(v))
        return v

    @field_validator("exclude_invasive_ventilation")
    @classmethod
    def _ventilation_consistent(cls, v: bool, info: ValidationInfo) -> bool:
        if v and info.data.get("require_invasive_ventilation"):
            raise rule("cannot be true together with require_invasive_ventilation", v)
        return v


class Infusion(BaseModel):
    """One infusion of an arm whose infusions differ (e.g. MSC on day 0, EVs on day 2)."""

    model_config = FROZEN

    day: int = Field(ge=0, le=365, description="Day after enrollment (day 0 = enrollment).")
    product: Product = Field(description="What is infused.")
    dose: float = Field(gt=0, description="Amount in `unit`.")
    unit: DoseUnit = Field(description="cells, cells/kg or mL.")

    @model_validator(mode="after")
    def _fits_product(self) -> Infusion:
        _check_product_dose(self.product, self.unit, self.dose)
        return self


def _check_product_dose(product: str, unit: str, dose: float) -> None:
    """Raise the scenario rule broken by `dose` `unit` of `product`, if any."""
    spec = PRODUCTS.get(product)
    if spec is not None and unit not in spec.units:
        raise rule(f"product '{product}' is dosed in {' or '.join(spec.units)}", unit)
    if dose > MAX_DOSE[unit]:
        raise rule(f"must be <= {MAX_DOSE[unit]:.0e} {unit} per infusion", dose)


class Arm(BaseModel):
    """One arm: what is infused, how much, and when (days relative to enrollment).

    Either ``product`` + ``dose_per_infusion`` + ``infusion_days`` (the same dose each time),
    or ``infusions``: a list of infusions that may differ in product and dose (then
    ``product`` names the arm's primary product, whose kinetics the patients get).
    """

    model_config = FROZEN

    name: Slug = Field(description="Arm identifier, e.g. 'uc_msc' or 'vehicle'.")
    product: Product = Field(description="What is infused; 'standard-care' infuses nothing.")
    infusions: tuple[Infusion, ...] | None = Field(
        None,
        description="Infusions that differ in product or dose (instead of dose_per_infusion "
        "and infusion_days); days strictly increasing.",
    )
    dose_unit: DoseUnit = Field("cells", description="Unit of dose_per_infusion.")
    dose_per_infusion: float = Field(
        0.0,
        ge=0,
        validate_default=True,
        description="Cells per infusion ('cells') or per kg body weight ('cells/kg'); "
        "0 for vehicle, placebo and standard-care, > 0 otherwise.",
    )
    infusion_days: tuple[int, ...] = Field(
        (),
        validate_default=True,
        description="Days of infusion after enrollment (day 0 = enrollment), strictly "
        "increasing; empty only for standard-care.",
    )
    is_control: bool = Field(False, description="True for the single control arm.")

    @field_validator("dose_unit")
    @classmethod
    def _unit_fits_product(cls, v: str, info: ValidationInfo) -> str:
        product = info.data.get("product")
        spec = PRODUCTS.get(str(product))
        if spec is not None and not info.data.get("infusions") and v not in spec.units:
            raise rule(f"product '{product}' is dosed in {' or '.join(spec.units)}", v)
        return v

    @field_validator("dose_per_infusion")
    @classmethod
    def _dose_fits_product(cls, v: float, info: ValidationInfo) -> float:
        product = info.data.get("product")
        unit = info.data.get("dose_unit")
        if info.data.get("infusions"):
            if v != 0:
                raise rule("must be absent when 'infusions' lists the doses", v)
            return v
        if product in INACTIVE_PRODUCTS and v != 0:
            raise rule(f"must be 0 for product '{product}'", v)
        if product is not None and product not in INACTIVE_PRODUCTS and v <= 0:
            raise rule(f"must be > 0 for product '{product}'", v)
        if unit is not None and v > MAX_DOSE[unit]:
            raise rule(f"must be <= {MAX_DOSE[unit]:.0e} {unit} per infusion", v)
        return v

    @field_validator("infusion_days")
    @classmethod
    def _schedule(cls, v: tuple[int, ...], info: ValidationInfo) -> tuple[int, ...]:
        product = info.data.get("product")
        infusions = info.data.get("infusions")
        if infusions:
            if v:
                raise rule("must be absent when 'infusions' lists the doses", list(v))
            days = [i.day for i in infusions]
            if any(b <= a for a, b in zip(days, days[1:], strict=False)):
                raise rule("infusion days must be strictly increasing", days, at=())
            if infusions[0].product != product:
                raise rule(
                    "the first infusion's product must be the arm's product", infusions[0].product
                )
            return v
        if any(d < 0 or d > 365 for d in v):
            raise rule("days must lie within [0, 365]", list(v))
        if any(b <= a for a, b in zip(v, v[1:], strict=False)):
            raise rule("must be strictly increasing", list(v))
        if product == "standard-care" and v:
            raise rule("must be empty for product 'standard-care' (nothing is infused)", list(v))
        if product is not None and product != "standard-care" and not v:
            raise rule(f"must list at least one day for product '{product}'", list(v))
        return v

    def schedule(self) -> list[tuple[int, str, float, str]]:
        """``(day, product, dose, unit)`` of every infusion (zero-dose comparators included)."""
        if self.infusions:
            return [(i.day, i.product, i.dose, i.unit) for i in self.infusions]
        return [
            (d, self.product, self.dose_per_infusion, self.dose_unit) for d in self.infusion_days
        ]


class Randomization(BaseModel):
    """How enrolled patients are assigned to arms."""

    model_config = FROZEN

    method: RandomizationMethod = Field(
        description="'stratified_block' (permuted blocks within strata), 'block' (permuted "
        "blocks) or 'simple' (independent draws with the allocation ratio)."
    )
    strata: tuple[Covariate, ...] = Field(
        (),
        validate_default=True,
        description="Covariates defining the strata; only for 'stratified_block'.",
    )
    block_size: int | None = Field(
        None,
        ge=1,
        le=100_000,
        validate_default=True,
        description="Patients per permuted block; a multiple of the allocation-ratio sum. "
        "Required for block methods, absent for 'simple'.",
    )

    @field_validator("strata")
    @classmethod
    def _strata_fit_method(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        method = info.data.get("method")
        if len(set(v)) != len(v):
            raise rule("must not repeat a covariate", list(v))
        if method == "stratified_block" and not v:
            raise rule("must name at least one covariate for method 'stratified_block'")
        if method in ("block", "simple") and v:
            raise rule(f"must be empty for method '{method}'", list(v))
        return v

    @field_validator("block_size")
    @classmethod
    def _block_fits_method(cls, v: int | None, info: ValidationInfo) -> int | None:
        method = info.data.get("method")
        if method == "simple" and v is not None:
            raise rule("must be absent for method 'simple'", v)
        if method in ("block", "stratified_block") and v is None:
            raise rule(f"is required for method '{method}'")
        return v
