"""Designing the next trial: group-sequential boundaries, adaptive designs, assurance."""

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

__all__ = [
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
