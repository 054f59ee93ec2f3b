"""Vectorized building blocks shared by the rule checks.

Frame contract (see docs/architecture.md): every element column holds pandas strings,
blank means missing (NA), multi-valued elements hold their values joined by ';'.
Every function here takes whole Series and returns whole Series: no per-row Python.
"""
from __future__ import annotations

import pandas as pd

SEP = ";"


def blank(s: pd.Series) -> pd.Series:
    return s.isna()


def filled(s: pd.Series) -> pd.Series:
    return s.notna()


def has_token(s: pd.Series, value: str) -> pd.Series:
    """True where the multi-valued cell holds `value` as one of its tokens."""
    wrapped = SEP + s.fillna("") + SEP
    return wrapped.str.contains(SEP + value + SEP, regex=False).astype(bool)


def has_any_token(s: pd.Series, values) -> pd.Series:
    out = pd.Series(False, index=s.index)
    for v in values:
        out = out | has_token(s, v)
    return out


def token_count(s: pd.Series) -> pd.Series:
    """Number of values in a multi-valued cell (0 when blank)."""
    return (s.str.count(SEP) + 1).fillna(0).astype("int64")


def exploded(s: pd.Series) -> pd.Series:
    """One row per token, indexed by the original row label."""
    return s.dropna().str.split(SEP).explode()


def any_token_not_in(s: pd.Series, allowed) -> pd.Series:
    """True where at least one token of the cell is outside `allowed`."""
    toks = exploded(s)
    bad = ~toks.isin(list(allowed))
    out = bad.groupby(level=0).any() if len(bad) else pd.Series(dtype=bool)
    return out.reindex(s.index, fill_value=False).astype(bool)


def has_duplicate_tokens(s: pd.Series) -> pd.Series:
    toks = exploded(s)
    if not len(toks):
        return pd.Series(False, index=s.index)
    frame = pd.DataFrame({"row": toks.index, "tok": toks.to_numpy()})
    dup = frame.duplicated(["row", "tok"])
    out = dup.groupby(frame["row"]).any()
    return out.reindex(s.index, fill_value=False).astype(bool)


def is_uint(s: pd.Series) -> pd.Series:
    """True where the cell is an unsigned integer written with ASCII digits only."""
    return s.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)


def as_int(s: pd.Series) -> pd.Series:
    """Nullable integers; NA where blank or not an ASCII-digit integer."""
    return pd.to_numeric(s.where(is_uint(s)), errors="coerce").astype("Float64")


def matches(s: pd.Series, pattern: str) -> pd.Series:
    """True where the (non-blank) cell fully matches `pattern`; blank cells give True."""
    return s.str.fullmatch(pattern).fillna(True).astype(bool)


def as_date(s: pd.Series) -> pd.Series:
    """ISO YYYY-MM-DD strings to datetime64 (NaT where blank)."""
    return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")


def ints(s: pd.Series) -> pd.Series:
    """Nullable integers from a text column (ASCII digits only) or from a numeric/boolean column."""
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        return pd.to_numeric(s, errors="coerce").astype("Float64")
    return as_int(s)


def not_matching(s: pd.Series, pattern: str) -> pd.Series:
    """True where the cell is filled and does not fully match `pattern`."""
    return (s.notna() & ~s.str.fullmatch(pattern).fillna(False).astype(bool)).astype(bool)


def full_match(s: pd.Series, pattern: str) -> pd.Series:
    """True where the cell is filled and fully matches `pattern` (blank gives False)."""
    return s.str.fullmatch(pattern).fillna(False).astype(bool)


def tokens_outside(s: pd.Series, allowed) -> pd.Series:
    """Like `any_token_not_in`, faster when most cells hold a single value."""
    allowed = list(allowed)
    multi = s.str.contains(SEP, regex=False).fillna(False).astype(bool)
    out = (s.notna() & ~multi & ~s.isin(allowed)).astype(bool)
    if multi.any():
        out = out | any_token_not_in(s.where(multi), allowed)
    return out


def bools(s: pd.Series) -> pd.Series:
    """A helper flag column as plain bool (NA counts as False)."""
    if pd.api.types.is_bool_dtype(s.dtype) and not s.hasnans:
        return s.astype(bool)
    return s.fillna(False).astype(bool)


def group_any(flag: pd.Series, key: pd.Series) -> pd.Series:
    """Per group key: does any row have `flag`? (rows with a blank key are ignored)."""
    return flag.groupby(key, dropna=True).any()
