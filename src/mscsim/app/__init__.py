"""The application layer: one function per job, called by the CLI, the web service and notebooks.

Each job takes validated inputs, runs the core (trial, stats, evidence), writes its outputs
through :mod:`mscsim.io` (run folder, report, results store) and returns the JSON-able summary
the CLI prints with ``--json`` together with the paths it wrote. Front ends only parse input and
present output.
"""

from mscsim.app._evidence import evidence_meta
from mscsim.app._executor import DaskExecutor, cluster_executor
from mscsim.app._export import export_petab
from mscsim.app._run_folder import write_run_folder
from mscsim.app._sensitivity import sensitivity_study
from mscsim.app._simulate import simulate_typical
from mscsim.app._study import StudyResult, power_study, validate_study
from mscsim.app._trial import DEFAULT_ROOT, TrialResult, run_trial_job, trial_paths

__all__ = [
    "DEFAULT_ROOT",
    "DaskExecutor",
    "StudyResult",
    "TrialResult",
    "cluster_executor",
    "evidence_meta",
    "export_petab",
    "power_study",
    "run_trial_job",
    "sensitivity_study",
    "simulate_typical",
    "trial_paths",
    "validate_study",
    "write_run_folder",
]
