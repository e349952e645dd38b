"""Designing the next trial: regimen optimization, assurance and sample size,
group-sequential boundaries and adaptive designs simulated with the model."""

from mscsim.design._adaptive import (
    OperatingCharacteristics,
    decisions,
    evaluate_design,
    null_scenario,
)
from mscsim.design._adaptive_config import (
    AdaptiveDesign,
    BayesianRule,
    GroupSequentialRule,
    Reestimation,
    load_design,
)
from mscsim.design._assurance import (
    MSC_EFFECT_PARAMETERS,
    MscEffectPrior,
    SampleSizeResult,
    sample_size,
    success,
)
from mscsim.design._boundaries import SPENDING, GroupSequentialDesign, design_boundaries
from mscsim.design._calendar import CalendarLooks, calendar_looks, enrollment_days, event_targets
from mscsim.design._looks import (
    LookStatistics,
    look_sizes,
    look_statistics,
    pick_endpoint,
    window_statistic,
)
from mscsim.design._multiarm import (
    MultiArmCharacteristics,
    evaluate_multiarm,
    simulations_per_replicate,
)
from mscsim.design._multiarm_config import MultiArm
from mscsim.design._optimize import (
    OptimizationResult,
    candidate_scenario,
    optimize,
    replicate_utility,
    trial_evaluator,
)
from mscsim.design._optimize_config import OptimizeSpec, SearchSpace, Utility
from mscsim.design._reestimation import stage_two_size

__all__ = [
    "MSC_EFFECT_PARAMETERS",
    "SPENDING",
    "AdaptiveDesign",
    "BayesianRule",
    "CalendarLooks",
    "GroupSequentialDesign",
    "GroupSequentialRule",
    "LookStatistics",
    "MscEffectPrior",
    "MultiArm",
    "MultiArmCharacteristics",
    "OperatingCharacteristics",
    "OptimizationResult",
    "OptimizeSpec",
    "Reestimation",
    "SampleSizeResult",
    "SearchSpace",
    "Utility",
    "calendar_looks",
    "candidate_scenario",
    "decisions",
    "design_boundaries",
    "enrollment_days",
    "event_targets",
    "evaluate_design",
    "evaluate_multiarm",
    "load_design",
    "look_sizes",
    "look_statistics",
    "null_scenario",
    "optimize",
    "pick_endpoint",
    "replicate_utility",
    "sample_size",
    "simulations_per_replicate",
    "stage_two_size",
    "success",
    "trial_evaluator",
    "window_statistic",
]
