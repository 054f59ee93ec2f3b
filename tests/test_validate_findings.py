"""transforms/validate.py: pandera failure cases mapped back to frame rows as findings."""
from __future__ import annotations

import pandas as pd
import pytest

from schemas.build import CheckContext, build_schemas
from schemas.catalog import parse_catalog
from transforms.validate import validation_findings, zero_report_frame


def rule(id, segment, elements, check, message="{element} '{value}' is wrong.", severity="error"):
    return {"id": id, "segment": segment, "elements": elements, "section": "3.2", "severity": severity,
            "message": message, "check": check}


CATALOG = parse_catalog({"rules": [
    rule("I7-LOV", "incident", ["I7"], {"kind": "lov", "column": "location_type", "table": "incident.location_type"}),
    rule("I3-VALID-DATE", "incident", ["I3"], {"kind": "required", "column": "incident_date",
                                                "when": {"column": "_incident_date_raw", "blank": False},
                                                "value_column": "_incident_date_raw"}),
    rule("I33-MATCHES-SUBJECT-ROWS", "incident", ["I33"], {"kind": "compare", "left": "total_number_subjects",
                                                             "op": "eq", "right": "_n_subject_rows"}),
    rule("S3-REQUIRED", "subject", ["S3"], {"kind": "required", "column": "gender"}, message="gender (S3) is missing."),
    rule("O20-LOV", "officer", ["O20"], {"kind": "lov", "column": "shots_fired", "table": "officer.shots_fired"},
         severity="warning"),
    rule("Z2-FORMAT", "zero_report", ["Z2"], {"kind": "regex", "column": "month_year",
                                              "pattern": "(0[1-9]|1[0-2])/[0-9]{4}"}),
]})
CODES = {"incident.location_type": frozenset({"13", "20"}), "officer.shots_fired": frozenset({"YES", "NO"})}
CTX = CheckContext(as_of=pd.Timestamp("2024-03-15"), agency_kind="local", codes=CODES, offenses=pd.DataFrame())
SCHEMAS = build_schemas(CATALOG, CTX)


def text(values):
    return pd.Series(values, dtype="str")


def frames():
    incidents = pd.DataFrame({
        "agency_case_number": text(["C-1", "C-2", "C-3"]), "location_type": text(["13", "99", "20"]),
        "incident_date": text(["2024-01-01", None, None]), "_incident_date_raw": text(["01/01/2024", "31/31/2024", None]),
        "total_number_subjects": text(["1", "1", "2"]), "_n_subject_rows": [1, 1, 1],
        "_row": [0, 1, 2], "_source_file": text(["i.csv"] * 3), "_source_row": [2, 3, 4]})
    incidents.index = [0, 1, 2]
    subjects = pd.DataFrame({
        "agency_case_number": text(["c-1 ", "C-3", "ORPHAN"]), "subject_id": text(["1", "1", "1"]),
        "gender": text([None, "M", None]), "_row": [0, 1, 2], "_incident_row": pd.array([0, 2, pd.NA], dtype="Int64"),
        "_source_file": text(["s.csv"] * 3), "_source_row": [2, 3, 4]})
    subjects.index = [0, 1, 2]
    officers = pd.DataFrame({
        "agency_case_number": text(["C-1"]), "officer_id": text(["1"]), "shots_fired": text(["Y"]),
        "_row": [0], "_incident_row": pd.array([0], dtype="Int64"), "_source_file": text(["o.csv"]),
        "_source_row": [2]})
    return incidents, subjects, officers


def compact(found):
    return sorted(zip(found["segment"], found["_row"].astype(int), found["rule_id"], found["value"].fillna("<NA>"),
                      found["agency_case_number"].fillna("<NA>"), found["severity"]))


def test_failure_cases_become_findings_on_the_right_rows():
    found = validation_findings(*frames(), SCHEMAS, CATALOG)
    assert compact(found) == [
        ("incident", 1, "I3-VALID-DATE", "31/31/2024", "C-2", "error"),
        ("incident", 1, "I7-LOV", "99", "C-2", "error"),
        ("incident", 2, "I33-MATCHES-SUBJECT-ROWS", "2", "C-3", "error"),
        ("officer", 0, "O20-LOV", "Y", "C-1", "warning"),
        # the incident's case number, not the subject row's spelling; an unlinked row keeps its own
        ("subject", 0, "S3-REQUIRED", "<NA>", "C-1", "error"),
        ("subject", 2, "S3-REQUIRED", "<NA>", "ORPHAN", "error"),
    ]
    sub = found[found["segment"] == "subject"].sort_values("_row")
    assert sub["subject_id"].tolist() == ["1", "1"] and sub["source_row"].tolist() == [2, 4]


def test_row_labels_need_not_be_positions():
    incidents, subjects, officers = frames()
    incidents.index = [10, 20, 30]
    incidents["_row"] = [10, 20, 30]
    subjects["_incident_row"] = pd.array([10, 30, pd.NA], dtype="Int64")
    officers["_incident_row"] = pd.array([10], dtype="Int64")
    found = validation_findings(incidents, subjects, officers, SCHEMAS, CATALOG)
    inc = found[found["segment"] == "incident"]
    assert sorted(zip(inc["_row"], inc["rule_id"])) == [
        (20, "I3-VALID-DATE"), (20, "I7-LOV"), (30, "I33-MATCHES-SUBJECT-ROWS")]


def test_clean_frames_and_empty_frames_give_no_findings():
    incidents, subjects, officers = frames()
    incidents["location_type"] = text(["13", "13", "13"])
    incidents["_incident_date_raw"] = text(["01/01/2024", None, None])
    incidents["total_number_subjects"] = text(["1", "1", "1"])
    subjects["gender"] = text(["M", "F", "M"])
    officers["shots_fired"] = text(["NO"])
    assert validation_findings(incidents, subjects, officers, SCHEMAS, CATALOG).empty
    assert validation_findings(incidents.iloc[:0], subjects.iloc[:0], officers.iloc[:0], SCHEMAS, CATALOG).empty


def test_zero_report_frame_is_validated_when_given():
    incidents, subjects, officers = frames()
    found = validation_findings(incidents.iloc[:0], subjects.iloc[:0], officers.iloc[:0], SCHEMAS, CATALOG,
                                zero_reports=zero_report_frame("TORI01201", "2024-13"))
    assert compact(found) == [("zero_report", 0, "Z2-FORMAT", "13/2024", "<NA>", "error")]


def test_missing_column_is_reported_with_the_rule():
    incidents, subjects, officers = frames()
    with pytest.raises(ValueError, match="I7-LOV: location_type"):
        validation_findings(incidents.drop(columns="location_type"), subjects, officers, SCHEMAS, CATALOG)


def test_a_rule_that_cannot_run_is_an_error_not_a_finding():
    incidents, subjects, officers = frames()
    officers["shots_fired"] = officers["shots_fired"].astype(object)
    broken = parse_catalog({"rules": [rule("O20-FORMAT", "officer", ["O20"],
                                           {"kind": "regex", "column": "officer_id", "pattern": "[0-9]+"})]})
    officers["officer_id"] = [1]  # integers: the text check cannot run
    schemas = build_schemas(broken, CTX)
    with pytest.raises(RuntimeError, match="rule O20-FORMAT could not be evaluated on the officer frame"):
        validation_findings(incidents, subjects, officers, schemas, broken)
