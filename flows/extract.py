"""Step: the extract read, renamed to canonical columns, normalised and crosswalked."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.config import SEGMENT_OF, TABLES, Profile, Reference
from flows.errors import FatalInputError
from flows.read import SourceFile, read_tables
from transforms.canonical import canonical_columns, missing_columns, with_all_columns
from transforms.crosswalk import crosswalked
from transforms.normalize import normalized, without_blank_rows


@dataclass
class Extract:
    """The three canonical tables plus what the analyst and the auditor need to know about them."""

    frames: dict[str, pd.DataFrame]
    local: dict[str, pd.DataFrame]  # normalised values before the crosswalks (for analyst reports)
    unmapped: dict[str, pd.DataFrame]  # per table: _row, column, value
    rows_read: dict[str, int]
    blank_rows: dict[str, int]
    extra_columns: dict[str, list[str]]
    files: list[SourceFile]
    sources: dict[str, str] = field(default_factory=dict)


def required_columns(ref: Reference, table: str) -> list[str]:
    needed = [e["name"] for e in ref.elements[SEGMENT_OF[table]] if e.get("column") == "required"]
    return needed if table == "incidents" else ["agency_case_number", *needed]


def read_extract(source: Path, profile: Profile, ref: Reference) -> Extract:
    raw, files = read_tables(Path(source), TABLES, profile.encoding)
    local, read, blank, extras, missing = {}, {}, {}, {}, {}
    for table in TABLES:
        table_raw = raw[table]
        read[table] = len(table_raw.frame)
        kept, blank[table] = without_blank_rows(table_raw.frame)
        known = ref.columns_of(table)
        frame, extras[table] = canonical_columns(kept, profile.columns[table], known, profile.defaults[table])
        absent = missing_columns(frame, required_columns(ref, table))
        if absent:
            missing[table] = (table_raw, absent)
            continue
        frame = with_all_columns(frame, known)
        frame = normalized(frame, ref.elements[SEGMENT_OF[table]])
        frame.insert(len(known), "_row", frame.index.to_numpy())
        if table == "incidents":
            frame["agency_ori"] = frame["agency_ori"].fillna(profile.agency_ori)
            frame["reporting_agency_ori"] = frame["reporting_agency_ori"].fillna(profile.reporting_agency_ori)
        local[table] = frame
    if missing:
        first = next(iter(missing.values()))[0]
        detail = "; ".join(f"{raw[t].source}: {', '.join(cols)}" for t, (_, cols) in missing.items())
        raise FatalInputError(first.file, f"mandatory column(s) missing (add them to the extract, map them "
                              f"under 'columns' or give a constant under 'defaults' in the profile) — {detail}",
                              sheet=first.sheet, column=next(iter(missing.values()))[1][0], row=1)
    frames, unmapped = crosswalk_frames(local, profile, ref)
    return Extract(frames=frames, local=local, unmapped=unmapped, rows_read=read, blank_rows=blank,
                   extra_columns=extras, files=files, sources={t: raw[t].source for t in TABLES})


def crosswalk_frames(local: dict[str, pd.DataFrame], profile: Profile, ref: Reference):
    """The profile's crosswalks applied to the normalised tables: (frames, unmapped values per table)."""
    frames, unmapped = {}, {}
    for table in TABLES:
        maps = {column: cw.mapping for cw in profile.crosswalks for (t, column) in cw.targets if t == table}
        lists = {e["name"] for e in ref.elements[SEGMENT_OF[table]] if e["type"] == "list"}
        frames[table], unmapped[table] = crosswalked(local[table], maps, lists)
    return frames, unmapped
