"""Issue 12 item 1, second part: Justice Counts 1.10 Reported Crime and 1.7 Arrests (1.8 race and ethnicity, 1.9
biological sex) from an offense/arrest extract: the hierarchy, robbery both ways, Unknown for unmapped codes
(listed, exit 1), breakdowns adding up, a year the sum of its months, and the shipped sample end to end."""
from __future__ import annotations

import csv
import io
import itertools
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from flows.config.load import load_reference
from schemas.report_settings_justice_counts_crime import CATEGORIES
from tests.conftest import AS_OF
from transforms import reports_justice_counts_crime as jc
from transforms.offense_categories import justice_counts_categories

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "justice-counts"
PROFILE = SAMPLE / "agency-jc.yaml"
ORI = "PA0230100"
# one NIBRS code per category (mappings/offenses.yaml); ZZZ is no code at all
CODE = {"person": "13B", "property": "23H", "public_order": "90C", "drug": "35A", "other": "90Z", "unknown": "ZZZ"}
COLUMNS = {"offenses": {"incident": "Inc", "code": "Code"},
           "arrests": {"arrest": "Arr", "charge": "Chg", "race": "Race", "ethnicity": "Eth", "sex": "Sex"}}


@pytest.fixture(scope="module")
def offenses_table():
    return load_reference().offenses


def maps(offenses_table, robbery="person", **more) -> jc.CodeMaps:
    return jc.CodeMaps(nibrs=justice_counts_categories(offenses_table, robbery).to_dict(),
                       **{k: jc.folded_map(v) for k, v in more.items()})


def offense_rows(*incidents: tuple[str, str, list[str]]) -> pd.DataFrame:
    rows = [(i, m, c) for i, m, codes in incidents for c in codes]
    return pd.DataFrame(rows, columns=["incident", "month", "code"], dtype="str")


def categories_of(counted: jc.Counted) -> dict[str, str]:
    return dict(zip(counted.incidents["incident"], counted.incidents["category"]))


# --------------------------------------------------------------------------------------------- the hierarchy

@pytest.mark.parametrize("serious, lesser", list(itertools.combinations(CATEGORIES, 2)))
def test_the_most_serious_offense_decides_the_incident(offenses_table, serious, lesser):
    rows = offense_rows(("A", "2025-01", [CODE[serious], CODE[lesser]]), ("B", "2025-01", [CODE[lesser], CODE[serious]]),
                        ("C", "2025-01", [CODE[lesser]]))
    counted = jc.count_extract(rows, None, COLUMNS, maps(offenses_table), ["2025-01"])
    assert categories_of(counted) == {"A": serious, "B": serious, "C": lesser}


def test_an_incident_is_counted_once_whatever_its_offenses(offenses_table):
    rows = offense_rows(("A", "2025-01", ["13B", "13A", "23H", "35A"]), ("B", "2025-02", ["35A"]))
    counted = jc.count_extract(rows, None, COLUMNS, maps(offenses_table), ["2025-01", "2025-02"])
    files = jc.metric_files(counted, ["2025-01", "2025-02"])
    assert files["reported_crime"]["value"].tolist() == [1, 1]
    january = files["reported_crime_by_type"].query("month == 1 and value > 0")
    assert january[["offense_type", "value"]].values.tolist() == [["Person Offenses", 1]]


# --------------------------------------------------------------------------------------------- robbery

@pytest.mark.parametrize("robbery, expected", [("person", "person"), ("property", "property")])
def test_robbery_is_person_by_default_and_property_with_the_nibrs_switch(offenses_table, robbery, expected):
    rows = offense_rows(("R", "2025-01", ["120"]), ("RB", "2025-01", ["120", "220"]), ("RD", "2025-01", ["35A", "120"]))
    counted = jc.count_extract(rows, None, COLUMNS, maps(offenses_table, robbery), ["2025-01"])
    assert categories_of(counted) == {"R": expected, "RB": "property" if expected == "property" else "person",
                                      "RD": expected}


def test_the_profile_switch_reaches_the_report(run_cli, tmp_path):
    folder = tmp_path / "cfg"
    shutil.copytree(SAMPLE / "crosswalks", folder / "crosswalks")
    text = PROFILE.read_text().replace("justice_counts_robbery: person", "justice_counts_robbery: property")
    (folder / "agency-jc.yaml").write_text(text)
    counts = {}
    for name, profile in (("person", PROFILE), ("property", folder / "agency-jc.yaml")):
        code, _, err = run_cli("report", "justice-counts-crime", "--profile", profile, "--source", SAMPLE,
                               "--month", "2025-01", "--out", tmp_path / name, "--as-of", AS_OF)
        assert code == 0, err  # January's codes are all mapped
        manifest = json.loads((tmp_path / name / ORI / "reports" / "justice-counts-crime" / "2025-01"
                               / "manifest.json").read_text())
        assert manifest["summary"]["robbery_counted_as"] == name
        counts[name] = manifest["summary"]["reported_crime"]["by_offense_type"]
    # KJ25-00101 (robbery alone) moves from person to property; nothing else changes
    assert counts["property"]["Person Offenses"] == counts["person"]["Person Offenses"] - 1
    assert counts["property"]["Property Offenses"] == counts["person"]["Property Offenses"] + 1


# --------------------------------------------------------------------------------------------- unknown

def test_unmapped_codes_are_unknown_listed_and_exit_1(offenses_table):
    rows = offense_rows(("U", "2025-01", ["HARASS"]), ("V", "2025-01", ["harass", "23H"]), ("W", "2025-01", [""]),
                        ("X", "2025-02", ["OLDCODE"]))
    counted = jc.count_extract(rows, None, COLUMNS, maps(offenses_table), ["2025-01"])
    assert categories_of(counted) == {"U": "unknown", "V": "property", "W": "unknown", "X": "unknown"}
    # listed as the extract wrote them, only for the incidents of the period; a blank code is not "unmapped"
    assert counted.unmapped[["table", "column", "local_code", "count"]].values.tolist() == [
        ["offenses", "Code", "HARASS", 1], ["offenses", "Code", "harass", 1]]
    assert counted.blank == {"offenses.Code": 1}
    assert jc.exit_code(counted) == 1
    files = jc.metric_files(counted, ["2025-01"])
    assert files["reported_crime_by_type"].set_index("offense_type")["value"]["Unknown Offenses"] == 2


def test_mapped_codes_give_exit_0_and_an_empty_listing(offenses_table):
    rows = offense_rows(("A", "2025-01", ["ordv", "23H"]), ("B", "2025-01", ["ORDV"]))
    counted = jc.count_extract(rows, None, COLUMNS, maps(offenses_table, categories={"ORDV": "other"}), ["2025-01"])
    assert categories_of(counted) == {"A": "property", "B": "other"}
    assert counted.unmapped.empty and jc.exit_code(counted) == 0


def test_an_incident_without_a_readable_date_is_not_counted_and_exit_1(offenses_table):
    rows = offense_rows(("A", None, ["23H"]), ("B", "2025-01", ["23H"]))
    counted = jc.count_extract(rows, None, COLUMNS, maps(offenses_table), ["2025-01"])
    assert counted.undated == {"offenses": 1} and jc.exit_code(counted) == 1
    assert jc.metric_files(counted, ["2025-01"])["reported_crime"]["value"].tolist() == [1]


# --------------------------------------------------------------------------------------------- arrests

def arrest_rows(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["arrest", "month", "charge", "race", "ethnicity", "sex"], dtype="str")


def people_maps(offenses_table):
    return maps(offenses_table, race={"W": "White", "B": "Black", "WH": "White / Hispanic or Latino"},
                ethnicity={"H": "Hispanic or Latino", "N": "Not Hispanic or Latino"}, sex={"M": "Male", "F": "Female"})


def test_arrests_are_events_classified_by_the_most_serious_charge(offenses_table):
    rows = arrest_rows(("A1", "2025-01", "35A", "W", "N", "M"), ("A1", "2025-01", "13B", "W", "N", "M"),
                       ("A2", "2025-01", "90D", "W", "N", "M"))  # the same person again: a second arrest
    counted = jc.count_extract(None, rows, COLUMNS, people_maps(offenses_table), ["2025-01"])
    assert dict(zip(counted.arrests["arrest"], counted.arrests["category"])) == {"A1": "person", "A2": "public_order"}
    assert jc.metric_files(counted, ["2025-01"])["arrests"]["value"].tolist() == [2]


def test_race_ethnicity_and_sex_use_the_definition_values_and_unknown(offenses_table):
    rows = arrest_rows(("A1", "2025-01", "13B", "W", None, "M"), ("A1", "2025-01", "23H", None, "N", None),
                       ("A2", "2025-01", "23H", "WH", None, "F"), ("A3", "2025-01", "23H", "Q", "H", "X"),
                       ("A4", "2025-01", "23H", None, None, None))
    counted = jc.count_extract(None, rows, COLUMNS, people_maps(offenses_table), ["2025-01"])
    got = counted.arrests.set_index("arrest")[["race_ethnicity", "biological_sex"]].to_dict("index")
    assert got == {
        "A1": {"race_ethnicity": "White / Not Hispanic or Latino", "biological_sex": "Male Biological Sex"},
        "A2": {"race_ethnicity": "White / Hispanic or Latino", "biological_sex": "Female Biological Sex"},
        "A3": {"race_ethnicity": "Unknown / Hispanic or Latino", "biological_sex": "Unknown Biological Sex"},
        "A4": {"race_ethnicity": "Unknown / Unknown Ethnicity", "biological_sex": "Unknown Biological Sex"}}
    assert counted.unmapped[["column", "local_code", "counted_as"]].values.tolist() == [
        ["Race", "Q", "Unknown"], ["Sex", "X", "Unknown Biological Sex"]]
    assert counted.blank == {"arrests.Chg": 0, "arrests.Race": 1, "arrests.Eth": 1, "arrests.Sex": 1}
    files = jc.metric_files(counted, ["2025-01"])
    for name in ("arrests_by_type", "arrests_by_race", "arrests_by_biological_sex"):
        assert files[name]["value"].sum() == files["arrests"]["value"].sum() == 4, name
    assert set(files["arrests_by_race"]["race/ethnicity"]) == set(jc.RACE_ETHNICITY)  # every value, zeros kept


def test_without_a_sex_column_there_is_no_1_9_file(offenses_table):
    rows = arrest_rows(("A1", "2025-01", "13B", "W", "N", "M")).drop(columns=["sex"])
    counted = jc.count_extract(None, rows, COLUMNS, people_maps(offenses_table), ["2025-01"])
    assert set(jc.metric_files(counted, ["2025-01"])) == {"arrests", "arrests_by_type", "arrests_by_race"}


# --------------------------------------------------------------------------------------------- the shipped sample

def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def run_sample(run_cli, out: Path, *period: str) -> tuple[int, Path, str]:
    code, stdout, err = run_cli("report", "justice-counts-crime", "--profile", PROFILE, "--source", SAMPLE, *period,
                                "--out", out, "--as-of", AS_OF)
    return code, out / ORI / "reports" / "justice-counts-crime" / period[1], stdout + err


def test_the_shipped_sample_end_to_end(run_cli, tmp_path):
    out = tmp_path / "out"
    code, folder, text = run_sample(run_cli, out, "--year", "2025")
    assert code == 1, text  # done, with the sample's deliberate unmapped codes
    names = ["reported_crime.csv", "reported_crime_by_type.csv", "arrests.csv", "arrests_by_type.csv",
             "arrests_by_race.csv", "arrests_by_biological_sex.csv", "calendar_year.csv", "unmapped.csv", "summary.md"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [f["name"] for f in manifest["files"]] == names
    assert manifest["report"] == "justice-counts-crime" and manifest["exit_code"] == 1
    assert {f["name"] for f in manifest["inputs"]["source"]} == {"offenses.csv", "arrests.csv"}
    assert manifest["inputs"]["crosswalks"][0]["name"] == "offense-codes.yaml"
    assert read_csv(folder / "unmapped.csv") == [
        {"table": "offenses", "column": "OffenseCode", "local_code": "HARASS", "count": "2", "unit": "offense rows",
         "counted_as": "Unknown Offenses"},
        {"table": "arrests", "column": "ChargeCode", "local_code": "HARASS", "count": "1", "unit": "charge rows",
         "counted_as": "Unknown Offenses"},
        {"table": "arrests", "column": "Race", "local_code": "ZZZ", "count": "1", "unit": "arrests",
         "counted_as": "Unknown"},
        {"table": "arrests", "column": "Sex", "local_code": "X", "count": "1", "unit": "arrests",
         "counted_as": "Unknown Biological Sex"}]
    summary = (folder / "summary.md").read_text()
    assert "`HARASS`" in summary and "Robbery counts as a person offense" in summary
    assert manifest["summary"]["rows_excluded"] == {"offenses": {"Referred in ['Y']": 1},
                                                    "arrests": {"Jurisdiction in ['OUT']": 1}}
    # the Publisher layout: year, month, breakdown column, value
    assert list(read_csv(folder / "arrests_by_race.csv")[0]) == ["year", "month", "race/ethnicity", "value"]
    assert list(read_csv(folder / "reported_crime_by_type.csv")[0]) == ["year", "month", "offense_type", "value"]
    # each breakdown adds up to its metric's total, month by month
    for total, parts in (("reported_crime", ["reported_crime_by_type"]),
                         ("arrests", ["arrests_by_type", "arrests_by_race", "arrests_by_biological_sex"])):
        totals = {r["month"]: int(r["value"]) for r in read_csv(folder / f"{total}.csv")}
        assert len(totals) == 12
        for part in parts:
            sums = {}
            for r in read_csv(folder / f"{part}.csv"):
                sums[r["month"]] = sums.get(r["month"], 0) + int(r["value"])
            assert sums == totals, part
    code, stdout, _ = run_cli("verify", "--out", out, "--profile", PROFILE)
    assert code == 0, stdout


def test_the_year_is_the_sum_of_its_months(run_cli, tmp_path):
    out = tmp_path / "out"
    _, year_folder, _ = run_sample(run_cli, out, "--year", "2025")
    year = {name: read_csv(year_folder / f"{name}.csv") for name in jc.BREAKDOWNS}
    for month in range(1, 13):
        code, folder, text = run_sample(run_cli, out, "--month", f"2025-{month:02d}")
        assert code in (0, 1), text
        for name in jc.BREAKDOWNS:
            assert read_csv(folder / f"{name}.csv") == [r for r in year[name] if r["month"] == str(month)], name
    totals = {(r["metric"], r["breakdown"]): int(r["value"]) for r in read_csv(year_folder / "calendar_year.csv")}
    assert all(r["month"] == "" for r in read_csv(year_folder / "calendar_year.csv"))
    assert totals[("reported_crime", "")] == sum(int(r["value"]) for r in year["reported_crime"])
    assert totals[("arrests", "Female Biological Sex")] == sum(
        int(r["value"]) for r in year["arrests_by_biological_sex"] if r["biological_sex"] == "Female Biological Sex")
    assert run_cli("verify", "--out", out, "--profile", PROFILE)[0] == 0


def test_a_month_without_unmapped_codes_exits_0(run_cli, tmp_path):
    code, folder, text = run_sample(run_cli, tmp_path / "out", "--month", "2025-04")
    assert code == 0, text
    assert read_csv(folder / "unmapped.csv") == []


def test_rows_without_a_readable_date_are_named_by_row_and_exit_1(run_cli, tmp_path):
    source = tmp_path / "extract"
    source.mkdir()
    (source / "offenses.csv").write_text("IncidentNo,ReportDate,OffenseCode,Referred\n"
                                         "A,01/05/2025,THEFT,\nB,13/45/2025,THEFT,\nC,,DUI,\n")
    (source / "arrests.csv").write_text("ArrestNo,ArrestDate,ChargeCode,Race,Ethnicity,Sex,Jurisdiction\n"
                                        "X,01/06/2025,DUI,WHT,N,M,IN\n")
    code, stdout, err = run_cli("report", "justice-counts-crime", "--profile", PROFILE, "--source", source,
                                "--month", "2025-01", "--out", tmp_path / "out", "--format", "json", "--as-of", AS_OF)
    document = json.loads(stdout)
    assert code == 1 and document["summary"]["undated_not_counted"] == {"offenses": 2, "arrests": 0}, err
    assert document["summary"]["reported_crime"]["total"] == 1 and document["summary"]["unmapped"] == []
    manifest = json.loads((Path(document["folder"]) / "manifest.json").read_text())
    assert any("2 row(s)" in n and "rows 3, 4" in n and "13/45" not in n for n in manifest["notes"]), manifest["notes"]


def test_a_workbook_with_the_two_sheets_gives_the_same_files(run_cli, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name in ("offenses", "arrests"):
        sheet = workbook.create_sheet(name)
        for row in csv.reader(io.StringIO((SAMPLE / f"{name}.csv").read_text())):
            sheet.append(row)
    workbook.save(tmp_path / "extract.xlsx")
    code, from_csv, _ = run_sample(run_cli, tmp_path / "csv", "--month", "2025-02")
    assert run_cli("report", "justice-counts-crime", "--profile", PROFILE, "--source", tmp_path / "extract.xlsx",
                   "--month", "2025-02", "--out", tmp_path / "xlsx", "--as-of", AS_OF)[0] == code == 1
    from_xlsx = tmp_path / "xlsx" / ORI / "reports" / "justice-counts-crime" / "2025-02"
    for name in [*(f"{n}.csv" for n in jc.BREAKDOWNS), "unmapped.csv", "summary.md"]:
        assert (from_xlsx / name).read_bytes() == (from_csv / name).read_bytes(), name


def test_without_race_and_sex_columns_1_8_and_1_9_are_not_written_and_say_so(run_cli, tmp_path):
    folder = tmp_path / "cfg"
    shutil.copytree(SAMPLE / "crosswalks", folder / "crosswalks")
    text = PROFILE.read_text().replace("    race: Race\n", "").replace("    sex: Sex\n", "")
    (folder / "agency-jc.yaml").write_text(text)
    code, stdout, err = run_cli("report", "justice-counts-crime", "--profile", folder / "agency-jc.yaml", "--source",
                                SAMPLE, "--month", "2025-04", "--out", tmp_path / "out", "--format", "json")
    document = json.loads(stdout)
    assert code == 0 and "arrests_by_race.csv" not in document["files"], err
    assert "arrests_by_biological_sex.csv" not in document["files"] and "arrests_by_type.csv" in document["files"]
    notes = " ".join(document["notes"])
    assert "1.8 (arrests_by_race.csv) not written" in notes and "1.9 (arrests_by_biological_sex.csv)" in notes


def test_the_sample_script_rewrites_the_shipped_files(tmp_path):
    script = ROOT / "scripts" / "make_offense_sample.py"
    namespace = {"__name__": "make_offense_sample", "__file__": str(script)}
    exec(compile(script.read_text(), str(script), "exec"), namespace)
    assert namespace["main"](["--out", str(tmp_path)]) == 0
    for name in ("offenses.csv", "arrests.csv"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


# --------------------------------------------------------------------------------------------- errors

def test_one_period_is_required(run_cli, tmp_path):
    for period in ([], ["--month", "2025-01", "--year", "2025"]):
        code, _, err = run_cli("report", "justice-counts-crime", "--profile", PROFILE, "--source", SAMPLE, *period,
                               "--out", tmp_path / "out")
        assert code == 2 and "--month" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.split("justice_counts_offenses:")[0], "has no 'justice_counts_offenses' section"),
    (lambda t: t.replace("    code: OffenseCode\n", "    code: OffenseCode\n    codes: X\n"), "codes"),
    (lambda t: t.replace("ORDVIOL: other", "ORDVIOL: misc"), "'misc' is not one of"),
    (lambda t: t.replace("    code: OffenseCode\n", "    code: OffenseCde\n"),
     "has no column 'OffenseCde' (named by justice_counts_offenses.offenses.code) (did you mean 'OffenseCode'?)"),
    (lambda t: t.replace("crosswalks/offense-codes.yaml", "../elsewhere.yaml"), "outside the profile's folder"),
])
def test_configuration_and_input_errors_exit_2_naming_the_key(run_cli, tmp_path, edit, message):
    folder = tmp_path / "cfg"
    shutil.copytree(SAMPLE / "crosswalks", folder / "crosswalks")
    (tmp_path / "elsewhere.yaml").write_text((SAMPLE / "crosswalks" / "offense-codes.yaml").read_text())
    (folder / "agency-jc.yaml").write_text(edit(PROFILE.read_text()))
    code, _, err = run_cli("report", "justice-counts-crime", "--profile", folder / "agency-jc.yaml", "--source", SAMPLE,
                           "--month", "2025-01", "--out", tmp_path / "out")
    assert code == 2 and message in err, err
    assert not (tmp_path / "out").exists()


def test_the_offense_crosswalk_must_map_offense_codes(run_cli, tmp_path):
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "crosswalks").mkdir()
    (folder / "crosswalks" / "offense-codes.yaml").write_text('element: gender\nmap:\n  "M": "M"\n')
    (folder / "agency-jc.yaml").write_text(PROFILE.read_text())
    code, _, err = run_cli("report", "justice-counts-crime", "--profile", folder / "agency-jc.yaml", "--source", SAMPLE,
                           "--month", "2025-01", "--out", tmp_path / "out")
    assert code == 2 and "NIBRS offense codes" in err, err


def test_rows_of_one_arrest_that_disagree_on_race_or_sex_give_unknown_and_are_listed(offenses_table):
    rows = arrest_rows(("A1", "2025-01", "13B", "W", "N", "M"), ("A1", "2025-01", "23H", "B", "N", "F"),
                       ("A2", "2025-01", "23H", "W", "N", "M"), ("A2", "2025-01", "13B", None, None, "M"))
    counted = jc.count_extract(None, rows, COLUMNS, people_maps(offenses_table), ["2025-01"])
    got = counted.arrests.set_index("arrest")[["race_ethnicity", "biological_sex"]].to_dict("index")
    assert got == {
        "A1": {"race_ethnicity": "Unknown / Not Hispanic or Latino", "biological_sex": "Unknown Biological Sex"},
        "A2": {"race_ethnicity": "White / Not Hispanic or Latino", "biological_sex": "Male Biological Sex"}}
    assert counted.unmapped[["column", "local_code", "count"]].values.tolist() == [
        ["Race", jc.DISAGREEING, 1], ["Sex", jc.DISAGREEING, 1]]
    assert jc.exit_code(counted) == 1


def test_months_the_extract_does_not_cover_are_never_reported_as_zero(run_cli, tmp_path):
    """The extract's dates decide which months it covers: a month outside is refused, a partial year reports its
    covered months only and writes no calendar-year file."""
    code, folder, text = run_sample(run_cli, tmp_path / "out", "--month", "2031-01")
    assert code == 2 and "2031-01" in text and not folder.exists()
    source = tmp_path / "early"
    source.mkdir()
    for name, column in (("offenses.csv", "ReportDate"), ("arrests.csv", "ArrestDate")):
        rows = read_csv(SAMPLE / name)
        kept = [r for r in rows if r[column][:2] in ("01", "02", "03")]
        with open(source / name, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(kept)
    code, stdout, stderr = run_cli("report", "justice-counts-crime", "--profile", PROFILE, "--source", source,
                                   "--year", "2025", "--out", tmp_path / "out", "--as-of", AS_OF)
    folder = tmp_path / "out" / ORI / "reports" / "justice-counts-crime" / "2025"
    assert code in (0, 1), stderr
    assert not (folder / "calendar_year.csv").exists() and "cover 3 of the 12 months" in stdout + stderr
    assert {r["month"] for r in read_csv(folder / "reported_crime.csv")} == {"1", "2", "3"}
