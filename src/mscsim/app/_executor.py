"""Where replicate chunks run: local processes (default) or a Dask cluster.

``--dask ADDRESS`` (or the ``MSCSIM_DASK`` environment variable) connects to a running Dask
scheduler, e.g. one started by dask-jobqueue on SLURM or by the Dask Kubernetes operator;
``local:N`` starts a LocalCluster with N single-threaded worker processes on this machine.
Scheduling is Dask's: the engine only submits chunks keyed by (seed, replicate), so results are
identical to a local run with the same seed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from mscsim._errors import InputError

ENV = "MSCSIM_DASK"


class DaskExecutor:
    """A ``concurrent.futures`` executor over a Dask client, with the cluster's worker count."""

    def __init__(self, client) -> None:
        self.client = client
        self._ex = client.get_executor(pure=False)
        self.max_workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))

    def submit(self, fn, /, *args, **kwargs):
        return self._ex.submit(fn, *args, **kwargs)


def _local_workers(spec: str, option: str) -> int:
    try:
        n = int(spec.split(":", 1)[1])
    except ValueError:
        n = 0
    if not 1 <= n <= 256:
        raise InputError(option, "local:N needs N between 1 and 256, or a scheduler address", spec)
    return n


@contextmanager
def cluster_executor(spec: str | None = None, *, option: str = "--dask") -> Iterator[object]:
    """Yield a Dask-backed executor for `spec` (or ``$MSCSIM_DASK``), or None when neither is set.

    Parameters
    ----------
    spec : str, optional
        ``local:N`` (a LocalCluster of N processes, closed on exit) or a scheduler address such
        as ``tcp://10.0.0.5:8786``.
    """
    spec = spec or os.environ.get(ENV) or None
    if spec is None:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(option, "needs Dask: pip install 'mscsim[dask]'", spec) from None
    if spec.startswith("local:"):
        n = _local_workers(spec, option)
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,
        ):
            yield DaskExecutor(client)
        return
    try:
        client = Client(spec, timeout="20s")
    except (OSError, ValueError, TimeoutError) as exc:
        raise InputError(option, f"a reachable Dask scheduler address ({exc})", spec) from None
    with client:
        yield DaskExecutor(client)
