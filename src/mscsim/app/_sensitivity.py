"""Global sensitivity analysis as a job: indices, samples and plot in an optional folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from mscsim.app._study import StudyResult, _check_out

FILES = ("sensitivity.json", "indices.csv", "samples.csv", "sensitivity.png")


def sensitivity_study(
    config,
    *,
    out: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    command: str | None = None,
    backend: str = "auto",
) -> StudyResult:
    """Run :func:`mscsim.trial.sensitivity` for `config` (a ``SensitivityConfig`` or a dict).

    With `out`, the folder gets ``sensitivity.json`` (the whole result: config, ranges,
    indices, inputs and outputs of every evaluation, provenance), ``indices.csv`` (one row per
    measure and parameter), ``samples.csv`` (one row per evaluation) and ``sensitivity.png``.
    The returned document (what ``--json`` prints) leaves out the per-evaluation inputs.
    """
    from mscsim.trial import SensitivityConfig, sensitivity

    cfg = config if isinstance(config, SensitivityConfig) else SensitivityConfig.from_dict(config)
    _check_out(out)
    res = sensitivity(cfg, progress=progress, backend=backend)
    prov = {**res.provenance, "command": command}
    doc = {k: v for k, v in res.to_dict().items() if k not in ("X", "Y")} | {"provenance": prov}
    folder = None
    if out is not None:
        folder = _write(out, res, prov)
    return StudyResult(doc=doc, folder=folder, payload=res)


def _write(out, res, prov: dict) -> Path:
    import pyarrow as pa

    from mscsim.io import atomic_output_dir, jsonable, write_table
    from mscsim.report import plot_sensitivity

    with atomic_output_dir(out) as folder:
        doc = jsonable({**res.to_dict(), "provenance": prov})
        (folder / FILES[0]).write_text(json.dumps(doc, indent=1, allow_nan=False))
        write_table(pa.Table.from_pylist(res.rows()), folder, "indices", ("csv",))
        write_table(pa.Table.from_pylist(res.sample_rows()), folder, "samples", ("csv",))
        title = f"{prov['scenario']}: {res.method} indices ({prov['evaluations']} evaluations)"
        plot_sensitivity(res, title=title).savefig(folder / FILES[3], dpi=110)
    return Path(out)
