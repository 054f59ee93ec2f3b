"""Canonical tables: RMS column names renamed to the spec's element names, defaults applied."""
from __future__ import annotations

import pandas as pd


def is_meta(column: str) -> bool:
    return column.startswith("_")


def canonical_columns(frame: pd.DataFrame, renames: dict[str, str], known: list[str],
                      defaults: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """Rename RMS columns, drop the ones the spec does not know, add profile defaults.

    Returns the frame (known columns in spec order, then meta columns) and the ignored columns.
    A default only fills a column the extract does not have.
    """
    renamed = frame.rename(columns=renames)
    extras = [c for c in renamed.columns if not is_meta(c) and c not in known]
    keep = [c for c in known if c in renamed.columns]
    out = renamed[keep + [c for c in renamed.columns if is_meta(c)]].copy()
    for column, value in defaults.items():
        if column not in out.columns:
            out[column] = pd.Series(value, index=out.index, dtype="str")
    ordered = [c for c in known if c in out.columns]
    return out[ordered + [c for c in out.columns if is_meta(c)]], extras


def missing_columns(frame: pd.DataFrame, required: list[str]) -> list[str]:
    return [c for c in required if c not in frame.columns]


def with_all_columns(frame: pd.DataFrame, known: list[str]) -> pd.DataFrame:
    """Add every optional element the extract lacks as an all-blank column, in spec order."""
    missing = {c: pd.Series(pd.NA, index=frame.index, dtype="str") for c in known if c not in frame.columns}
    out = frame.assign(**missing) if missing else frame
    return out[known + [c for c in out.columns if is_meta(c)]]
