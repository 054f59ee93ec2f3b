"""parse_catalog rejects malformed entries with a ValueError naming the rule id."""
from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from schemas.build import CheckContext, build_schemas
from schemas.catalog import parse_catalog

ROOT = Path(__file__).resolve().parent.parent
ELEMENTS = yaml.safe_load((ROOT / "mappings" / "elements.yaml").read_text(encoding="utf-8"))

GOOD = {"id": "I7-LOV", "segment": "incident", "elements": ["I7"], "section": "3.2.2.7", "severity": "error",
        "message": "location_type (I7) '{value}' is not valid.",
        "check": {"kind": "lov", "column": "location_type", "table": "incident.location_type"}}


def entry(**changes):
    out = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def parse(*entries, elements=ELEMENTS):
    return parse_catalog({"rules": list(entries)}, elements=elements)


def test_good_entry_parses():
    catalog = parse(entry())
    rule = catalog.by_id["I7-LOV"]
    assert (rule.segment, rule.elements, rule.column, rule.element, rule.kind) == (
        "incident", ("I7",), "location_type", "I7", "lov")


@pytest.mark.parametrize("bad, fragment", [
    (entry(check={"kind": "lookup", "column": "location_type"}), "unknown check kind 'lookup'"),
    (entry(check={"kind": "lov", "column": "location_typ", "table": "incident.location_type"}),
     "unknown column 'location_typ'"),
    (entry(check={"kind": "required", "column": "offense1", "when": {"column": "initial_contact", "eq": "X"}}),
     "unknown column 'initial_contact'"),
    (entry(message=None), "missing message"),
    (entry(message="  "), "has no message"),
    (entry(message="bad {value!r}"), "message"),
    (entry(message="uses {row}"), "{row}"),
    (entry(segment="incidents"), "unknown segment 'incidents'"),
    (entry(segment="any"), "unknown segment 'any'"),
    (entry(severity="fatal"), "severity"),
    (entry(section=3.2), "section"),
    (entry(elements=["I99"]), "unknown data element id 'I99'"),
    (entry(elements=[]), "at least one data element"),
    (entry(extra="x"), "unknown key(s) extra"),
    (entry(check={"kind": "lov", "column": "location_type"}), "needs table"),
    (entry(check={"kind": "lov", "column": "location_type", "table": "t", "max": 3}), "does not take max"),
    (entry(check={"kind": "regex", "column": "address_zip", "pattern": "\\d{5}"}), "[0-9]"),
    (entry(check={"kind": "regex", "column": "address_zip", "pattern": "(?=1)[0-9]{5}"}), "RE2"),
    (entry(check={"kind": "regex", "column": "address_zip", "pattern": "([0-9]"}), "not a valid regular expression"),
    (entry(check={"kind": "int_range", "column": "incident_time_hours", "min": 5, "max": 1}), "greater than max"),
    (entry(check={"kind": "int_range", "column": "incident_time_hours", "min": "0", "max": 23}), "integer"),
    (entry(check={"kind": "compare", "left": "agency_officers_involved", "op": "le"}), "exactly one of"),
    (entry(check={"kind": "compare", "left": "agency_officers_involved", "op": "lte", "value": 1}), "compare op"),
    (entry(check={"kind": "custom", "function": "no_such_check", "column": "location_type"}), "no_such_check"),
    (entry(check={"kind": "custom", "function": "ints", "column": "location_type"}), "'ints' does not exist"),
    (entry(check={"kind": "forbidden", "column": "offense1", "when": {"column": "offense2", "eq": 3}}), "eq"),
    (entry(check={"kind": "forbidden", "column": "offense1", "when": {"column": "offense2", "near": "x"}}),
     "exactly one operator"),
    (entry(check={"kind": "forbidden", "column": "offense1", "when": {"all": []}}), "non-empty list"),
    (entry(check={"kind": "forbidden", "column": "offense1",
                  "when": {"column": "incident_date", "before": "2017-13-01"}}), "ISO date"),
    (entry(check={"kind": "required", "column": "location_type"}), "cannot show {value}"),
    (entry(check="lov"), "check must be a mapping"),
])
def test_malformed_entry_is_rejected_naming_the_rule(bad, fragment):
    with pytest.raises(ValueError) as err:
        parse(bad)
    assert "rule I7-LOV" in str(err.value)
    assert fragment in str(err.value)


def test_duplicate_id_is_rejected():
    with pytest.raises(ValueError, match="rule I7-LOV: duplicate id"):
        parse(entry(), entry())


def test_bad_id_is_rejected():
    with pytest.raises(ValueError, match="rule i7 lov: id must look like"):
        parse(entry(id="i7 lov"))


@pytest.mark.parametrize("data", [None, [], {"rules": {}}, {"rules": []}, {"rules": [], "extra": 1}])
def test_malformed_catalog_is_rejected(data):
    with pytest.raises(ValueError):
        parse_catalog(data)


def test_columns_are_not_checked_without_the_data_dictionary():
    catalog = parse(entry(check={"kind": "lov", "column": "some_column", "table": "x"}), elements=None)
    assert catalog.by_id["I7-LOV"].column == "some_column"


def test_engine_rule_may_have_any_segment_and_no_element():
    catalog = parse(entry(id="XW-UNMAPPED", segment="any", elements=[], message="{column} '{value}'",
                          check={"kind": "engine"}))
    assert catalog.engine_rules[0].id == "XW-UNMAPPED"
    assert catalog.schema_rules("incident") == ()


def test_unknown_code_table_fails_when_building_the_schemas():
    catalog = parse(entry(check={"kind": "lov", "column": "location_type", "table": "incident.nope"}))
    ctx = CheckContext(as_of=pd.Timestamp("2024-01-01"), agency_kind="local", codes={}, offenses=pd.DataFrame())
    with pytest.raises(ValueError, match="rule I7-LOV: unknown code table 'incident.nope'"):
        build_schemas(catalog, ctx)


def test_the_real_catalog_parses():
    data = yaml.safe_load((ROOT / "schemas" / "catalog.yaml").read_text(encoding="utf-8"))
    assert len(parse_catalog(data, elements=ELEMENTS)) == len(data["rules"])
