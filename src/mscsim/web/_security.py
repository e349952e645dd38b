"""Bearer-token checks, loopback-only open reads, and the request-size limit."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import HTTPException, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _token_ok(request: Request) -> bool:
    given = _bearer(request)
    want = request.app.state.config.token
    return given is not None and hmac.compare_digest(given.encode(), want.encode())


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def require_token(request: Request) -> None:
    """Every write needs ``Authorization: Bearer <token>``."""
    if not _token_ok(request):
        raise HTTPException(401, "writes need 'Authorization: Bearer <token>' (MSCSIM_API_TOKEN)")


def allow_read(request: Request) -> None:
    """Reads are open to loopback clients; others need the token."""
    if not (request.app.state.config.open_reads and _loopback(request)) and not _token_ok(request):
        raise HTTPException(401, "reads from other hosts need 'Authorization: Bearer <token>'")


class BodyLimit:
    """Reject request bodies over `limit` bytes (413) and bodies of unknown length (411)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            headers = dict(scope["headers"])
            length = headers.get(b"content-length")
            if length is None and headers.get(b"transfer-encoding"):
                await JSONResponse({"detail": "send a Content-Length"}, 411)(scope, receive, send)
                return
            if length is not None and (not length.isdigit() or int(length) > self.limit):
                msg = {"detail": f"request body: at most {self.limit} bytes"}
                await JSONResponse(msg, 413)(scope, receive, send)
                return
        await self.app(scope, receive, send)
