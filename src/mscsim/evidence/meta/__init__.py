"""Meta-analysis engine, validated against metafor (see ``docs/evidence.md``).

Three tiers: kernels (`fit_iv`, `tau2_dl`, `tau2_pm`, `tau2_likelihood`, `mantel_haenszel`,
`peto`, `compute_effects`), the one-call analyses (`meta_analysis`, `cumulative`,
`leave_one_out`, `subgroup_analysis`, `egger_test`, `meta_regression`) and their frozen
result records with ``to_dict()``.
"""

from mscsim.evidence.meta._api import meta_analysis as meta_analysis
from mscsim.evidence.meta._effects import EffectSizes as EffectSizes
from mscsim.evidence.meta._effects import ZeroCellCorrection as ZeroCellCorrection
from mscsim.evidence.meta._effects import compute_effects as compute_effects
from mscsim.evidence.meta._effects import hedges_j as hedges_j
from mscsim.evidence.meta._egger import EggerResult as EggerResult
from mscsim.evidence.meta._egger import egger_test as egger_test
from mscsim.evidence.meta._fit import PooledFit as PooledFit
from mscsim.evidence.meta._fit import fit_iv as fit_iv
from mscsim.evidence.meta._metareg import MetaRegression as MetaRegression
from mscsim.evidence.meta._metareg import meta_regression as meta_regression
from mscsim.evidence.meta._mh import mantel_haenszel as mantel_haenszel
from mscsim.evidence.meta._mh import peto as peto
from mscsim.evidence.meta._result import MetaResult as MetaResult
from mscsim.evidence.meta._result import StudyRow as StudyRow
from mscsim.evidence.meta._sequential import SequentialResult as SequentialResult
from mscsim.evidence.meta._sequential import cumulative as cumulative
from mscsim.evidence.meta._sequential import leave_one_out as leave_one_out
from mscsim.evidence.meta._subgroup import SubgroupResult as SubgroupResult
from mscsim.evidence.meta._subgroup import subgroup_analysis as subgroup_analysis
from mscsim.evidence.meta._table import StudyTable as StudyTable
from mscsim.evidence.meta._table import read_table_csv as read_table_csv
from mscsim.evidence.meta._tau2 import Tau2Estimate as Tau2Estimate
from mscsim.evidence.meta._tau2 import tau2_dl as tau2_dl
from mscsim.evidence.meta._tau2 import tau2_likelihood as tau2_likelihood
from mscsim.evidence.meta._tau2 import tau2_pm as tau2_pm
from mscsim.evidence.meta._types import MEASURES as MEASURES
from mscsim.evidence.meta._types import METHODS as METHODS

__all__ = [
    "MEASURES",
    "METHODS",
    "EffectSizes",
    "EggerResult",
    "MetaRegression",
    "MetaResult",
    "PooledFit",
    "SequentialResult",
    "StudyRow",
    "StudyTable",
    "SubgroupResult",
    "Tau2Estimate",
    "ZeroCellCorrection",
    "compute_effects",
    "cumulative",
    "egger_test",
    "fit_iv",
    "hedges_j",
    "leave_one_out",
    "mantel_haenszel",
    "meta_analysis",
    "meta_regression",
    "peto",
    "read_table_csv",
    "subgroup_analysis",
    "tau2_dl",
    "tau2_likelihood",
    "tau2_pm",
]
