"""Fan work out over a Dask cluster: a LocalCluster by default, an existing scheduler when given its address.

With a Prefect API configured (PREFECT_API_URL), the jobs run as Prefect tasks of a flow whose task runner is
prefect-dask's DaskTaskRunner, so the Prefect UI shows one task per chunk of agencies; the workers report to
that same API (they inherit PREFECT_API_URL; a worker on another machine needs it set). Without an API, the
same jobs go to the same cluster through dask.distributed's client directly: a Prefect flow without an API
would boot a temporary API server in the client AND in every worker process (8-19 s each), which a state run
of many chunks cannot afford. The jobs, their order and their results are the same either way.

Dask and distributed are imported here only, when a state run fans out: a single-agency command never pays
for them.
"""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path

from flows.errors import UsageError
from flows.pipeline.engine import prefect_configured, private_prefect_home

log = logging.getLogger("uof")


def _check_address(address: str) -> None:
    if not address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise UsageError(f"--scheduler must be the address of a Dask scheduler, e.g. tcp://10.0.0.5:8786, not "
                         f"'{address}'")


@contextmanager
def dask_client(scheduler: str | None, workers: int, scratch: Path):
    """A distributed Client: to `scheduler`, or to a LocalCluster of `workers` single-threaded processes
    whose scratch space lies in `scratch` (inside the output folder, 0700)."""
    from distributed import Client, LocalCluster

    quiet_dask()

    if scheduler:
        _check_address(scheduler)
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start it (`dask scheduler`) "
                             "and its workers (`dask worker ADDRESS`), or leave --scheduler out to use a local "
                             "cluster") from None
        with client:
            yield client
        return
    scratch.mkdir(parents=True, exist_ok=True, mode=0o700)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      local_directory=str(scratch), silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def fan_out(fn, jobs: list, scheduler: str | None, workers: int, scratch: Path, name: str) -> list:
    """`[fn(job) for job in jobs]`, computed on the cluster; results in the order of `jobs`."""
    if not jobs:
        return []
    if prefect_configured():
        return _prefect_fan_out(fn, jobs, scheduler, workers, scratch, name)
    with dask_client(scheduler, workers, scratch) as client:
        futures = client.map(fn, jobs, pure=False)
        return client.gather(futures)


def quiet_dask() -> None:
    """Dask's scheduler and nanny log every start and stop at INFO: only their warnings reach the user."""
    for name in ("distributed", "dask", "tornado", "bokeh"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # at the cluster's close, after every result is in: a worker slow to exit is killed, which is no news
    logging.getLogger("distributed.nanny").setLevel(logging.ERROR)


def _prefect_fan_out(fn, jobs, scheduler, workers, scratch, name):
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect_dask import DaskTaskRunner

    private_prefect_home()
    quiet_dask()
    if scheduler:
        _check_address(scheduler)
        runner = DaskTaskRunner(address=scheduler)
    else:
        scratch.mkdir(parents=True, exist_ok=True, mode=0o700)
        runner = DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                                "dashboard_address": "127.0.0.1:0", "local_directory": str(scratch)})
    job_task = task(fn, name=f"{name}-chunk", cache_policy=NO_CACHE, persist_result=False)

    @flow(name=name, task_runner=runner, log_prints=False, persist_result=False, validate_parameters=False)
    def fanned(chunks):
        return [f.result() for f in job_task.map(chunks)]

    return fanned(jobs)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))
