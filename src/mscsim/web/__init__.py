"""The web service: a REST API and a browser app over :mod:`mscsim.app` (extra ``web``).

``mscsim serve`` starts it on 127.0.0.1:8000. Every script and style the page uses ships in
``mscsim/web/static`` (no CDN); the OpenAPI schema is at ``/api/openapi.json``.
"""

from mscsim.web._config import ServerConfig, resolve_token
from mscsim.web._server import create_app, serve

__all__ = ["ServerConfig", "create_app", "resolve_token", "serve"]
