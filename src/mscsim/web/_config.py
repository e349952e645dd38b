"""Settings of the web service and its API token."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

TOKEN_ENV = "MSCSIM_API_TOKEN"
TOKEN_FILE = "api-token"


class ServerConfig(BaseModel):
    """Where the service keeps its data and how much work it accepts (frozen, validated)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    store: Path = Field(
        default=Path("mscsim-runs/mscsim.sqlite"), description="SQLite results store."
    )
    token: str = Field(min_length=16, description="Bearer token for every write.")
    job_workers: int = Field(
        default=1, ge=1, le=64, description="Jobs running at once (processes)."
    )
    max_queue: int = Field(
        default=16, ge=1, le=10_000, description="Queued + running jobs; then 429."
    )
    max_upload_bytes: int = Field(default=256 * 1024, ge=1024, le=16 * 1024 * 1024)
    max_replicates: int = Field(default=10_000, ge=1, le=1_000_000, description="Per job.")
    open_reads: bool = Field(
        default=True, description="Reads without the token from loopback clients."
    )

    @property
    def root(self) -> Path:
        """Folder of the store, where job output folders are written."""
        return self.store.resolve().parent


def resolve_token(store: Path) -> tuple[str, bool]:
    """The API token: ``$MSCSIM_API_TOKEN``, else the one stored next to the store (mode 0600),
    else a new one written there. Returns (token, whether it was just generated)."""
    env = os.environ.get(TOKEN_ENV)
    if env:
        return env, False
    path = store.resolve().parent / TOKEN_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip(), False
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    return token, True
