"""`flat` layout: one row per officer x force type, incident and subject repeated; header repeats; crosswalk
trimming and case folding; layout configuration errors."""
import json

import pandas as pd
import pytest

from flows.config.load import load_profile, load_reference
from flows.errors import ConfigError
from transforms.crosswalk import crosswalked
from transforms.layouts import N_SOURCE_ROWS, SegmentSpec, flat_tables, header_repeats
from tests.conftest import AS_OF, sheet, values, write_export_csv, write_profile



ROWS = [  # incident A: 2 officers x 2 force types on 1 subject; incident B: 1 officer, 2 subjects
    {"Case": "A", "Date": "10/03/2025", "Off Race": "White", "Off Age": "30", "Force": "Hands", "Level": "L1",
     "Subj Sex": "Male", "Subj Age": "25", "Injured": "No"},
    {"Case": "A", "Date": "10/03/2025", "Off Race": "White", "Off Age": "30", "Force": "Taser", "Level": "L2",
     "Subj Sex": "Male", "Subj Age": "25", "Injured": "No"},
    {"Case": "A", "Date": "10/03/2025", "Off Race": "Black", "Off Age": "41", "Force": "Hands", "Level": "L1",
     "Subj Sex": "Male", "Subj Age": "25", "Injured": "No"},
    {"Case": "B", "Date": "10/04/2025", "Off Race": "Black", "Off Age": "41", "Force": "Firearm (Discharged)",
     "Level": "L4", "Subj Sex": "Male", "Subj Age": "19", "Injured": "Yes"},
    {"Case": "B", "Date": "10/04/2025", "Off Race": "Black", "Off Age": "41", "Force": "Firearm (Discharged)",
     "Level": "L4", "Subj Sex": "Female", "Subj Age": "22", "Injured": "No"},
]
SEGMENTS = {
    "incidents": SegmentSpec(columns=("Case", "Date")),
    "subjects": SegmentSpec(columns=("Subj Sex", "Subj Age", "Injured", "Force", "Level"),
                            key=("Subj Sex", "Subj Age"), collapse={"Level": "max"}),
    "officers": SegmentSpec(columns=("Off Race", "Off Age", "Force"), key=("Off Race", "Off Age")),
}


def test_flat_rows_collapse_into_incidents_with_distinct_subjects_and_officers():
    result = flat_tables(sheet(ROWS), "Case", SEGMENTS)
    inc, subj, off = (result.tables[t] for t in ("incidents", "subjects", "officers"))
    assert values(inc["Case"]) == ["A", "B"] and values(inc["_source_row"]) == [2, 5]
    assert inc[N_SOURCE_ROWS].tolist() == [3, 2]
    assert values(subj["Case"]) == ["A", "B", "B"]
    assert values(subj["Subj Sex"]) == ["Male", "Male", "Female"]
    assert values(subj["Force"]) == ["Hands;Taser", "Firearm (Discharged)", "Firearm (Discharged)"]
    assert values(subj["Level"]) == ["L2", "L4", "L4"]  # collapse: max
    assert values(subj["_source_row"]) == [2, 5, 6]  # each segment keeps its first source row
    assert values(off["Case"]) == ["A", "A", "B"]
    assert values(off["Force"]) == ["Hands;Taser", "Hands", "Firearm (Discharged)"]
    assert values(off["_source_row"]) == [2, 4, 5]
    assert result.summary == {"kind": "flat", "rows": 5, "incidents": 2, "subjects": 3, "officers": 3,
                              "rows_per_segment": {"incidents": {"2": 1, "3": 1}, "subjects": {"1": 2, "3": 1},
                                                   "officers": {"1": 1, "2": 2}}}


def test_flat_conflicting_values_are_kept_for_the_rules_unless_a_policy_says_otherwise():
    rows = [dict(ROWS[0]), dict(ROWS[1], Date="10/05/2025")]
    incidents = flat_tables(sheet(rows), "Case", SEGMENTS).tables["incidents"]
    assert values(incidents["Date"]) == ["10/03/2025;10/05/2025"]  # distinct: the conflict shows
    segments = dict(SEGMENTS, incidents=SegmentSpec(columns=("Case", "Date"), collapse={"Date": "first"}))
    assert values(flat_tables(sheet(rows), "Case", segments).tables["incidents"]["Date"]) == ["10/03/2025"]


def test_flat_rows_without_a_key_are_incidents_of_their_own_and_numbers_sort_numerically():
    rows = [dict(ROWS[0], Case=""), dict(ROWS[1], Case="", **{"Off Age": "9"}), dict(ROWS[2], Case="A")]
    result = flat_tables(sheet(rows).replace("", None), "Case", SEGMENTS)
    assert len(result.tables["incidents"]) == 3
    segments = dict(SEGMENTS, officers=SegmentSpec(columns=("Off Race", "Off Age"), key=("Off Race",),
                                                   collapse={"Off Age": "max"}))
    officers = flat_tables(sheet([dict(ROWS[0], **{"Off Age": "9"}), ROWS[1]]), "Case", segments).tables["officers"]
    assert values(officers["Off Age"]) == ["30"]  # 30 > 9 as numbers


def test_header_repeats_are_recognised_ignoring_case_spaces_and_punctuation():
    frame = sheet([ROWS[0], {"Case": "CASE", "Date": "date", "Off Race": "OffRace", "Off Age": None, "Force": None,
                             "Level": None, "Subj Sex": "Subj-Sex", "Subj Age": None, "Injured": "Injured"},
                   dict(ROWS[1], Force="Force")])
    assert header_repeats(frame).tolist() == [False, True, False]


# ------------------------------------------------------------------------------- crosswalk options

def test_truncated_label_maps_through_a_case_folded_crosswalk():
    frame = pd.DataFrame({"_row": [0, 1, 2, 3],
                          "race_ethnicity_ids": pd.Series(["Asian/Pacifi", "ASIAN/PACIFI", "asian/pacifi;white",
                                                           "Asian/Pacific"], dtype="str")})
    maps = {"race_ethnicity_ids": {"Asian/Pacifi": ("A",), "White": ("W",)}}
    out, misses = crosswalked(frame, maps, {"race_ethnicity_ids"}, {"race_ethnicity_ids": (True, "fold")})
    assert values(out["race_ethnicity_ids"]) == ["A", "A", "A;W", "Asian/Pacific"]
    assert list(misses[["_row", "column", "value"]].itertuples(index=False, name=None)) == [
        (3, "race_ethnicity_ids", "Asian/Pacific")]
    exact, misses = crosswalked(frame, maps, {"race_ethnicity_ids"})
    assert list(misses["value"]) == ["ASIAN/PACIFI", "Asian/Pacific", "asian/pacifi", "white"]  # exact lookups


def test_crosswalk_trim_collapses_inner_spaces_and_empty_targets_add_nothing():
    frame = pd.DataFrame({"_row": [0, 1, 2], "force_type_ids": pd.Series(
        ["Special  Victims", "Firearm (Exhibited)", "Firearm (Exhibited);Hands"], dtype="str")})
    maps = {"force_type_ids": {"Special Victims": ("OTHER",), "Firearm (Exhibited)": (), "Hands": ("PHYSICAL",)}}
    out, misses = crosswalked(frame, maps, {"force_type_ids"})
    assert values(out["force_type_ids"]) == ["OTHER", None, "PHYSICAL"] and misses.empty
    out, misses = crosswalked(frame, maps, {"force_type_ids"}, {"force_type_ids": (False, "exact")})
    assert list(misses["value"]) == ["Special  Victims"]


@pytest.fixture(scope="module")
def ref():
    return load_reference()


@pytest.mark.parametrize("crosswalk, key, fragment", [
    ("element: gender\ncase: upper\nmap: {Male: M}\n", "case", "exact or fold"),
    ("element: gender\ntrim: maybe\nmap: {Male: M}\n", "trim", "true or false"),
    ("element: gender\ncase: fold\nmap: {Male: M, MALE: F}\n", "map", "same code once case is folded"),
    ("element: gender\nmap: {Male: []}\n", "map", "[] only for a multi-valued element"),
])
def test_crosswalk_option_errors_name_the_key_and_the_file(tmp_path, ref, crosswalk, key, fragment):
    (tmp_path / "cw.yaml").write_text(crosswalk, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_profile(write_profile(tmp_path, "crosswalks: [cw.yaml]\n"), ref)
    assert exc.value.key == key and fragment in exc.value.detail and "cw.yaml" in exc.value.file


# ------------------------------------------------------------------------------------ end to end

PROFILE = """
layout:
  kind: flat
  incident_key: Case
  subjects: {key: [Subj Sex, Subj Age], collapse: {Level: max}}
  officers: {key: [Off Race, Off Age]}
columns:
  incidents: {Case: agency_case_number, Date: incident_date}
  subjects: {Subj Sex: gender, Force: force_type_ids}
  officers: {Off Race: race_ethnicity_ids}
parsers:
  subjects:
    - {parser: number_range, column: Subj Age, into: [age1, age2]}
    - {parser: join, columns: [Level, Injured], separator: " / ", into: injury_type_ids}
  officers:
    - {parser: number_range, column: Off Age, into: [age]}
    - {parser: any_of, column: Force, values: ["Firearm (Discharged)"], into: shots_fired}
defaults:
  incidents: {incident_time_hours: "12", incident_time_minutes: "0", location_type: "13",
              initial_contact_id: TRAFFIC_STOP, total_officers_involved_pu_ids: UNKNOWN, total_officers_involved: "",
              ambushed: "NO", did_officer_approach: "YES", senior_officer_present: "NO", address_pu_ids: UNKNOWN}
  subjects: {race_ethnicity_ids: UNKNOWN, height_pu_ids: UNKNOWN, weight_pu_ids: UNKNOWN, impairment: "NO",
             resisted: "NO", threat_directed_at: OFFICER, armed: "NO", charged: "YES"}
  officers: {gender: M, height_pu_ids: PENDING, weight_pu_ids: PENDING, years_of_service_pu_ids: PENDING,
             full_part_time: "YES", officer_identifiable: "YES", on_duty: "YES", officer_injured: "NO"}
crosswalks: [race.yaml, gender.yaml, force.yaml, injury.yaml]
"""
CROSSWALKS = {
    "race.yaml": "element: race_ethnicity_ids\ntable: officers\ncase: fold\n"
                 "map: {White: W, Black: B, \"Asian/Pacifi\": A}\n",
    "gender.yaml": "element: gender\ntable: subjects\ncase: fold\nmap: {Male: M, Female: F}\n",
    "force.yaml": "element: force_type_ids\ncase: fold\n"
                  "map: {Hands: PHYSICAL, Taser: ELECTRONIC, \"Firearm (Discharged)\": FIREARM}\n",
    "injury.yaml": "element: injury_type_ids\ntable: subjects\nmap:\n"
                   + "".join(f"  \"{lvl} / {inj}\": {'OTHER_SERIOUS_INJURY' if lvl == 'L4' and inj == 'Yes' else 'NONE'}\n"
                             for lvl in ("L1", "L2", "L4") for inj in ("Yes", "No")),
}


def write_export(tmp_path, rows, header_repeat_at=None):
    names = list(rows[0])
    return write_export_csv(tmp_path / "export.csv", rows, header_repeat_at,
                            repeated_header=[n.replace(" ", "") for n in names])


def run_flat(run_cli, tmp_path, rows, header_repeat_at=None, profile_text=PROFILE):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    for name, text in CROSSWALKS.items():
        (cfg / name).write_text(text, encoding="utf-8")
    profile = write_profile(cfg, profile_text)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("run", "--profile", profile, "--source", write_export(tmp_path, rows, header_repeat_at),
                                   "--month", "2025-10", "--out", out, "--as-of", AS_OF)
    return code, stderr, out / "PA0230100" / "2025-10"


def test_flat_export_runs_end_to_end_with_accounting_and_json(run_cli, tmp_path):
    rows = [dict(r) for r in ROWS]
    rows[2]["Off Race"] = "ASIAN/PACIFI"  # truncated label, other case: mapped through the folded crosswalk
    code, stderr, folder = run_flat(run_cli, tmp_path, rows, header_repeat_at=3)
    assert code == 0, stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["layout"] == {"kind": "flat", "source_rows": 6, "header_repeats": 1, "blank_rows": 0,
                                  "rows_with_errors": 0, "rows_collapsed": 5, "incidents": 2, "subjects": 3,
                                  "officers": 3, "incidents_with_errors": 0,
                                  "rows_per_segment": {"incidents": {"2": 1, "3": 1}, "subjects": {"1": 2, "3": 1},
                                                       "officers": {"1": 1, "2": 2}}}
    assert manifest["rows"]["incidents"] == {"read": 2, "blank": 0, "emitted": 1, "rejected": 0,
                                             "not_reportable": 1, "other_months": 0}
    not_reportable = pd.read_csv(folder / "not_reportable.csv", dtype=str)
    assert not_reportable["agency_case_number"].tolist() == ["A"]
    emitted = [json.loads(p.read_text()) for p in sorted(folder.glob("PA0230100_*.json"))]
    assert len(emitted) == 1
    inc = emitted[0]["Incident"]
    # one subject seriously injured, the other shot at and uninjured: both criteria (spec §3.2.2.32)
    assert inc["agency_case_number"] == "B" and inc["incident_tickler_ids"] == ["INJURY", "DISCHARGE"]
    assert inc["total_number_subjects"] == 2 and inc["agency_officers_involved"] == 1
    assert [s["injury_type_ids"] for s in inc["subjects"]] == [["OTHER_SERIOUS_INJURY"], ["NONE"]]
    assert inc["officers"][0]["shots_fired"] == "YES" and inc["officers"][0]["race_ethnicity_ids"] == ["B"]


def test_flat_missing_layout_column_is_fatal_and_named(run_cli, tmp_path):
    code, stderr, folder = run_flat(run_cli, tmp_path, [{k: v for k, v in r.items() if k != "Subj Age"} for r in ROWS])
    assert code == 2 and "'Subj Age'" in stderr and "export.csv" in stderr and not folder.exists()


@pytest.mark.parametrize("text, key, fragment", [
    ("layout: stacked\n", "layout.kind", "flat, incident-lists"),
    ("layout: {kind: flat}\n", "layout.incident_key", "identifies an incident"),
    ("layout: {kind: flat, incident_key: Case, officers: {lists: [A]}}\n", "layout.officers", "unknown option"),
    ("layout: {kind: flat, incident_key: Case, subjects: {collapse: {Level: maximum}}}\n",
     "layout.subjects.collapse.Level", "distinct, first, max, min"),
    ("layout: {kind: flat, incident_key: Case}\ncolumns: {incidents: {CaseNo: agency_case_number}}\n",
     "layout.incident_key", "is not the column mapped to agency_case_number"),
    ("layout: {kind: incident-lists, incident_key: Case}\n", "layout.subjects.lists", "position-aligned"),
    ("layout: {kind: tables, separator: ','}\n", "layout", "unknown option"),
    ("source: {sheet: Data}\n", "source.sheet", "one-sheet layouts"),
    ("layout: {kind: flat, incident_key: Case}\nsource: {sheets: [A]}\n", "source", "unknown option"),
])
def test_layout_configuration_errors_name_the_key_and_the_file(tmp_path, text, key, fragment):
    path = write_profile(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_profile(path, load_reference())
    assert exc.value.key == key and fragment in exc.value.detail and exc.value.file == str(path)


def test_flat_layout_reads_a_workbook_sheet(run_cli, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    data = workbook.create_sheet("Use of Force")
    names = list(ROWS[0])
    data.append(names)
    for row in ROWS:
        data.append([row[n] for n in names])
    source = tmp_path / "export.xlsx"
    workbook.save(source)
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    for name, text in CROSSWALKS.items():
        (cfg / name).write_text(text, encoding="utf-8")
    profile = write_profile(cfg, PROFILE + "source: {sheet: Use of Force}\n")
    code, _, stderr = run_cli("validate", "--profile", profile, "--source", source, "--month", "2025-10",
                              "--as-of", AS_OF)
    assert code == 0, stderr
