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

import pandas as pd

from schemas.primitives import SEP
from transforms.normalize import joined_by_group, per_distinct

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


def _map_single(s: pd.Series, mapping: dict[str, str], key=lambda x: x) -> tuple[pd.Series, pd.Series]:
    mapped = key(s).map(mapping)
    unmapped = s.notna() & mapped.isna()
    return mapped.where(~unmapped, s).astype("str"), unmapped


def _map_list(s: pd.Series, mapping: dict[str, str], key=lambda x: x) -> tuple[pd.Series, pd.DataFrame]:
    """Map each `;`-separated local code; return the new cells and (row label, local token) of misses."""
    multi = s.str.contains(SEP, regex=False).fillna(False).astype(bool)
    single_mapped, single_missing = _map_single(s.where(~multi), mapping, key)
    out = single_mapped.where(~multi, s)
    misses = [pd.DataFrame({"label": s.index[single_missing], "value": s[single_missing].to_numpy()})]
    if multi.any():
        toks = s[multi].str.split(SEP).explode()
        mapped = key(toks.astype("str")).map(mapping)
        missing = mapped.isna()
        misses.append(pd.DataFrame({"label": toks.index[missing], "value": toks[missing].to_numpy()}))
        values = mapped.where(~missing, toks).str.split(SEP).explode()
        pairs = pd.DataFrame({"label": values.index, "value": values.to_numpy()}).drop_duplicates()
        pairs = pairs[pairs["value"].notna() & (pairs["value"] != "")]
        joined = joined_by_group(pairs["label"], pairs["value"], SEP)
        out = out.astype(object)
        out.loc[s.index[multi]] = pd.NA
        out.loc[joined.index] = joined.to_numpy()
        out = out.astype("str")
    return out, pd.concat(misses, ignore_index=True)


def crosswalked(frame: pd.DataFrame, maps: dict[str, dict[str, tuple[str, ...]]],
                list_columns: set[str], keys: dict[str, tuple[bool, str]] | None = None,
                invalid: dict[str, dict[str, str]] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply `maps` (column -> local code -> FBI values) to `frame`.

    `keys` gives, per column, the crosswalk's (trim, case) lookup options (default: trim, exact);
    `invalid`, per column, the known-bad local values and why (column -> local value -> reason).
    Returns the translated frame and the local values left untranslated as rows of
    `_row, column, value, reason` (reason NA: unmapped; filled: marked invalid).
    """
    out = frame.copy()
    misses = []
    for column, mapping in maps.items():
        if column not in out.columns:
            continue
        trim, case = (keys or {}).get(column, (True, "exact"))
        joined = _keyed({local: SEP.join(values) for local, values in mapping.items()}, trim, case)

        def key(s, trim=trim, case=case):
            return lookup_keys(s, trim, case)

        if column in list_columns:
            out[column], miss = _map_list(out[column], joined, key)
            labels = miss["label"]
            values = miss["value"]
        else:
            out[column], missing = _map_single(out[column], joined, key)
            labels = out.index[missing]
            values = frame.loc[missing, column]
        out[column] = out[column].where(out[column] != "")
        values = pd.Series(pd.Series(values).to_numpy(), dtype="str")
        bad = _keyed((invalid or {}).get(column, {}), trim, case)
        misses.append(pd.DataFrame({"_row": frame.loc[labels, "_row"].to_numpy(), "column": column,
                                    "value": values.to_numpy(), "reason": key(values).map(bad).astype("str").to_numpy()}))
    if not misses:
        return out, pd.DataFrame(columns=UNMAPPED_COLUMNS)
    return out, pd.concat(misses, ignore_index=True)[UNMAPPED_COLUMNS]
