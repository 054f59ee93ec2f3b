"""The spec's Appendix A samples A and B, written as a canonical extract, give the spec's JSON.

Modulo the recorded decisions (docs/spec-decisions.md): `""` for an absent value is emitted as null
(#3); Appendix A's retired officer injury SEVERE_LACERATION is invalid (#1) and the printed samples'
blank address_city fails I20 (#4), so the corrected samples carry the city of §2.2.1's layout; the
`*_estimated` false beside PENDING values is emitted as null (#2); S26 `charged`, added in v4.7 after
the samples were written, is present as null, as is any element a sample leaves out (null or []);
the first submission's Action is AddOnly.
"""
import csv
import json

import pytest

from tests.conftest import write_csv_extract, write_profile

AS_OF = "2017-02-14T12:33:23"

APPENDIX_A_INCIDENT = {
    "agency_ori": "TORI01201", "agency_case_number": "jdb003", "incident_date": "01/09/2017",
    "total_officers_involved": 2, "total_number_subjects": 1, "total_number_other_agencies": 1,
    "agency_officers_involved": 1, "nibrs_incident_number": "", "did_officer_approach": "YES", "ambushed": "NO",
    "senior_officer_present": "NO", "address_1": "Street address description 1", "address_2": "",
    "address_city": "My Town", "address_state_id": "PA", "address_zip": "15445", "address_latitude": None,
    "address_longitude": None, "address_pu_ids": [],
    "other_agencies_involved": [{"agency_case_number": "jdb1234", "agency_ori": "TORI01202"}],
    "reporting_agency_ori": "TORI01201", "incident_time_hours": 11, "incident_time_minutes": 22,
    "location_type": "03", "offense1": "23H", "offense2": "90J", "offense3": None,
    "initial_contact_id": "CRIMINAL_SUSPICIOUS_ACTIVITY", "nibrs_incident_number_pu_ids": ["PENDING"],
    "offense_pu_ids": [], "total_officers_involved_pu_ids": [], "total_number_subjects_pu_ids": [],
    "agency_officers_involved_pu_ids": [], "incident_tickler_ids": ["INJURY"],
    "subjects": [{
        "subject_id": 1, "age1": "22", "age2": 25, "age_estimated": True, "height_estimated": True, "weight1": 155,
        "weight2": None, "weight_estimated": True, "armed": "YES", "impairment": "YES", "gender": "M",
        "resisted": "YES", "impairment_type_ids": ["ALCOHOL", "MENTAL"],
        "resistance_type_ids": ["BARRICADE", "VEHICLE", "ESCAPE_FLEE"],
        "injury_type_ids": ["OTHER_SERIOUS_INJURY", "GUNSHOT"], "race_ethnicity_ids": ["H", "W"],
        "threat_directed_at": "OFFICER", "force_type_ids": ["FIREARM"], "height1_feet": 5, "height1_inch": 9,
        "height2_feet": 5, "height2_inch": 11, "weight_pu_ids": [], "height_pu_ids": [], "age_pu_ids": []}],
    "officers": [{
        "age": 29, "weight": 195, "officer_id": 1, "nibrs_incident_number": "", "years_of_service": 8, "gender": "M",
        "age_pu_ids": [], "height_pu_ids": [], "weight_pu_ids": [], "years_of_service_pu_ids": [],
        "full_part_time": "YES", "officer_identifiable": "YES", "on_duty": "YES", "shots_fired": "YES",
        "officer_injured": "YES", "injury_type_ids": ["OTHER_SERIOUS_INJURY"], "race_ethnicity_ids": ["H", "B"],
        "nibrs_incident_number_pu_ids": ["PENDING"], "height_feet": 6, "height_inch": 0}],
}

APPENDIX_B_INCIDENT = {
    "agency_ori": "TORI01201", "agency_case_number": "jdb003", "incident_date": "01/09/2017",
    "total_officers_involved": 2, "total_number_subjects": 1, "total_number_other_agencies": 1,
    "agency_officers_involved": 1, "nibrs_incident_number": "", "did_officer_approach": "PENDING",
    "ambushed": "UNKNOWN", "senior_officer_present": "PENDING", "address_1": "Street address description 1",
    "address_2": "", "address_city": "My Town", "address_state_id": "PA", "address_zip": "15445",
    "address_latitude": None, "address_longitude": None, "address_pu_ids": [],
    "reporting_agency_ori": "TORI01201", "incident_time_hours": 11, "incident_time_minutes": 22,
    "location_type": "UNKNOWN", "offense1": "", "offense2": "", "offense3": "",
    "initial_contact_id": "CRIMINAL_SUSPICIOUS_ACTIVITY", "nibrs_incident_number_pu_ids": ["PENDING"],
    "offense_pu_ids": ["PENDING"], "total_officers_involved_pu_ids": [], "total_number_subjects_pu_ids": [],
    "agency_officers_involved_pu_ids": [], "incident_tickler_ids": ["INJURY"],
    "other_agencies_involved": [{"agency_case_number": "jdb1234", "agency_ori": "TORI01202"}],
    "subjects": [{
        "subject_id": 1, "age1": "", "age2": "", "age_estimated": False, "height_estimated": False, "weight1": "",
        "weight2": "", "weight_estimated": False, "armed": "PENDING", "impairment": "YES", "gender": "M",
        "resisted": "YES", "impairment_type_ids": ["PENDING"], "resistance_type_ids": ["UNKNOWN"],
        "injury_type_ids": ["UNKNOWN"], "race_ethnicity_ids": ["PENDING"], "threat_directed_at": "PENDING",
        "force_type_ids": ["UNKNOWN"], "height1_feet": "", "height1_inch": "", "height2_feet": "",
        "height2_inch": "", "weight_pu_ids": ["PENDING"], "height_pu_ids": ["PENDING"], "age_pu_ids": ["PENDING"]}],
    "officers": [{
        "age": "", "weight": "", "officer_id": 1, "nibrs_incident_number": "", "years_of_service": "",
        "gender": "PENDING", "age_pu_ids": ["PENDING"], "height_pu_ids": ["PENDING"], "weight_pu_ids": ["PENDING"],
        "years_of_service_pu_ids": ["PENDING"], "full_part_time": "PENDING", "officer_identifiable": "UNKNOWN",
        "on_duty": "PENDING", "shots_fired": "PENDING", "officer_injured": "PENDING", "race_ethnicity_ids": ["W"],
        "nibrs_incident_number_pu_ids": [], "height_feet": "", "height_inch": ""}],
}


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return ";".join(f"{a['agency_ori']}:{a['agency_case_number']}" for a in value)
        return ";".join(value)
    if isinstance(value, str) and len(value) == 10 and value[2] == "/":
        return value  # MM/DD/YYYY is accepted as input
    return str(value)


def extract_of(incident: dict) -> dict:
    flat = {k: cell(v) for k, v in incident.items() if k not in ("subjects", "officers")}
    subjects = [{"agency_case_number": incident["agency_case_number"], **{k: cell(v) for k, v in s.items()}}
                for s in incident["subjects"]]
    officers = [{"agency_case_number": incident["agency_case_number"], **{k: cell(v) for k, v in o.items()}}
                for o in incident["officers"]]
    return {"incidents": [flat], "subjects": subjects, "officers": officers}


def expected_json(incident: dict) -> dict:
    """The sample as the spec prints it, with the recorded decisions applied."""
    def norm(segment: dict, pending: bool) -> dict:
        out = {k: (None if v == "" else v) for k, v in segment.items()}
        if pending:
            for flag, pu in (("age_estimated", "age_pu_ids"), ("height_estimated", "height_pu_ids"),
                             ("weight_estimated", "weight_pu_ids")):
                if flag in out and set(out.get(pu) or []) & {"PENDING", "UNKNOWN"}:
                    out[flag] = None
        return out
    body = norm({k: v for k, v in incident.items() if k not in ("subjects", "officers")}, False)
    body["subjects"] = [dict(norm(s, True), charged=None) for s in incident["subjects"]]
    body["officers"] = [norm(o, False) for o in incident["officers"]]
    # Every element is present in our messages: an element a sample leaves out is null or [].
    from flows.config.load import load_reference
    elements = load_reference().elements
    for segment, items in (("subject", body["subjects"]), ("officer", body["officers"])):
        for item in items:
            for e in elements[segment]:
                item.setdefault(e["name"], [] if e["type"] == "list" else None)
    return body


def run_sample(run_cli, tmp_path, incident: dict):
    profile = write_profile(tmp_path / "cfg", "")
    profile.write_text('agency_ori: "TORI01201"\n')
    source = write_csv_extract(tmp_path / "x", extract_of(incident))
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2017-01",
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    folder = tmp_path / "out" / "TORI01201" / "2017-01"
    return code, stderr, folder


@pytest.mark.parametrize("sample", [APPENDIX_A_INCIDENT, APPENDIX_B_INCIDENT], ids=["appendix-A", "appendix-B"])
def test_appendix_sample_gives_spec_json(run_cli, tmp_path, sample):
    code, stderr, folder = run_sample(run_cli, tmp_path, sample)
    rejections = (folder / "rejections.csv").read_text() if folder.exists() else ""
    assert code == 0, stderr + rejections
    message = json.loads((folder / "TORI01201_20170214_1233_0001.json").read_text())
    assert message["Action"] == "AddOnly" and message["ActionTime"] == "02/14/2017 12:33:23"
    assert message["Incident"] == expected_json(sample)


@pytest.mark.parametrize("sample, rule", [
    (dict(APPENDIX_A_INCIDENT, address_city=""), "I20-REQUIRED"),
    (dict(APPENDIX_A_INCIDENT, officers=[dict(APPENDIX_A_INCIDENT["officers"][0],
                                              injury_type_ids=["OTHER_SERIOUS_INJURY", "SEVERE_LACERATION"])]),
     "O17-LOV"),
], ids=["printed-blank-city", "printed-severe-laceration"])
def test_appendix_sample_as_printed_is_rejected_per_decision(run_cli, tmp_path, sample, rule):
    code, _, folder = run_sample(run_cli, tmp_path, sample)
    assert code == 1
    rules = {row["rule_id"] for row in csv.DictReader(open(folder / "rejections.csv"))}
    assert rules == {rule}
