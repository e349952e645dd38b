"""Evaluate an exported PEtab problem with pyPESTO's RoadRunner objective (``mscsim[petab]``).

For checks against `mscsim.io.petab_negative_log_likelihood`: both take the estimated
parameters by name on the linear scale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mscsim.model import MSC_COVID


def pypesto_objective(
    yaml_path: str | Path, *, rtol: float = 1e-8
) -> Callable[[Mapping[str, float] | None], tuple[float, dict[str, Any]]]:
    """``f(values) -> (-log L, simulations by condition)`` of the problem at `yaml_path`.

    CVODE gets per-state absolute tolerances (1e-12 x each state's typical scale, as in
    tests/io/test_sbml.py) and relative tolerance `rtol`.
    """
    import petab.v1 as petab
    from pypesto.petab import PetabImporter

    pp = petab.Problem.from_yaml(str(yaml_path))
    importer = PetabImporter(pp, simulator_type="roadrunner")
    creator = importer.create_objective_creator(simulator_type="roadrunner")
    problem = importer.create_problem(creator.create_objective())
    scale = {s.name: s.scale for s in MSC_COVID.states}
    ids = problem.objective.roadrunner_instance.model.getFloatingSpeciesIds()
    problem.objective.solver_options["absolute_tolerance"] = [1e-12 * scale[s] for s in ids]
    problem.objective.solver_options["relative_tolerance"] = rtol
    df = pp.parameter_df
    free = [problem.x_names[i] for i in problem.x_free_indices]

    def evaluate(values: Mapping[str, float] | None = None) -> tuple[float, dict[str, Any]]:
        given = dict(values or {})
        unknown = sorted(set(given) - set(free))
        if unknown:
            raise KeyError(f"not estimated in this problem: {unknown}")
        x = []
        for name in free:
            v = float(given.get(name, df.loc[name, "nominalValue"]))
            x.append(np.log10(v) if df.loc[name, "parameterScale"] == "log10" else v)
        result = problem.objective(np.array(x), return_dict=True)
        return float(result["fval"]), dict(result["simulation_results"])

    return evaluate
