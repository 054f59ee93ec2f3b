"""transforms/findings.py: typed finding records with messages rendered from the rule template."""
from __future__ import annotations

import pandas as pd

from schemas.catalog import parse_catalog
from transforms.findings import FINDING_COLUMNS, empty_findings, findings_frame, render_messages

CATALOG = parse_catalog({"rules": [
    {"id": "I7-LOV", "segment": "incident", "elements": ["I7"], "section": "3.2.2.7", "severity": "error",
     "message": "location_type (I7) '{value}' is not valid ({column}, {element}).",
     "check": {"kind": "lov", "column": "location_type", "table": "incident.location_type"}},
    {"id": "S3-REQUIRED", "segment": "subject", "elements": ["S3"], "section": "3.2.3.3", "severity": "warning",
     "message": "gender (S3) is missing.", "check": {"kind": "required", "column": "gender"}},
    {"id": "XW-UNMAPPED", "segment": "any", "elements": [], "section": "3.2", "severity": "error",
     "message": "{column} ({element}) local code '{value}' has no crosswalk entry.", "check": {"kind": "engine"}},
]})


def _incidents():
    return pd.DataFrame({
        "agency_case_number": pd.Series(["C-1", "C-2", "C-3"], dtype="str"),
        "location_type": pd.Series(["99", "13", "{x}"], dtype="str"),
        "_row": pd.Series([0, 1, 2], dtype="int64"),
        "_source_file": pd.Series(["inc.csv"] * 3, dtype="str"),
        "_source_row": pd.Series([2, 3, 4], dtype="Int64"),
    })


def test_findings_carry_rule_row_source_and_rendered_message():
    out = findings_frame(CATALOG.by_id["I7-LOV"], _incidents(), pd.Series([True, False, True]))
    assert list(out.columns) == FINDING_COLUMNS
    assert out[["rule_id", "severity", "segment", "element", "column", "agency_case_number", "value",
                "source_file", "source_row", "_row"]].values.tolist() == [
        ["I7-LOV", "error", "incident", "I7", "location_type", "C-1", "99", "inc.csv", 2, 0],
        ["I7-LOV", "error", "incident", "I7", "location_type", "C-3", "{x}", "inc.csv", 4, 2],
    ]
    assert out["message"].tolist() == [
        "location_type (I7) '99' is not valid (location_type, I7).",
        "location_type (I7) '{x}' is not valid (location_type, I7).",  # braces in data are not a template
    ]
    assert out["subject_id"].isna().all() and out["officer_id"].isna().all()
    assert out["_row"].dtype == "Int64" and out["source_row"].dtype == "Int64"


def test_blank_value_renders_as_empty_text():
    subjects = pd.DataFrame({"agency_case_number": ["C-1"], "subject_id": ["2"], "gender": [None], "_row": [5],
                             "_source_file": ["s.csv"], "_source_row": [7]}, index=[5]).astype(
        {"agency_case_number": "str", "subject_id": "str", "gender": "str", "_source_file": "str"})
    out = findings_frame(CATALOG.by_id["S3-REQUIRED"], subjects, pd.Series([True], index=[5]))
    assert out[["segment", "subject_id", "message", "severity", "_row", "source_row"]].values.tolist() == [
        ["subject", "2", "gender (S3) is missing.", "warning", 5, 7]]
    assert out["value"].isna().all()


def test_engine_rule_takes_column_value_element_and_segment_from_the_caller_or_frame():
    subjects = pd.DataFrame({"agency_case_number": ["C-1", "C-1"], "subject_id": ["1", "2"], "_row": [0, 1]},
                            index=[10, 11]).astype({"agency_case_number": "str", "subject_id": "str"})
    out = findings_frame(CATALOG.by_id["XW-UNMAPPED"], subjects, pd.Series([False, True], index=[10, 11]),
                         column="gender", value=pd.Series(["Male", "Femme"], index=[10, 11]), element="S3")
    assert out[["segment", "element", "column", "value", "subject_id", "_row", "message"]].values.tolist() == [
        ["subject", "S3", "gender", "Femme", "2", 1, "gender (S3) local code 'Femme' has no crosswalk entry."]]


def test_nothing_selected_gives_typed_empty_findings():
    out = findings_frame(CATALOG.by_id["I7-LOV"], _incidents(), pd.Series(False, index=range(3)))
    assert list(out.columns) == FINDING_COLUMNS and out.empty
    assert empty_findings().dtypes.to_dict() == out.dtypes.to_dict()


def test_render_messages_is_vectorized_concatenation():
    idx = pd.RangeIndex(2)
    got = render_messages("a {value} b {value}", {"value": pd.Series(["x", pd.NA], index=idx, dtype="str")}, idx)
    assert got.tolist() == ["a x b x", "a  b "]
