"""Where every row of a month's run ends: emitted, rejected (with findings), not reportable, or elsewhere."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms.findings import FINDING_COLUMNS, findings_frame
from transforms.link import duplicate_case_numbers, in_months, linked, undated

CHILD_TABLES = ("subjects", "officers")

# Errors found while laying out or parsing the export, carried by the incident frame as meta columns
# (transforms/layouts.py, flows/io/extract.py): rule id -> (column meta, value meta).
ISSUE_RULES = {
    "LAYOUT-LIST-LENGTH": ("_list_length_column", "_list_length_value"),
    "PARSE-DATETIME": ("_datetime_column", "_datetime_value"),
    "LAYOUT-CONFLICT": ("_conflict_column", "_conflict_value"),
    "LAYOUT-COUNT": ("_count_column", "_count_value"),
}
# Rule findings a PARSE-DATETIME finding makes redundant on its incident: the elements the parser
# should have written (listed in `_datetime_elements`) are blank because the cell could not be read.
DATETIME_ELEMENTS = "_datetime_elements"
# A local value the crosswalk left untranslated: one finding per cell, the rule findings on it are shadowed.
CROSSWALK_RULES = ("XW-UNMAPPED", "XW-INVALID")


@dataclass
class Scoped:
    """The frames restricted to the run: incidents of the month plus undated ones, and their children."""

    incidents: pd.DataFrame
    subjects: pd.DataFrame
    officers: pd.DataFrame
    orphans: dict[str, pd.DataFrame]
    duplicates: pd.Series  # bool over scoped incidents
    status: dict[str, pd.Series]  # per table, over ALL rows: "scope" | "other_months" | "orphaned"


def kept(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """`frame[mask]`; when every row is kept (a monthly extract of its month), a new frame sharing the data
    (pandas' copy-on-write copies a column only when one of the two changes it), not a copy of every column."""
    return frame.copy(deep=False) if bool(mask.all()) else frame[mask]


def month_scope(frames: dict[str, pd.DataFrame], months: list[str]) -> Scoped:
    incidents = frames["incidents"]
    dups = duplicate_case_numbers(incidents)
    scope = in_months(incidents, months) | undated(incidents)
    status = {"incidents": pd.Series("other_months", index=incidents.index).mask(scope, "scope")}
    children, orphans = {}, {}
    for table in CHILD_TABLES:
        child = linked(frames[table], incidents)
        orphan = child["_incident_row"].isna()
        mine = child["_incident_row"].isin(incidents.loc[scope, "_row"]).fillna(False).astype(bool)
        status[table] = (pd.Series("other_months", index=child.index)
                         .mask(mine, "scope").mask(orphan, "orphaned"))
        children[table] = kept(child, mine)
        orphans[table] = child[orphan]
    return Scoped(incidents=kept(incidents, scope), subjects=children["subjects"], officers=children["officers"],
                  orphans=orphans, duplicates=dups[scope], status=status)


def engine_findings(scoped: Scoped, unmapped: dict[str, pd.DataFrame], rules: dict,
                    element_ids: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Findings raised by the pipeline itself: unmapped local codes, local values a crosswalk marks invalid
    (XW-INVALID, its message ending with the crosswalk's reason), duplicate case numbers, orphans."""
    parts = []
    frames = {"incidents": scoped.incidents, "subjects": scoped.subjects, "officers": scoped.officers}
    for table, frame in frames.items():
        misses = unmapped.get(table)
        if misses is None or misses.empty:
            continue
        misses = misses[misses["_row"].isin(frame["_row"])]
        reason = misses["reason"] if "reason" in misses.columns else pd.Series(pd.NA, index=misses.index)
        for (column, invalid), group in misses.groupby([misses["column"], reason.notna()], sort=True):
            rows = frame.set_index("_row", drop=False).loc[group["_row"].to_numpy()]
            rows.index = range(len(rows))
            found = findings_frame(rules["XW-INVALID" if invalid else "XW-UNMAPPED"], rows,
                                   pd.Series(True, index=rows.index), column=column,
                                   value=pd.Series(group["value"].to_numpy(), index=rows.index),
                                   element=element_ids[table].get(column))
            if invalid:
                found["message"] = found["message"] + " " + pd.Series(group["reason"].to_numpy(), dtype="str")
            parts.append(found)
    for rule_id, (column_meta, value_meta) in ISSUE_RULES.items():
        incidents = scoped.incidents
        if value_meta in incidents.columns and incidents[value_meta].notna().any():
            mask = incidents[value_meta].notna()
            parts.append(findings_frame(rules[rule_id], incidents, mask, column=incidents[column_meta],
                                        value=incidents[value_meta], segment="incident"))
    if scoped.duplicates.any():
        parts.append(findings_frame(rules["I2-DUPLICATE"], scoped.incidents, scoped.duplicates,
                                    column="agency_case_number"))
    for table, rule_id in (("subjects", "S-ORPHAN"), ("officers", "O-ORPHAN")):
        orphans = scoped.orphans[table]
        if len(orphans):
            parts.append(findings_frame(rules[rule_id], orphans, pd.Series(True, index=orphans.index),
                                        column="agency_case_number"))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FINDING_COLUMNS)


def with_build_errors(incidents: pd.DataFrame) -> pd.Series:
    """Incidents carrying a layout or parse error (ISSUE_RULES): their segments or facts are not
    settled, so they are never screened out as not reportable; they are rejected instead."""
    flagged = pd.Series(False, index=incidents.index)
    for _, value_meta in ISSUE_RULES.values():
        if value_meta in incidents.columns:
            flagged |= incidents[value_meta].notna()
    return flagged


def without_shadowed(findings: pd.DataFrame, incidents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Drop rule findings on a cell already reported as an unmapped local code (one message per cell),
    and, on an incident whose date/time could not be parsed (PARSE-DATETIME), the findings on the
    elements that parser writes (they are blank because of it)."""
    if findings.empty:
        return findings
    unmapped = findings["rule_id"].isin(CROSSWALK_RULES)
    key = findings["segment"].astype("str") + "|" + findings["_row"].astype("str") + "|" + findings["column"].astype("str")
    shadowed = key.isin(key[unmapped]) & ~unmapped
    if incidents is not None and DATETIME_ELEMENTS in incidents.columns and incidents[DATETIME_ELEMENTS].notna().any():
        parsed = incidents[incidents[DATETIME_ELEMENTS].notna()]
        cells = parsed[DATETIME_ELEMENTS].str.split(";").explode()
        blanked = "incident|" + parsed.loc[cells.index, "_row"].astype("str") + "|" + cells.astype("str")
        engine = findings["rule_id"].isin(list(ISSUE_RULES)) | unmapped
        shadowed |= key.isin(blanked.to_numpy()) & ~engine
    return findings[~shadowed]


def with_incident_rows(findings: pd.DataFrame, scoped: Scoped) -> pd.DataFrame:
    """Findings with `_incident`: the `_row` of the incident they belong to (NA for orphans)."""
    parents = pd.Series(pd.NA, index=findings.index, dtype="Int64")
    incident = findings["segment"].isin(["incident", "message"])
    parents[incident] = findings.loc[incident, "_row"].astype("Int64")
    for segment, frame in (("subject", scoped.subjects), ("officer", scoped.officers)):
        mine = findings["segment"] == segment
        lookup = pd.Series(frame["_incident_row"].to_numpy(), index=frame["_row"].to_numpy())
        lookup = lookup[~lookup.index.duplicated()]
        parents[mine] = findings.loc[mine, "_row"].map(lookup).astype("Int64")
    return findings.assign(_incident=parents)


def rejected_incident_rows(findings: pd.DataFrame) -> pd.Index:
    """`_row` of incidents carrying an error in any of their segments (needs `with_incident_rows`)."""
    errors = findings[findings["severity"] == "error"]
    return pd.Index(errors["_incident"].dropna().astype("int64").unique()).sort_values()
