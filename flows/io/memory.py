"""Where Arrow takes its memory from: jemalloc, which gives freed memory back to the system.

pyarrow's default allocator (mimalloc in its Linux wheels) keeps the memory freed by a run's earlier steps
(the extract as read, its per-step copies) for later reuse, and a run's later steps allocate Python objects,
not Arrow buffers: the freed memory stayed part of the run's peak. With jemalloc, a 100,000-incident run
peaked about 125 MiB lower at the same speed (issue 13; README "Performance"). Where jemalloc is not built
in (pyarrow's Windows wheels) the default stays; so does a pool the user chose with ARROW_DEFAULT_MEMORY_POOL.
"""
from __future__ import annotations

import os

import pyarrow as pa


def use_lean_arrow_memory() -> str:
    """Make jemalloc Arrow's default memory pool unless the user chose one; the backend in use."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except (NotImplementedError, pa.ArrowNotImplementedError):
            pass
    return pa.default_memory_pool().backend_name
