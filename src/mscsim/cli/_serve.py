"""`mscsim serve`: the web app and REST API (needs the ``web`` extra)."""

from __future__ import annotations

from typing import Annotated

import typer

from mscsim._errors import InputError


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    store: Annotated[
        str | None, typer.Option(help="SQLite results store (default mscsim-runs/mscsim.sqlite).")
    ] = None,
    job_workers: Annotated[int, typer.Option(help="Jobs running at once.")] = 1,
    max_queue: Annotated[int, typer.Option(help="Queued + running jobs before 429.")] = 16,
) -> None:
    """Serve the web app and the REST API (OpenAPI at /api/openapi.json)."""
    if not 1 <= port <= 65535:
        raise InputError("--port", "must be between 1 and 65535", port)
    if not 1 <= job_workers <= 64:
        raise InputError("--job-workers", "must be between 1 and 64", job_workers)
    if not 1 <= max_queue <= 10_000:
        raise InputError("--max-queue", "must be between 1 and 10000", max_queue)
    try:
        from mscsim.web import serve as run
    except ImportError:
        raise InputError("serve", "needs the web extra: pip install 'mscsim[web]'") from None
    import signal

    # a service stopped by SIGTERM is a normal stop: uvicorn shuts down gracefully, then
    # re-raises the signal, which must end the process by the signal (not as a CLI error)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    run(host=host, port=port, store=store, job_workers=job_workers, max_queue=max_queue)
