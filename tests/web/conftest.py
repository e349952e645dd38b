"""A real `mscsim serve` process on a free loopback port, and a TestClient for fast API tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m mscsim serve` in its own process group (so a test can kill -9 all of it)."""

    def __init__(self, store: Path, *extra: str, token: str | None = TOKEN) -> None:
        self.store, self.port, self.extra, self.token = store, free_port(), extra, token
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Server:
        import httpx

        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        env.pop("MSCSIM_API_TOKEN", None)
        if self.token:
            env["MSCSIM_API_TOKEN"] = self.token
        log = open(self.store.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mscsim", "serve", "--port", str(self.port), "--store",
             str(self.store), *self.extra],
            env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log()}")

    def log(self) -> str:
        return (self.store.parent / f"server-{self.port}.log").read_text(errors="replace")[-3000:]

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self, timeout: float = 120) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
        return self.proc.returncode if self.proc else 0


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "mscsim.sqlite").start()
    yield srv
    srv.stop()


def wait_job(get, job_id: str, timeout: float = 300) -> dict:
    """Poll GET /api/runs/{id} until the job leaves queued/running."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        job = get(f"/api/runs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.25)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")
