"""Input/output at the edges: SBML and PEtab export, tidy tables, atomic output folders, trial run
folders (ADaM tables, manifest, report) and the SQLite results store."""

from mscsim._atomic import atomic_output_dir
from mscsim.io._adam import adam_tables
from mscsim.io._petab import lint_petab, petab_files, write_petab
from mscsim.io._petab_objective import negative_log_likelihood as petab_negative_log_likelihood
from mscsim.io._petab_objective import predictions as petab_predictions
from mscsim.io._petab_problem import Problem as PetabProblem
from mscsim.io._petab_problem import build_problem as build_petab_problem
from mscsim.io._petab_pypesto import pypesto_objective
from mscsim.io._run_folder import jsonable, write_run_folder
from mscsim.io._sbml import to_sbml, validate_sbml, write_sbml
from mscsim.io._store import endpoint_rows, list_runs, record_run
from mscsim.io._tables import timecourse_table, write_table

__all__ = [
    "adam_tables",
    "PetabProblem",
    "build_petab_problem",
    "lint_petab",
    "petab_files",
    "petab_negative_log_likelihood",
    "petab_predictions",
    "pypesto_objective",
    "write_petab",
    "atomic_output_dir",
    "jsonable",
    "endpoint_rows",
    "list_runs",
    "record_run",
    "timecourse_table",
    "to_sbml",
    "validate_sbml",
    "write_sbml",
    "write_run_folder",
    "write_table",
]
