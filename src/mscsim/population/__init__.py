"""Virtual patients: covariates, severity and inter-individual variability, from explicit seeds."""

from mscsim.population._population import (
    BLOCK,
    IIV_CV,
    N_UNIFORMS,
    Cohort,
    concat,
    draw_block,
    draw_blocks,
)

__all__ = ["BLOCK", "IIV_CV", "N_UNIFORMS", "Cohort", "concat", "draw_block", "draw_blocks"]
