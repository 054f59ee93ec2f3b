"""Every catalog rule against ONE valid baseline incident.

The baseline (one incident, two subjects, two officers, its service message and a zero report) must
raise no finding. tests/rule_mutations.yaml holds, per rule id, the cell edits that break exactly that
rule (plus, where the spec makes it unavoidable, the rules listed under `also`). The test is
parametrized over the catalog: a non-engine rule without a mutation fails the suite.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from schemas.build import CheckContext, build_schemas
from schemas.catalog import parse_catalog
from transforms.aggregate import with_cross_segment_columns
from transforms.validate import message_frame, validation_findings, zero_report_frame

ROOT = Path(__file__).resolve().parent.parent
ELEMENTS = yaml.safe_load((ROOT / "mappings" / "elements.yaml").read_text(encoding="utf-8"))
CODES_DOC = yaml.safe_load((ROOT / "mappings" / "codes.yaml").read_text(encoding="utf-8"))
OFFENSES = pd.DataFrame(yaml.safe_load((ROOT / "mappings" / "offenses.yaml").read_text(encoding="utf-8"))["offenses"])
CATALOG = parse_catalog(yaml.safe_load((ROOT / "schemas" / "catalog.yaml").read_text(encoding="utf-8")),
                        elements=ELEMENTS)
MUTATIONS = yaml.safe_load((Path(__file__).parent / "rule_mutations.yaml").read_text(encoding="utf-8"))
CODES = {name: frozenset(str(k) for k in t["values"]) for name, t in CODES_DOC["tables"].items()}
AS_OF = pd.Timestamp("2024-03-15 10:00:00")


def context(agency_kind: str = "local", as_of: pd.Timestamp = AS_OF,
            agency_oris: tuple[str, ...] = ("TORI01201",), reporting_agency_ori: str | None = "TORI01201") -> CheckContext:
    """The checks' context; the profile submits as TORI01201 for itself (I1-NOT-PROFILE, I4-NOT-PROFILE)."""
    return CheckContext(as_of=as_of, agency_kind=agency_kind, codes=CODES, offenses=OFFENSES,
                        agency_oris=frozenset(agency_oris), reporting_agency_ori=reporting_agency_ori)


SCHEMAS = build_schemas(CATALOG, context())

CASE = "UOF-2024-0001"
BASE_INCIDENT = {
    "agency_ori": "TORI01201", "agency_case_number": CASE, "incident_date": "2024-02-10",
    "reporting_agency_ori": "TORI01201", "incident_time_hours": "23", "incident_time_minutes": "05",
    "location_type": "13", "initial_contact_id": "CRIMINAL_SUSPICIOUS_ACTIVITY", "total_officers_involved": "3",
    "other_agencies_involved": "TORI01202:JDB-1234", "total_number_other_agencies": "1",
    "ambushed": "NO", "did_officer_approach": "YES", "senior_officer_present": "NO",
    "offense1": "13A", "offense2": "23H", "offense3": "90Z",
    "address_1": "123 Main St. NE, Apt #4", "address_2": "Building 3/Unit A & B", "address_city": "Mytown",
    "address_state_id": "PA", "address_zip": "15445", "address_latitude": "40.4406",
    "address_longitude": "-79.9959", "nibrs_incident_number": "NIBRS-2024-0077",
    "agency_officers_involved": "2", "incident_tickler_ids": "INJURY;DISCHARGE", "total_number_subjects": "2",
    "_incident_date_raw": "02/10/2024",
}
BASE_SUBJECTS = [
    {"subject_id": "1", "race_ethnicity_ids": "H;W", "gender": "M", "age1": "22", "age2": "25",
     "age_estimated": "true", "height1_feet": "5", "height1_inch": "9", "height2_feet": "5", "height2_inch": "11",
     "height_estimated": "true", "weight1": "155", "weight2": "170", "weight_estimated": "true",
     "impairment": "YES", "impairment_type_ids": "ALCOHOL;MENTAL", "resisted": "YES",
     "resistance_type_ids": "BARRICADE;VEHICLE", "threat_directed_at": "OFFICER", "armed": "YES",
     "force_type_ids": "FIREARM;CHEMICAL", "injury_type_ids": "GUNSHOT;OTHER_SERIOUS_INJURY", "charged": "YES"},
    {"subject_id": "2", "race_ethnicity_ids": "B", "gender": "F", "age1": "40", "age_estimated": "false",
     "height1_feet": "5", "height1_inch": "4", "height_estimated": "false", "weight1": "130",
     "weight_estimated": "false", "impairment": "NO", "resisted": "NO", "threat_directed_at": "ANOTHER",
     "armed": "NO", "force_type_ids": "PHYSICAL", "injury_type_ids": "NONE", "charged": "NO"},
]
BASE_OFFICERS = [
    {"officer_id": "1", "race_ethnicity_ids": "H;B", "gender": "M", "age": "29", "height_feet": "6",
     "height_inch": "0", "weight": "195", "years_of_service": "8", "full_part_time": "YES",
     "officer_identifiable": "YES", "on_duty": "YES", "officer_injured": "YES",
     "injury_type_ids": "OTHER_SERIOUS_INJURY;GUNSHOT", "nibrs_incident_number": "NIBRS-OFC-0001",
     "shots_fired": "YES"},
    {"officer_id": "2", "race_ethnicity_ids": "W", "gender": "F", "age": "45", "height_feet": "5",
     "height_inch": "6", "weight": "150", "years_of_service": "20", "full_part_time": "YES",
     "officer_identifiable": "NO", "on_duty": "YES", "officer_injured": "NO", "shots_fired": "NO"},
]
TABLE_OF = {"incident": "incidents", "subject": "subjects", "officer": "officers"}


def element_columns(segment: str) -> list[str]:
    names = [e["name"] for e in ELEMENTS[segment]]
    return names if segment == "incident" else ["agency_case_number", *names]


def canonical(segment: str, records: list[dict], incident_rows: list[int] | None = None) -> pd.DataFrame:
    """A canonical frame per the frame contract: str element columns, meta columns, index = `_row`."""
    n = len(records)
    data = {c: pd.Series([r.get(c) for r in records], dtype="str") for c in element_columns(segment)}
    data["_row"] = pd.Series(range(n), dtype="int64")
    data["_source_file"] = pd.Series([f"{TABLE_OF[segment]}.csv"] * n, dtype="str")
    data["_source_row"] = pd.Series(range(2, n + 2), dtype="Int64")
    if segment == "incident":
        data["_incident_date_raw"] = pd.Series([r.get("_incident_date_raw") for r in records], dtype="str")
    else:
        data["_incident_row"] = pd.Series(incident_rows if incident_rows is not None else [0] * n, dtype="Int64")
        data["_incident_date"] = pd.Series([pd.NA] * n, dtype="str")
    frame = pd.DataFrame(data)
    frame.index = pd.Index(frame["_row"].to_numpy(), name=None)
    return frame


def baseline() -> dict[str, pd.DataFrame]:
    subjects = [dict(s, agency_case_number=CASE) for s in BASE_SUBJECTS]
    officers = [dict(o, agency_case_number=CASE) for o in BASE_OFFICERS]
    return {"incident": canonical("incident", [BASE_INCIDENT]),
            "subject": canonical("subject", subjects),
            "officer": canonical("officer", officers)}


def relink(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Children's `_incident_date` follows their incident's date (as transforms/link.py does)."""
    dates = frames["incident"].set_index("_row")["incident_date"]
    out = dict(frames)
    for seg in ("subject", "officer"):
        child = frames[seg]
        out[seg] = child.assign(_incident_date=pd.Series(
            child["_incident_row"].map(dates).to_numpy(), index=child.index, dtype="str"))
    return out


def set_cells(frame: pd.DataFrame, edits: dict) -> pd.DataFrame:
    out = frame.copy()
    for row, cells in (edits or {}).items():
        for column, value in cells.items():
            assert column in out.columns, f"mutation names unknown column {column}"
            out.loc[int(row), column] = pd.NA if value is None else str(value)
    return out


def mutated(frames: dict[str, pd.DataFrame], mutation: dict) -> dict[str, pd.DataFrame]:
    frames = {seg: set_cells(f, mutation.get(seg)) for seg, f in frames.items()}
    for seg, rows in (mutation.get("drop") or {}).items():
        frames[seg] = frames[seg].drop(index=rows)
    return relink(frames)


def validate(frames: dict[str, pd.DataFrame], message_edits: dict, zero: pd.DataFrame,
             ctx: CheckContext | None = None) -> pd.DataFrame:
    schemas = SCHEMAS if ctx is None else build_schemas(CATALOG, ctx)
    incidents = with_cross_segment_columns(frames["incident"], frames["subject"], frames["officer"])
    messages = set_cells(message_frame(incidents, "Add", (ctx or context()).as_of), message_edits)
    return validation_findings(incidents, frames["subject"], frames["officer"], schemas, CATALOG,
                               messages=messages, zero_reports=zero)


def run(frames: dict[str, pd.DataFrame], mutation: dict | None = None, ctx: CheckContext | None = None) -> pd.DataFrame:
    """Validate one (possibly mutated) set of frames with its service message and a zero report."""
    mutation = mutation or {}
    zero = set_cells(zero_report_frame("TORI01201", "2024-01"), mutation.get("zero_report"))
    return validate(mutated(frames, mutation), mutation.get("message"), zero, ctx)


def run_many(mutations: dict[str, dict]) -> dict[str, list[tuple]]:
    """Validate every mutation of the baseline in ONE pass, each as its own incident.

    Returns per mutation its findings as (segment, row, element, rule) with the rows numbered as in
    the baseline. One pass keeps the suite fast and shows that no rule leaks from one incident to another.
    """
    parts: dict[str, list[pd.DataFrame]] = {"incident": [], "subject": [], "officer": []}
    owner: dict[tuple[str, int], tuple[str, int]] = {}  # (segment, batch row) -> (mutation, baseline row)
    message_edits, zero_rows, zero_edits = {}, [], {}
    next_row = {"subject": 0, "officer": 0}
    for k, (key, mutation) in enumerate(mutations.items()):
        frames = mutated(baseline(), mutation)
        inc = frames["incident"].assign(_row=k)
        inc.index = [k]
        parts["incident"].append(inc)
        for seg in ("message", "zero_report", "incident"):
            owner[(seg, k)] = (key, 0)
        for seg in ("subject", "officer"):
            child = frames[seg]
            rows = list(range(next_row[seg], next_row[seg] + len(child)))
            next_row[seg] += len(child)
            owner.update({(seg, r): (key, int(local)) for r, local in zip(rows, child["_row"])})
            child = child.assign(_row=rows, _incident_row=pd.array([k] * len(child), dtype="Int64"))
            child.index = rows
            parts[seg].append(child)
        message_edits[k] = (mutation.get("message") or {}).get(0, {})
        zero_rows.append(zero_report_frame("TORI01201", "2024-01").assign(_row=k))
        zero_edits[k] = (mutation.get("zero_report") or {}).get(0, {})
    frames = {seg: pd.concat(p) for seg, p in parts.items()}
    zero = pd.concat(zero_rows)
    zero.index = zero["_row"].to_numpy()
    found = validate(frames, message_edits, set_cells(zero, zero_edits))
    out: dict[str, list[tuple]] = {key: [] for key in mutations}
    for seg, row, element, rule_id in zip(found["segment"], found["_row"].astype(int), found["element"],
                                          found["rule_id"]):
        key, local = owner[(seg, row)]
        out[key].append((seg, local, element, rule_id))
    return {key: sorted(v) for key, v in out.items()}


def tuples(findings: pd.DataFrame) -> list[tuple]:
    return sorted(zip(findings["segment"], findings["_row"].astype(int), findings["element"], findings["rule_id"]))


def expected(rule_id: str, mutation: dict) -> list[tuple]:
    rule = CATALOG.by_id[rule_id]
    rows = mutation.get("rows")
    if rows is None:
        edited = mutation.get(rule.segment) or {}
        rows = sorted(int(r) for r in edited) or [0]
    out = [(rule.segment, r, rule.element, rule.id) for r in rows]
    for other, segment, row in mutation.get("also", []):
        out.append((segment, int(row), CATALOG.by_id[other].element, other))
    return sorted(out)


SCHEMA_RULE_IDS = [r.id for r in CATALOG if not r.is_engine]


def test_baseline_has_no_finding():
    assert tuples(run(baseline())) == []


def test_mutation_table_names_only_catalog_rules():
    assert sorted(set(MUTATIONS) - set(SCHEMA_RULE_IDS)) == []


@pytest.fixture(scope="module")
def mutation_results() -> dict[str, list[tuple]]:
    return run_many(MUTATIONS)


@pytest.mark.parametrize("rule_id", SCHEMA_RULE_IDS)
def test_mutation_breaks_exactly_its_rule(rule_id, mutation_results):
    if rule_id not in MUTATIONS:
        pytest.fail(f"rule {rule_id} has no mutation in tests/rule_mutations.yaml")
    assert mutation_results[rule_id] == expected(rule_id, MUTATIONS[rule_id])


@pytest.mark.parametrize("rule_id", ["I7-LOV", "S25-ALONE", "O18-VS-O19", "I32-DISCHARGE-NEEDS-FIREARM",
                                     "I3-VALID-DATE", "ACTIONTIME-FORMAT", "Z2-FORMAT"])
def test_mutation_alone_gives_the_same_findings_and_a_readable_message(rule_id, mutation_results):
    found = run(baseline(), MUTATIONS[rule_id])
    assert tuples(found) == mutation_results[rule_id]
    mine = found[found["rule_id"] == rule_id]
    assert (mine["severity"] == CATALOG.by_id[rule_id].severity).all()
    element = CATALOG.by_id[rule_id].element
    if element not in ("Action", "ActionTime"):
        assert mine["message"].str.contains(f"({element}", regex=False).all()
    assert not mine["message"].str.contains("{", regex=False).any()
    assert (mine["source_file"].notna() == (CATALOG.by_id[rule_id].segment not in ("zero_report",))).all()


def test_i7_finding_record():
    found = run(baseline(), MUTATIONS["I7-LOV"])
    record = found.iloc[0][["rule_id", "severity", "segment", "element", "column", "agency_case_number",
                            "source_file", "source_row", "value", "message", "_row"]].tolist()
    assert record == ["I7-LOV", "error", "incident", "I7", "location_type", CASE, "incidents.csv", 2, "22",
                      "location_type (I7) '22' is not an FBI location type: use a code from spec §3.2.2.7 or map "
                      "the local value in the location_type crosswalk.", 0]


def test_subject_finding_record_carries_case_number_and_subject_id():
    found = run(baseline(), MUTATIONS["S25-ALONE"])
    assert found[["segment", "agency_case_number", "subject_id", "source_file", "source_row",
                  "value", "_row"]].values.tolist() == [["subject", CASE, "2", "subjects.csv", 3, "NONE;GUNSHOT", 1]]
    assert found["officer_id"].isna().all()


# --- valid but unusual incidents are accepted ------------------------------------------------

@pytest.mark.parametrize("age", ["NN", "NB", "BB", "99", "01", "98"])
def test_special_ages_accepted(age):
    assert tuples(run(baseline(), {"subject": {1: {"age1": age}}})) == []


@pytest.mark.parametrize("age, years, rules", [
    ("28", "9", []), ("28", "10", ["O11-VS-AGE"]), ("28", "11", ["O11-VS-AGE"]), ("18", "0", ["O11-VS-AGE"]),
    ("19", "0", []),
])
def test_years_of_service_strictly_less_than_age_minus_18(age, years, rules):
    """§3.2.4.11: 'Value must be less than age (Data Element O4) minus 18'."""
    found = run(baseline(), {"officer": {1: {"age": age, "years_of_service": years}}})
    assert [r for _, _, _, r in tuples(found)] == rules


@pytest.mark.parametrize("agency_oris, reporting, i1, i4, rules", [
    (("TORI01201", "NY0000000"), "TORI01201", "NY0000000", "TORI01201", []),           # listed agency
    (("TORI01201", "NY0000000"), "TORI01201", "TORI01201", "NY0000000", ["I4-NOT-PROFILE"]),  # list is I1 only
    (("TORI01201",), "TORI01299", "TORI01201", "TORI01201", ["I4-NOT-PROFILE"]),
    (("TORI01201",), "TORI01201", "UNKNOWN01", "TORI01201", ["I1-NOT-PROFILE"]),
    ((), None, "NY0000000", "NY0000000", []),                                            # no profile: unchecked
])
def test_submitter_oris_come_from_the_profile(agency_oris, reporting, i1, i4, rules):
    ctx = context(agency_oris=agency_oris, reporting_agency_ori=reporting)
    found = run(baseline(), {"incident": {0: {"agency_ori": i1, "reporting_agency_ori": i4}}}, ctx=ctx)
    assert [r for _, _, _, r in tuples(found)] == rules


def test_range_widths_at_the_limit_accepted():
    mutation = {"subject": {0: {"age1": "22", "age2": "42", "height1_feet": "5", "height1_inch": "9",
                                "height2_feet": "6", "height2_inch": "3", "weight1": "155", "weight2": "205"}}}
    assert tuples(run(baseline(), mutation)) == []


def test_coordinates_without_street_address_accepted():
    mutation = {"incident": {0: {c: None for c in ("address_1", "address_2", "address_city", "address_state_id",
                                                   "address_zip")}}}
    assert tuples(run(baseline(), mutation)) == []


@pytest.mark.parametrize("pu", ["PENDING", "UNKNOWN"])
def test_address_pending_or_unknown_only_accepted(pu):
    cells = {c: None for c in ("address_1", "address_2", "address_city", "address_state_id", "address_zip",
                               "address_latitude", "address_longitude")}
    assert tuples(run(baseline(), {"incident": {0: dict(cells, address_pu_ids=pu)}})) == []


def test_unknown_other_agencies_accepted():
    mutation = {"incident": {0: {"other_agencies_involved": "UNKNOWN01:UNKNOWN;TORI01203:CASE-99;UNKNOWN01:X-1",
                                 "total_number_other_agencies": "3"}}}
    assert tuples(run(baseline(), mutation)) == []


def test_no_other_agencies_accepted():
    mutation = {"incident": {0: {"other_agencies_involved": None, "total_number_other_agencies": "0"}}}
    assert tuples(run(baseline(), mutation)) == []


def test_all_pending_incident_like_appendix_b_accepted():
    """Appendix A, sample B (AddOnly with pending values), with address_city given and *_estimated false kept."""
    incident = dict(BASE_INCIDENT, did_officer_approach="PENDING", ambushed="UNKNOWN", senior_officer_present="PENDING",
                    location_type="UNKNOWN", offense1=None, offense2=None, offense3=None, offense_pu_ids="PENDING",
                    nibrs_incident_number=None, nibrs_incident_number_pu_ids="PENDING", incident_tickler_ids="INJURY",
                    total_number_subjects="1", agency_officers_involved="1", total_officers_involved="2",
                    address_2=None, address_latitude=None, address_longitude=None)
    subject = {"agency_case_number": CASE, "subject_id": "1", "age_estimated": "false", "height_estimated": "false",
               "weight_estimated": "false", "armed": "PENDING", "impairment": "YES", "gender": "M", "resisted": "YES",
               "impairment_type_ids": "PENDING", "resistance_type_ids": "UNKNOWN", "injury_type_ids": "UNKNOWN",
               "race_ethnicity_ids": "PENDING", "threat_directed_at": "PENDING", "force_type_ids": "UNKNOWN",
               "weight_pu_ids": "PENDING", "height_pu_ids": "PENDING", "age_pu_ids": "PENDING", "charged": "PENDING"}
    officer = {"agency_case_number": CASE, "officer_id": "1", "gender": "PENDING", "age_pu_ids": "PENDING",
               "height_pu_ids": "PENDING", "weight_pu_ids": "PENDING", "years_of_service_pu_ids": "PENDING",
               "full_part_time": "PENDING", "officer_identifiable": "UNKNOWN", "on_duty": "PENDING",
               "shots_fired": "PENDING", "officer_injured": "PENDING", "race_ethnicity_ids": "W"}
    frames = {"incident": canonical("incident", [incident]), "subject": canonical("subject", [subject]),
              "officer": canonical("officer", [officer])}
    assert tuples(run(frames)) == []


def test_several_incidents_with_several_subjects_and_officers_accepted():
    second = dict(BASE_INCIDENT, agency_case_number="UOF-2024-0002", total_number_subjects="3",
                  agency_officers_involved="3", total_officers_involved="3", incident_tickler_ids="DEATH;INJURY",
                  offense1="09A", offense2=None, offense3=None, other_agencies_involved=None,
                  total_number_other_agencies="0")
    subjects = [dict(s, agency_case_number=CASE) for s in BASE_SUBJECTS]
    subjects += [dict(BASE_SUBJECTS[0], agency_case_number="UOF-2024-0002", subject_id=str(i), injury_type_ids=inj)
                 for i, inj in ((1, "DEATH"), (2, "UNCONSCIOUSNESS"), (3, "GUNSHOT"))]
    officers = [dict(o, agency_case_number=CASE) for o in BASE_OFFICERS]
    officers += [dict(BASE_OFFICERS[1], agency_case_number="UOF-2024-0002", officer_id=str(i)) for i in (1, 2, 3)]
    frames = {"incident": canonical("incident", [BASE_INCIDENT, second]),
              "subject": canonical("subject", subjects, incident_rows=[0, 0, 1, 1, 1]),
              "officer": canonical("officer", officers, incident_rows=[0, 0, 1, 1, 1])}
    assert tuples(run(frames)) == []
    # the same subject_id in two different incidents is fine; within one incident it is not
    frames["subject"].loc[3, "subject_id"] = "1"
    assert tuples(run(frames)) == [("subject", 2, "S1", "S1-UNIQUE"), ("subject", 3, "S1", "S1-UNIQUE")]


def test_federal_only_offense_accepted_for_federal_and_tribal_agencies():
    mutation = {"incident": {0: {"offense1": "26H", "offense2": "30A", "offense3": "90K"}}}
    assert {r for *_, r in tuples(run(baseline(), mutation))} == {
        "I15-FEDERAL-TRIBAL-ONLY", "I16-FEDERAL-TRIBAL-ONLY", "I17-FEDERAL-TRIBAL-ONLY"}
    for kind in ("federal", "tribal"):
        assert tuples(run(baseline(), mutation, ctx=context(kind))) == []


def test_retired_offenses_accepted_before_2021():
    mutation = {"incident": {0: {"incident_date": "2020-12-31", "_incident_date_raw": "12/31/2020",
                                 "offense1": "90A", "offense2": "90E", "offense3": "90H"}}}
    assert tuples(run(baseline(), mutation)) == []


def test_charged_optional_before_2022_11_21():
    mutation = {"incident": {0: {"incident_date": "2022-11-20", "_incident_date_raw": "11/20/2022"}},
                "subject": {0: {"charged": None}, 1: {"charged": None}}}
    assert tuples(run(baseline(), mutation)) == []


def test_incident_later_the_same_day_is_not_in_the_future_once_it_happened():
    mutation = {"incident": {0: {"incident_date": "2024-03-15", "_incident_date_raw": "03/15/2024",
                                 "incident_time_hours": "9", "incident_time_minutes": "59"}}}
    assert tuples(run(baseline(), mutation)) == []
    assert tuples(run(baseline(), mutation, ctx=context(as_of=pd.Timestamp("2024-03-15 09:58:00")))) == [
        ("incident", 0, "I3", "I3-FUTURE"), ("message", 0, "ActionTime", "ACTIONTIME-BEFORE-INCIDENT")]


def test_pending_subject_injury_skips_the_tickler_consistency_edits():
    """§3.2.2.32: with a PENDING/UNKNOWN subject injury the DEATH/INJURY/DISCHARGE ticklers are not cross-checked."""
    mutation = {"incident": {0: {"incident_tickler_ids": "DEATH"}},
                "subject": {1: {"injury_type_ids": "UNKNOWN"}}}
    assert tuples(run(baseline(), mutation)) == []
