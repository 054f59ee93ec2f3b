"""The analyst's view of rejections: rejected rows in the RMS's own column names and local values."""
from __future__ import annotations

import pandas as pd

from transforms.canonical import is_meta

SEGMENT_TABLES = {"incident": "incidents", "subject": "subjects", "officer": "officers"}


def rms_names(columns: list[str], renames: dict[str, str]) -> dict[str, str]:
    """Canonical column -> the RMS column it came from (the profile's `columns`, reversed)."""
    back = {canonical: rms for rms, canonical in renames.items()}
    return {c: back.get(c, c) for c in columns}


def rejected_rows(local: pd.DataFrame, findings: pd.DataFrame, segment: str, renames: dict[str, str]):
    """Rows of one segment that carry findings, with RMS headers and original values.

    Returns (frame, cells) where frame has `RMS row` first, then the segment's columns under their RMS
    names, and cells lists (frame row position, frame column name, message, rule_id) for highlighting.
    """
    mine = findings[findings["segment"] == segment]
    if mine.empty:
        return pd.DataFrame(), pd.DataFrame(columns=["position", "column", "message", "rule_id"])
    rows = local[local["_row"].isin(mine["_row"])].sort_values("_source_row", kind="stable")
    values = [c for c in rows.columns if not is_meta(c)]
    names = rms_names(values, renames)
    frame = rows[values].rename(columns=names)
    frame.insert(0, "source row", rows["_source_row"].to_numpy())
    frame.insert(0, "source file", rows["_source_file"].to_numpy())
    frame = frame.reset_index(drop=True)
    position = pd.Series(range(len(rows)), index=rows["_row"].to_numpy())
    cells = pd.DataFrame({
        "position": mine["_row"].map(position).to_numpy(),
        "column": mine["column"].map(names).fillna(mine["column"]).to_numpy(),
        "message": mine["message"].to_numpy(),
        "rule_id": mine["rule_id"].to_numpy(),
    }).dropna(subset=["position"])
    return frame, cells


def summary_counts(findings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts per element and rule, the incidents with the most findings)."""
    per_rule = (findings.groupby(["element", "rule_id", "severity"], dropna=False).size()
                .reset_index(name="count").sort_values(["count", "element", "rule_id"],
                                                       ascending=[False, True, True], kind="stable"))
    worst = (findings.groupby("agency_case_number", dropna=False).size().reset_index(name="findings")
             .sort_values(["findings", "agency_case_number"], ascending=[False, True], kind="stable").head(10))
    return per_rule.reset_index(drop=True), worst.reset_index(drop=True)
