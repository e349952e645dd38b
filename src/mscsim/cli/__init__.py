"""Command-line interface: a thin shell over the mscsim API.

Every sub-command lives in its own private module and is registered in `_app.py`.
`main` turns usage errors and `InputError`s into one line on stderr and exit status 2,
operating-system errors into one line and status 1, Ctrl-C and SIGTERM into 130 and 143.
"""

from __future__ import annotations

import sqlite3
import sys

import pydantic

from mscsim._errors import InputError


def _one_line(message: str, limit: int = 600) -> str:
    """`message` on one line, its middle cut if longer than `limit` (an echoed huge input)."""
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit // 2] + " ... " + text[-limit // 2 :]


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
        import typer.exceptions as te

        exit_.append(te.Exit)
        abort.append(te.Abort)
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


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``finally`` (temporary folders) runs."""


_MAIN_PID: list[int] = []


def _on_signal(signum: int, frame: object) -> None:
    """SIGINT/SIGTERM: stop worker processes, then unwind the main process with an exception.

    A forked worker inherits this handler and exits at once, silently: the main process
    reports the interruption once.
    """
    import os
    import signal

    if _MAIN_PID and os.getpid() != _MAIN_PID[-1]:
        os._exit(128 + signum)
    if "multiprocessing" in sys.modules:
        for child in sys.modules["multiprocessing"].active_children():
            child.terminate()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated


def _os_error(exc: OSError) -> str:
    import os

    what = exc.strerror or exc.__class__.__name__
    name = "" if exc.filename is None else os.fsdecode(exc.filename)
    if len(name) > 200:
        name = name[:100] + "..." + name[-97:]
    where = f": {name}" if name else ""
    return f"error: {_one_line(what)}{_one_line(str(where))}"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mscsim` console script.

    Exit status: 0 success; 2 bad input (one line naming the option or field); 1 an
    operating-system error (unwritable folder, full disk, ...: one line); 130 interrupted
    (Ctrl-C) and 143 terminated (SIGTERM), after temporary files and folders are removed.
    """
    import os
    import signal
    import threading

    previous = {}
    if threading.current_thread() is threading.main_thread():
        _MAIN_PID.append(os.getpid())
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _on_signal)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("error: terminated", file=sys.stderr)
        return 143
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if previous:
            _MAIN_PID.pop()


def _main(argv: list[str] | None) -> int:
    import typer.main

    from mscsim.cli._app import app

    errors = _click_errors()
    command = typer.main.get_command(app)
    if any("\x00" in arg for arg in (sys.argv[1:] if argv is None else argv)):
        print("error: arguments may not contain NUL bytes", file=sys.stderr)
        return 2
    try:
        rv = command.main(args=argv, prog_name="mscsim", standalone_mode=False)
        if isinstance(rv, int) and not isinstance(rv, bool) and rv:  # typer.Exit(code) returns
            if rv == 130:  # typer turns Ctrl-C into Exit(130)
                raise KeyboardInterrupt
            return rv
    except errors["exit"] as exc:  # --help, explicit typer.Exit, Ctrl-C (typer: Exit(130))
        code = int(getattr(exc, "exit_code", 0) or 0)
        if isinstance(exc.__cause__, KeyboardInterrupt) or code == 130:
            raise KeyboardInterrupt from None
        return code
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
    except OSError as exc:  # the file system said no: not a bug, not bad syntax
        _quiet_stdout(exc)
        print(_os_error(exc), file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        print(f"error: results store: {_one_line(str(exc))}", file=sys.stderr)
        return 1
    return 0


def _quiet_stdout(exc: OSError) -> None:
    """After EPIPE/ENOSPC on stdout, point stdout at /dev/null so the exit flush is silent."""
    import errno
    import os

    if exc.filename is None and exc.errno in (errno.EPIPE, errno.ENOSPC):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
