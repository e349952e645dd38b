"""Self-contained HTML reports and the figures of a virtual trial (research use only).

The figures draw precomputed results (they never compute statistics) and return a matplotlib
``Figure``; `HtmlReport` embeds them with tables and provenance in one HTML file that needs
no network or external files.
"""

from mscsim._atomic import write_text_atomic as write_text_atomic
from mscsim.report._ae_table import ae_table_rows as ae_table_rows
from mscsim.report._biomarker_plot import plot_biomarker_trajectories as plot_biomarker_trajectories
from mscsim.report._consort_plot import plot_consort as plot_consort
from mscsim.report._design_reports import adaptive_report as adaptive_report
from mscsim.report._design_reports import optimize_report as optimize_report
from mscsim.report._design_reports import samplesize_report as samplesize_report
from mscsim.report._dose_response_plot import plot_dose_response as plot_dose_response
from mscsim.report._embed import figure_html as figure_html
from mscsim.report._evidence_plots import plot_forest as plot_forest
from mscsim.report._evidence_plots import plot_funnel as plot_funnel
from mscsim.report._html import HtmlReport as HtmlReport
from mscsim.report._km_plot import plot_km as plot_km
from mscsim.report._model_doc import model_markdown as model_markdown
from mscsim.report._ovp_plot import OVP_KEYS as OVP_KEYS
from mscsim.report._ovp_plot import plot_observed_vs_predicted as plot_observed_vs_predicted
from mscsim.report._power_plot import plot_power_curve as plot_power_curve
from mscsim.report._response_plot import plot_response as plot_response
from mscsim.report._sensitivity_plot import plot_sensitivity as plot_sensitivity
from mscsim.report._study_reports import power_report as power_report
from mscsim.report._study_reports import validation_report as validation_report
from mscsim.report._style import RESEARCH_NOTICE as RESEARCH_NOTICE
from mscsim.report._timecourse_plot import plot_timecourse as plot_timecourse
from mscsim.report._trial_report import trial_report as trial_report

__all__ = [
    "OVP_KEYS",
    "RESEARCH_NOTICE",
    "HtmlReport",
    "adaptive_report",
    "ae_table_rows",
    "figure_html",
    "model_markdown",
    "optimize_report",
    "plot_biomarker_trajectories",
    "plot_consort",
    "plot_forest",
    "plot_funnel",
    "plot_km",
    "plot_observed_vs_predicted",
    "plot_power_curve",
    "plot_response",
    "plot_sensitivity",
    "plot_timecourse",
    "power_report",
    "samplesize_report",
    "trial_report",
    "validation_report",
    "write_text_atomic",
]
