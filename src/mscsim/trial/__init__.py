"""Virtual randomized trials: scenarios, screening, randomization, events, analysis, power."""

from mscsim.trial._adverse import AE_TERMS, ae_records
from mscsim.trial._analysis import EndpointAnalysis, analyse, arm_summary
from mscsim.trial._dose_response import DosePoint, dose_response
from mscsim.trial._engine import TrialRun, run_trial
from mscsim.trial._outcomes import lung_summary
from mscsim.trial._power import PowerCurve, power_curve, power_of
from mscsim.trial._products import PRODUCTS, ProductSpec
from mscsim.trial._scenario import (
    ScenarioSummary,
    builtin_names,
    canonical_json,
    list_scenarios,
    load_scenario,
    scenario_from_yaml,
    scenario_hash,
)
from mscsim.trial._scenario_design import Arm, Eligibility, Population, Randomization
from mscsim.trial._scenario_endpoints import ENDPOINT_PARAMS, Endpoint, Endpoints, PublishedResult
from mscsim.trial._scenario_fields import BERLIN_PF_MMHG, BIOMARKER_UNITS
from mscsim.trial._scenario_model import Scenario
from mscsim.trial._scenario_setting import Setting
from mscsim.trial._sensitivity import SensitivityResult, gsa, sensitivity
from mscsim.trial._sensitivity_space import MSC_PARAMETERS, ParameterRange, SensitivityConfig
from mscsim.trial._summary import run_summary
from mscsim.trial._trial_effects import TRIAL_PARAMS, TrialEffects
from mscsim.trial._validate import ValidationRow, unsupported_numbers, validate_run

__all__ = [
    "MSC_PARAMETERS",
    "ParameterRange",
    "SensitivityConfig",
    "SensitivityResult",
    "gsa",
    "sensitivity",
    "lung_summary",
    "DosePoint",
    "dose_response",
    "AE_TERMS",
    "PRODUCTS",
    "ProductSpec",
    "Setting",
    "TRIAL_PARAMS",
    "TrialEffects",
    "ae_records",
    "unsupported_numbers",
    "BERLIN_PF_MMHG",
    "BIOMARKER_UNITS",
    "ENDPOINT_PARAMS",
    "Arm",
    "Eligibility",
    "Endpoint",
    "EndpointAnalysis",
    "Endpoints",
    "Population",
    "PowerCurve",
    "PublishedResult",
    "Randomization",
    "Scenario",
    "ScenarioSummary",
    "TrialRun",
    "ValidationRow",
    "analyse",
    "arm_summary",
    "builtin_names",
    "canonical_json",
    "list_scenarios",
    "load_scenario",
    "power_curve",
    "power_of",
    "run_summary",
    "run_trial",
    "scenario_from_yaml",
    "scenario_hash",
    "validate_run",
]
