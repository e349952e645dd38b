"""Command-line interface: a thin shell over the mscsim API.

Every sub-command lives in its own private module and is registered in `_app.py`.
`main` turns usage errors and `InputError`s into one line on stderr and exit status 2.
"""

from __future__ import annotations

import sys

import pydantic

from mscsim._errors import InputError


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def _click_errors() -> dict[str, tuple[type[BaseException], ...]]:
    """Exception types of the click that typer uses (newer typer vendors its own copy)."""
    exit_: list[type[BaseException]] = []
    abort: list[type[BaseException]] = []
    usage: list[type[BaseException]] = []
    try:
        import click  # older typer depends on click

        exit_.append(click.exceptions.Exit)
        abort.append(click.exceptions.Abort)
        usage.append(click.UsageError)
    except ImportError:
        pass
    try:
        from typer._click import exceptions as tce

        usage.append(tce.UsageError)
        for name, bucket in (("Exit", exit_), ("Abort", abort)):
            if hasattr(tce, name):
                bucket.append(getattr(tce, name))
    except ImportError:
        pass
    try:
        import typer._click.core as tcc  # Exit/Abort live in core in some versions

        for name, bucket in (("Exit", exit_), ("Abort", abort)):
            if hasattr(tcc, name):
                bucket.append(getattr(tcc, name))
    except ImportError:
        pass
    return {"exit": tuple(exit_), "abort": tuple(abort), "usage": tuple(usage)}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mscsim` console script."""
    import typer.main

    from mscsim.cli._app import app

    errors = _click_errors()
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="mscsim", standalone_mode=False)
    except errors["exit"] as exc:  # --help, explicit typer.Exit
        return int(getattr(exc, "exit_code", 0) or 0)
    except errors["abort"]:
        print("error: aborted", file=sys.stderr)
        return 1
    except errors["usage"] as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare group: help was printed
            return 0
        hint = ""
        if exc.ctx is not None and exc.ctx.command_path:
            hint = f" (see '{exc.ctx.command_path} --help')"
        print(f"error: {_one_line(exc.format_message())}{hint}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "input"
        print(f"error: {loc}: {_one_line(err['msg'])}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
