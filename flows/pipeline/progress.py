"""Progress of a run, told at step boundaries and per month to whoever listens (the command line's progress
display and `-v` log); nobody listens by default, so a pipeline run outside the command line pays nothing.

Events and their fields (counts, names and timings only, never a value of the extract):
  step-started   step (the step function's name)
  step-finished  step, seconds
  read           rows ({table: rows read})
  checked        incidents (in the months run), findings
  month-started  month, index (1-based), total (months to write or check)
  month-finished month, index, total, seconds
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, dict], None]

_listeners: list[Listener] = []


def report(event: str, **fields) -> None:
    """Tell every listener about `event`."""
    for listener in list(_listeners):
        listener(event, fields)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Install `listener` for the duration of the block."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def months(names: list[str]) -> Iterator[str]:
    """The months of `names`, telling when the work on each starts and (when the loop asks for the next) ends."""
    for index, name in enumerate(names, 1):
        report("month-started", month=name, index=index, total=len(names))
        started = time.perf_counter()
        yield name
        report("month-finished", month=name, index=index, total=len(names), seconds=time.perf_counter() - started)
