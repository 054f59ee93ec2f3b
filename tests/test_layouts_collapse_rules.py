"""Rows of one incident, subject or officer that disagree (issue 9, findings 2 and 9): collapse compares
values in their element's type, a disagreement on a single-valued element is a LAYOUT-CONFLICT naming the
rows, and the profile's `precedence`, `when_blank` and segment `count` settings."""
import json

import pandas as pd
import pytest

from flows.config.load import load_profile, load_reference
from flows.errors import ConfigError
from tests.conftest import AS_OF, write_profile
from tests.test_layouts_flat import CROSSWALKS, PROFILE, ROWS, run_flat
from transforms.layouts import CONFLICT_VALUE, SegmentSpec, flat_tables
from transforms.precedence import ranked, with_blank_values
from tests.conftest import sheet, values


def _rejections(folder):
    frame = pd.read_csv(folder / "rejections.csv", dtype=str)
    return sorted(zip(frame["agency_case_number"], frame["rule_id"]))


# ------------------------------------------------------------------------------ typed collapse (finding 2)

def _iso(v):
    return pd.to_datetime(v, format="%m/%d/%Y", errors="coerce").dt.strftime("%Y-%m-%d")


@pytest.mark.parametrize("policy, expected", [("min", "9/30/2017"), ("max", "10/1/2017")])
def test_collapse_min_max_compare_dates_as_dates_not_text(policy, expected):
    rows = [dict(ROWS[0], Date="10/1/2017"), dict(ROWS[1], Date="9/30/2017")]
    segments = {"incidents": SegmentSpec(columns=("Case", "Date"), collapse={"Date": policy}, order={"Date": _iso}),
                "subjects": SegmentSpec(columns=()), "officers": SegmentSpec(columns=())}
    incidents = flat_tables(sheet(rows), "Case", segments).tables["incidents"]
    assert values(incidents["Date"]) == [expected]  # as text, "9/30/2017" > "10/1/2017"


def test_collapse_keeps_the_conflict_visible_when_a_value_cannot_be_read_in_its_type():
    rows = [dict(ROWS[0], Date="10/1/2017"), dict(ROWS[1], Date="sometime")]
    segments = {"incidents": SegmentSpec(columns=("Case", "Date"), collapse={"Date": "min"}, order={"Date": _iso}),
                "subjects": SegmentSpec(columns=()), "officers": SegmentSpec(columns=())}
    incidents = flat_tables(sheet(rows), "Case", segments).tables["incidents"]
    assert values(incidents["Date"]) == ["10/1/2017;sometime"]


def test_collapse_min_on_the_incident_date_keeps_the_incident_in_its_month_end_to_end(run_cli, tmp_path):
    # B spans two rows dated 9/30 and 10/1: with `min` it belongs to September (compared as dates; as
    # text it took 10/04/2025 and moved month, and September got a false zero report).
    rows = [dict(r) for r in ROWS]
    rows[3]["Date"], rows[4]["Date"] = "10/1/2025", "9/30/2025"
    profile = PROFILE.replace("kind: flat\n", "kind: flat\n  incidents: {collapse: {Date: min}}\n")
    code, stderr, folder = run_flat(run_cli, tmp_path, rows, profile_text=profile)
    assert code == 0, stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rows"]["incidents"]["other_months"] == 1  # B, in September
    assert manifest["incidents"]["zero_report"] == "AddOnly"  # A (October) is not reportable; B is not October's


# ------------------------------------------------------------------------------- conflicts (finding 9)

def test_rows_sharing_a_key_but_disagreeing_on_a_single_valued_element_are_a_conflict_naming_the_rows():
    rows = [dict(ROWS[0], **{"Subj Sex": "Male"}), dict(ROWS[1], **{"Subj Sex": "Female"})]
    segments = {"incidents": SegmentSpec(columns=("Case", "Date")),
                "subjects": SegmentSpec(columns=("Subj Age", "Subj Sex"), key=("Subj Age",), single=("Subj Sex",)),
                "officers": SegmentSpec(columns=())}
    result = flat_tables(sheet(rows), "Case", segments)
    assert values(result.tables["incidents"][CONFLICT_VALUE]) == [
        "Subj Sex: subject 'Male' (row 2) | 'Female' (row 3)"]
    assert len(result.tables["subjects"]) == 1  # built, so that the accounting adds up; the incident is rejected


def test_people_merged_by_the_key_reject_the_incident_end_to_end(run_cli, tmp_path):
    # Two officers of incident B with the same race and age but different genders: the key cannot tell
    # them apart, and they must not silently become one officer.
    rows = [dict(ROWS[3], **{"Off Sex": "M"}), dict(ROWS[4], **{"Off Sex": "F"})]
    profile = (PROFILE.replace("officers: {Off Race: race_ethnicity_ids}", "officers: {Off Race: race_ethnicity_ids, Off Sex: gender}")
               .replace("officers: {gender: M, ", "officers: {"))
    code, stderr, folder = run_flat(run_cli, tmp_path, rows, profile_text=profile)
    assert code == 1, stderr
    report = pd.read_csv(folder / "rejections.csv", dtype=str)
    conflict = report[report["rule_id"] == "LAYOUT-CONFLICT"]
    assert conflict["agency_case_number"].tolist() == ["B"]
    assert conflict["value"].tolist() == ["Off Sex: officer 'M' (row 2) | 'F' (row 3)"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["layout"]["rows_per_segment"]["officers"] == {"2": 1}
    assert manifest["incidents"]["emitted"] == 0


def test_precedence_resolves_what_would_be_a_conflict(run_cli, tmp_path):
    # one subject (same key) recorded injured on one row and not on the other: the ranking says which wins
    rows = [dict(ROWS[3], Injured="Yes"), dict(ROWS[4], **{"Subj Sex": "Male", "Subj Age": "19", "Injured": "No"})]
    profile = (PROFILE.replace("subjects: {Subj Sex: gender, Force: force_type_ids}",
                               "subjects: {Subj Sex: gender, Force: force_type_ids, Injured: injury_type_ids}")
               .replace("    - {parser: join, columns: [Level, Injured], separator: \" / \", into: injury_type_ids}\n", "")
               .replace("injury.yaml]", "injured.yaml]"))
    CROSSWALKS_MORE = {"injured.yaml": "element: injury_type_ids\ntable: subjects\nmap: {\"Yes\": OTHER_SERIOUS_INJURY, \"No\": NONE}\n"}
    ranking = ("precedence:\n  subjects.injury_type_ids: [DEATH, [GUNSHOT, UNCONSCIOUSNESS, OTHER_SERIOUS_INJURY], "
               "NONE, [PENDING, UNKNOWN]]\n")
    code, stderr, folder = _run(run_cli, tmp_path, rows, profile + ranking, CROSSWALKS_MORE)
    assert code == 0, stderr
    message = json.loads(next(folder.glob("PA0230100_*_0001.json")).read_text())
    assert [s["injury_type_ids"] for s in message["Incident"]["subjects"]] == [["OTHER_SERIOUS_INJURY"]]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["profile_value_rules"]["precedence_applied"]["subjects"] == {"injury_type_ids": 1}
    # without the ranking the list holds both and NONE-alone (S25) rejects it: never a silent pick
    code, _, folder = _run(run_cli, tmp_path / "without", rows, profile, CROSSWALKS_MORE)
    assert code == 1 and [r for c, r in _rejections(folder) if c == "B"]


def _run(run_cli, tmp_path, rows, profile, more=None):
    from tests.test_layouts_flat import write_export
    cfg = tmp_path / "cfg"
    cfg.mkdir(parents=True)
    for name, text in {**CROSSWALKS, **(more or {})}.items():
        (cfg / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", write_profile(cfg, profile), "--source", write_export(tmp_path, rows),
                              "--month", "2025-10", "--out", out, "--as-of", AS_OF)
    return code, stderr, out / "PA0230100" / "2025-10"


@pytest.mark.parametrize("cell, expected, changed", [
    ("NONE;OTHER_SERIOUS_INJURY", "OTHER_SERIOUS_INJURY", True),
    ("DEATH;GUNSHOT;NONE", "DEATH", True),
    ("GUNSHOT;UNCONSCIOUSNESS", "GUNSHOT;UNCONSCIOUSNESS", False),  # one rank: both kept
    ("PENDING;NONE", "NONE", True),
    ("NONE", "NONE", False),
    ("SOMETHING;NONE", "SOMETHING;NONE", False),  # an unranked value is never dropped
])
def test_ranked_keeps_the_best_rank_and_every_unranked_value(cell, expected, changed):
    ranks = (("DEATH",), ("GUNSHOT", "UNCONSCIOUSNESS", "OTHER_SERIOUS_INJURY"), ("NONE",), ("PENDING", "UNKNOWN"))
    out, mask = ranked(pd.Series([cell], dtype="str"), ranks)
    assert values(out) == [expected] and mask.tolist() == [changed]


def test_precedence_on_a_single_valued_element_maps_each_entry_then_ranks(run_cli, tmp_path):
    # the officer's two rows say "Yes" and "No" for injured: one value must be chosen by the ranking
    rows = [dict(ROWS[3], **{"Off Inj": "No"}), dict(ROWS[4], **{"Off Inj": "Yes"})]
    profile = (PROFILE.replace("officers: {Off Race: race_ethnicity_ids}",
                               "officers: {Off Race: race_ethnicity_ids, Off Inj: officer_injured}")
               .replace("officer_injured: \"NO\"", "injury_type_ids: PENDING, nibrs_incident_number_pu_ids: PENDING")
               .replace("crosswalks: [", "crosswalks: [offinj.yaml, ")
               + "precedence:\n  officer_injured: [\"YES\", \"NO\"]\n")
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "offinj.yaml").write_text("element: officer_injured\nmap: {\"Yes\": \"YES\", \"No\": \"NO\"}\n")
    for name, text in CROSSWALKS.items():
        (tmp_path / "cfg" / name).write_text(text)
    from tests.test_layouts_flat import write_export
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg", profile), "--source",
                              write_export(tmp_path, rows), "--month", "2025-10", "--out", out, "--as-of", AS_OF)
    folder = out / "PA0230100" / "2025-10"
    assert "LAYOUT-CONFLICT" not in (folder / "rejections.csv").read_text()
    message = json.loads(next(folder.glob("PA0230100_*_0001.json")).read_text())
    assert message["Incident"]["officers"][0]["officer_injured"] == "YES"


# ------------------------------------------------------------------------------------------- when_blank

def test_when_blank_fills_blank_cells_of_existing_columns_only():
    local = pd.DataFrame({"gender": pd.Series(["M", None, "X"], dtype="str")})
    frame = pd.DataFrame({"gender": pd.Series(["M", None, None], dtype="str")})  # X was mapped to no value
    out, counts = with_blank_values(frame, local, {"gender": "U", "absent": "PENDING"})
    assert values(out["gender"]) == ["M", "U", None] and counts == {"gender": 1}


def test_when_blank_end_to_end_writes_the_value_into_a_blank_cell(run_cli, tmp_path):
    rows = [dict(r) for r in ROWS[3:]]
    rows[1]["Subj Sex"] = ""  # the second subject's gender was not recorded
    code, stderr, folder = run_flat(run_cli, tmp_path, rows, profile_text=PROFILE + (
        "when_blank:\n  subjects: {gender: UNKNOWN}\n"))
    assert code == 0, stderr
    message = json.loads(next(folder.glob("PA0230100_*_0001.json")).read_text())
    assert [s["gender"] for s in message["Incident"]["subjects"]] == ["M", "UNKNOWN"]


@pytest.mark.parametrize("text, key, fragment", [
    ("when_blank: {subjects: {gender: MAYBE}}\n", "when_blank.subjects.gender", "not an FBI value"),
    ("when_blank: {subjects: {age1: PENDING}}\n", "when_blank.subjects.age1", "not an FBI value"),
    ("when_blank: {suspects: {gender: U}}\n", "when_blank", "unknown table"),
    ("precedence: {injury_type_ids: [DEATH]}\n", "precedence.injury_type_ids", "at least two"),
    ("precedence: {subjects.injury_type_ids: [DEATH, HURT]}\n", "precedence.subjects.injury_type_ids",
     "'HURT' is not an FBI value"),
    ("precedence: {gender: [M, F, M]}\n", "precedence.gender", "twice"),
    ("precedence: {colour: [A, B]}\n", "precedence.colour", "not a data element"),
    ("layout: {kind: flat, incident_key: Case, officers: {count: ''}}\n", "layout.officers.count", "number of"),
    ("layout: {kind: flat, incident_key: Case, officers: {count: N, key: [A]}}\n", "layout.officers.count",
     "built from a count"),
])
def test_value_rule_configuration_errors_name_the_key(tmp_path, text, key, fragment):
    path = write_profile(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_profile(path, load_reference())
    assert exc.value.key == key and fragment in exc.value.detail


# ------------------------------------------------------------------------- officers from a count

COUNT_PROFILE = PROFILE.replace("  officers: {key: [Off Race, Off Age]}\n", "  officers: {count: Officers}\n").replace(
    "  officers: {Off Race: race_ethnicity_ids}\n", "").replace(
    "  officers:\n    - {parser: number_range, column: Off Age, into: [age]}\n"
    "    - {parser: any_of, column: Force, values: [\"Firearm (Discharged)\"], into: shots_fired}\n", "").replace(
    "officers: {gender: M,", "officers: {race_ethnicity_ids: PENDING, age_pu_ids: PENDING, shots_fired: \"YES\", gender: M,").replace(
    "crosswalks: [race.yaml, ", "crosswalks: [")


def test_officers_built_from_a_count_hold_only_profile_values_and_a_blank_count_rejects(run_cli, tmp_path):
    rows = [dict({k: v for k, v in r.items() if not k.startswith("Off")}, Officers="2") for r in ROWS[3:]]
    rows += [dict({k: v for k, v in ROWS[3].items() if not k.startswith("Off")}, Case="C", Officers="")]
    code, stderr, folder = run_flat(run_cli, tmp_path, rows, profile_text=COUNT_PROFILE)
    assert code == 1, stderr
    assert ("C", "LAYOUT-COUNT") in _rejections(folder)
    message = json.loads(next(folder.glob("PA0230100_*_0001.json")).read_text())
    officers = message["Incident"]["officers"]
    assert len(officers) == 2
    assert {o["race_ethnicity_ids"][0] for o in officers} == {"PENDING"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rows"]["officers"]["read"] == 2  # no officer invented for C


NO_OFFICERS_PROFILE = (COUNT_PROFILE.replace("  officers: {count: Officers}\n", "")
                       .split("  officers: {race_ethnicity_ids")[0] + "crosswalks: [gender.yaml, force.yaml, injury.yaml]\n")


def test_an_export_without_any_officer_data_needs_no_officer_defaults_and_invents_no_officer(run_cli, tmp_path):
    rows = [{k: v for k, v in r.items() if not k.startswith("Off")} for r in ROWS]
    code, stderr, folder = run_flat(run_cli, tmp_path, rows, profile_text=NO_OFFICERS_PROFILE)
    assert code == 1, stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rows"]["officers"]["read"] == 0
    # A: physical force and a taser, nobody hurt: no officer fired, since no subject faced a firearm
    # B: a firearm on both subjects, one seriously injured: rejected for its missing officers
    assert ("B", "I30-NO-OFFICER-ROWS") in _rejections(folder)
    assert manifest["incidents"]["not_reportable"] == 1 and not list(folder.glob("PA0230100_*.json"))


@pytest.mark.parametrize("fmt, times, expected", [
    ("%H:%M", ("9:00", "9:05", "9:10", "17:19", "9:05"), (9, 5)),    # as text "17:19" < "9:05"
    ("%H%M", ("900", "905", "910", "1719", "233"), (2, 33)),        # numeric HHMM, 233 = 02:33
    ("%I:%M %p", ("9:00 AM", "9:05 AM", "9:10 AM", "12:30 PM", "2:15 AM"), (2, 15)),  # as text "12:30 PM" < "2:15 AM"
])
def test_collapse_min_on_a_time_compares_times_not_text(run_cli, tmp_path, fmt, times, expected):
    rows = [dict(r) for r in ROWS]
    for row, time in zip(rows, times):
        row["Time"] = time
    profile = (PROFILE.replace("kind: flat\n", "kind: flat\n  incidents: {collapse: {Time: min}}\n")
               .replace("parsers:\n", "parsers:\n  incidents:\n    - {parser: time, column: Time, format: \"" + fmt + "\"}\n")
               .replace('incident_time_hours: "12", incident_time_minutes: "0", ', ""))
    code, stderr, folder = run_flat(run_cli, tmp_path, rows, profile_text=profile)
    assert code == 0, stderr
    incident = json.loads(next(folder.glob("PA0230100_*_0001.json")).read_text())["Incident"]
    assert (incident["incident_time_hours"], incident["incident_time_minutes"]) == expected
