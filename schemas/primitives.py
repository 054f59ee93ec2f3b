"""Vectorized building blocks shared by the rule checks.

Frame contract (see docs/architecture.md): every element column holds pandas strings,
blank means missing (NA), multi-valued elements hold their values joined by ';'.
Every function here takes whole Series and returns whole Series: no per-row Python.

Text columns of pandas' default `str` dtype are backed by pyarrow; the hot helpers (integers, token
tests) work on the Arrow array directly, which is an order of magnitude faster than the generic
pandas string methods. Other dtypes take the plain pandas path with the same results.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SEP = ";"
_UINT = r"[0-9]+"


def _arrow(s: pd.Series) -> pa.ChunkedArray | pa.Array | None:
    """The Arrow array behind a pyarrow-backed string Series (None for any other dtype)."""
    dtype = s.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pa.array(s.array)
    return None


def _bool_series(values, index: pd.Index) -> pd.Series:
    """Arrow boolean result (nulls -> False) as a bool Series."""
    return pd.Series(pc.fill_null(values, False).to_numpy(zero_copy_only=False), index=index, dtype=bool)


def _alternation(values) -> str:
    return "|".join(re.escape(str(v)) for v in values)


def blank(s: pd.Series) -> pd.Series:
    return s.isna()


def filled(s: pd.Series) -> pd.Series:
    return s.notna()


def has_token(s: pd.Series, value: str) -> pd.Series:
    """True where the multi-valued cell holds `value` as one of its tokens."""
    return has_any_token(s, [value])


def has_any_token(s: pd.Series, values) -> pd.Series:
    """True where the multi-valued cell holds at least one of `values` as a token."""
    values = list(values)
    if not values:
        return pd.Series(False, index=s.index)
    pattern = f"(?:^|{SEP})(?:{_alternation(values)})(?:{SEP}|$)"
    arr = _arrow(s)
    if arr is not None:
        return _bool_series(pc.match_substring_regex(arr, pattern), s.index)
    return s.str.contains(pattern, regex=True).fillna(False).astype(bool)


def token_count(s: pd.Series) -> pd.Series:
    """Number of values in a multi-valued cell (0 when blank)."""
    arr = _arrow(s)
    if arr is not None:
        counts = pc.fill_null(pc.add(pc.count_substring(arr, SEP), 1), 0)
        return pd.Series(counts.to_numpy(zero_copy_only=False).astype("int64"), index=s.index)
    return (s.str.count(SEP) + 1).fillna(0).astype("int64")


def exploded(s: pd.Series) -> pd.Series:
    """One row per token, indexed by the original row label."""
    return s.dropna().str.split(SEP).explode()


def any_token_not_in(s: pd.Series, allowed) -> pd.Series:
    """True where at least one token of the cell is outside `allowed` (blank cells: False)."""
    allowed = list(allowed)
    if not allowed:
        return s.notna()
    alt = _alternation(allowed)
    return not_matching(s, f"(?:{alt})(?:{SEP}(?:{alt}))*")


def tokens_outside(s: pd.Series, allowed) -> pd.Series:
    """Alias of `any_token_not_in` (kept for the rule engine)."""
    return any_token_not_in(s, allowed)


def has_duplicate_tokens(s: pd.Series) -> pd.Series:
    """True where a token repeats within the cell (only multi-valued cells are split)."""
    out = pd.Series(False, index=s.index)
    multi = s[s.str.contains(SEP, regex=False).fillna(False).astype(bool)]
    if not len(multi):
        return out
    toks = exploded(multi)
    frame = pd.DataFrame({"row": toks.index, "tok": toks.to_numpy()})
    dup = frame.duplicated(["row", "tok"])
    hit = dup.groupby(frame["row"]).any()
    out.loc[hit.index[hit.to_numpy()]] = True
    return out


def is_uint(s: pd.Series) -> pd.Series:
    """True where the cell is an unsigned integer written with ASCII digits only."""
    return full_match(s, _UINT)


def as_float(s: pd.Series) -> pd.Series:
    """float64 (NaN where blank or not an ASCII-digit integer); numeric and boolean columns as they are."""
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        return pd.Series(pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan), index=s.index)
    arr = _arrow(s)
    if arr is not None:
        ok = pc.match_substring_regex(arr, f"^{_UINT}$")
        values = pc.cast(pc.if_else(ok, arr, pa.scalar(None, pa.string())), pa.float64())
        return pd.Series(values.to_numpy(zero_copy_only=False), index=s.index, dtype="float64")
    numbers = pd.to_numeric(s.where(is_uint(s)), errors="coerce")
    return pd.Series(numbers.to_numpy(dtype="float64", na_value=np.nan), index=s.index)


def decimals(s: pd.Series, pattern: str) -> pd.Series:
    """float64 of the cells that fully match the decimal `pattern` (NaN elsewhere)."""
    arr = _arrow(s)
    if arr is not None:
        ok = pc.match_substring_regex(arr, f"^(?:{pattern})$")
        values = pc.cast(pc.if_else(ok, arr, pa.scalar(None, pa.string())), pa.float64())
        return pd.Series(values.to_numpy(zero_copy_only=False), index=s.index, dtype="float64")
    numbers = pd.to_numeric(s.where(full_match(s, pattern)), errors="coerce")
    return pd.Series(numbers.to_numpy(dtype="float64", na_value=np.nan), index=s.index)


def as_int(s: pd.Series) -> pd.Series:
    """Nullable integers; NA where blank or not an ASCII-digit integer."""
    return as_float(s).astype("Float64")


def ints(s: pd.Series) -> pd.Series:
    """Integers as float64 for comparisons (NaN where blank or not an integer: every comparison is False)."""
    return as_float(s)


def matches(s: pd.Series, pattern: str) -> pd.Series:
    """True where the (non-blank) cell fully matches `pattern`; blank cells give True."""
    return ~not_matching(s, pattern)


def full_match(s: pd.Series, pattern: str) -> pd.Series:
    """True where the cell is filled and fully matches `pattern` (blank gives False)."""
    arr = _arrow(s)
    if arr is not None:
        return _bool_series(pc.match_substring_regex(arr, f"^(?:{pattern})$"), s.index)
    return s.str.fullmatch(pattern).fillna(False).astype(bool)


def not_matching(s: pd.Series, pattern: str) -> pd.Series:
    """True where the cell is filled and does not fully match `pattern`."""
    return (s.notna() & ~full_match(s, pattern)).astype(bool)


def as_date(s: pd.Series) -> pd.Series:
    """ISO YYYY-MM-DD strings to datetime64 (NaT where blank)."""
    return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")


def iso_dates(s: pd.Series) -> pd.Series:
    """The cell where it is an ISO date YYYY-MM-DD, else NA: ISO dates compare correctly as text."""
    return s.where(full_match(s, r"[0-9]{4}-[0-9]{2}-[0-9]{2}"))


def text_compare(s: pd.Series, op, value: str) -> pd.Series:
    """`op(cell, value)` on text (blank -> False)."""
    return op(s, value).fillna(False).astype(bool)


def bools(s: pd.Series) -> pd.Series:
    """A helper flag column as plain bool (NA counts as False)."""
    if pd.api.types.is_bool_dtype(s.dtype) and s.dtype == bool:
        return s
    return s.fillna(False).astype(bool)


def group_any(flag: pd.Series, key: pd.Series) -> pd.Series:
    """Per group key: does any row have `flag`? (rows with a blank key are ignored)."""
    return flag.groupby(key, dropna=True).any()
