"""The profile's `source:` options applied to the raw frames as they come in from flows/io/read.py: which
columns feed codes (their Excel numbers are read as displayed), null tokens and row filters."""
from __future__ import annotations

import pandas as pd

from flows.config.load import SEGMENT_OF, TABLES, Profile, Reference
from flows.errors import FatalInputError
from flows.io.read import did_you_mean
from transforms.normalize import trimmed
from transforms.source_rows import filtered_rows, without_null_tokens

CODE_TYPES = ("string", "list", "agencies")  # element types whose value is a code or a text, never a quantity
NOT_CODES = {"address_latitude", "address_longitude"}  # string in the dictionary, but numbers
NUMERIC_PARSERS = {"datetime", "date", "time", "coordinates", "height_range", "number_range",
                   "years_of_service", "boolean"}  # read numbers or dates; other parsers pass text on


def code_columns(profile: Profile, ref: Reference, table: str) -> set[str]:
    """Export columns of `table` whose text is a code (ORIs, case numbers, ZIP, coded values): numbers in
    them must keep the text the RMS displays (leading zeros)."""
    codes = {e["name"] for e in ref.elements[SEGMENT_OF[table]] if e["type"] in CODE_TYPES} - NOT_CODES
    codes |= {"agency_case_number"} | {c for cw in profile.crosswalks for (t, c) in cw.targets if t == table}
    renamed = profile.columns[table]
    out = {rms for rms, element in renamed.items() if element in codes}
    out |= {element for element in codes if element not in renamed.values()}  # columns named as the element
    out |= {c for spec in profile.parsers[table] if spec.parser not in NUMERIC_PARSERS for c in spec.inputs}
    if profile.layout.incident_key:
        out.add(profile.layout.incident_key)
    return out


def with_null_values(frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """`source.null_values` applied to every cell (trimmed text, exact and case-sensitive match)."""
    return without_null_tokens(frame, profile.null_values)


def _missing(where, columns: list[str], present):
    raise FatalInputError(where.file, f"column(s) named by source.keep_rows are missing: "
                          f"{', '.join(repr(c) for c in columns)}{did_you_mean(columns[0], present)} (the export "
                          "has no such column; correct the name in the profile)", sheet=where.sheet,
                          column=columns[0], row=1)


def filter_sheet(frame: pd.DataFrame, profile: Profile, where) -> tuple[pd.DataFrame, list[dict]]:
    """The rows of a one-sheet export that pass every `source.keep_rows` condition, and per condition the
    number of rows it excluded (each excluded row counted once, for the first condition it fails)."""
    if not profile.keep_rows:
        return frame, []
    missing = [f.column for f in profile.keep_rows if f.column not in frame.columns]
    if missing:
        _missing(where, list(dict.fromkeys(missing)), frame.columns)
    kept, counts = filtered_rows(frame, profile.keep_rows)
    return frame[kept], [{"filter": f.label, "rows": n} for f, n in zip(profile.keep_rows, counts)]


def filter_tables(tables: dict[str, pd.DataFrame], profile: Profile, where: dict,
                  ) -> tuple[dict[str, pd.DataFrame], dict[str, int], list[dict]]:
    """`source.keep_rows` on a `tables` export: each condition filters its own table; subject and officer
    rows whose case number belongs only to filtered-out incidents go with them (so that they do not
    become orphans). Returns the tables, rows excluded per table and the count per reason."""
    if not profile.keep_rows:
        return tables, {}, []
    out, excluded, report = dict(tables), {t: 0 for t in TABLES}, []
    for table in TABLES:
        rules = tuple(f for f in profile.keep_rows if f.table == table)
        if not rules:
            continue
        missing = [f.column for f in rules if f.column not in out[table].columns]
        if missing:
            _missing(where[table], list(dict.fromkeys(missing)), out[table].columns)
        kept, counts = filtered_rows(out[table], rules)
        report += [{"table": table, "filter": f.label, "rows": n} for f, n in zip(rules, counts)]
        if table == "incidents":
            case = _case_column(profile, table)
            if case in out[table].columns:
                dropped = set(trimmed(out[table].loc[~kept, case]).dropna()) - set(trimmed(out[table].loc[kept, case]).dropna())
                for child in ("subjects", "officers"):
                    child_case = _case_column(profile, child)
                    if child_case in out[child].columns and dropped:
                        gone = trimmed(out[child][child_case]).isin(dropped)
                        if gone.any():
                            out[child] = out[child][~gone]
                            excluded[child] += int(gone.sum())
                            report.append({"table": child, "filter": "its incident was filtered out",
                                           "rows": int(gone.sum())})
        excluded[table] += int((~kept).sum())
        out[table] = out[table][kept]
    return out, excluded, report


def _case_column(profile: Profile, table: str) -> str:
    return next((rms for rms, c in profile.columns[table].items() if c == "agency_case_number"), "agency_case_number")
