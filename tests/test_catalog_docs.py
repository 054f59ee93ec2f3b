"""The rule catalog, its generated documentation and its test coverage stay in step."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from schemas.catalog import parse_catalog

ROOT = Path(__file__).resolve().parent.parent
ELEMENTS = yaml.safe_load((ROOT / "mappings" / "elements.yaml").read_text(encoding="utf-8"))
CODES = yaml.safe_load((ROOT / "mappings" / "codes.yaml").read_text(encoding="utf-8"))["tables"]
CATALOG = parse_catalog(yaml.safe_load((ROOT / "schemas" / "catalog.yaml").read_text(encoding="utf-8")),
                        elements=ELEMENTS)
MUTATIONS = yaml.safe_load((ROOT / "tests" / "rule_mutations.yaml").read_text(encoding="utf-8"))
EDITS_MD = ROOT / "docs" / "edits.md"

# Engine rules are raised by pipeline steps, not by the schemas; the pipeline's tests exercise each
# of them by name (crosswalks, duplicate case numbers, orphans, zero-report month).
ENGINE_RULES_TESTED_ELSEWHERE = {
    "XW-UNMAPPED", "I2-DUPLICATE", "S-ORPHAN", "O-ORPHAN", "Z2-CURRENT-OR-FUTURE", "Z2-BEFORE-2017",
    "XW-INVALID",  # tests/test_crosswalk_invalid.py
    "LAYOUT-LIST-LENGTH", "PARSE-DATETIME",  # tests/test_layouts_incident_lists.py, test_parsers_values.py
    "LAYOUT-CONFLICT", "LAYOUT-COUNT",  # tests/test_layouts_collapse_rules.py
    # uof check-submission: tests/test_check_submission.py
    "FILE-JSON", "MSG-ONE-PER-FILE", "MSG-PAYLOAD", "MSG-UNKNOWN-KEY", "MSG-TYPE", "MSG-VALUE-TYPE", "FILE-NAME",
    "FILE-NAME-ORI", "FILE-NUMBER-UNIQUE", "ZIP-NAME", "ZIP-MEMBER", "ZIP-FOLDER", "ZIP-COMPRESSION", "SUB-DUPLICATE",
    "Z2-WITH-INCIDENTS", "LEDGER-ADDONLY-SENT", "LEDGER-REMOVE-NOT-SENT",
}


def _generator():
    spec = importlib.util.spec_from_file_location("gen_edits_doc", ROOT / "scripts" / "gen_edits_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_rule_is_documented_in_edits_md():
    text = EDITS_MD.read_text(encoding="utf-8")
    assert [r.id for r in CATALOG if f"| `{r.id}` |" not in text] == []


def test_generated_edits_md_is_up_to_date():
    gen = _generator()
    assert EDITS_MD.read_text(encoding="utf-8") == gen.render(gen.load()), \
        "docs/edits.md is out of date: run python scripts/gen_edits_doc.py"


def test_every_rule_has_a_mutation_or_is_an_engine_rule_tested_elsewhere():
    untested = [r.id for r in CATALOG if r.id not in MUTATIONS and r.id not in ENGINE_RULES_TESTED_ELSEWHERE]
    assert untested == []


def test_engine_rules_are_exactly_the_ones_tested_elsewhere():
    assert {r.id for r in CATALOG.engine_rules} == ENGINE_RULES_TESTED_ELSEWHERE
    assert sorted(set(MUTATIONS) & ENGINE_RULES_TESTED_ELSEWHERE) == []


def test_every_data_element_of_the_spec_has_a_rule():
    primary = {r.element for r in CATALOG}
    ids = [e["id"] for seg in ELEMENTS.values() for e in seg]
    assert [i for i in ids if i not in primary] == []
    assert {"Action", "ActionTime"} <= primary


def test_every_code_table_is_checked_by_a_rule():
    used = {r.check["table"] for r in CATALOG if r.kind in ("lov", "lov_each")}
    assert sorted(set(CODES) - used) == []
    assert sorted(used - set(CODES)) == []


def test_mandatory_elements_have_a_presence_rule():
    """Appendix C: every element the spec marks Mandatory: Yes (I30/I32/I33/S1/O1 included) is required."""
    mandatory = {"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I12", "I13", "I14", "I30", "I32", "I33",
                 "S1", "S2", "S3", "S18", "S20", "S22", "S23", "S24", "S25", "S26",
                 "O1", "O2", "O3", "O13", "O14", "O15", "O16", "O20", "Z1", "Z2"}
    required = {r.element for r in CATALOG if r.kind == "required"}
    assert sorted(mandatory - required) == []


def test_every_pu_element_is_limited_to_one_value_and_exclusive_with_its_value():
    pu = [e for seg in ("incident", "subject", "officer") for e in ELEMENTS[seg] if e["name"].endswith("_pu_ids")]
    by_id = CATALOG.by_id
    assert [e["id"] for e in pu if f"{e['id']}-MAX-VALUES" not in by_id] == []
    exclusive = {r.elements[1] for r in CATALOG if "-VS-" in r.id and len(r.elements) > 1}
    exclusive |= {"I31"}  # I31-VS-ADDRESS names I31 first
    assert [e["id"] for e in pu if e["id"] not in exclusive] == []


def test_messages_name_their_element():
    for rule in CATALOG:
        if rule.element and not rule.is_engine:
            assert f"{rule.element}" in rule.message or rule.element in ("Action", "ActionTime"), rule.id
