"""Source-wide cell and row options of a profile's `source:` section, applied to the raw frames as read
(before layouts, parsers and crosswalks): null tokens and row filters. Pure pandas, no I/O."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms.canonical import is_meta


@dataclass(frozen=True)
class RowFilter:
    """Keep a row only where `column` (trimmed; blank is "") is in `values` (`in`) or not (`not_in`).
    `table` names the table of a `tables` export; None for one-sheet layouts."""

    column: str
    values: tuple[str, ...]
    keep: bool = True  # True: in, False: not_in
    table: str | None = None

    @property
    def label(self) -> str:
        values = ", ".join(f'"{v}"' for v in self.values)
        return f"{self.column} {'in' if self.keep else 'not_in'} [{values}]"


def without_null_tokens(frame: pd.DataFrame, tokens: tuple[str, ...]) -> pd.DataFrame:
    """Cells whose trimmed text is exactly one of `tokens` (case-sensitive) become NA; meta columns untouched."""
    if not tokens:
        return frame
    columns = [c for c in frame.columns if not is_meta(c)]
    if not columns:
        return frame
    values = frame[columns]
    hits = values.apply(lambda s: s.str.strip().isin(tokens))  # one vectorised pass per column
    if not hits.to_numpy().any():
        return frame
    out = frame.copy()
    out[columns] = values.mask(hits.fillna(False).astype(bool)).astype("str")
    return out


def filtered_rows(frame: pd.DataFrame, filters: tuple[RowFilter, ...]) -> tuple[pd.Series, list[int]]:
    """(rows kept, number of rows each filter excluded). A row failing several filters is counted once, for
    the first of them, so the counts add up to the rows excluded."""
    kept = pd.Series(True, index=frame.index)
    counts = []
    for rule in filters:
        cell = frame[rule.column].astype("str").str.strip().fillna("")
        listed = cell.isin(rule.values)
        passes = listed if rule.keep else ~listed
        excluded = kept & ~passes
        counts.append(int(excluded.sum()))
        kept &= passes
    return kept, counts
