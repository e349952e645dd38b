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
from mscsim.design._looks import LookStatistics, look_sizes, look_statistics, pick_endpoint
from mscsim.design._optimize import (
    OptimizationResult,
    candidate_scenario,
    optimize,
    replicate_utility,
    trial_evaluator,
)
from mscsim.design._optimize_config import OptimizeSpec, SearchSpace, Utility

__all__ = [
    "OptimizationResult",
    "Reestimation",
    "stage_two_size",
    "window_statistic",
    "OptimizeSpec",
    "SearchSpace",
    "Utility",
    "candidate_scenario",
    "optimize",
    "replicate_utility",
    "trial_evaluator",
    "MSC_EFFECT_PARAMETERS",
    "MscEffectPrior",
    "SampleSizeResult",
    "sample_size",
    "success",
    "SPENDING",
    "AdaptiveDesign",
    "BayesianRule",
    "GroupSequentialDesign",
    "GroupSequentialRule",
    "LookStatistics",
    "OperatingCharacteristics",
    "decisions",
    "design_boundaries",
    "evaluate_design",
    "load_design",
    "look_sizes",
    "look_statistics",
    "null_scenario",
    "pick_endpoint",
]
