"""Load test of `mscsim serve` on loopback: concurrent clients mixing reads and small runs.

Run ``python benchmarks/bench_web_load.py`` (options: ``--clients`` 50, ``--duration`` 60 s,
``--run-share`` 0.05, ``--max-queue`` 16, ``--seed``). It starts the server on a free port with
a fresh store, then each client loops: with probability ``--run-share`` it submits a small run
(meng2020, one replicate, seed drawn from the client's generator), otherwise it reads (health,
scenario list, job list, the status of a job it submitted, the evidence meta-analysis). It
reports p50/p95/max latency per kind, errors (transport failures and 5xx; 4xx other than the
designed 429 back-pressure), 429s, and lost jobs: after the clients stop it waits for the queue
to drain and counts accepted jobs that did not end ``done``. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

TOKEN = "bench-token-0123456789abcdef"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def client(i, http, args, stats, jobs, stop):
    rng = random.Random(args.seed * 1000 + i)
    mine: list[str] = []
    auth = {"Authorization": f"Bearer {TOKEN}"}
    while time.monotonic() < stop:
        if rng.random() < args.run_share:
            kind, req = "run", ("POST", "/api/runs")
            body = {"scenario": "meng2020", "seed": rng.randrange(10**6), "replicates": 1}
        else:
            kind = rng.choice(["health", "scenarios", "jobs", "status", "evidence"])
            path = {"health": "/api/health", "scenarios": "/api/scenarios",
                    "jobs": "/api/runs?limit=20", "evidence": "/api/evidence/meta",
                    "status": f"/api/runs/{mine[-1]}" if mine else "/api/health"}[kind]  # fmt: skip
            req, body = ("GET", path), None
        t0 = time.perf_counter()
        try:
            r = await http.request(*req, json=body, headers=auth if body else None)
            code = r.status_code
        except Exception as exc:  # noqa: BLE001 - counted
            code = f"{type(exc).__name__}: {exc}"[:120]
        dt = time.perf_counter() - t0
        stats.append((kind, dt, code))
        if kind == "run" and code == 202:
            mine.append(r.json()["id"])
            jobs.append(mine[-1])


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


async def run(args, url):
    import httpx

    stats, jobs = [], []
    limits = httpx.Limits(max_connections=args.clients + 10)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        stop = time.monotonic() + args.duration
        await asyncio.gather(
            *(client(i, http, args, stats, jobs, stop) for i in range(args.clients))
        )
        t0 = time.monotonic()
        final = {}
        for jid in jobs:  # drain: wait for every accepted job
            while True:
                st = (await http.get(f"/api/runs/{jid}")).json()["status"]
                if st not in ("queued", "running") or time.monotonic() - t0 > 900:
                    final[jid] = st
                    break
                await asyncio.sleep(0.5)
    return stats, jobs, final, time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--run-share", type=float, default=0.05)
    ap.add_argument("--max-queue", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mscsim-load-"))
    port = _port()
    env = {**os.environ, "MSCSIM_API_TOKEN": TOKEN}
    log = open(tmp / "server.log", "wb")  # noqa: SIM115
    srv = subprocess.Popen(
        [sys.executable, "-m", "mscsim", "serve", "--port", str(port), "--store",
         str(tmp / "mscsim.sqlite"), "--max-queue", str(args.max_queue)],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(300):
        try:
            if httpx.get(url + "/api/health").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    try:
        stats, jobs, final, drain_s = asyncio.run(run(args, url))
    finally:
        srv.terminate()
        srv.wait(300)
    out = {"clients": args.clients, "duration_s": args.duration, "requests": len(stats)}
    for kind in sorted({s[0] for s in stats}):
        lat = [s[1] * 1000 for s in stats if s[0] == kind]
        out[kind] = {"n": len(lat), "p50_ms": round(pct(lat, 0.5), 1),
                     "p95_ms": round(pct(lat, 0.95), 1), "max_ms": round(max(lat), 1)}  # fmt: skip
    all_lat = [s[1] * 1000 for s in stats]
    out["all"] = {"p50_ms": round(pct(all_lat, 0.5), 1), "p95_ms": round(pct(all_lat, 0.95), 1)}
    out["errors"] = sum(1 for s in stats if not isinstance(s[2], int) or s[2] >= 500 or
                        (400 <= s[2] < 500 and s[2] != 429))  # fmt: skip
    out["error_kinds"] = dict(Counter(str(s[2]) for s in stats if s[2] not in (200, 202, 429)))
    out["http_429"] = sum(1 for s in stats if s[2] == 429)
    out["jobs_accepted"] = len(jobs)
    out["jobs_done"] = sum(1 for v in final.values() if v == "done")
    out["jobs_lost"] = len(jobs) - out["jobs_done"]
    out["drain_s"] = round(drain_s, 1)
    out["server_exit"] = srv.returncode
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
