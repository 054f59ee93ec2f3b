"""`uof archive prune`: remove the archived extract copies past the archive retention, under the agency's lock.

Dry run unless `apply`: the plan says which copies would go, of which runs, and how many bytes. Applying deletes
them and records each in the ledger (archive_pruned), so `uof verify` knows a missing copy was pruned, not lost,
and `uof replay` says why such a run can no longer be rebuilt. Runs, messages, manifests and the configuration
copies stay (transforms/retention.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.io.archive import remove_archived
from flows.io.ledger import Ledger, exclusive
from transforms.retention import prunable_frames, retention_cutoff


@dataclass
class PrunePlan:
    months: int
    cutoff: str
    applied: bool
    files: list[str] = field(default_factory=list)  # archive file names
    runs: list[str] = field(default_factory=list)  # run ids whose extract copies go
    bytes: int = 0


def prune_archive(ledger_path: Path, months: int, as_of: str, apply: bool) -> PrunePlan:
    cutoff = retention_cutoff(pd.Timestamp(as_of), months)
    folder = ledger_path.parent / "archive"
    with exclusive(ledger_path), Ledger(ledger_path) as ledger:
        gone = prunable_frames(ledger.archived_frames(), cutoff)
        present = [d for d in gone["sha256"] if (folder / f"{d}.parquet").exists()]
        plan = PrunePlan(months=months, cutoff=cutoff.isoformat(), applied=apply,
                         files=[f"{d}.parquet" for d in present],
                         runs=sorted({r for d, runs in zip(gone["sha256"], gone["runs"]) if d in present
                                      for r in runs}),
                         bytes=sum((folder / f"{d}.parquet").stat().st_size for d in present))
        if apply and present:
            remove_archived(folder, present)
            ledger.record_pruned(present, pd.Timestamp(as_of).isoformat(), months)
    return plan
