"""Precedence: which FBI value wins when the rows or list entries of one incident disagree.

A profile may rank the values of an element (`precedence:` in the profile), e.g. for a subject's
injuries `[DEATH, [GUNSHOT, UNCONSCIOUSNESS, OTHER_SERIOUS_INJURY], NONE, [PENDING, UNKNOWN]]`.
It applies after the crosswalks, to every cell holding several values - the `;`-joined values of
rows collapsed into one subject, officer or incident, or the entries of a list cell:

* the values of the best rank present are kept (several when the rank lists several: a subject who
  died of a gunshot keeps DEATH and GUNSHOT when they share a rank), the lower-ranked ones dropped;
* values the ranking does not name are kept: the ranking never hides a value it was not told about,
  so a single-valued element holding an unranked value beside a ranked one stays in conflict and the
  list-of-values edit reports both.

The number of cells changed per element goes to the manifest (`precedence_applied`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.normalize import joined_by_group

SEP = ";"


def ranked(s: pd.Series, ranks: tuple[tuple[str, ...], ...]) -> tuple[pd.Series, pd.Series]:
    """`s` with each multi-valued cell reduced to its best rank (plus unranked values).

    Returns (new cells, bool mask of the cells changed). Cells with one value are never changed.
    """
    multi = s.str.contains(SEP, regex=False).fillna(False).astype(bool)
    if not multi.any():
        return s, pd.Series(False, index=s.index)
    rank_of = {value: i for i, rank in enumerate(ranks) for value in rank}
    tokens = s[multi].str.split(SEP).explode()
    tokens = tokens[tokens.notna() & (tokens != "")]
    frame = pd.DataFrame({"label": tokens.index, "value": tokens.to_numpy()}).drop_duplicates()
    frame["rank"] = frame["value"].map(rank_of)
    best = frame.groupby("label", sort=False)["rank"].transform("min")
    keep = frame["rank"].isna() | (frame["rank"] == best) | best.isna()
    kept = frame[keep.to_numpy()]
    joined = joined_by_group(kept["label"], kept["value"], SEP)
    out = s.copy()
    new = joined.reindex(s.index[multi])
    out[multi] = new.to_numpy()
    changed = pd.Series(False, index=s.index)
    changed[multi] = (new.to_numpy() != s[multi].to_numpy())
    return out.astype("str"), changed


def with_precedence(frame: pd.DataFrame, rules: dict[str, tuple[tuple[str, ...], ...]]
                    ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Apply every element's ranking (`column -> ranks`) to `frame`; count the cells changed."""
    out = frame.copy()
    counts = {}
    for column, ranks in rules.items():
        if column not in out.columns:
            continue
        out[column], changed = ranked(out[column], ranks)
        counts[column] = int(np.count_nonzero(changed.to_numpy()))
    return out, counts


def with_blank_values(frame: pd.DataFrame, local: pd.DataFrame, fills: dict[str, str]
                      ) -> tuple[pd.DataFrame, dict[str, int]]:
    """The profile's `when_blank` values where the export's own cell was blank (`local`: before the
    crosswalks, so a code deliberately mapped to no FBI value is not mistaken for a blank)."""
    out = frame.copy()
    counts = {}
    for column, value in fills.items():
        if column not in out.columns:
            continue
        blank = local[column].isna() & out[column].isna()
        out[column] = out[column].mask(blank, value).astype("str")
        counts[column] = int(blank.sum())
    return out, counts
