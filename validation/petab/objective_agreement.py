"""pyPESTO (RoadRunner) vs mscsim's own solver on the PEtab export: the table of docs/petab.md.

    python validation/petab/objective_agreement.py

Needs ``mscsim[petab]``. Exports the built-in problem and the synthetic one of the tests
(tests/io/data/synthetic_shu.yaml, made-up numbers, plus one synthetic log-normal CRP level),
and prints -log L from both at the nominal vector and at the perturbed vector of
tests/io/test_petab.py.
"""

import dataclasses
import tempfile
from pathlib import Path

from mscsim.io import (
    build_petab_problem,
    petab_negative_log_likelihood,
    pypesto_objective,
    write_petab,
)
from mscsim.io._petab_problem import Measurement

ROOT = Path(__file__).resolve().parents[2]
PERTURBED = {"Emax_kgf": 1.5, "Emax_afc": 0.5, "EC50_msc": 1.5e7, "k_e0": 2.5, "f_trap": 0.6}

if __name__ == "__main__":
    synthetic = build_petab_problem(["monsel2022", ROOT / "tests/io/data/synthetic_shu.yaml"])
    level = Measurement("crp", "synthetic_shu__uc_msc", 15.0, 60.0, 0.3, "synthetic", "-", "-")
    synthetic = dataclasses.replace(synthetic, measurements=(*synthetic.measurements, level))
    print("| problem | vector | pyPESTO (RoadRunner) | mscsim | relative difference |")
    print("| --- | --- | --- | --- | --- |")
    for label, problem in (("built-in", build_petab_problem()), ("synthetic", synthetic)):
        with tempfile.TemporaryDirectory() as folder:
            write_petab(problem, folder)
            objective = pypesto_objective(Path(folder) / "problem.yaml")
            for name, values in (("nominal", {}), ("perturbed", PERTURBED)):
                theirs, _ = objective(values)
                ours = petab_negative_log_likelihood(problem, values)
                rel = abs(theirs - ours) / abs(ours)
                print(f"| {label} | {name} | {theirs:.7f} | {ours:.7f} | {rel:.1e} |")
