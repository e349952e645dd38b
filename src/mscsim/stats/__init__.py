"""Statistics of (virtual) randomized trials, vectorized over replicate trials.

Inputs are arrays of shape ``(R, N)`` (R replicate trials, N patient slots) or ``(N,)`` (one
trial), with a boolean ``mask`` marking slots that hold an analysed patient and ``group``
(0 = control, 1 = treatment). One-trial inputs give scalar results. Every two-arm test returns
an :class:`EndpointResult`; failures are :class:`Status` codes, never exceptions.

Survival
    :func:`kaplan_meier`, :func:`kaplan_meier_by_arm` (lifelines ``KaplanMeierFitter``),
    :func:`logrank_test` (lifelines ``logrank_test``, statsmodels ``survdiff``),
    :func:`cox_ph` (lifelines ``CoxPHFitter``, statsmodels ``PHReg``).
Binary endpoints
    :func:`compare_proportions` (risk ratio, odds ratio, risk difference with Fisher or
    chi-square p), :func:`compare_counts` (the same from published counts),
    :func:`count_table`, :func:`fisher_exact_p` (``scipy.stats.fisher_exact``),
    :func:`pearson_chi2` (``scipy.stats.chi2_contingency``, no correction).
Continuous endpoints
    :func:`welch_t_test`, :func:`change_from_baseline` (``scipy.stats.ttest_ind``).
Safety
    :func:`adverse_event_table`.
Replicates
    :func:`summarize_power`.
"""

from mscsim.stats._adverse_events import CATEGORIES as AE_CATEGORIES
from mscsim.stats._adverse_events import CATEGORY_FLAGS as AE_CATEGORY_FLAGS
from mscsim.stats._adverse_events import AdverseEventTable as AdverseEventTable
from mscsim.stats._adverse_events import adverse_event_table as adverse_event_table
from mscsim.stats._binary import compare_counts as compare_counts
from mscsim.stats._binary import compare_proportions as compare_proportions
from mscsim.stats._binary import count_table as count_table
from mscsim.stats._binary import pearson_chi2 as pearson_chi2
from mscsim.stats._cox import cox_ph as cox_ph
from mscsim.stats._fisher import fisher_exact_p as fisher_exact_p
from mscsim.stats._kaplan_meier import KaplanMeierResult as KaplanMeierResult
from mscsim.stats._kaplan_meier import SurvivalAt as SurvivalAt
from mscsim.stats._kaplan_meier import kaplan_meier as kaplan_meier
from mscsim.stats._kaplan_meier import kaplan_meier_by_arm as kaplan_meier_by_arm
from mscsim.stats._logrank import logrank_test as logrank_test
from mscsim.stats._means import ArmMean as ArmMean
from mscsim.stats._means import ChangeFromBaseline as ChangeFromBaseline
from mscsim.stats._means import change_from_baseline as change_from_baseline
from mscsim.stats._means import welch_t_test as welch_t_test
from mscsim.stats._power import PowerSummary as PowerSummary
from mscsim.stats._power import summarize_power as summarize_power
from mscsim.stats._result import EndpointResult as EndpointResult
from mscsim.stats._result import Status as Status

__all__ = [
    "AE_CATEGORIES",
    "AE_CATEGORY_FLAGS",
    "AdverseEventTable",
    "ArmMean",
    "ChangeFromBaseline",
    "EndpointResult",
    "KaplanMeierResult",
    "PowerSummary",
    "Status",
    "SurvivalAt",
    "adverse_event_table",
    "change_from_baseline",
    "compare_counts",
    "compare_proportions",
    "count_table",
    "cox_ph",
    "fisher_exact_p",
    "kaplan_meier",
    "kaplan_meier_by_arm",
    "logrank_test",
    "pearson_chi2",
    "summarize_power",
    "welch_t_test",
]
