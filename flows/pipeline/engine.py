"""Step runner: Prefect tasks inside a Prefect flow when an API is configured, plain calls otherwise.

Prefect's ephemeral mode boots a temporary API server per process (8-19 s measured), far too slow
for a monthly job run by hand, so without PREFECT_API_URL the flow's steps are called directly and
the run is recorded in the manifest only. The steps and their order are the same either way.

Prefect is imported only when it is used (inside the functions below): importing it costs more than a small
run itself (0.8 s of a 2.4 s one-incident run), and a run without PREFECT_API_URL never touches it
(docs/decisions.md, tests/test_layering.py's allow-list of lazy imports).
"""
from __future__ import annotations

import contextvars
import functools
import logging
import os
import time
from pathlib import Path

from flows.errors import InternalError, UofError
from flows.io.memory import use_lean_arrow_memory
from flows.pipeline import progress

log = logging.getLogger("uof")

_prefect_mode = contextvars.ContextVar("uof_prefect_mode", default=False)
_show_values = contextvars.ContextVar("uof_show_values", default=False)


def show_values_in_errors(on: bool) -> None:
    """--debug: let internal errors keep their own text (which may quote the extract) in Prefect's logs too."""
    _show_values.set(on)


def _withheld(fn):
    """In a Prefect run, Prefect logs (and stores in its database) the text and traceback of a failed task or
    flow; an internal error's text may quote a cell of the extract. Without --debug it is replaced by its type."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (UofError, KeyboardInterrupt):
            raise
        except Exception as exc:
            if _show_values.get():
                raise
            raise InternalError(f"internal error ({type(exc).__name__}) in {fn.__name__}; its details are "
                                "withheld as they may quote the extract: rerun with --debug") from None
    return call


def private_prefect_home() -> None:
    """Prefect keeps flow-run logs and results under its home: readable by this user only (0700)."""
    from prefect.settings import PREFECT_HOME

    home = Path(os.environ.get("PREFECT_HOME") or PREFECT_HOME.value()).expanduser()
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        home.chmod(0o700)
    except OSError as exc:  # someone else's folder, a read-only disk: Prefect itself will say more
        log.warning("cannot make Prefect's home %s private (%s)", home, exc.strerror)


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
        from prefect import task
        from prefect.cache_policies import NO_CACHE

        result = task(_withheld(fn), name=fn.__name__, cache_policy=NO_CACHE, persist_result=False)(*args, **kwargs)
    else:
        result = fn(*args, **kwargs)
    seconds = time.perf_counter() - started
    log.debug("step %s took %.3f s", fn.__name__, seconds)
    progress.report("step-finished", step=fn.__name__, seconds=seconds)
    return result


def flow_body(body):
    """`body` as the function of a Prefect flow: its steps run as tasks, an internal error's text is withheld.
    Prefect calls it with the parameters bound to body's signature, positionally where that allows."""
    @functools.wraps(body)
    def prefect_body(*args, **kw):
        token = _prefect_mode.set(True)
        try:
            return body(*args, **kw)
        finally:
            _prefect_mode.reset(token)

    return _withheld(prefect_body)


def run_flow(body, name: str, **params):
    """Call `body(**params)` as a Prefect flow when an API is configured, else directly."""
    use_lean_arrow_memory()
    if not prefect_configured():
        return body(**params)
    from prefect import flow

    private_prefect_home()
    return flow(name=name, log_prints=False, persist_result=False, validate_parameters=False)(
        flow_body(body))(**params)
