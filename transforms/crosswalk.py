"""Local RMS codes translated to FBI values through the agency's crosswalks.

A local value missing from its crosswalk is returned as an `unmapped` record (a finding for the
analyst, never a KeyError) and left in place, untranslated.

Lookups follow the crosswalk's options: `trim: true` (default) ignores surrounding spaces and counts
inner runs of spaces as one; `case: fold` ignores upper/lower case, so `Asian/Pacifi`, `ASIAN/PACIFI`
and `asian/pacifi` are one local code. A local code mapped to `[]` (multi-valued elements only)
adds no FBI value: a cell holding only such codes becomes blank.

A crosswalk may also list known-bad local values (`invalid:`, value -> reason): they are configured
(not unmapped) but never translated; each is returned like an unmapped value, with its `reason`, and
left in place, so the run rejects its row (rule XW-INVALID) with the reason.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from schemas.primitives import SEP
from transforms.normalize import per_distinct

_SPACES = re.compile(r"\s+")
UNMAPPED_COLUMNS = ["_row", "column", "value", "reason"]  # reason: NA when unmapped, else why invalid


def lookup_keys(s: pd.Series, trim: bool = True, case: str = "exact") -> pd.Series:
    """The form in which values are looked up (same as flows/config/load.py:crosswalk_key)."""
    if not trim and case != "fold":
        return s
    return per_distinct(s, lambda v: _key(v, trim, case))


def _key(value: str, trim: bool, case: str) -> str:
    out = _SPACES.sub(" ", value).strip() if trim else value
    return out.casefold() if case == "fold" else out


def _keyed(mapping: dict[str, str], trim: bool, case: str) -> dict[str, str]:
    keys = lookup_keys(pd.Series(list(mapping), dtype="str"), trim, case)
    return dict(zip(keys.tolist(), mapping.values()))


def _lookup(trim: bool, case: str):
    """The lookup key of one value (as `lookup_keys` computes it for a column)."""
    if not trim and case != "fold":
        return lambda value: value
    return lambda value: _key(value, trim, case)


def _translated_cell(value: str, mapping: dict[str, str], key, is_list: bool) -> tuple[str | None, list[str]]:
    """One distinct cell translated: (new text, None when blank; the local codes that found no FBI value).

    A single-valued cell (or a list cell without `;`) missing from the map stays as it is. A multi-valued
    cell: each `;`-token maps to its FBI value(s) or stays itself; repeated values are kept once, in order of
    first appearance, empty ones dropped."""
    if not (is_list and SEP in value):
        found = mapping.get(key(value))
        if found is None:
            return value or None, [value]
        return found or None, []
    values, missing = [], []
    for token in value.split(SEP):
        found = mapping.get(key(token))
        if found is None:
            missing.append(token)
            found = token
        values += found.split(SEP)
    return SEP.join(dict.fromkeys(v for v in values if v)) or None, missing


def _translated(s: pd.Series, mapping: dict[str, str], key, is_list: bool) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """The column translated (blank where the FBI value is empty) and its untranslated local codes as
    (row positions, codes): single-valued cells first, then the tokens of multi-valued cells, in row order.

    Each distinct cell is translated once in Python and the results are spread over the rows (a column of
    codes holds few distinct cells)."""
    codes, distinct = pd.factorize(s, use_na_sentinel=True)
    cells, misses, multi = [], [], []
    for value in distinct.tolist():
        cell, missing = _translated_cell(value, mapping, key, is_list)
        cells.append(cell)
        misses.append(missing)
        multi.append(is_list and SEP in value)
    out = pd.Series(pd.array(cells, dtype="str").take(codes, allow_fill=True), index=s.index)
    n_miss = np.array([len(m) for m in misses] + [0], dtype="int64")
    is_multi = np.array(multi + [False], dtype=bool)
    at = np.where(codes < 0, len(cells), codes)
    per_row = n_miss[at]
    single_rows = np.flatnonzero((per_row > 0) & ~is_multi[at])
    multi_rows = np.flatnonzero((per_row > 0) & is_multi[at])
    flat = np.array([t for m in misses for t in m], dtype=object)
    start = np.concatenate([[0], np.cumsum(n_miss)[:-1]])  # first miss of each distinct cell in `flat`
    counts = per_row[multi_rows]
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = np.concatenate([single_rows, np.repeat(multi_rows, counts)]).astype("int64")
    taken = np.concatenate([start[at[single_rows]], np.repeat(start[at[multi_rows]], counts) + within]).astype("int64")
    return out, rows, flat[taken]


def crosswalked(frame: pd.DataFrame, maps: dict[str, dict[str, tuple[str, ...]]],
                list_columns: set[str], keys: dict[str, tuple[bool, str]] | None = None,
                invalid: dict[str, dict[str, str]] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply `maps` (column -> local code -> FBI values) to `frame`.

    `keys` gives, per column, the crosswalk's (trim, case) lookup options (default: trim, exact);
    `invalid`, per column, the known-bad local values and why (column -> local value -> reason).
    Returns the translated frame and the local values left untranslated as rows of
    `_row, column, value, reason` (reason NA: unmapped; filled: marked invalid).
    """
    out = frame.copy(deep=False)  # copy-on-write: the columns without a crosswalk stay shared
    misses = []
    for column, mapping in maps.items():
        if column not in out.columns:
            continue
        trim, case = (keys or {}).get(column, (True, "exact"))
        joined = _keyed({local: SEP.join(values) for local, values in mapping.items()}, trim, case)
        key = _lookup(trim, case)
        out[column], rows, codes = _translated(frame[column], joined, key, column in list_columns)
        bad = _keyed((invalid or {}).get(column, {}), trim, case)
        values = pd.Series(codes, dtype="str")
        reasons = pd.Series([bad.get(key(v)) for v in codes.tolist()], dtype="str")
        misses.append(pd.DataFrame({"_row": frame["_row"].to_numpy()[rows], "column": column,
                                    "value": values.to_numpy(), "reason": reasons.to_numpy()}))
    if not misses:
        return out, pd.DataFrame(columns=UNMAPPED_COLUMNS)
    return out, pd.concat(misses, ignore_index=True)[UNMAPPED_COLUMNS]
