"""Every command's --help reads whole at 80 columns: nothing cut off with an ellipsis."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer

from mscsim.cli._app import app


def _commands(cmd: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    for name, sub in getattr(cmd, "commands", {}).items():
        out += _commands(sub, (*path, name))
    return out


@pytest.mark.parametrize("path", _commands(typer.main.get_command(app)), ids=" ".join)
def test_help_fits_80_columns(path):
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "mscsim", *path, "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert "Usage" in out
    assert "…" not in out, out
    assert max(len(line) for line in out.splitlines()) <= 80
