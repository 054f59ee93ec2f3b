"""Normalised element values: trimmed text, canonical dates, booleans, lists and coordinates.

Values that cannot be normalised are kept as they were so that the rule catalog reports them
with the analyst's own text; nothing is guessed.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from transforms.canonical import is_meta

TEXT_ADDRESS = ("address_1", "address_2", "address_city")
TRUE_WORDS = ("true", "yes", "y", "1")
FALSE_WORDS = ("false", "no", "n", "0")

_ISO = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T][0-9:.]+)?"
_US = r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"
_SPACED_SEMICOLON = re.compile(r"\s*;\s*")
_SEMICOLONS = re.compile(r";{2,}")


def per_distinct(s: pd.Series, fn) -> pd.Series:
    """`fn` (text -> text) applied once per distinct value of `s` rather than once per cell (a column of codes
    holds few distinct values); blanks stay blank (`fn` returning None makes a blank too). Regular expressions
    with `\\s`, which pandas runs cell by cell in Python on Arrow strings, cost the distinct values' time only.
    When `fn` changes no value, the result shares the cells of `s` (no copy of the column)."""
    codes, distinct = pd.factorize(s, use_na_sentinel=True)
    before = distinct.tolist()
    after = [fn(v) for v in before]
    if after == before:
        out = s.copy(deep=False)
        out.name = None
        return out
    values = pd.array(after, dtype=s.dtype)
    return pd.Series(values.take(codes, allow_fill=True), index=s.index)


def on_distinct(s: pd.Series, fn) -> pd.Series:
    """`fn(s)` for a vectorised `fn` that works cell by cell (each result cell depends on its own cell only),
    computed on the distinct values of `s` and one blank, then spread over the cells: a column of codes or of
    dates holds few distinct values. When `fn` changes no value, the result shares the cells of `s`."""
    if not len(s):
        return fn(s)
    codes, distinct = pd.factorize(s, use_na_sentinel=True)
    n = len(distinct)
    sample = pd.Series(distinct.array.take(np.append(np.arange(n), -1), allow_fill=True), name=s.name)  # + a blank
    result = fn(sample)
    if result.dtype == s.dtype and result.equals(sample):
        out = s.copy(deep=False)
    else:
        at = np.where(codes < 0, n, codes)
        values = result.array if isinstance(result.dtype, pd.api.extensions.ExtensionDtype) else result.to_numpy()
        out = pd.Series(values.take(at), index=s.index)
    out.name = result.name
    return out


def _arrow_text(s: pd.Series) -> bool:
    dtype = s.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def trimmed(s: pd.Series) -> pd.Series:
    """Whitespace stripped; empty text becomes NA. On Arrow strings (the default `str` dtype) the same Arrow
    kernels as `str.strip()` and `where`, without pandas' per-call overhead; a column with nothing to strip
    and no empty text is returned as it is (sharing its cells)."""
    out = s.astype("str")
    if not _arrow_text(out):
        out = out.str.strip()
        return out.where(out != "")
    text = pa.array(out.array)
    stripped = pc.utf8_trim_whitespace(text)
    empty = pc.equal(stripped, "")
    has_empty = pc.any(empty).as_py()
    if not has_empty and pc.sum(pc.binary_length(stripped)).as_py() == pc.sum(pc.binary_length(text)).as_py():
        return out  # stripping removes characters only: same total length, nothing stripped
    if has_empty:
        stripped = pc.if_else(empty, pa.scalar(None, stripped.type), stripped)
    return pd.Series(pd.array(stripped, dtype=out.dtype), index=out.index, name=out.name)


def list_text(s: pd.Series) -> pd.Series:
    """Multi-valued cell as `A;B`: no blanks around separators, no empty values."""
    return per_distinct(s, lambda v: _SEMICOLONS.sub(";", _SPACED_SEMICOLON.sub(";", v)).strip(";") or None)


def joined_by_group(groups: pd.Series, values: pd.Series, sep: str = ";") -> pd.Series:
    """`values` joined with `sep` per group, in row order (index: the groups holding a value).

    Vectorized over the groups: one concatenation per position within a group, so the Python work
    grows with the longest group, not with the number of groups (no `groupby().agg(sep.join)`).
    """
    frame = pd.DataFrame({"g": groups.to_numpy(), "v": values.to_numpy()}).dropna()
    position = frame.groupby("g", sort=False).cumcount()
    out = frame[position == 0].set_index("g")["v"].astype("str")
    for k in range(1, int(position.max()) + 1 if len(position) else 0):
        more = frame[position == k].set_index("g")["v"].reindex(out.index)
        out = out.where(more.isna(), out + sep + more)
    return out


def iso_dates(s: pd.Series) -> pd.Series:
    """`YYYY-MM-DD`, `MM/DD/YYYY` (or an Excel date) as ISO `YYYY-MM-DD`; NA where not a real date.
    Computed per distinct value (a month of incidents holds a few dozen dates)."""
    return on_distinct(s, _iso_dates)


def _iso_dates(s: pd.Series) -> pd.Series:
    iso = s.str.extract(f"^{_ISO}$")
    us = s.str.extract(f"^{_US}$")
    year = iso[0].fillna(us[2])
    month = iso[1].fillna(us[0])
    day = iso[2].fillna(us[1])
    parts = pd.DataFrame({"year": pd.to_numeric(year), "month": pd.to_numeric(month),
                          "day": pd.to_numeric(day)}, index=s.index)
    dates = pd.to_datetime(parts.dropna(), errors="coerce").reindex(s.index)
    ok = dates.notna()
    text = (year.str.zfill(4) + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)).astype("str")
    return text.where(ok)


def booleans(s: pd.Series) -> pd.Series:
    """true/false from true/false, yes/no, y/n, 1/0 in any case; other text kept for the rules to report."""
    return on_distinct(s, _booleans)


def _booleans(s: pd.Series) -> pd.Series:
    low = s.str.lower()
    out = s.copy()
    out = out.mask(low.isin(TRUE_WORDS), "true").mask(low.isin(FALSE_WORDS), "false")
    return out


def four_decimals(s: pd.Series) -> pd.Series:
    """Decimal degrees rounded half away from zero to exactly four decimals; other text kept. Computed per
    distinct value (a place recurs), the text put together with Arrow kernels."""
    return on_distinct(s, _four_decimals)


def _four_decimals(s: pd.Series) -> pd.Series:
    numeric = s.str.fullmatch(r"[+-]?[0-9]+(?:\.[0-9]*)?").fillna(False).astype(bool)
    value = pd.to_numeric(s.where(numeric), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    scaled = np.floor(np.abs(value) * 10000 + 0.5)
    ok = ~np.isnan(scaled)
    whole = np.where(ok, scaled // 10000, 0).astype("int64")
    frac = np.where(ok, scaled % 10000, 0).astype("int64")
    negative = (value < 0) & (scaled > 0)
    if _arrow_text(s):  # as below: int64 as text is the same in Arrow, utf8_lpad with "0" is zfill here
        text = pc.binary_join_element_wise(
            pc.if_else(pa.array(negative), "-", ""), pc.cast(pa.array(whole), pa.string()), ".",
            pc.utf8_lpad(pc.cast(pa.array(frac), pa.string()), 4, "0"), "")
        out = pc.if_else(pa.array(ok), text, pa.array(s.array).cast(text.type))
        return pd.Series(pd.array(out, dtype=s.dtype), index=s.index)
    sign = np.where(negative, "-", "")
    text = (pd.Series(sign, index=s.index) + pd.Series(whole, index=s.index).astype("str") + "."
            + pd.Series(frac, index=s.index).astype("str").str.zfill(4))
    return text.where(pd.Series(ok, index=s.index), s)


def two_digit_age(s: pd.Series) -> pd.Series:
    """A one-digit age becomes two characters (`7` -> `07`), as S4 expects."""
    return on_distinct(s, _two_digit_age)


def _two_digit_age(s: pd.Series) -> pd.Series:
    return s.mask(s.str.fullmatch(r"[0-9]").fillna(False).astype(bool), "0" + s)


def without_blank_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop rows whose every cell is empty or whitespace; return (frame, number dropped). Columns are looked
    at until every row has a filled cell (usually the first one, the case number, settles it); a frame
    without blank rows comes back sharing its cells (copy-on-write), not copied."""
    values = [c for c in frame.columns if not is_meta(c)]
    if not values:
        return frame, 0
    filled = np.zeros(len(frame), dtype=bool)
    for column in values:
        filled |= trimmed(frame[column]).notna().to_numpy(dtype=bool)
        if filled.all():
            return frame.copy(deep=False), 0
    return frame[filled], int((~filled).sum())


def normalized(frame: pd.DataFrame, elements: list[dict]) -> pd.DataFrame:
    """Every element column normalised according to its type in the data dictionary."""
    types = {e["name"]: e["type"] for e in elements}
    out = {}
    for column in frame.columns:
        if is_meta(column):
            out[column] = frame[column]
            continue
        s = trimmed(frame[column])
        kind = types.get(column)
        if kind == "list":
            s = list_text(s)
        elif kind == "agencies":
            s = list_text(s.str.replace(r"\s*:\s*", ":", regex=True))
        elif kind == "boolean":
            s = booleans(s)
        elif kind == "age1":
            s = two_digit_age(s)
        elif column in TEXT_ADDRESS:  # typographic apostrophes (I18-I20)
            s = on_distinct(s, lambda v: v.str.replace("[\u2018\u2019]", "'", regex=True))
        elif column in ("address_latitude", "address_longitude"):
            s = four_decimals(s)
        out[column] = s
    result = pd.DataFrame(out, index=frame.index, copy=False)  # copy-on-write: unchanged columns stay shared
    if "incident_date" in result.columns:
        result["_incident_date_raw"] = result["incident_date"]
        result["incident_date"] = iso_dates(result["incident_date"])
    return result
