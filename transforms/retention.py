"""Which archived extract copies the retention setting lets go (issue 11 item 3): planning, not deleting.

The archive keeps, per run, Parquet copies of the extract's tables (personal data) and the configuration files
(no personal data, small). Retention applies to the Parquet copies only: a copy goes once every run that refers
to it was produced more than `months` months before the cut-off moment. The ledger (runs, messages, manifests,
hashes) and the configuration copies stay: what was sent, and how it was configured, remain provable.
"""
from __future__ import annotations

import pandas as pd


def retention_cutoff(as_of: pd.Timestamp, months: int) -> pd.Timestamp:
    """Runs produced before this moment are past retention."""
    return as_of - pd.DateOffset(months=months)


def prunable_frames(runs: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """`runs`: one row per (run_id, as_of, sha256) archived frame. The digests no run at or after `cutoff` needs,
    with the runs that referred to them: columns sha256, runs (sorted run ids), last_as_of."""
    if runs.empty:
        return pd.DataFrame(columns=["sha256", "runs", "last_as_of"])
    frame = runs.assign(as_of=pd.to_datetime(runs["as_of"]))
    by_digest = frame.groupby("sha256").agg(last_as_of=("as_of", "max"), runs=("run_id", lambda r: sorted(set(r))))
    gone = by_digest[by_digest["last_as_of"] < cutoff].reset_index()
    return gone[["sha256", "runs", "last_as_of"]].sort_values("sha256").reset_index(drop=True)
