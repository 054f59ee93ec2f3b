"""Step runner: Prefect tasks inside a Prefect flow when an API is configured, plain calls otherwise.

Prefect's ephemeral mode boots a temporary API server per process (8-19 s measured), far too slow
for a monthly job run by hand, so without PREFECT_API_URL the flow's steps are called directly and
the run is recorded in the manifest only. The steps and their order are the same either way.
"""
from __future__ import annotations

import contextvars
import functools
import logging
import os
import time

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.pipeline import progress

log = logging.getLogger("uof")

_prefect_mode = contextvars.ContextVar("uof_prefect_mode", default=False)


def prefect_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


def engine_name() -> str:
    return "prefect" if _prefect_mode.get() else "direct"


def step(fn, *args, **kwargs):
    """Run one pipeline step, as a Prefect task when inside a Prefect flow run; its start and end are told to
    flows/pipeline/progress.py's listeners."""
    progress.report("step-started", step=fn.__name__)
    started = time.perf_counter()
    if _prefect_mode.get():
        result = task(fn, name=fn.__name__, cache_policy=NO_CACHE, persist_result=False)(*args, **kwargs)
    else:
        result = fn(*args, **kwargs)
    seconds = time.perf_counter() - started
    log.debug("step %s took %.3f s", fn.__name__, seconds)
    progress.report("step-finished", step=fn.__name__, seconds=seconds)
    return result


def run_flow(body, name: str, **params):
    """Call `body(**params)` as a Prefect flow when an API is configured, else directly."""
    if not prefect_configured():
        return body(**params)
    @functools.wraps(body)
    def prefect_body(**kw):
        token = _prefect_mode.set(True)
        try:
            return body(**kw)
        finally:
            _prefect_mode.reset(token)

    return flow(name=name, log_prints=False, persist_result=False, validate_parameters=False)(prefect_body)(**params)
