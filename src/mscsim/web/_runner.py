"""A bounded job queue: jobs run in worker processes, their state lives in the SQLite store."""

from __future__ import annotations

import functools
import multiprocessing as mp
import threading
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from mscsim.web._config import ServerConfig


class QueueFull(Exception):
    """More than ``max_queue`` jobs are queued or running."""


class JobRunner:
    """Accepts jobs up to ``max_queue`` and runs them on ``job_workers`` spawned processes.

    Each job is recorded (``queued``) before it is submitted; the worker marks it running and
    done or failed, so the store always tells the truth even if this process is killed. On
    start-up, jobs left queued or running by a previous process are marked ``interrupted``.
    """

    def __init__(self, config: ServerConfig) -> None:
        from mscsim.io._jobs import init_jobs, interrupt_unfinished

        self.config = config
        init_jobs(config.store)
        self.interrupted = interrupt_unfinished(config.store, "the server stopped while it ran")
        self._pool = ProcessPoolExecutor(
            max_workers=config.job_workers, mp_context=mp.get_context("spawn")
        )
        self._lock = threading.Lock()
        self._pending: dict[str, Future] = {}

    def submit(self, kind: str, request: dict[str, Any], total: int, retry_of=None) -> str:
        """Record and queue a job; return its id. Raises QueueFull when the queue is full."""
        from mscsim.app._jobs import execute_job
        from mscsim.io._jobs import add_job

        with self._lock:
            if len(self._pending) >= self.config.max_queue:
                raise QueueFull
            job_id = uuid.uuid4().hex
            add_job(self.config.store, job_id, kind, request, total, retry_of)
            fut = self._pool.submit(
                execute_job, self.config.store, self.config.root, job_id, request
            )
            self._pending[job_id] = fut
        fut.add_done_callback(functools.partial(self._done, job_id))
        return job_id

    def _done(self, job_id: str, fut: Future) -> None:
        from mscsim.io._jobs import fail_job

        with self._lock:
            self._pending.pop(job_id, None)
        if fut.cancelled():
            fail_job(self.config.store, job_id, "the server stopped first", status="interrupted")
        elif fut.exception() is not None:  # the worker process died
            fail_job(self.config.store, job_id, f"worker process failed: {fut.exception()!r}")

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._pending)

    def close(self) -> None:
        """Graceful stop: queued jobs are marked interrupted, running ones finish."""
        self._pool.shutdown(wait=True, cancel_futures=True)
