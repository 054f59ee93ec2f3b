"""Reportability in three categories (meets the criteria / cannot be decided / not reportable) and the
review list of what an undecided incident hangs on (issue 9, item 10 and "Undecidable reportability")."""
import csv
import json

import openpyxl
import pandas as pd
import pytest

from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile
from transforms.derive import derived_incidents, reportability, undecided_facts

S = lambda values: pd.Series(values, dtype="str")  # noqa: E731


def frames(injuries: list, shots: list, tickler: list | None = None):
    """Incident i has subject i (injuries[i], None = no subject row) and officer i (shots[i])."""
    n = len(shots)
    incidents = pd.DataFrame({"_row": range(n), "incident_tickler_ids": S(tickler or [None] * n),
                              "total_number_subjects": S([None] * n), "total_number_subjects_pu_ids": S([None] * n),
                              "agency_officers_involved": S([None] * n),
                              "agency_officers_involved_pu_ids": S([None] * n),
                              "_source_file": "i.csv", "_source_row": range(2, n + 2)})
    with_subject = [i for i, v in enumerate(injuries) if v != "no subject row"]
    subjects = pd.DataFrame({"_incident_row": with_subject, "_row": with_subject, "subject_id": "1",
                             "injury_type_ids": S([injuries[i] for i in with_subject]), "_source_file": "s.csv",
                             "_source_row": [i + 2 for i in with_subject]})
    officers = pd.DataFrame({"_incident_row": range(n), "_row": range(n), "officer_id": "1", "shots_fired": S(shots),
                             "_source_file": "o.csv", "_source_row": range(2, n + 2)})
    return incidents, subjects, officers


@pytest.mark.parametrize("injury, shots, expected", [
    ("DEATH", "PENDING", "meets_criteria"),        # established: the open shots_fired does not matter
    ("NONE", "YES", "meets_criteria"),             # DISCHARGE
    ("NONE", "NO", "not_reportable"),
    ("PENDING", "NO", "undecided"),                # an injury flag without severity
    ("UNKNOWN", "NO", "undecided"),
    ("NONE", "UNKNOWN", "undecided"),
    (None, "NO", "undecided"),                     # blank injuries
    ("NONE", None, "undecided"),                   # blank shots_fired
    ("Bruise", "NO", "undecided"),                 # a local value no crosswalk turned into an FBI value
    ("NONE;Bruise", "NO", "undecided"),
    ("NONE", "Maybe", "undecided"),
    ("no subject row", "NO", "undecided"),
])
def test_three_categories(injury, shots, expected):
    out, screened, _ = derived_incidents(*frames([injury], [shots]))
    category = "not_reportable" if screened.iloc[0] else reportability(out).iloc[0]
    assert category == expected


def test_a_provided_tickler_meets_the_criteria():
    out, screened, _ = derived_incidents(*frames(["PENDING"], ["NO"], tickler=["INJURY"]))
    assert not screened.iloc[0] and reportability(out).tolist() == ["meets_criteria"]


def test_undecided_facts_name_each_open_fact_and_cover_every_undecided_incident():
    incidents, subjects, officers = frames(["PENDING", "NONE", "DEATH", "no subject row", "NONE"],
                                           ["UNKNOWN", "PENDING", "PENDING", "NO", "NO"])
    out, screened, _ = derived_incidents(incidents, subjects, officers)
    facts = undecided_facts(out[~screened], subjects, officers)
    assert facts[["_incident", "segment", "element", "column", "value"]].astype(object).where(
        facts[["_incident", "segment", "element", "column", "value"]].notna(), None).values.tolist() == [
        [0, "subject", "S25", "injury_type_ids", "PENDING"],
        [0, "officer", "O20", "shots_fired", "UNKNOWN"],
        [1, "officer", "O20", "shots_fired", "PENDING"],
        [3, "incident", "I33", "subjects", None],
    ]
    assert facts["_source_row"].tolist() == [2, 2, 3, 5]
    assert set(facts["_incident"]) == set(out.loc[~screened & (reportability(out) == "undecided"), "_row"])


def test_undecided_facts_of_an_incident_without_open_fact_point_at_i32():
    """An undecided incident whose facts look settled (its rows carry a layout error, so the screen
    left it in) is still listed, on I32."""
    incidents, subjects, officers = frames(["NONE"], ["NO"])
    facts = undecided_facts(incidents, subjects, officers)
    assert facts[["segment", "element"]].values.tolist() == [["incident", "I32"]]


@pytest.mark.parametrize("force, expected", [
    ("FIREARM", [("incident", "O20")]),     # no officer row: a discharge is neither established nor ruled out
    (None, [("incident", "O20")]),
    ("PHYSICAL", "not_reportable"),          # the subjects' force types rule a firearm out
])
def test_incident_without_officer_rows(force, expected):
    incidents, subjects, officers = frames(["NONE"], ["NO"])
    subjects["force_type_ids"] = S([force])
    officers = officers.iloc[:0]
    out, screened, _ = derived_incidents(incidents, subjects, officers)
    if expected == "not_reportable":
        assert screened.iloc[0]
        return
    facts = undecided_facts(out[~screened], subjects, officers)
    assert facts[["segment", "element"]].apply(tuple, axis=1).tolist() == expected
    assert "no officer row" in facts["establish"].iloc[0]


# ------------------------------------------------------------------------------ end to end

def month_run(run_cli, tmp_path, tables, profile_text=""):
    source = write_csv_extract(tmp_path / "x", tables)
    code, out, err = run_cli("run", "--profile", write_profile(tmp_path / "cfg", profile_text), "--source", source,
                             "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    return code, out, err, tmp_path / "out" / "PA0230100" / "2025-10"


def derived(case, injury, shots, **changes):
    return incident(case, incidents__incident_tickler_ids="", subjects__injury_type_ids=injury,
                    officers__shots_fired=shots, **changes)


def test_run_counts_three_categories_and_lists_undecided_for_review(run_cli, tmp_path):
    tables = combined(derived("DEATH-1", "DEATH", "NO"), derived("NONE-1", "NONE", "NO"),
                      derived("PEND-1", "PENDING", "NO"), derived("SHOT-1", "NONE", "UNKNOWN"))
    code, out, err, folder = month_run(run_cli, tmp_path, tables)
    assert code == 1, err
    manifest = json.loads((folder / "manifest.json").read_text())
    inc = manifest["incidents"]
    assert (inc["in_month"], inc["meets_criteria"], inc["undecided"], inc["not_reportable"]) == (4, 1, 2, 1)
    assert inc["meets_criteria"] + inc["undecided"] + inc["not_reportable"] == inc["in_month"]
    assert inc["valid"] == 1 and inc["rejected"] == 2
    assert "4 incident(s): 1 meet the FBI criteria, 2 cannot be decided from the export, 1 not reportable" in out
    assert "review.csv" in {f["name"] for f in manifest["files"]}
    review = list(csv.DictReader(open(folder / "review.csv", encoding="utf-8")))
    assert [(r["agency_case_number"], r["segment"], r["element"], r["rms_column"], r["local_value"], r["source_row"])
            for r in review] == [("PEND-1", "subject", "S25", "injury_type_ids", "PENDING", "4"),
                                 ("SHOT-1", "officer", "O20", "shots_fired", "UNKNOWN", "5")]
    assert all(r["to_establish"] and r["incident_date"] == "2025-10-03" for r in review)
    rejected = {(r["agency_case_number"], r["rule_id"]) for r in csv.DictReader(open(folder / "rejections.csv"))}
    assert {("PEND-1", "I32-REQUIRED"), ("SHOT-1", "I32-REQUIRED")} <= rejected  # still never sent
    book = openpyxl.load_workbook(folder / "rejections.xlsx")
    assert "review" in book.sheetnames
    cells = [c.value for row in book["summary"].iter_rows() for c in row if c.value is not None]
    labels = cells[cells.index("Incidents of the month by reportability") + 1:][:10]
    assert labels[2:] == ["incidents of the month", 4,  # counts are numbers in the workbook
                          "meet the FBI criteria (a death, serious injury or firearm discharge is established)", 1,
                          "cannot be decided from the export (see the review sheet)", 2,
                          "not reportable (the facts meet none of the criteria; see not_reportable.csv)", 1]
    sheet = book["review"]
    header = [c.value for c in sheet[2]]
    assert [sheet.cell(row=3, column=header.index(k) + 1).value for k in ("agency_case_number", "local_value")] == [
        "PEND-1", "PENDING"]


def test_review_shows_the_local_value_under_the_rms_column(run_cli, tmp_path):
    """Orlando's "injured" without a severity, mapped to PENDING: the review names the RMS column and value."""
    (tmp_path / "cfg").mkdir(parents=True)
    (tmp_path / "cfg" / "inj.yaml").write_text('element: injury_type_ids\ntable: subjects\n'
                                               'map: {injured: PENDING, none: NONE, dead: DEATH}\n')
    tables = combined(derived("INJ-1", "injured", "NO"), derived("NONE-1", "none", "NO"))
    for row in tables["subjects"]:
        row["Injury"] = row.pop("injury_type_ids")
    code, _, err, folder = month_run(run_cli, tmp_path, tables, "crosswalks: [inj.yaml]\ncolumns:\n"
                                                                "  subjects: {Injury: injury_type_ids}\n")
    assert code == 1, err
    review = list(csv.DictReader(open(folder / "review.csv", encoding="utf-8")))
    assert [(r["agency_case_number"], r["value"], r["rms_column"], r["local_value"]) for r in review] == [
        ("INJ-1", "PENDING", "Injury", "injured")]


def test_no_review_file_when_every_incident_is_decided(run_cli, tmp_path):
    code, _, err, folder = month_run(run_cli, tmp_path, combined(derived("DEATH-1", "DEATH", "NO")))
    assert code == 0, err
    assert not (folder / "review.csv").exists()
    assert "review" not in openpyxl.load_workbook(folder / "rejections.xlsx").sheetnames
    inc = json.loads((folder / "manifest.json").read_text())["incidents"]
    assert (inc["in_month"], inc["meets_criteria"], inc["undecided"], inc["not_reportable"]) == (1, 1, 0, 0)


def test_unmapped_injury_is_rejected_not_screened_out(run_cli, tmp_path):
    """Before: a local injury value missing from the crosswalk counted as a settled fact, so the incident
    was screened out as not reportable and its XW-UNMAPPED finding vanished (a silent exclusion)."""
    (tmp_path / "cfg").mkdir(parents=True)
    (tmp_path / "cfg" / "inj.yaml").write_text('element: injury_type_ids\ntable: subjects\nmap: {none: NONE}\n')
    code, _, err, folder = month_run(run_cli, tmp_path, combined(derived("BRUISE-1", "Bruise", "NO")),
                                     "crosswalks: [inj.yaml]\n")
    assert code == 1, err
    assert "BRUISE-1" not in (folder / "not_reportable.csv").read_text()
    rules = {r["rule_id"] for r in csv.DictReader(open(folder / "rejections.csv"))}
    assert "XW-UNMAPPED" in rules
    inc = json.loads((folder / "manifest.json").read_text())["incidents"]
    assert (inc["undecided"], inc["not_reportable"]) == (1, 0)


def test_austin_2017_01_counts_one_incident_meeting_the_criteria(run_cli, tmp_path):
    """Issue 9 item 10: the summary said 4 reportable for Austin 2017-01 where 1 meets the FBI criteria;
    the three counts add up and every undecided incident is listed for review."""
    from tests.conftest import REAL_EXPORTS, REPO

    source = REAL_EXPORTS / "austin-pd-response-to-resistance-2017.csv"
    profile = REPO / "data" / "sample" / "real" / "austin-pd.yaml"
    if not source.is_file() or not profile.is_file():
        pytest.skip("Austin export or profile not available")
    code, out, err = run_cli("run", "--profile", profile, "--source", source, "--month", "2017-01",
                             "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code in (0, 1), err
    folder = next((tmp_path / "out").glob("*/2017-01"))
    inc = json.loads((folder / "manifest.json").read_text())["incidents"]
    assert inc["meets_criteria"] == 1
    assert inc["meets_criteria"] + inc["undecided"] + inc["not_reportable"] == inc["in_month"]
    assert f"{inc['in_month']} incident(s): 1 meet the FBI criteria" in out
    if inc["undecided"]:
        review = pd.read_csv(folder / "review.csv", dtype=str)
        assert review["agency_case_number"].nunique() == inc["undecided"]
