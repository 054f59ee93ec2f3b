"""Value parsers (transforms/parsers.py) on small inline Series, their profile checks, and PARSE-DATETIME."""
import csv
import json

import pandas as pd
import pytest

from flows.config.load import load_profile, load_reference
from flows.errors import ConfigError
from transforms.parsers import (ParserSpec, any_of, boolean, coordinates, date_only, date_time, flags, height_range,
                                joined, number_range, run_parser, split_list, text, time_only, years_between)
from tests.conftest import AS_OF, write_profile


def s(*values):
    return pd.Series(list(values), dtype="str")


def values(series):
    return [None if pd.isna(v) else v for v in series.tolist()]


# ------------------------------------------------------------------------------------- date and time

def test_datetime_splits_a_12_hour_cell_into_date_hours_minutes():
    out, bad = date_time(s("02/25/2018 10:23:00 PM", "12/29/2013 12:02:00 AM", "06/06/2013 12:23:00 PM", None),
                         "%m/%d/%Y %I:%M:%S %p")
    assert values(out["date"]) == ["2018-02-25", "2013-12-29", "2013-06-06", None]
    assert values(out["hours"]) == ["22", "0", "12", None]
    assert values(out["minutes"]) == ["23", "2", "23", None]
    assert bad.tolist() == [False, False, False, False]


def test_datetime_impossible_or_malformed_values_are_bad_and_leave_outputs_blank():
    out, bad = date_time(s("02/30/2018 10:23:00 PM", "13/01/2018 01:00:00 AM", "02/25/2018 13:75:00 PM",
                           "yesterday"), "%m/%d/%Y %I:%M:%S %p")
    assert bad.tolist() == [True, True, True, True]
    assert out.isna().all().all()


def test_date_parser_reads_another_format_and_never_guesses():
    iso, bad = date_only(s("25.02.2018", "31.02.2018", "02/25/2018", None), "%d.%m.%Y")
    assert values(iso) == ["2018-02-25", None, None, None] and bad.tolist() == [False, True, True, False]
    iso, bad = date_only(s("8/13/2020", "2020-08-13"), None)
    assert values(iso) == ["2020-08-13", "2020-08-13"] and not bad.any()


def test_time_parser_reads_12_hour_and_24_hour_clocks():
    out, bad = time_only(s("10:23 PM", "12:05 am", "7:00 PM", "25:00 PM"), "%I:%M %p")
    assert values(out["hours"]) == ["22", "0", "19", None] and bad.tolist() == [False, False, False, True]
    out, bad = time_only(s("2230", "0005"), "%H%M")
    assert values(out["hours"]) == ["22", "0"] and values(out["minutes"]) == ["30", "5"]


def test_years_of_service_from_hire_date_as_of_the_incident_date():
    hired = s("08/13/2010", "08/13/2010", "2000-02-29", "not a date", "01/01/2020")
    incident = s("2020-08-12", "2020-08-13", "2021-02-28", "2020-01-01", None)
    assert values(years_between(hired, incident)) == ["9", "10", "20", "not a date", None]


# ------------------------------------------------------------------------------------------ location

def test_coordinates_from_parentheses_wkt_point_and_plain_pair():
    out = coordinates(s("(28.541300099, -81.379028582)", "POINT (-81.3790 28.5413)", "28.5,-81.4",
                        "Unmapped", None))
    assert values(out["lat"]) == ["28.541300099", "28.5413", "28.5", "Unmapped", None]
    assert values(out["lon"]) == ["-81.379028582", "-81.3790", "-81.4", None, None]


def test_a_plain_pair_that_reads_as_longitude_first_is_not_swapped_silently():
    # latitude first, -81.379 / 28.54 would lie off Antarctica; American Samoa and Guam stay readable
    out = coordinates(s("-81.3790, 28.5413", "-14.2756, -170.7020", "13.4443, 144.7937"))
    assert values(out["lat"]) == ["-81.3790, 28.5413", "-14.2756", "13.4443"]
    assert values(out["lon"]) == [None, "-170.7020", "144.7937"]


def test_coordinates_from_two_columns_pass_through():
    spec = ParserSpec(parser="coordinates", inputs=("Lat", "Lon"), into=("address_latitude", "address_longitude"))
    frame = pd.DataFrame({"Lat": s(" 40.1 ", None), "Lon": s("-79.9", None)})
    out = run_parser(spec, frame).columns
    assert values(out["address_latitude"]) == ["40.1", None] and values(out["address_longitude"]) == ["-79.9", None]


# ---------------------------------------------------------------------------------- ranges, heights

def test_height_ranges_become_the_height1_height2_pairs():
    out = height_range(s("5'10'' to 6'0''", "5'7''", "6 ft 1 in", "5' 4\"", "> 6'3''", None))
    assert values(out["feet1"]) == ["5", "5", "6", "5", "> 6'3''", None]
    assert values(out["inch1"]) == ["10", "7", "1", "4", None, None]
    assert values(out["feet2"]) == ["6", None, None, None, None, None]
    assert values(out["inch2"]) == ["0", None, None, None, None, None]


def test_number_ranges_become_age1_age2():
    out = number_range(s("30 to 40", "25-30", "07", "about 30", None))
    assert values(out["low"]) == ["30", "25", "7", "about 30", None]
    assert values(out["high"]) == ["40", "30", None, None, None]


def test_blank_values_and_when_blank_fill_the_pending_unknown_element():
    spec = ParserSpec(parser="number_range", inputs=("Age",), into=("age1", "age2"), blank=("0",),
                      when_blank={"age_pu_ids": "UNKNOWN"})
    out = run_parser(spec, pd.DataFrame({"Age": s("34", "0", None, "20 to 25")})).columns
    assert values(out["age1"]) == ["34", None, None, "20"]
    assert values(out["age2"]) == [None, None, None, "25"]
    assert values(out["age_pu_ids"]) == [None, "UNKNOWN", "UNKNOWN", None]


def test_a_range_into_a_single_element_is_kept_for_the_rules():
    spec = ParserSpec(parser="height_range", inputs=("H",), into=("height_feet", "height_inch"))
    out = run_parser(spec, pd.DataFrame({"H": s("6'1''", "5'10'' to 6'0''")})).columns
    assert values(out["height_feet"]) == ["6", "5'10'' to 6'0''"] and values(out["height_inch"]) == ["1", None]


# ------------------------------------------------------------------------------------- coded values

def test_booleans_from_yes_no_true_false():
    assert values(boolean(s("Yes", "no", "TRUE", "false", "Y", "0", "maybe", None))) == \
        ["YES", "NO", "YES", "NO", "YES", "NO", "maybe", None]
    assert values(boolean(s("Yes", "No"), "PENDING", "NO")) == ["PENDING", "NO"]


def test_split_on_a_configured_separator_gives_the_fbi_list_form():
    assert values(split_list(s("Taser, OC ,Hands", "K9", " , ", None), ",")) == ["Taser;OC;Hands", "K9", None, None]
    assert values(split_list(s("A / B"), "/")) == ["A;B"]


def test_trim_and_case_folding_before_the_crosswalk():
    assert values(text(s("Room  CLearing", "room clearing"), case="fold")) == ["room clearing", "room clearing"]
    assert values(text(s("a  b"), trim=False, case="upper")) == ["A  B"]


def test_join_combines_columns_for_one_crosswalk_entry_per_combination():
    frame = pd.DataFrame({"Race": s("W", "B", None), "Eth": s("HI", None, None)})
    assert values(joined(frame, " / ")) == ["W / HI", "B / ", None]


def test_any_of_looks_through_collapsed_lists():
    out = any_of(s("Hands;Firearm (Discharged)", "Hands", None), ("Firearm (Discharged)",), "YES", "NO")
    assert values(out) == ["YES", "NO", "NO"]  # a blank cell takes `else` (if_blank's default)


def test_flags_list_the_labels_of_yes_columns():
    frame = pd.DataFrame({"Taser": s("Yes", "No", "No", None, "Maybe"), "OC": s("Yes", "No", "yes", None, "No")})
    out = flags(frame, {"Taser": "ELECTRONIC", "OC": "CHEMICAL"})
    assert values(out) == ["ELECTRONIC;CHEMICAL", None, "CHEMICAL", None, "Maybe"]
    assert values(flags(frame, {"Taser": "ELECTRONIC"}, none="UNKNOWN"))[1] == "UNKNOWN"


# ----------------------------------------------------------------------------- profile configuration

@pytest.fixture(scope="module")
def ref():
    return load_reference()


@pytest.mark.parametrize("entry, key, fragment", [
    ("{parser: datetimes, column: X}", "parsers.incidents[0].parser", "unknown parser 'datetimes'"),
    ("{parser: datetime, column: X, format: '%m/%d/%Y'}", "parsers.incidents[0].format", "lacks %M"),
    ("{parser: datetime, column: X, format: 'MM/DD/YYYY hh:mm'}", "parsers.incidents[0].format",
     "date/time format"),
    ("{parser: boolean, column: X, into: ambushed, colour: red}", "parsers.incidents[0]", "unknown option(s)"),
    ("{parser: boolean, column: X}", "parsers.incidents[0]", "needs 'into'"),
    ("{parser: boolean, column: X, into: ambushd}", "parsers.incidents[0].into", "not a column of table"),
    ("{parser: text, column: X, into: ambushed, case: title}", "parsers.incidents[0].case", "keep, upper"),
    ("{parser: join, column: X, into: ambushed}", "parsers.incidents[0].column", "reads 'columns'"),
    ("{parser: coordinates, columns: [A, B, C]}", "parsers.incidents[0].columns", "two columns"),
    ("{parser: number_range, column: X, into: [a, b, c]}", "parsers.incidents[0].into", "writes 1 or 2"),
    # dates and times (tests/test_parsers_dates_times.py): ambiguous formats and zones are refused
    ("{parser: datetime, column: X, timezone: CST}", "parsers.incidents[0].timezone", "daylight saving"),
    ("{parser: datetime, column: X, timezone: Etc/GMT+6}", "parsers.incidents[0].timezone", "daylight saving"),
    ("{parser: datetime, column: X, timezone: America/Springfield}", "parsers.incidents[0].timezone",
     "not a known time zone"),
    ("{parser: time, column: X, timezone: America/Chicago}", "parsers.incidents[0]", "unknown option(s)"),
    ("{parser: time, column: X, format: '%I:%M'}", "parsers.incidents[0].format", "without %p"),
    ("{parser: time, column: X, format: '%H:%M %p'}", "parsers.incidents[0].format", "AM/PM would be ignored"),
    ("{parser: time, column: X, format: '%H:%M%z'}", "parsers.incidents[0].format", "with a date"),
    ("{parser: date, column: X, format: '%a %m/%d/%Y'}", "parsers.incidents[0].format", "'%a' is not supported"),
    ("{parser: datetime, column: X, format: '%m/%d/%Y %H:%M %Z'}", "parsers.incidents[0].format",
     "zone abbreviations"),
    ("{parser: date, column: X, format: '%Y-%d'}", "parsers.incidents[0].format", "lacks %m"),
    ("{parser: date, column: X, format: excel}", "parsers.incidents[0].format", "excel-serial"),
    # derivations (tests/test_parsers_derivations.py)
    ("{parser: any_of, column: X, values: [A], into: ambushed, case: keep}", "parsers.incidents[0].case",
     "fold, exact"),
    ("{parser: any_of, column: X, values: [A], into: ambushed, if_blank: NO, when_blank: {ambushed: UNKNOWN}}",
     "parsers.incidents[0].when_blank", "keep one"),
    ("{parser: split, column: X, separator: ',', into: [offense1, offense2, offense_pu_ids]}",
     "parsers.incidents[0].into", "'offense_pu_ids' holds a list"),
    ("{parser: split, column: X, separator: ',', into: [a, b, c, d, e, f, g, h, i, j, k]}",
     "parsers.incidents[0].into", "writes 1 to 10 element(s), 11 given"),
    ("{parser: one_hot, column: X, into: ambushed}", "parsers.incidents[0].columns", "reads 'columns'"),
])
def test_parser_configuration_errors_name_the_key_and_the_file(tmp_path, ref, entry, key, fragment):
    path = write_profile(tmp_path, f"parsers:\n  incidents:\n    - {entry}\n")
    with pytest.raises(ConfigError) as exc:
        load_profile(path, ref)
    assert exc.value.key == key and fragment in exc.value.detail and str(path) in str(exc.value)


def test_parser_output_mapped_twice_is_a_configuration_error(tmp_path, ref):
    path = write_profile(tmp_path, "columns:\n  incidents: {When: incident_date}\nparsers:\n  incidents:\n"
                         "    - {parser: datetime, column: Stamp, format: '%m/%d/%Y %H:%M'}\n")
    with pytest.raises(ConfigError, match="also mapped from RMS column 'When'"):
        load_profile(path, ref)


def test_date_parsers_belong_to_the_incidents(tmp_path, ref):
    path = write_profile(tmp_path, "parsers:\n  officers:\n    - {parser: date, column: X, into: [age]}\n")
    with pytest.raises(ConfigError) as exc:
        load_profile(path, ref)
    assert exc.value.key == "parsers.officers[0].parser"


# ------------------------------------------------------------------------ end to end: PARSE-DATETIME

ROWS = [
    {"Case": "C-1", "When": "10/03/2025 02:30:00 PM", "Subject Sex": "M", "Hired": "06/01/2015"},
    {"Case": "C-2", "When": "02/30/2025 10:23:00 PM", "Subject Sex": "F", "Hired": "06/01/2015"},
]
PROFILE = """
layout: {kind: flat, incident_key: Case}
columns:
  incidents: {Case: agency_case_number}
  subjects: {Subject Sex: gender}
parsers:
  incidents:
    - {parser: datetime, column: When, format: "%m/%d/%Y %I:%M:%S %p"}
  officers:
    - {parser: years_of_service, column: Hired}
defaults:
  incidents: {location_type: "13", initial_contact_id: TRAFFIC_STOP, total_officers_involved: "1", ambushed: "NO",
              did_officer_approach: "YES", senior_officer_present: "NO", address_pu_ids: UNKNOWN}
  subjects: {race_ethnicity_ids: W, age_pu_ids: UNKNOWN, height_pu_ids: UNKNOWN, weight_pu_ids: UNKNOWN,
             impairment: "NO", resisted: "NO", threat_directed_at: OFFICER, armed: "NO", force_type_ids: PHYSICAL,
             injury_type_ids: OTHER_SERIOUS_INJURY, charged: "YES"}
  officers: {race_ethnicity_ids: W, gender: M, age: "40", height_pu_ids: PENDING, weight_pu_ids: PENDING,
             full_part_time: "YES", officer_identifiable: "YES", on_duty: "YES", officer_injured: "NO",
             shots_fired: "NO"}
"""


def test_impossible_date_time_rejects_its_incident_with_parse_datetime(run_cli, tmp_path):
    source = tmp_path / "export.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    profile = write_profile(tmp_path / "cfg", PROFILE)
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10",
                              "--out", out, "--as-of", AS_OF)
    assert code == 1, stderr
    folder = out / "PA0230100" / "2025-10"
    rejections = pd.read_csv(folder / "rejections.csv", dtype=str)
    # I3/I5/I6 findings are shadowed; the officer's years of service cannot be counted without the date
    assert rejections["rule_id"].tolist() == ["PARSE-DATETIME", "O11-REQUIRED"]
    row = rejections.iloc[0]
    assert row["agency_case_number"] == "C-2" and row["source_row"] == "3" and row["column"] == "When"
    assert row["value"] == "02/30/2025 10:23:00 PM" and "not a real date and time" in row["message"]
    emitted = [json.loads(p.read_text()) for p in folder.glob("PA0230100_*.json")]
    assert len(emitted) == 1
    incident = emitted[0]["Incident"]
    assert incident["incident_date"] == "10/03/2025" and incident["incident_time_hours"] == 14
    assert incident["incident_time_minutes"] == 30
    assert incident["officers"][0]["years_of_service"] == 10  # hired 06/01/2015, incident 10/03/2025
    manifest = json.loads((folder / "manifest.json").read_text())
    layout = manifest["layout"]
    assert layout["rows_with_errors"] == 1 and layout["incidents_with_errors"] == 1
    assert layout["source_rows"] == layout["rows_collapsed"] + layout["header_repeats"] + layout["blank_rows"] \
        + layout["rows_with_errors"]
    assert manifest["findings"]["by_rule"] == {"O11-REQUIRED": 1, "PARSE-DATETIME": 1}


def test_parsers_work_on_the_tables_layout_too(run_cli, tmp_path):
    from tests.conftest import incident, write_csv_extract

    tables = incident()
    for column in ("incident_time_hours", "incident_time_minutes"):
        del tables["incidents"][0][column]
    tables["incidents"][0]["Time"] = "02:30 pm"
    tables["officers"][0]["Hired"] = "2015-10-04"
    del tables["officers"][0]["years_of_service"]
    tables["officers"][0]["Ambush"] = "n"
    profile = write_profile(tmp_path / "cfg", "parsers:\n  incidents:\n"
                            "    - {parser: time, column: Time, format: '%I:%M %p'}\n"
                            "  officers:\n    - {parser: years_of_service, column: Hired}\n"
                            "    - {parser: boolean, column: Ambush, into: on_duty}\n")
    del tables["officers"][0]["on_duty"]
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", profile, "--source", write_csv_extract(tmp_path / "x", tables),
                              "--month", "2025-10", "--out", out, "--as-of", AS_OF)
    assert code == 0, stderr
    folder = out / "PA0230100" / "2025-10"
    incident_json = json.loads(next(folder.glob("PA0230100_*.json")).read_text())["Incident"]
    assert (incident_json["incident_time_hours"], incident_json["incident_time_minutes"]) == (14, 30)
    officer = incident_json["officers"][0]
    assert officer["years_of_service"] == 9 and officer["on_duty"] == "NO"  # hired 2015-10-04, incident 2025-10-03
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["layout"]["kind"] == "tables" and manifest["extra_columns_ignored"]["officers"] == []
