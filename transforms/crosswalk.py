"""Local RMS codes translated to FBI values through the agency's crosswalks.

A local value missing from its crosswalk is returned as an `unmapped` record (a finding for the
analyst, never a KeyError) and left in place, untranslated.
"""
from __future__ import annotations

import pandas as pd

from schemas.primitives import SEP

UNMAPPED_COLUMNS = ["_row", "column", "value"]


def _map_single(s: pd.Series, mapping: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    mapped = s.map(mapping)
    unmapped = s.notna() & mapped.isna()
    return mapped.where(~unmapped, s).astype("str"), unmapped


def _map_list(s: pd.Series, mapping: dict[str, str]) -> tuple[pd.Series, pd.DataFrame]:
    """Map each `;`-separated local code; return the new cells and (row label, local token) of misses."""
    multi = s.str.contains(SEP, regex=False).fillna(False).astype(bool)
    single_mapped, single_missing = _map_single(s.where(~multi), mapping)
    out = single_mapped.where(~multi, s)
    misses = [pd.DataFrame({"label": s.index[single_missing], "value": s[single_missing].to_numpy()})]
    if multi.any():
        toks = s[multi].str.split(SEP).explode()
        mapped = toks.map(mapping)
        missing = mapped.isna()
        misses.append(pd.DataFrame({"label": toks.index[missing], "value": toks[missing].to_numpy()}))
        values = mapped.where(~missing, toks).str.split(SEP).explode()
        pairs = pd.DataFrame({"label": values.index, "value": values.to_numpy()}).drop_duplicates()
        joined = pairs.groupby("label", sort=False)["value"].agg(SEP.join)
        out = out.astype(object)
        out.loc[joined.index] = joined.to_numpy()
        out = out.astype("str")
    return out, pd.concat(misses, ignore_index=True)


def crosswalked(frame: pd.DataFrame, maps: dict[str, dict[str, tuple[str, ...]]],
                list_columns: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply `maps` (column -> local code -> FBI values) to `frame`.

    Returns the translated frame and the unmapped local values as rows of `_row, column, value`.
    """
    out = frame.copy()
    misses = []
    for column, mapping in maps.items():
        if column not in out.columns:
            continue
        joined = {local: SEP.join(values) for local, values in mapping.items()}
        if column in list_columns:
            out[column], miss = _map_list(out[column], joined)
            labels = miss["label"]
            values = miss["value"]
        else:
            out[column], missing = _map_single(out[column], joined)
            labels = out.index[missing]
            values = frame.loc[missing, column]
        misses.append(pd.DataFrame({"_row": frame.loc[labels, "_row"].to_numpy(), "column": column,
                                    "value": pd.Series(values).to_numpy()}))
    if not misses:
        return out, pd.DataFrame(columns=UNMAPPED_COLUMNS)
    return out, pd.concat(misses, ignore_index=True)[UNMAPPED_COLUMNS]
