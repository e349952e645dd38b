"""The `mscsim` Typer application: registers each sub-command module."""

from __future__ import annotations

import typer

from mscsim.cli import (
    _calibrate,
    _design,
    _evidence,
    _export,
    _sensitivity,
    _serve,
    _simulate,
    _trial,
)

app = typer.Typer(
    name="mscsim",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="In-silico trials of MSC therapy for COVID-19 lung injury (research use only).",
)
app.command("simulate")(_simulate.simulate)
app.command("params")(_simulate.params)
app.add_typer(_export.app, name="export")
app.add_typer(_trial.app, name="trial")
app.add_typer(_evidence.app, name="evidence")
app.command("serve")(_serve.serve)
app.add_typer(_design.app, name="design")
app.command("calibrate")(_calibrate.calibrate)
app.command("validate-model")(_calibrate.validate_model)
app.command("sensitivity")(_sensitivity.sensitivity)
