"""Input/output at the edges: SBML export, tidy tables, atomic output folders."""

from mscsim.io._outdir import atomic_output_dir
from mscsim.io._sbml import to_sbml, validate_sbml, write_sbml
from mscsim.io._tables import timecourse_table, write_table

__all__ = [
    "atomic_output_dir",
    "timecourse_table",
    "to_sbml",
    "validate_sbml",
    "write_sbml",
    "write_table",
]
