"""Assemble the FastAPI application and run it on uvicorn."""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from mscsim import __version__
from mscsim.web._config import ServerConfig

# Only this origin: the page ships every script, style and font it uses.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'"
)


def _static_dir() -> Path:
    return Path(str(resources.files("mscsim.web").joinpath("static")))


def create_app(config: ServerConfig) -> FastAPI:
    """The service for `config`: jobs run on a bounded pool, recorded in ``config.store``."""
    from mscsim.web._api import api
    from mscsim.web._runner import JobRunner
    from mscsim.web._security import BodyLimit

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.runner = JobRunner(config)
        try:
            yield
        finally:
            app.state.runner.close()

    app = FastAPI(
        title="mscsim",
        version=__version__,
        description="Virtual trials of MSC therapy for COVID-19 lung injury (research use only).",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the Swagger/ReDoc pages load scripts from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.config = config
    app.include_router(api)
    app.add_middleware(BodyLimit, limit=config.max_upload_bytes)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    index = (_static_dir() / "index.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return index

    app.mount("/static", StaticFiles(directory=_static_dir()), name="static")
    return app


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    store: str | Path | None = None,
    job_workers: int = 1,
    max_queue: int = 16,
) -> None:
    """Run the service until SIGINT/SIGTERM (uvicorn stops gracefully: running jobs finish,
    queued ones are marked interrupted)."""
    import uvicorn

    from mscsim.web._config import resolve_token

    path = Path(store) if store else Path("mscsim-runs") / "mscsim.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    token, new = resolve_token(path)
    if new:
        where = path.resolve().parent / "api-token"
        print(f"API token (stored in {where}, mode 0600): {token}", file=sys.stderr)
    config = ServerConfig(store=path, token=token, job_workers=job_workers, max_queue=max_queue)
    print(f"mscsim serve: http://{host}:{port}/ (store {path})", file=sys.stderr, flush=True)
    # keep idle connections open longer than clients do (a server closing a pooled connection
    # just as a client reuses it looks like a transport error to that client)
    uvicorn.run(
        create_app(config),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=75,
    )
