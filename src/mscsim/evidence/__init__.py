"""Evidence synthesis: the source-backed MSC-COVID trial dataset and the meta-analysis engine.

Dataset
    `builtin_trials`, `load_trials` (built-ins merged with the user store), `add_trials`,
    `default_store_path`; records `Trial`, `Outcome`, `SourcedCount`, `SourcedNumber`,
    `Finding`, `Alternative`; schema checks `parse_trial`, `check_trial`, `check_unique`;
    `select_outcome` turns trials into a `StudyTable` for one outcome.
Engine (`mscsim.evidence.meta`)
    `meta_analysis`, `cumulative`, `leave_one_out`, `subgroup_analysis`, `egger_test`,
    `meta_regression`, with frozen results (`MetaResult`, `SequentialResult`,
    `SubgroupResult`, `EggerResult`, `MetaRegression`) that have ``to_dict()``.

Example
-------
>>> from mscsim.evidence import builtin_trials, select_outcome, meta_analysis
>>> sel = select_outcome(builtin_trials(), "mortality", randomized_only=True)
>>> res = meta_analysis(sel.table, measure="RR", method="REML")
>>> res.k >= 5
True
"""

from mscsim.evidence._checks import check_trial as check_trial
from mscsim.evidence._checks import check_unique as check_unique
from mscsim.evidence._checks import parse_trial as parse_trial
from mscsim.evidence._checks import parse_trials as parse_trials
from mscsim.evidence._schema import OUTCOMES as OUTCOMES
from mscsim.evidence._schema import SUBGROUP_FIELDS as SUBGROUP_FIELDS
from mscsim.evidence._schema import Alternative as Alternative
from mscsim.evidence._schema import Finding as Finding
from mscsim.evidence._schema import Outcome as Outcome
from mscsim.evidence._schema import SourcedCount as SourcedCount
from mscsim.evidence._schema import SourcedNumber as SourcedNumber
from mscsim.evidence._schema import Trial as Trial
from mscsim.evidence._select import Selection as Selection
from mscsim.evidence._select import select_outcome as select_outcome
from mscsim.evidence._store import add_trials as add_trials
from mscsim.evidence._store import builtin_trials as builtin_trials
from mscsim.evidence._store import default_store_path as default_store_path
from mscsim.evidence._store import load_trials as load_trials
from mscsim.evidence._store import store_trials as store_trials
from mscsim.evidence.meta import EggerResult as EggerResult
from mscsim.evidence.meta import MetaRegression as MetaRegression
from mscsim.evidence.meta import MetaResult as MetaResult
from mscsim.evidence.meta import SequentialResult as SequentialResult
from mscsim.evidence.meta import StudyTable as StudyTable
from mscsim.evidence.meta import SubgroupResult as SubgroupResult
from mscsim.evidence.meta import ZeroCellCorrection as ZeroCellCorrection
from mscsim.evidence.meta import cumulative as cumulative
from mscsim.evidence.meta import egger_test as egger_test
from mscsim.evidence.meta import leave_one_out as leave_one_out
from mscsim.evidence.meta import meta_analysis as meta_analysis
from mscsim.evidence.meta import meta_regression as meta_regression
from mscsim.evidence.meta import read_table_csv as read_table_csv
from mscsim.evidence.meta import subgroup_analysis as subgroup_analysis

__all__ = [
    "OUTCOMES",
    "SUBGROUP_FIELDS",
    "Alternative",
    "EggerResult",
    "Finding",
    "MetaRegression",
    "MetaResult",
    "Outcome",
    "Selection",
    "SequentialResult",
    "SourcedCount",
    "SourcedNumber",
    "StudyTable",
    "SubgroupResult",
    "Trial",
    "ZeroCellCorrection",
    "add_trials",
    "builtin_trials",
    "check_trial",
    "check_unique",
    "cumulative",
    "default_store_path",
    "egger_test",
    "leave_one_out",
    "load_trials",
    "meta_analysis",
    "meta_regression",
    "parse_trial",
    "parse_trials",
    "read_table_csv",
    "select_outcome",
    "store_trials",
    "subgroup_analysis",
]
