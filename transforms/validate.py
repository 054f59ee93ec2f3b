"""Run the segment schemas and turn pandera's failure cases into finding records.

Each schema holds one DataFrame-level check per rule (check name = rule id). Validation is lazy, so
every rule runs on every row; pandera's failure cases (`check`, `index` = row label) are mapped back
to the frame's rows and rendered with the rule's message.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from transforms.findings import FINDING_COLUMNS, empty_findings, findings_frame

ACTION_TIME_FORMAT = "%m/%d/%Y %H:%M:%S"


def message_frame(incidents: pd.DataFrame, action: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """The service messages about to be sent, one row per incident (segment `message` rules).

    The incident columns are kept so that ActionTime can be compared with the incident date/time.
    """
    return incidents.assign(
        Action=pd.Series(action, index=incidents.index, dtype="str"),
        ActionTime=pd.Series(pd.Timestamp(as_of).strftime(ACTION_TIME_FORMAT), index=incidents.index, dtype="str"),
    )


def zero_report_frame(agency_ori: str, month: str) -> pd.DataFrame:
    """A zero report (segment `zero_report` rules) for `month` (YYYY-MM), month_year as MM/YYYY."""
    month_year = f"{month[5:7]}/{month[0:4]}" if len(month) == 7 and month[4] == "-" else month
    return pd.DataFrame({
        "agency_ori": pd.Series([agency_ori], dtype="str"),
        "month_year": pd.Series([month_year], dtype="str"),
        "_row": pd.Series([0], dtype="int64"),
        "_source_file": pd.Series([pd.NA], dtype="str"),
        "_source_row": pd.Series([pd.NA], dtype="Int64"),
    })


def _missing_columns(segment: str, frame: pd.DataFrame, catalog) -> None:
    missing = {}
    for rule in catalog.schema_rules(segment):
        absent = sorted(c for c in rule.columns if c not in frame.columns)
        if absent:
            missing[rule.id] = absent
    if missing:
        detail = "; ".join(f"{rid}: {', '.join(cols)}" for rid, cols in sorted(missing.items()))
        raise ValueError(f"the {segment} frame lacks columns the rule catalog reads ({detail})")


def segment_findings(segment: str, frame: pd.DataFrame, schema: pa.DataFrameSchema, catalog) -> pd.DataFrame:
    """Validate one segment frame with its schema and return its findings."""
    _missing_columns(segment, frame, catalog)
    if frame.empty:
        return empty_findings()
    if not frame.index.is_unique:
        raise ValueError(f"the {segment} frame index must be unique (it is the `_row` label)")
    try:
        schema.validate(frame, lazy=True)
        return empty_findings()
    except SchemaErrors as err:
        cases = err.failure_cases
    known = catalog.by_id
    crashed = cases[cases["index"].isna() | ~cases["check"].isin(list(known))]
    if len(crashed):
        first = crashed.iloc[0]
        raise RuntimeError(f"rule {first['check']} could not be evaluated on the {segment} frame: "
                           f"{first['failure_case']}")
    parts = []
    for rule_id, labels in cases.groupby("check", sort=True)["index"]:
        hit = frame.index.isin(labels.to_numpy())
        parts.append(findings_frame(known[rule_id], frame, pd.Series(hit, index=frame.index)))
    return pd.concat(parts, ignore_index=True) if parts else empty_findings()


def _with_incident_case_number(found: pd.DataFrame, child: pd.DataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """Subject/officer findings carry their incident's agency_case_number (their own when unlinked)."""
    parent_of = pd.Series(child["_incident_row"].to_numpy(), index=child["_row"].to_numpy())
    case_of = pd.Series(incidents["agency_case_number"].to_numpy(), index=incidents["_row"].to_numpy())
    parents = found["_row"].map(parent_of)
    cases = pd.Series(parents.map(case_of).to_numpy(), index=found.index, dtype="str")
    return found.assign(agency_case_number=cases.fillna(found["agency_case_number"]))


def validation_findings(incidents: pd.DataFrame, subjects: pd.DataFrame, officers: pd.DataFrame,
                        schemas: dict[str, pa.DataFrameSchema], catalog, *,
                        messages: pd.DataFrame | None = None,
                        zero_reports: pd.DataFrame | None = None) -> pd.DataFrame:
    """Findings of every schema rule over the segment frames (FINDING_COLUMNS).

    `incidents` must carry the helper columns of transforms/aggregate.py. Subject and officer findings
    carry their incident's agency_case_number (the join key), subject_id / officer_id and source row.
    `messages` (see `message_frame`) and `zero_reports` (see `zero_report_frame`) are optional.
    """
    frames = {"message": messages, "incident": incidents, "subject": subjects, "officer": officers,
              "zero_report": zero_reports}
    parts = []
    for segment, frame in frames.items():
        if frame is None or segment not in schemas:
            continue
        found = segment_findings(segment, frame, schemas[segment], catalog)
        if len(found) and segment in ("subject", "officer"):
            found = _with_incident_case_number(found, frame, incidents)
        if len(found):
            parts.append(found)
    if not parts:
        return empty_findings()
    return pd.concat(parts, ignore_index=True)[FINDING_COLUMNS]
