"""Input/output at the edges: SBML export, tidy tables, atomic output folders, trial run
folders (ADaM tables, manifest, report) and the SQLite results store."""

from mscsim._atomic import atomic_output_dir
from mscsim.io._adam import adam_tables
from mscsim.io._run_folder import jsonable, write_run_folder
from mscsim.io._sbml import to_sbml, validate_sbml, write_sbml
from mscsim.io._store import endpoint_rows, list_runs, record_run
from mscsim.io._tables import timecourse_table, write_table

__all__ = [
    "adam_tables",
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
