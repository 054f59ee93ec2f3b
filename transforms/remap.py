"""Effective-dated remaps of FBI codes (mappings/remaps.yaml), e.g. 90A/90E/90H -> 90Z from 2021-01-01."""
from __future__ import annotations

import pandas as pd


def remapped(incidents: pd.DataFrame, remaps: list[dict]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Apply each remap to incidents dated on or after its `effective_from`; count the cells changed."""
    out = incidents.copy()
    counts = {}
    on_or_after = {}
    for remap in remaps:
        start = str(remap["effective_from"])
        if start not in on_or_after:
            on_or_after[start] = (out["incident_date"] >= start).fillna(False).astype(bool)
        changed = 0
        for column in remap["columns"]:
            if column not in out.columns:
                continue
            hit = on_or_after[start] & out[column].isin([str(v) for v in remap["from"]])
            out[column] = out[column].mask(hit, str(remap["to"]))
            changed += int(hit.sum())
        counts[remap["id"]] = changed
        out = without_repeats(out, [c for c in remap["columns"] if c in out.columns])
    return out, counts


def without_repeats(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Drop a code repeated in later columns of the same row, moving the rest up (90H -> 90Z beside 90Z).

    offense1-3 list distinct offenses; a remap must not turn two offenses into one repeated code.
    """
    out = frame.copy()
    for i in range(1, len(columns)):
        for j in range(i):
            repeat = (out[columns[i]] == out[columns[j]]).fillna(False).astype(bool)
            if not repeat.any():
                continue
            for k in range(i, len(columns)):
                later = out[columns[k + 1]] if k + 1 < len(columns) else pd.Series(pd.NA, index=out.index, dtype="str")
                out[columns[k]] = out[columns[k]].mask(repeat, later)
    return out
