"""Effective-dated remaps of FBI codes (mappings/remaps.yaml), e.g. 90A/90E/90H -> 90Z from 2021-01-01."""
from __future__ import annotations

import numpy as np
import pandas as pd


def remapped(incidents: pd.DataFrame, remaps: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply each remap to incidents dated on or after its `effective_from`; count the cells changed.

    Returns the remapped incidents and, per incident row (same index) and remap id, the number of
    cells the remap changed (the manifest of a month sums its own rows, `remap_totals`).

    A repeat the remap creates (90A and 90H both becoming 90Z) collapses into one code; a repeat
    already in the RMS data (13A, 13A; or 90A, 90A) is left for the I16/I17 repeat edits to report.
    """
    out = incidents.copy()
    counts = pd.DataFrame(index=incidents.index)
    on_or_after = {}
    for remap in remaps:
        start = str(remap["effective_from"])
        if start not in on_or_after:
            on_or_after[start] = (out["incident_date"] >= start).fillna(False).astype(bool)
        columns = [c for c in remap["columns"] if c in out.columns]
        before = out[columns].copy()
        changed = pd.Series(0, index=out.index, dtype="int64")
        for column in columns:
            hit = on_or_after[start] & out[column].isin([str(v) for v in remap["from"]])
            out[column] = out[column].mask(hit, str(remap["to"]))
            changed += hit.astype("int64")
        counts[remap["id"]] = changed
        out = without_repeats(out, columns, before)
    return out, counts


def remap_totals(counts: pd.DataFrame, rows=None) -> dict[str, int]:
    """Cells changed per remap id, over the incident rows `rows` (index labels; all rows when None)."""
    part = counts if rows is None else counts.loc[counts.index.intersection(pd.Index(rows))]
    return {str(k): int(v) for k, v in part.sum().items()}


def without_repeats(frame: pd.DataFrame, columns: list[str], original: pd.DataFrame) -> pd.DataFrame:
    """Drop a code that repeats an earlier kept code of the row only because of a remap; move the rest up.

    A cell is dropped when an earlier kept cell of the same row now holds the same code but held a
    different one in `original` (before the remap): 90A, 90E, 90H -> 90Z; 90Z, 90A -> 90Z. A code the
    RMS itself repeated (same code before the remap) stays, so the repeat edits report it. Blank
    cells stay where they are (a gap is reported by I16/I17-NEEDS); dropped cells become blank at the end.
    """
    if len(columns) < 2 or frame.empty:
        return frame
    now = [frame[c] for c in columns]
    was = [original[c] for c in columns]
    dropped = []
    for k in range(len(columns)):
        drop = pd.Series(False, index=frame.index)
        for j in range(k):
            same_now = (now[k] == now[j]).fillna(False).astype(bool)
            differed = (was[k] != was[j]).fillna(True).astype(bool)
            drop |= ~dropped[j] & same_now & differed
        dropped.append(drop)
    drop_matrix = np.column_stack([d.to_numpy() for d in dropped])
    if not drop_matrix.any():
        return frame
    values = frame[columns].to_numpy(dtype=object)
    order = np.argsort(drop_matrix, axis=1, kind="stable")  # kept cells first, in their order
    moved = np.take_along_axis(values, order, axis=1)
    moved[np.take_along_axis(drop_matrix, order, axis=1)] = pd.NA
    out = frame.copy()
    for i, column in enumerate(columns):
        out[column] = pd.Series(moved[:, i], index=frame.index, dtype="str")
    return out
