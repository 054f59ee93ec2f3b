"""`incident-lists` layout: one row per incident, officers and subjects as position-aligned lists."""
import json

import pandas as pd

from transforms.layouts import (LIST_LENGTH_COLUMN, LIST_LENGTH_VALUE, N_SOURCE_ROWS, SegmentSpec,
                                incident_list_tables)
from tests.conftest import AS_OF, sheet, values, write_export_csv, write_profile



ROWS = [
    {"Incident": "1", "When": "10/03/2025 02:30:00 PM", "Off Race": "W;B;A", "Off Sex": "M;F;M",
     "Off Injured": "No", "Sub Race": "B", "Sub Sex": "M", "Arrested": "Felony", "Taser": "Yes", "OC": "No",
     "Sub Injured": "Yes", "Sub Treated": "Yes"},
    {"Incident": "2", "When": "10/04/2025 11:05:00 AM", "Off Race": "W", "Off Sex": "M",
     "Off Injured": "Yes", "Sub Race": "B;W", "Sub Sex": "M;F", "Arrested": "Misdemeanor", "Taser": "No",
     "OC": "Yes", "Sub Injured": "No", "Sub Treated": "No"},
]
SEGMENTS = {
    "incidents": SegmentSpec(columns=("Incident", "When")),
    "subjects": SegmentSpec(columns=("Sub Race", "Sub Sex", "Arrested", "Taser", "OC", "Sub Injured", "Sub Treated"),
                            lists=("Sub Race", "Sub Sex"), shared_when_several={"Arrested": "Several"}),
    "officers": SegmentSpec(columns=("Off Race", "Off Sex", "Off Injured"), lists=("Off Race", "Off Sex")),
}


def test_lists_become_one_segment_row_per_position_and_shared_columns_are_copied():
    result = incident_list_tables(sheet(ROWS), "Incident", ";", SEGMENTS)
    inc, subj, off = (result.tables[t] for t in ("incidents", "subjects", "officers"))
    assert values(inc["Incident"]) == ["1", "2"] and inc[N_SOURCE_ROWS].tolist() == [1, 1]
    assert values(off["Incident"]) == ["1", "1", "1", "2"]
    assert values(off["Off Race"]) == ["W", "B", "A", "W"] and values(off["Off Sex"]) == ["M", "F", "M", "M"]
    assert values(off["Off Injured"]) == ["No", "No", "No", "Yes"]
    assert values(off["_source_row"]) == [2, 2, 2, 3]  # each segment row keeps its source row
    assert values(subj["Sub Race"]) == ["B", "B", "W"] and values(subj["Sub Sex"]) == ["M", "M", "F"]
    assert values(subj["Arrested"]) == ["Felony", "Several", "Several"]  # shared_when_several
    assert inc[LIST_LENGTH_VALUE].isna().all()
    assert result.summary == {"kind": "incident-lists", "rows": 2, "incidents": 2, "subjects": 3, "officers": 4,
                              "repeated_rows": 0}


def test_list_length_mismatch_is_recorded_on_the_incident_and_rows_are_still_built():
    rows = [dict(ROWS[0], **{"Off Sex": "M;F"}), ROWS[1]]
    result = incident_list_tables(sheet(rows), "Incident", ";", SEGMENTS)
    inc, off = result.tables["incidents"], result.tables["officers"]
    assert values(inc[LIST_LENGTH_COLUMN]) == ["Off Race, Off Sex", None]
    assert values(inc[LIST_LENGTH_VALUE]) == ["Off Race: 3, Off Sex: 2", None]
    assert values(off["Off Sex"]) == ["M", "F", None, "M"]  # padded from the longest list: nothing is lost


def test_entries_are_counted_as_written_and_blank_lists_do_not_conflict():
    rows = [dict(ROWS[0], **{"Off Race": "W;;B", "Off Sex": "M;F;"}), dict(ROWS[1], **{"Off Sex": None})]
    result = incident_list_tables(sheet(rows).replace({"None": None}), "Incident", ";", SEGMENTS)
    assert result.tables["incidents"][LIST_LENGTH_VALUE].isna().all()
    off = result.tables["officers"]
    assert values(off["Off Race"]) == ["W", None, "B", "W"] and values(off["Off Sex"]) == ["M", "F", None, None]


def test_rows_repeating_an_earlier_row_exactly_are_one_incident():
    result = incident_list_tables(sheet([ROWS[0], ROWS[1], ROWS[0]]), "Incident", ";", SEGMENTS)
    assert values(result.tables["incidents"]["Incident"]) == ["1", "2"]
    assert result.tables["incidents"][N_SOURCE_ROWS].tolist() == [2, 1]
    assert result.summary["repeated_rows"] == 1 and len(result.tables["officers"]) == 4


# ------------------------------------------------------------------------------------ end to end

PROFILE = """
layout:
  kind: incident-lists
  incident_key: Incident
  subjects: {lists: [Sub Race, Sub Sex], shared_when_several: {Arrested: Several}}
  officers: {lists: [Off Race, Off Sex]}
columns:
  incidents: {Incident: agency_case_number}
  subjects: {Sub Race: race_ethnicity_ids, Sub Sex: gender, Arrested: charged}
  officers: {Off Race: race_ethnicity_ids, Off Sex: gender}
parsers:
  incidents:
    - {parser: datetime, column: When, format: "%m/%d/%Y %I:%M:%S %p"}
  subjects:
    - parser: flags
      columns: {Taser: ELECTRONIC, OC: CHEMICAL}
      into: force_type_ids
    - {parser: join, columns: [Sub Injured, Sub Treated], separator: " / ", into: injury_type_ids}
  officers:
    - {parser: boolean, column: Off Injured, into: officer_injured, true: PENDING, false: "NO"}
defaults:
  incidents: {location_type: "13", initial_contact_id: TRAFFIC_STOP, total_officers_involved: "", ambushed: "NO",
              total_officers_involved_pu_ids: UNKNOWN, did_officer_approach: "YES", senior_officer_present: "NO",
              address_pu_ids: UNKNOWN}
  subjects: {age_pu_ids: UNKNOWN, height_pu_ids: UNKNOWN, weight_pu_ids: UNKNOWN, impairment: "NO", resisted: "YES",
             resistance_type_ids: PHYSICAL, threat_directed_at: OFFICER, armed: "NO"}
  officers: {age_pu_ids: PENDING, height_pu_ids: PENDING, weight_pu_ids: PENDING, years_of_service_pu_ids: PENDING,
             full_part_time: "YES", officer_identifiable: "YES", on_duty: "YES", shots_fired: "NO"}
crosswalks: [race.yaml, sex.yaml, injury.yaml, charged.yaml]
"""
CROSSWALKS = {
    "race.yaml": "element: race_ethnicity_ids\nmap: {W: W, B: B, A: A}\n",
    "sex.yaml": "element: gender\nmap: {M: M, F: F}\n",
    "injury.yaml": "element: injury_type_ids\ntable: subjects\n"
                   "map: {\"Yes / Yes\": OTHER_SERIOUS_INJURY, \"Yes / No\": NONE, \"No / Yes\": NONE, \"No / No\": NONE}\n",
    "charged.yaml": "element: charged\nmap: {Felony: \"YES\", Misdemeanor: \"YES\", Several: PENDING}\n",
}


def run_lists(run_cli, tmp_path, rows, header_repeat_at=None):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    for name, text in CROSSWALKS.items():
        (cfg / name).write_text(text, encoding="utf-8")
    profile = write_profile(cfg, PROFILE)
    source = write_export_csv(tmp_path / "export.csv", rows, header_repeat_at)
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10", "--out", out,
                              "--as-of", AS_OF)
    return code, stderr, out / "PA0230100" / "2025-10"


def test_list_length_mismatch_rejects_only_that_incident_naming_its_row(run_cli, tmp_path):
    rows = [dict(ROWS[0], **{"Off Sex": "M;F"}),
            dict(ROWS[1], **{"Incident": "3", "Sub Race": "B", "Sub Sex": "M", "Sub Injured": "Yes", "Sub Treated": "Yes"}),
            dict(ROWS[1]),
            # lists disagree on an incident that would otherwise not be reportable: rejected, not set aside
            dict(ROWS[1], **{"Incident": "4", "Sub Sex": "M"})]
    code, stderr, folder = run_lists(run_cli, tmp_path, rows, header_repeat_at=2)
    assert code == 1, stderr
    rejections = pd.read_csv(folder / "rejections.csv", dtype=str)
    layout_errors = rejections[rejections["rule_id"] == "LAYOUT-LIST-LENGTH"]
    assert layout_errors["agency_case_number"].tolist() == ["1", "4"]
    row = layout_errors.iloc[0]
    assert row["agency_case_number"] == "1" and row["source_row"] == "2" and row["segment"] == "incident"
    assert row["column"] == "Off Race, Off Sex" and row["value"] == "Off Race: 3, Off Sex: 2"
    assert "different numbers of entries" in row["message"]
    assert layout_errors.iloc[1]["value"] == "Sub Race: 2, Sub Sex: 1" and layout_errors.iloc[1]["source_row"] == "6"
    assert set(rejections["agency_case_number"]) == {"1", "4"}
    manifest = json.loads((folder / "manifest.json").read_text())
    layout = manifest["layout"]
    assert layout == {"kind": "incident-lists", "source_rows": 5, "header_repeats": 1, "blank_rows": 0,
                      "rows_with_errors": 2, "rows_collapsed": 2, "incidents": 4, "subjects": 6, "officers": 6,
                      "incidents_with_errors": 2, "repeated_rows": 0}
    assert manifest["rows"]["incidents"] == {"read": 4, "blank": 0, "emitted": 1, "rejected": 2,
                                             "not_reportable": 1, "other_months": 0}
    assert pd.read_csv(folder / "not_reportable.csv", dtype=str)["agency_case_number"].tolist() == ["2"]
    emitted = [json.loads(p.read_text()) for p in folder.glob("PA0230100_*.json")]
    assert [m["Incident"]["agency_case_number"] for m in emitted] == ["3"]
    inc = emitted[0]["Incident"]
    assert inc["incident_time_hours"] == 11 and inc["incident_time_minutes"] == 5
    assert inc["subjects"][0]["force_type_ids"] == ["CHEMICAL"] and inc["officers"][0]["officer_injured"] == "PENDING"
