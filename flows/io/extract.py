"""Step: the extract read, laid out as three tables, parsed, renamed to canonical columns, normalised
and crosswalked."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.config.load import SEGMENT_OF, TABLES, Profile, Reference
from flows.errors import FatalInputError
from flows.io.read import SourceFile, closest, did_you_mean, read_single, read_tables
from flows.io.staging import AgencySource
from flows.io.source_options import code_columns, filter_sheet, filter_tables, with_null_values
from transforms.canonical import canonical_columns, is_meta, missing_columns, with_all_columns
from transforms.crosswalk import crosswalked
from transforms.layouts import (
    CONFLICT_VALUE,
    COUNT_VALUE,
    LIST_LENGTH_VALUE,
    N_SOURCE_ROWS,
    SegmentSpec,
    flat_tables,
    header_repeats,
    incident_list_tables,
)
from transforms.normalize import iso_dates, normalized, trimmed, without_blank_rows
from transforms.parsers import run_parser
from transforms.precedence import with_blank_values, with_precedence

# Meta columns of the incident frame for a date/time a parser could not read (rule PARSE-DATETIME).
DATETIME_COLUMN, DATETIME_VALUE, DATETIME_ELEMENTS = "_datetime_column", "_datetime_value", "_datetime_elements"
ISSUE_VALUES = (LIST_LENGTH_VALUE, DATETIME_VALUE, CONFLICT_VALUE, COUNT_VALUE)


@dataclass
class Extract:
    """The three canonical tables plus what the analyst and the auditor need to know about them."""

    frames: dict[str, pd.DataFrame]
    local: dict[str, pd.DataFrame]  # normalised values before the crosswalks (for analyst reports)
    unmapped: dict[str, pd.DataFrame]  # per table: _row, column, value, reason (filled: marked invalid)
    rows_read: dict[str, int]
    blank_rows: dict[str, int]
    extra_columns: dict[str, list[str]]
    files: list[SourceFile]
    sources: dict[str, str] = field(default_factory=dict)
    layout: dict | None = None  # source rows -> segments accounting (manifest `layout`)
    filtered_rows: dict = field(default_factory=dict)  # tables layout: rows excluded by source.keep_rows
    adjustments: dict = field(default_factory=dict)  # cells changed by precedence / when_blank (manifest)


@dataclass(frozen=True)
class Where:
    file: str
    sheet: str | None
    source: str


def required_columns(ref: Reference, table: str) -> list[str]:
    needed = [e["name"] for e in ref.elements[SEGMENT_OF[table]] if e.get("column") == "required"]
    return needed if table == "incidents" else ["agency_case_number", *needed]


def _absent(where: Where, columns: list[str], what: str, present=()):
    raise FatalInputError(where.file, f"{what}: {', '.join(repr(c) for c in columns)}"
                          f"{did_you_mean(columns[0], present)} (the export has no such column; correct the name "
                          "in the profile)", sheet=where.sheet, column=columns[0], row=1)


def _typos(missing: list[str], extras: list[str], renames: dict[str, str]) -> str:
    """For each missing column, the extract's unknown column that looks like a typo of it (or of the RMS name
    the profile maps to it): " (the extract has 'incident_dat': did you mean 'incident_date'?)"."""
    out = []
    for column in missing:
        expected = [column, *(rms for rms, element in renames.items() if element == column)]
        for name in expected:
            typo = closest(name, extras)
            if typo:
                out.append(f" (the extract has '{typo}': did you mean '{name}'?)")
                break
    return "".join(out)


def _check_incidents_present(read: dict[str, int], where: dict[str, Where]) -> None:
    """Subject or officer rows beside an incidents table with none: the incidents file is cut short or not
    the one exported with them. Refused, never read as a month without incidents (a zero report)."""
    if read["incidents"] or not (read["subjects"] or read["officers"]):
        return
    counts = " and ".join(f"{where[t].source} has {read[t]} {t[:-1]} row(s)" for t in ("subjects", "officers")
                          if read[t])
    raise FatalInputError(where["incidents"].file, f"has no incident rows (only its header), but {counts}: the "
                          "incidents file is incomplete or not the one exported with them; export the three "
                          "tables again (no report, not even a zero report, is made from this extract)",
                          sheet=where["incidents"].sheet, row=2)


# Parsers that read a list cell on purpose (the collapsed values of several rows): their inputs may hold
# several values without conflict. Every other parser reads one value per cell.
LIST_PARSERS = ("any_of", "split", "flags", "one_hot")
# Parsers whose outputs order their input in time (collapse max/min compare what they read).
TIME_PARSERS = ("date", "datetime", "time", "years_of_service")


def _parsed_key(spec):
    """Sort key of a column in the type its parser reads: ISO date, then zero-padded hour and minute."""
    def key(values: pd.Series) -> pd.Series:
        frame = pd.DataFrame({spec.inputs[0]: values}, index=values.index)
        parsed = run_parser(spec, frame, None)
        outputs = [parsed.columns[c] for c in spec.into]
        if spec.parser == "years_of_service":  # a hire date: order the dates themselves
            outputs = [iso_dates(trimmed(values))] if spec.options.get("format") is None else [
                pd.to_datetime(values, format=spec.options["format"], errors="coerce").dt.strftime("%Y-%m-%d")]
        parts = [o if i == 0 and spec.parser != "time" else o.str.zfill(2) for i, o in enumerate(outputs)]
        text = parts[0].str.cat(parts[1:], sep=" ") if len(parts) > 1 else parts[0]
        unreadable = pd.concat([o.isna() for o in outputs], axis=1).any(axis=1)
        if parsed.bad is not None:
            unreadable |= parsed.bad
        return text.mask(unreadable).astype("str")
    return key


def _numeric_key(values: pd.Series) -> pd.Series:
    text = trimmed(values)
    return pd.to_numeric(text.where(text.str.fullmatch(r"[+-]?[0-9]+(?:\.[0-9]+)?").fillna(False).astype(bool)),
                         errors="coerce")


def collapse_rules(profile: Profile, ref: Reference, table: str) -> tuple[dict, tuple[str, ...]]:
    """How the rows of one segment combine, per RMS column: the sort key of its element's type (for
    collapse max/min) and whether it feeds a single-valued element (a disagreement is a conflict)."""
    order, single = {}, []
    explicit = profile.layout.segments[table].collapse
    ranked = set(profile.precedence.get(table, {}))
    for rms, element in profile.columns[table].items():
        info = ref.element(table, element) or {}
        kind = info.get("type")
        if element == "incident_date" or kind == "date":
            order[rms] = lambda v: iso_dates(trimmed(v))
        elif kind in ("integer", "age1", "age"):
            order[rms] = _numeric_key
        if kind not in ("list", "agencies") and element not in ranked and rms not in explicit:
            single.append(rms)
    for spec in profile.parsers[table]:
        if spec.parser in TIME_PARSERS:
            order.setdefault(spec.inputs[0], _parsed_key(spec))
        elif spec.parser == "number_range":
            order.setdefault(spec.inputs[0], _numeric_key)
        writes_single = any((ref.element(table, c) or {}).get("type") not in ("list", "agencies") and c not in ranked
                            for c in spec.into)
        # join: one fact per input (level / injured / hospitalized), unless it joins with the list separator
        # (several weapon columns into one list), where every input may hold a list too.
        joins_facts = spec.parser == "join" and spec.options.get("separator", " ") != ";"
        if joins_facts or (spec.parser not in LIST_PARSERS + ("join",) and writes_single):
            single += [c for c in spec.inputs if c not in explicit]
    single += list(profile.layout.segments[table].must_agree)  # e.g. a reason per officer: two rows, two people?
    key = profile.layout.incident_key
    return order, tuple(c for c in dict.fromkeys(single) if c != key)


def laid_out(table, profile: Profile, ref: Reference) -> tuple[dict[str, pd.DataFrame], dict]:
    """The one sheet of a flat/incident-lists export as three raw tables, and its row accounting."""
    layout = profile.layout
    where = Where(table.file, table.sheet, table.source)
    frame = with_null_values(table.frame.reset_index(drop=True), profile)
    named = [layout.incident_key]
    for t in TABLES:
        segment = layout.segments[t]
        named += [*segment.key, *segment.lists, *segment.collapse, *segment.shared_when_several, *segment.must_agree]
        named += [c for spec in profile.parsers[t] for c in spec.inputs] + ([segment.count] if segment.count else [])
    missing = [c for c in dict.fromkeys(named) if c not in frame.columns]
    if missing:
        _absent(where, missing, "column(s) named by the profile's layout or parsers are missing", frame.columns)
    repeats = header_repeats(frame)
    kept, blank = without_blank_rows(frame[~repeats.to_numpy()])
    kept, filtered = filter_sheet(kept, profile, where)
    rules = {t: collapse_rules(profile, ref, t) for t in TABLES}
    segments = {t: SegmentSpec(columns=tuple(c for c in profile.source_columns(t) if c in frame.columns),
                               key=layout.segments[t].key, collapse=layout.segments[t].collapse,
                               lists=layout.segments[t].lists,
                               shared_when_several=layout.segments[t].shared_when_several,
                               order=rules[t][0], single=rules[t][1], count=layout.segments[t].count)
                for t in TABLES}
    if layout.kind == "flat":
        result = flat_tables(kept, layout.incident_key, segments)
    else:
        result = incident_list_tables(kept, layout.incident_key, layout.separator, segments)
    used = {c for t in TABLES for c in segments[t].columns} | {f.column for f in profile.keep_rows}
    unused = [c for c in frame.columns if not is_meta(c) and c not in used]
    summary = {"kind": layout.kind, "source_rows": len(frame), "header_repeats": int(repeats.sum()),
               "blank_rows": blank, **{k: v for k, v in result.summary.items() if k != "kind"},
               "unused_columns": unused}
    if profile.keep_rows:
        summary |= {"rows_filtered": sum(f["rows"] for f in filtered), "row_filters": filtered}
    return result.tables, summary


def _incident_dates(tables: dict[str, pd.DataFrame], profile: Profile, table: str) -> pd.Series:
    """ISO incident date of each row of `table` (through its case number), for years_of_service."""
    incidents = tables["incidents"]
    by_name = {t: {c: rms for rms, c in profile.columns[t].items()} for t in TABLES}
    date_column = "incident_date" if "incident_date" in incidents.columns else by_name["incidents"].get("incident_date")
    frame = tables[table]
    if date_column not in incidents.columns:
        return pd.Series(float("nan"), index=frame.index, dtype="str")
    dates = iso_dates(trimmed(incidents[date_column]))
    if table == "incidents":
        return dates
    case_inc = by_name["incidents"].get("agency_case_number", "agency_case_number")
    case_child = by_name[table].get("agency_case_number", "agency_case_number")
    if case_inc not in incidents.columns or case_child not in frame.columns:
        return pd.Series(float("nan"), index=frame.index, dtype="str")
    lookup = pd.DataFrame({"case": trimmed(incidents[case_inc]), "date": dates}).dropna(subset=["case"])
    lookup = lookup.drop_duplicates("case").set_index("case")["date"]
    return trimmed(frame[case_child]).map(lookup).astype("str")


def parsed_tables(tables: dict[str, pd.DataFrame], profile: Profile, where: dict[str, Where]) -> dict[str, pd.DataFrame]:
    """The profile's parsers applied per table (incidents first); parser inputs not otherwise mapped are
    dropped. A date/time that cannot be read is recorded on the incident (PARSE-DATETIME)."""
    out = dict(tables)
    for table in TABLES:
        specs = profile.parsers[table]
        if not specs:
            continue
        frame = out[table]
        missing = [c for spec in specs for c in spec.inputs if c not in frame.columns]
        if missing:
            _absent(where[table], list(dict.fromkeys(missing)), f"column(s) read by parsers.{table} are missing",
                    frame.columns)
        dates = (_incident_dates(out, profile, table) if any(s.parser == "years_of_service" for s in specs)
                 else None)
        added = {}
        for spec in specs:
            result = run_parser(spec, frame, dates)
            added.update(result.columns)
            if result.bad is not None and result.bad.any():
                frame = _with_datetime_issue(frame, result.bad, spec.inputs[0], result.source, spec.into)
        keep = set(profile.columns[table]) | {profile.layout.incident_key}
        consumed = [c for spec in specs for c in spec.inputs if c not in keep and c not in added]
        frame = frame.drop(columns=list(dict.fromkeys(consumed)))
        out[table] = frame.assign(**added)
    return out


def _with_datetime_issue(frame: pd.DataFrame, bad: pd.Series, column: str, value: pd.Series, into) -> pd.DataFrame:
    frame = frame.copy()
    for meta, text in ((DATETIME_COLUMN, column), (DATETIME_VALUE, None), (DATETIME_ELEMENTS, ";".join(into))):
        new = value if text is None else pd.Series(text, index=frame.index, dtype="str")
        old = frame[meta] if meta in frame.columns else pd.Series(float("nan"), index=frame.index, dtype="str")
        joined = old.mask(bad & old.notna(), old + (";" if meta == DATETIME_ELEMENTS else " | ") + new)
        frame[meta] = joined.mask(bad & old.isna(), new).astype("str")
    return frame


def _accounting(summary: dict, incidents: pd.DataFrame) -> dict:
    """rows = rows_collapsed + rows_with_errors; source_rows = that + header repeats + blank rows."""
    issue = pd.Series(False, index=incidents.index)
    for meta in ISSUE_VALUES:
        if meta in incidents.columns:
            issue |= incidents[meta].notna()
    sizes = incidents[N_SOURCE_ROWS] if N_SOURCE_ROWS in incidents.columns else pd.Series(1, index=incidents.index)
    with_errors = int(sizes[issue].sum())
    out = dict(summary)
    rows = out.pop("rows")
    out["rows_with_errors"] = with_errors
    out["rows_collapsed"] = rows - with_errors
    out["incidents_with_errors"] = int(issue.sum())
    order = ["kind", "source_rows", "header_repeats", "blank_rows", "rows_filtered", "rows_with_errors", "rows_collapsed",
             "incidents", "subjects", "officers", "incidents_with_errors"]
    return {k: out[k] for k in order if k in out} | {k: v for k, v in out.items() if k not in order}


def read_extract(source: Path, profile: Profile, ref: Reference) -> Extract:
    staged = isinstance(source, AgencySource)  # one agency's rows of a state extract (flows/io/staging.py)
    if profile.layout.kind == "tables":
        raw, files = source.read_tables() if staged else read_tables(
            Path(source), TABLES, profile.encoding, {t: code_columns(profile, ref, t) for t in TABLES})
        tables, read, blank = {}, {}, {}
        for table in TABLES:
            read[table] = len(raw[table].frame)
            tables[table], blank[table] = without_blank_rows(with_null_values(raw[table].frame, profile))
        where = {t: Where(raw[t].file, raw[t].sheet, raw[t].source) for t in TABLES}
        _check_incidents_present({t: len(tables[t]) for t in TABLES}, where)
        tables, filtered, row_filters = filter_tables(tables, profile, where)
        summary = {"kind": "tables", "source_rows": sum(read.values()), "header_repeats": 0,
                   "blank_rows": sum(blank.values()), "rows": sum(len(f) for f in tables.values()),
                   **{t: len(tables[t]) for t in TABLES}}
        if profile.keep_rows:
            summary |= {"rows_filtered": sum(filtered.values()), "row_filters": row_filters}
        unused = []
    else:
        single, files = source.read_single() if staged else read_single(
            Path(source), profile.sheet, profile.encoding, set().union(*(code_columns(profile, ref, t) for t in TABLES)))
        filtered = {}
        tables, summary = laid_out(single, profile, ref)
        unused = summary.pop("unused_columns")
        read, blank = {t: len(tables[t]) for t in TABLES}, {t: 0 for t in TABLES}
        where = {t: Where(single.file, single.sheet, single.source) for t in TABLES}
    tables = parsed_tables(tables, profile, where)
    summary = _accounting(summary, tables["incidents"])
    local, extras, missing = {}, {}, {}
    for table in TABLES:
        kept = tables[table].drop(columns=[N_SOURCE_ROWS], errors="ignore")
        known = ref.columns_of(table)
        frame, extras[table] = canonical_columns(kept, profile.columns[table], known, profile.defaults[table])
        absent = missing_columns(frame, required_columns(ref, table))
        # An export that records no officers (or subjects) at all builds no row for them: their columns
        # are not missing, there is nothing to read (each incident is then rejected for its officers).
        no_source = (profile.layout.kind != "tables" and len(frame) == 0
                     and not [c for c in profile.source_columns(table) if c != profile.layout.incident_key])
        if absent and not no_source:
            missing[table] = absent
            continue
        frame = with_all_columns(frame, known)
        frame = normalized(frame, ref.elements[SEGMENT_OF[table]])
        frame.insert(len(known), "_row", frame.index.to_numpy())
        if table == "incidents":
            frame["agency_ori"] = frame["agency_ori"].fillna(profile.agency_ori)
            frame["reporting_agency_ori"] = frame["reporting_agency_ori"].fillna(profile.reporting_agency_ori)
        local[table] = frame
    if missing:
        first = where[next(iter(missing))]
        detail = "; ".join(f"{where[t].source if profile.layout.kind == 'tables' else t}: {', '.join(cols)}"
                           f"{_typos(cols, extras[t], profile.columns[t])}" for t, cols in missing.items())
        raise FatalInputError(first.file, f"mandatory column(s) missing (add them to the extract, map them "
                              f"under 'columns' or give a constant under 'defaults' in the profile) — {detail}",
                              sheet=first.sheet, column=next(iter(missing.values()))[0], row=1)
    for table in TABLES:  # identifying columns are used by the layout even if no element takes them
        segment = profile.layout.segments[table]
        extras[table] = [c for c in extras[table] if c not in segment.key and c not in segment.lists
                         and c != profile.layout.incident_key]
    extras["incidents"] = unused + extras["incidents"]
    adjustments = {}
    frames, unmapped = crosswalk_frames(local, profile, ref, adjustments)
    return Extract(adjustments=adjustments, frames=frames, local=local, unmapped=unmapped, rows_read=read, blank_rows=blank,
                   extra_columns=extras, files=files, sources={t: where[t].source for t in TABLES},
                   layout=summary, filtered_rows=filtered)


def crosswalk_frames(local: dict[str, pd.DataFrame], profile: Profile, ref: Reference, counts: dict | None = None):
    """The profile's crosswalks applied to the normalised tables: (frames, unmapped values per table).

    Then, on FBI values: the profile's `precedence` reduces cells holding several values (collapsed rows,
    list entries) to the best-ranked ones, and `when_blank` fills the cells the export left blank. A
    single-valued element with a precedence is crosswalked entry by entry, so that `A;B` from two rows
    maps each local code before the ranking picks one. `counts`, when given, receives per table the
    cells changed by each (manifest `precedence_applied`, `when_blank_applied`).
    """
    frames, unmapped = {}, {}
    for table in TABLES:
        maps = {column: cw.mapping for cw in profile.crosswalks for (t, column) in cw.targets if t == table}
        keys = {column: (cw.trim, cw.case) for cw in profile.crosswalks for (t, column) in cw.targets if t == table}
        lists = {e["name"] for e in ref.elements[SEGMENT_OF[table]] if e["type"] == "list"}
        ranked = profile.precedence.get(table, {})
        invalid = {column: cw.invalid for cw in profile.crosswalks for (t, column) in cw.targets if t == table}
        frame, unmapped[table] = crosswalked(local[table], maps, lists | set(ranked), keys, invalid)
        frame, applied = with_precedence(frame, ranked)
        frame, filled = with_blank_values(frame, local[table], profile.when_blank.get(table, {}))
        frames[table] = frame
        if counts is not None:
            counts.setdefault("precedence_applied", {})[table] = {k: v for k, v in applied.items() if v}
            counts.setdefault("when_blank_applied", {})[table] = {k: v for k, v in filled.items() if v}
    return frames, unmapped
