"""Export layouts: one sheet or file of an RMS export turned into the three raw tables.

The monthly run works on three tables - incidents, subjects, officers - joined on the case number.
Exports rarely come that way (see docs/configuring-rms-export.md); the profile's `layout` names how
the one sheet is organised:

* `flat` - one row per combination (e.g. officer x force type), incident and subject repeated on
  every row. Rows with the same incident key collapse into one incident; within it, rows with the
  same segment key (the configured identifying columns, or an id column) collapse into one subject or
  officer. When the rows of one incident/subject/officer disagree on a column, `collapse` says what
  to keep: `distinct` (default: the distinct values joined by `;`), `first`, `max` or `min` (compared
  as values of the element's type: dates as dates, times as times, numbers as numbers). On a column
  feeding a single-valued element (`SegmentSpec.single`) a `distinct` group holding several values is
  a conflict: the incident is rejected with `LAYOUT-CONFLICT`, naming the column, the values and the
  rows, because the rows may be two people the configured key cannot tell apart (or a record
  disagreeing with itself) and the program must not pick one.
* `incident-lists` - one row per incident; configured columns hold the officers' (or subjects')
  values as position-aligned lists (`W;W;B`). Position i of every list is officer i. The segment's
  other columns are incident-level and are copied to each of its officers (`shared_when_several`
  replaces such a value when the incident lists several of them). Lists of one segment that hold
  different numbers of entries are a `LAYOUT-LIST-LENGTH` error on the incident (the rows are
  still built, from the longest list, so that the incident is reported and nothing is lost).
  Rows that repeat an earlier row exactly are the same incident and collapse into it.

The functions return raw text tables (RMS column names, `_source_file`, `_source_row` of the first
source row of each segment) for the rest of the pipeline, plus the accounting of the source rows.
No I/O here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from transforms.canonical import is_meta
from transforms.normalize import joined_by_group, trimmed

CHILD_TABLES = ("subjects", "officers")
COLLAPSE_POLICIES = ("distinct", "first", "max", "min")
LAYOUTS = ("tables", "flat", "incident-lists")
SEP = ";"

# Meta columns of the incident frame that carry an error found while building it (read by
# transforms/outcome.py:engine_findings): the rule, the column(s) concerned and the offending value.
LIST_LENGTH_COLUMN, LIST_LENGTH_VALUE = "_list_length_column", "_list_length_value"
CONFLICT_COLUMN, CONFLICT_VALUE = "_conflict_column", "_conflict_value"
COUNT_COLUMN, COUNT_VALUE = "_count_column", "_count_value"
N_SOURCE_ROWS = "_n_source_rows"


@dataclass(frozen=True)
class SegmentSpec:
    """How one table is found in the sheet."""

    columns: tuple[str, ...]  # RMS columns feeding the table (the incident key excluded)
    key: tuple[str, ...] = ()  # flat: identifying columns of one subject/officer (default: all columns)
    collapse: dict = field(default_factory=dict)  # flat: column -> distinct|first|max|min
    lists: tuple[str, ...] = ()  # incident-lists: position-aligned list columns
    shared_when_several: dict = field(default_factory=dict)  # incident-lists: column -> value
    # flat: column -> function giving each value's sort key in its element's type (NaN: unreadable)
    order: dict = field(default_factory=dict)
    single: tuple[str, ...] = ()  # flat: columns feeding a single-valued element (conflicts reported)
    count: str | None = None  # officers/subjects built from a count column instead of their own columns


@dataclass
class LayoutResult:
    tables: dict[str, pd.DataFrame]  # raw text frames, RMS column names + _source_file, _source_row
    summary: dict  # source rows -> segments accounting (without the rows skipped before the layout)


def _norm_name(values: pd.Series) -> pd.Series:
    return values.str.casefold().str.replace(r"[^0-9a-z]", "", regex=True)


def header_repeats(frame: pd.DataFrame) -> pd.Series:
    """Rows that only repeat the header, as exports glued from several pages do.

    A row is a header repeat when at least two of its cells are filled (one, for a one-column sheet)
    and every filled cell equals its column's name, ignoring case, spaces and punctuation
    (`IncidentNumber` repeats `Incident Number`).
    """
    values = [c for c in frame.columns if not is_meta(c)]
    if not values:
        return pd.Series(False, index=frame.index)
    filled = pd.DataFrame({c: trimmed(frame[c]).notna() for c in values}, index=frame.index)
    same = pd.DataFrame({c: (_norm_name(trimmed(frame[c])) == _norm_name(pd.Series([c]))[0])
                         .fillna(False).astype(bool) for c in values}, index=frame.index)
    n_same = same.sum(axis=1)
    return ((same | ~filled).all(axis=1) & (n_same >= min(2, len(values)))).astype(bool)


# ------------------------------------------------------------------------------------------ collapse

def _group_codes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Group number per row, groups numbered in order of first appearance; NA is a value."""
    if not columns:
        return np.zeros(len(frame), dtype="int64")
    return frame.groupby(columns, dropna=False, sort=False).ngroup().to_numpy()


def _incident_codes(key: pd.Series) -> np.ndarray:
    """Rows with the same key share a code (numbered by first appearance); a blank key is its own."""
    own = "\x00row " + pd.Series(np.arange(len(key)), index=key.index).astype("str")
    codes, _ = pd.factorize(key.mask(key.isna(), own))
    return codes.astype("int64")


def _ordered(series: pd.Series, key=None) -> pd.Series:
    """Sort key of each value: `key(series)` when the column's element has a type (a date, a time, a
    number; NaN where a value cannot be read), else numbers numerically when every filled value is a
    number, text otherwise."""
    if key is not None:
        return key(series)
    numbers = pd.to_numeric(series, errors="coerce")
    if numbers.notna().sum() == series.notna().sum():
        return numbers
    return series


@dataclass
class Collapsed:
    frame: pd.DataFrame  # one row per group
    conflicts: pd.DataFrame  # group, column, value (the values and rows, described)


def _described_conflicts(g: pd.Series, values: pd.Series, rows: pd.Series, groups, column: str) -> pd.DataFrame:
    """`'A' (row 3) | 'B' (rows 4, 7)` per group in `groups`: the distinct values and their rows."""
    mine = g.isin(groups) & values.notna()
    part = pd.DataFrame({"_g": g[mine], "v": values[mine], "r": rows[mine].astype("str")})
    by_value = part.groupby(["_g", "v"], sort=False)["r"]
    rows_of = by_value.agg(lambda r: ", ".join(r)).reset_index()  # one string per (group, value)
    label = "'" + rows_of["v"] + "' (row" + np.where(rows_of["r"].str.contains(","), "s ", " ") + rows_of["r"] + ")"
    text = joined_by_group(rows_of["_g"], pd.Series(label, index=rows_of.index), " | ")
    return pd.DataFrame({"group": text.index.to_numpy(), "column": column, "value": text.to_numpy()})


def collapsed(frame: pd.DataFrame, groups: np.ndarray, policies: dict[str, str], order: dict | None = None,
              single: tuple[str, ...] = ()) -> Collapsed:
    """One row per group (in order of first appearance); each column combined by its policy.

    Meta columns keep the first row's value; `_n_source_rows` counts the rows of the group. `max` and
    `min` compare the values in their element's type (`order`); a group holding a value that cannot be
    read in that type keeps its distinct values (`A;B`), so the parser reports it instead of a guess.
    A `distinct` column in `single` holding several values in one group is a conflict.
    """
    order = order or {}
    g = pd.Series(groups, index=frame.index, name="_g")
    first_rows = ~g.duplicated()
    out = frame[first_rows].copy()
    out.index = g[first_rows].to_numpy()
    source_rows = frame["_source_row"] if "_source_row" in frame.columns else pd.Series(frame.index, index=frame.index)
    conflicts = []
    for column in frame.columns:
        if is_meta(column):
            continue
        values = trimmed(frame[column])
        policy = policies.get(column, "distinct")
        pairs = pd.DataFrame({"_g": g, "v": values}).dropna().drop_duplicates()
        distinct = joined_by_group(pairs["_g"], pairs["v"], SEP)
        if policy == "first":
            combined = values.groupby(g, sort=False).first()
        elif policy in ("max", "min"):
            keyed = pd.DataFrame({"_g": g, "v": values, "k": _ordered(values, order.get(column))}).dropna(subset=["v"])
            unreadable = keyed.loc[keyed["k"].isna(), "_g"].unique()
            keyed = keyed[~keyed["_g"].isin(unreadable)].sort_values(["_g", "k"], kind="stable")
            pick = keyed.groupby("_g", sort=False)["v"]
            combined = pick.last() if policy == "max" else pick.first()
            combined = pd.concat([combined, distinct[distinct.index.isin(unreadable)]])
        else:
            combined = distinct
            if column in single:
                several = pairs["_g"].value_counts()
                several = several[several > 1].index
                if len(several):
                    conflicts.append(_described_conflicts(g, values, source_rows, several, column))
        out[column] = combined.reindex(out.index).astype("str")
    out[N_SOURCE_ROWS] = g.value_counts().reindex(out.index).to_numpy()
    found = (pd.concat(conflicts, ignore_index=True) if conflicts
             else pd.DataFrame(columns=["group", "column", "value"]))
    return Collapsed(frame=out.reset_index(drop=True), conflicts=found)


def _segment_present(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    if not columns:
        return pd.Series(False, index=frame.index)
    return pd.concat([trimmed(frame[c]).notna() for c in columns], axis=1).any(axis=1)


def _summary(kind: str, tables: dict[str, pd.DataFrame], n_rows: int, extra: dict | None = None) -> dict:
    out = {"kind": kind, "rows": n_rows, "incidents": len(tables["incidents"]),
           "subjects": len(tables["subjects"]), "officers": len(tables["officers"])}
    out.update(extra or {})
    return out


# ---------------------------------------------------------------------------------------------- flat

def flat_tables(frame: pd.DataFrame, key: str, segments: dict[str, SegmentSpec]) -> LayoutResult:
    """`flat` layout: repeated rows collapse into incidents and their distinct subjects and officers.

    `frame` holds the sheet's data rows (header repeats and blank rows already removed); `key` is the
    incident key column (it is carried into every table); `segments` says, per table, which columns
    feed it and, for subjects/officers, which columns identify one of them.
    """
    meta = [c for c in frame.columns if is_meta(c)]
    incident_codes = _incident_codes(trimmed(frame[key]))
    inc = segments["incidents"]
    built = collapsed(frame[[key, *[c for c in inc.columns if c != key], *meta]], incident_codes,
                      inc.collapse, inc.order, inc.single)
    incidents = built.frame
    conflicts = [built.conflicts.rename(columns={"group": "incident"})]
    tables = {"incidents": incidents}
    rows_per = {"incidents": _histogram(incidents[N_SOURCE_ROWS])}
    for table in CHILD_TABLES:
        spec = segments[table]
        if spec.count:
            tables[table], incidents = counted_segment(incidents, key, spec.count, meta)
            continue
        columns = [c for c in spec.columns if c != key]
        present = _segment_present(frame, columns)
        rows = frame[present]
        ident = list(spec.key) or columns
        work = rows[ident].apply(trimmed) if ident else pd.DataFrame(index=rows.index)
        parents = incident_codes[present.to_numpy()]
        work.insert(0, "_incident", parents)
        codes = _group_codes(work, list(work.columns))
        child = collapsed(rows[[key, *columns, *meta]], codes, spec.collapse, spec.order, spec.single)
        if len(child.conflicts):
            parent_of = pd.Series(parents, index=codes).groupby(level=0).first()
            found = child.conflicts.assign(incident=child.conflicts["group"].map(parent_of))
            found["value"] = table[:-1] + " " + found["value"]
            conflicts.append(found.drop(columns="group"))
        rows_per[table] = _histogram(child.frame[N_SOURCE_ROWS])
        tables[table] = child.frame.drop(columns=[N_SOURCE_ROWS])
    tables["incidents"] = with_conflicts(incidents, pd.concat(conflicts, ignore_index=True))
    return LayoutResult(tables=tables, summary=_summary("flat", tables, len(frame), {"rows_per_segment": rows_per}))


def _histogram(sizes: pd.Series) -> dict[str, int]:
    """How many segments were built from 1, 2, 3... source rows (manifest `rows_per_segment`)."""
    counts = pd.Series(sizes).value_counts().sort_index()
    return {str(int(k)): int(v) for k, v in counts.items()}


def with_conflicts(incidents: pd.DataFrame, conflicts: pd.DataFrame) -> pd.DataFrame:
    """The incident frame with its rows' conflicts (LAYOUT-CONFLICT) in CONFLICT_COLUMN/CONFLICT_VALUE."""
    out = incidents.copy()
    column = pd.Series(np.nan, index=out.index, dtype="str")
    value = pd.Series(np.nan, index=out.index, dtype="str")
    if len(conflicts):
        conflicts = conflicts.dropna(subset=["incident"])
        incident = conflicts["incident"].astype("int64")
        column = joined_by_group(incident, conflicts["column"].astype("str"), "; ").reindex(out.index).astype("str")
        value = joined_by_group(incident, conflicts["column"] + ": " + conflicts["value"], "; ")
        value = value.reindex(out.index).astype("str")
    out[CONFLICT_COLUMN] = column.to_numpy()
    out[CONFLICT_VALUE] = value.to_numpy()
    return out


def counted_segment(incidents: pd.DataFrame, key: str, count_column: str, meta: list[str]
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Officers (or subjects) built from a count column of the incident: N rows holding only the incident
    key, so that every element comes from the profile's defaults (PENDING where the spec allows it).

    Nothing is invented: a blank or unreadable count builds no row and marks the incident with a
    LAYOUT-COUNT error (COUNT_COLUMN/COUNT_VALUE), so it is rejected rather than sent without officers.
    """
    text = trimmed(incidents[count_column])
    number = pd.to_numeric(text.where(text.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)), errors="coerce")
    ok = number.notna() & (number > 0)
    n = number.where(ok, 0).astype("int64")
    rows = incidents.loc[np.repeat(incidents.index.to_numpy(), n.to_numpy()), [key, *meta]].reset_index(drop=True)
    out = incidents.copy()
    out[COUNT_COLUMN] = pd.Series(count_column, index=out.index, dtype="str").where(~ok)
    out[COUNT_VALUE] = text.fillna("(blank)").where(~ok).astype("str")
    return rows, out


# ------------------------------------------------------------------------------------ incident-lists

def _split_lists(cells: pd.Series, separator: str) -> pd.DataFrame:
    """Entries of each list cell: (row label, position, entry), blank entries as NA; a blank cell has
    none. Entries are counted as written: `W;;B` and `W;B;` both hold three (one of them blank)."""
    text = trimmed(cells)
    parts = text.str.split(separator, regex=False).explode()
    parts = parts[text.reindex(parts.index).notna().to_numpy()]
    out = pd.DataFrame({"row": parts.index, "value": trimmed(parts.astype("str")).to_numpy()})
    out["pos"] = out.groupby("row", sort=False).cumcount()
    return out


def _list_lengths(frame: pd.DataFrame, lists: tuple[str, ...], separator: str) -> pd.DataFrame:
    text = {c: trimmed(frame[c]) for c in lists}
    return pd.DataFrame({c: (t.str.count(re.escape(separator)) + 1).where(t.notna(), 0).astype("int64")
                         for c, t in text.items()}, index=frame.index)


def incident_list_tables(frame: pd.DataFrame, key: str, separator: str,
                         segments: dict[str, SegmentSpec]) -> LayoutResult:
    """`incident-lists` layout: one row per incident, officers/subjects as position-aligned lists."""
    meta = [c for c in frame.columns if is_meta(c)]
    values = [c for c in frame.columns if not is_meta(c)]
    same_row = frame.groupby(values, dropna=False, sort=False).ngroup()
    repeated = same_row.duplicated()
    rows = frame[~repeated.to_numpy()]
    n_source = same_row.value_counts().reindex(same_row[~repeated].to_numpy()).to_numpy()
    inc = segments["incidents"]
    incidents = rows[[key, *[c for c in inc.columns if c != key], *meta]].reset_index(drop=True)
    incidents[N_SOURCE_ROWS] = n_source
    bad_columns = pd.Series(np.nan, index=rows.index, dtype="str")
    bad_values = pd.Series(np.nan, index=rows.index, dtype="str")
    tables = {}
    counted = {}
    for table in CHILD_TABLES:
        spec = segments[table]
        if spec.count:
            counted[table] = spec.count
            continue
        columns = [c for c in spec.columns if c != key]
        lists = spec.lists
        shared = [c for c in columns if c not in lists]
        if lists:
            lengths = _list_lengths(rows, lists, separator)
            count = lengths.max(axis=1)
            filled = lengths.where(lengths > 0)
            mismatch = (filled.max(axis=1) != filled.min(axis=1)) & filled.notna().sum(axis=1).gt(1)
            if mismatch.any():
                described = pd.Series("", index=rows.index, dtype="str")
                for i, c in enumerate(lists):
                    described = described + ("" if i == 0 else ", ") + f"{c}: " + lengths[c].astype("str")
                names = ", ".join(lists)
                bad_columns = bad_columns.mask(mismatch & bad_columns.notna(), bad_columns + "; " + names)
                bad_columns = bad_columns.mask(mismatch & bad_columns.isna(), names)
                bad_values = bad_values.mask(mismatch & bad_values.notna(), bad_values + "; " + described)
                bad_values = bad_values.mask(mismatch & bad_values.isna(), described)
        else:
            count = pd.Series(0, index=rows.index, dtype="int64")
        if shared:
            count = count.mask((count == 0) & _segment_present(rows, shared), 1)
        position = pd.DataFrame({"row": np.repeat(rows.index.to_numpy(), count.to_numpy())})
        position["pos"] = position.groupby("row", sort=False).cumcount()
        child = rows.loc[position["row"], [key, *shared, *meta]].reset_index(drop=True)
        several = count.loc[position["row"]].to_numpy() > 1
        for column, value in spec.shared_when_several.items():
            if column in child.columns:
                child[column] = child[column].mask(several & child[column].notna().to_numpy(), value)
        for c in lists:
            entries = _split_lists(rows[c], separator)
            merged = position.merge(entries, on=["row", "pos"], how="left")
            child[c] = merged["value"].astype("str").to_numpy()
        tables[table] = child[[key, *columns, *meta]] if columns else child[[key, *meta]]
    incidents[LIST_LENGTH_COLUMN] = bad_columns.to_numpy()
    incidents[LIST_LENGTH_VALUE] = bad_values.to_numpy()
    for table, count_column in counted.items():
        tables[table], incidents = counted_segment(incidents, key, count_column, meta)
    tables = {"incidents": incidents, **{t: tables[t] for t in CHILD_TABLES}}
    extra = {"repeated_rows": int(repeated.sum())}
    return LayoutResult(tables=tables, summary=_summary("incident-lists", tables, len(frame), extra))
