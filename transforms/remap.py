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
    return out, counts
