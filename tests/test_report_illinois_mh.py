"""Issue 12 item 2: the Illinois mental-health-crisis dispatch report (20 Ill. Adm. Code 1244 Subpart B) from a CAD
export: one test per inclusion and exclusion rule, multi-select levels and outcomes, units requested by others,
unmapped codes, a month without incidents, the deadline in `uof status`, and the shipped sample end to end."""
from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from pydantic import ValidationError

from flows.io.ledger import Ledger, report_runs
from schemas.report_settings_illinois_mh import IllinoisMhSettings
from scripts.make_cad_sample import sample_text
from tests.conftest import SAMPLE
from tests.test_config_models import editor_view, schema_errors
from transforms.coverage import Coverage
from transforms.deadlines import mh_report_status, mh_status_summary, reporting_months
from transforms.reports_illinois_mh import LEVELS, OUTCOMES, cad_coverage, dispatch_rows, month_report

ORI = "IL0990000"
MONTH = "2025-10"
SETTINGS = {
    "columns": {"incident_number": "Inc", "date": "Date", "call_type": "Call", "final_call_type": "Final",
                "unit_type": "Type", "assignment": "How", "requested_by": "By", "disposition": "Disp"},
    "crisis_call_types": ["MH", "SUICIDAL"], "other_call_types": ["THEFT", "DIST"], "broadcast": ["ISPERN"],
    "unit_types": {"PATROL": ["Sworn Officer"], "CIT": ["Crisis Intervention Team Trained Officer"],
                   "SWAT": ["SWAT Team"], "EMS": ["Ambulance"], "CORESP": ["Sworn Officer", "Social Worker"],
                   "DESK": []},
    "dispositions": {"ROR": ["Released (Own Recognizance)"], "RTF": ["Released (Family Member)"], "ARR": ["Arrested"],
                     "VOL": ["Voluntary Admission to Mental Health Facility"], "UTL": ["Other"], "CLR": []},
}
SAMPLE_DIR = SAMPLE / "illinois"
PROFILE = SAMPLE_DIR / "agency-il.yaml"
CAD = SAMPLE_DIR / "cad_dispatch.csv"
AS_OF = "2025-12-01T09:00:00"


def unit(inc, call="MH", kind="PATROL", disp="ROR", how="DISPATCHED", by=ORI, date="2025-10-03 10:00:00",
         final=None):
    return {"Inc": inc, "Date": date, "Call": call, "Final": final or call, "Type": kind, "How": how, "By": by,
            "Disp": disp}


def report(*units, month=MONTH, declared=None, **overrides):
    settings = IllinoisMhSettings.model_validate({**SETTINGS, **overrides})
    frame = pd.DataFrame(list(units), columns=["Inc", "Date", "Call", "Final", "Type", "How", "By", "Disp"],
                         dtype="str")
    frame["_source_file"] = "cad.csv"
    frame["_source_row"] = range(2, len(frame) + 2)
    rows = dispatch_rows(frame, settings, ORI)
    return month_report(rows, month, settings, cad_coverage(rows, month, declared))


def listed(result) -> dict:
    return {r.incident_number: (r.levels, r.outcomes) for r in result.incidents.itertuples()}


def excluded(result) -> dict:
    return dict(zip(result.excluded["incident_number"], result.excluded["reason"]))


# ------------------------------------------------------------------------------------------------ inclusion rules

def test_a_unit_dispatched_for_a_crisis_call_type_makes_the_incident_reportable():
    result = report(unit("A", call="MH"), unit("B", call="SUICIDAL"), unit("C", call="THEFT"))
    assert list(listed(result)) == ["A", "B"]
    assert result.summary["incidents"] == 2 and result.exit_code == 0
    assert excluded(result) == {}  # a theft call is no crisis: not listed as excluded either


def test_the_reason_for_dispatch_decides_not_the_outcome():
    """1244.300(b): a crisis call ending in an arrest counts; a theft call ending in a voluntary admission does not."""
    result = report(unit("A", call="MH", disp="ARR"), unit("B", call="THEFT", disp="VOL"))
    assert listed(result) == {"A": ("Sworn Officer", "Arrested")}


def test_a_subject_not_found_or_without_field_report_is_reported():
    """1244.300(d): nothing but the dispatch decides; a blank disposition is reported too, with a finding."""
    result = report(unit("A", disp="UTL"), unit("B", disp=None))
    assert listed(result) == {"A": ("Sworn Officer", "Other"), "B": ("Sworn Officer", "")}
    assert result.findings["finding"].str.startswith("incident whose dispositions name no outcome").tolist() == [True]
    assert result.findings.iloc[0]["incident_numbers"] == "B" and result.exit_code == 1


# ------------------------------------------------------------------------------------------------ exclusion rules

def test_units_answering_a_broadcast_without_dispatch_are_left_out():
    """1244.300(c)(1): an incident only broadcast responders attended is not reported; a broadcast responder at a
    reported incident adds no level."""
    result = report(unit("A", how="ISPERN"),
                    unit("B"), unit("B", kind="SWAT", how="ISPERN"))
    assert listed(result) == {"B": ("Sworn Officer", "Released (Own Recognizance)")}
    assert excluded(result) == {"A": "units answered a broadcast without being dispatched (1244.300(c)(1))"}
    assert result.summary["levels"]["SWAT Team"] == 0 and result.summary["excluded"]["broadcast"] == 1


def test_a_crisis_that_came_to_light_after_dispatch_is_not_reported():
    """1244.300(c)(2): dispatched to a disturbance, reclassified as a crisis on scene: not reported; the final call
    type never makes an incident reportable."""
    result = report(unit("A", call="DIST", final="MH", disp="ARR"))
    assert listed(result) == {} and result.summary["incidents"] == 0
    assert excluded(result) == {"A": "dispatched for another call type; the crisis came to light later "
                                     "(1244.300(c)(2))"}


def test_a_unit_dispatched_for_the_crisis_after_reclassification_counts_and_the_first_one_does_not():
    """Where the call type column holds each unit's reason for dispatch: the patrol sent to the disturbance learned
    of the crisis later (not reported), the CIT officer was sent for the crisis."""
    result = report(unit("A", call="DIST", kind="PATROL", disp="CLR"), unit("A", call="MH", kind="CIT", disp="VOL"))
    assert listed(result) == {"A": ("Crisis Intervention Team Trained Officer",
                                    "Voluntary Admission to Mental Health Facility")}


def test_units_requested_by_another_agency_are_left_out():
    """1244.400(b): the fire district's ambulance adds no level and its disposition no outcome; an incident where only
    another agency's request sent a unit is not reported; a blank requester is the agency itself."""
    result = report(unit("A"), unit("A", kind="EMS", by="FD99", disp="VOL"),
                    unit("B", by="IL0990100"),
                    unit("C", by=None, kind="CIT"))
    assert listed(result) == {"A": ("Sworn Officer", "Released (Own Recognizance)"),
                              "C": ("Crisis Intervention Team Trained Officer", "Released (Own Recognizance)")}
    assert excluded(result) == {"B": "units dispatched only at another agency's request (1244.400(b))"}
    assert result.summary["levels"]["Ambulance"] == 0


def test_the_dispatching_agency_values_name_the_agency_in_the_requested_by_column():
    result = report(unit("A", by="SHERIFF"), unit("B"), dispatching_agency=["SHERIFF"])
    assert list(listed(result)) == ["A"] and list(excluded(result)) == ["B"]


# ------------------------------------------------------------------------------------------------ multi-select

def test_levels_are_every_type_of_unit_dispatched_and_counted_once_per_incident():
    result = report(unit("A"), unit("A", kind="PATROL"), unit("A", kind="CIT"), unit("A", kind="EMS"),
                    unit("A", kind="DESK"),
                    unit("B", kind="CORESP"))
    assert listed(result)["A"][0] == "Sworn Officer; Crisis Intervention Team Trained Officer; Ambulance"
    assert listed(result)["B"][0] == "Sworn Officer; Social Worker"  # a co-responder car is both
    levels = result.summary["levels"]
    assert levels == {"Sworn Officer": 2, "Crisis Intervention Team Trained Officer": 1, "SWAT Team": 0,
                      "Social Worker": 1, "Psychologist": 0, "Ambulance": 1, "Other": 0}
    assert sum(levels.values()) > result.summary["incidents"] == 2  # multi-select: no sum to the total
    flags = result.incidents.set_index("incident_number")
    assert flags.loc["A", "level: Ambulance"] == 1 and flags.loc["B", "level: Ambulance"] == 0
    counts = result.counts.set_index(["section", "category"])["incidents"]
    assert counts[("level of response", "Sworn Officer")] == 2 and len(result.counts) == 1 + len(LEVELS) + len(OUTCOMES)


def test_outcomes_are_every_disposition_of_every_unit_several_in_one_cell():
    result = report(unit("A", disp="ARR; VOL"), unit("A", kind="CIT", disp="RTF;CLR"), unit("B", disp="ROR"))
    assert listed(result)["A"][1] == ("Released (Family Member); Arrested; Voluntary Admission to Mental Health "
                                      "Facility")
    outcomes = result.summary["outcomes"]
    assert outcomes["Arrested"] == 1 and outcomes["Released (Own Recognizance)"] == 1
    assert "do not add up to the incident total" in result.summary["counts_note"]


def test_codes_are_compared_with_spaces_trimmed():
    result = report(unit("A", call="  MH ", kind=" PATROL", disp=" ARR ;  VOL "))
    assert listed(result) == {"A": ("Sworn Officer", "Arrested; Voluntary Admission to Mental Health Facility")}


# ------------------------------------------------------------------------------------------------ findings

def test_unmapped_and_blank_codes_are_findings_never_dropped():
    result = report(unit("A", call="WELFARE"),  # in neither list: maybe a crisis, listed
                    unit("B", kind="K9", disp="ZZZ; ARR"), unit("B", kind=None, disp="CLR"),
                    unit("C", call=None),
                    unit("D", call="THEFT", kind="K9", disp="ZZZ"),  # not a crisis: its codes do not matter
                    unit("E", kind="DESK", disp="ROR"))  # mapped to no level: the incident has none
    found = {(f.column, f.value, f.finding.split(":")[0]): (f.rows, f.incident_numbers)
             for f in result.findings.itertuples()}
    assert found == {("Call", "WELFARE", "call type in neither crisis_call_types nor other_call_types"): (1, "A"),
                     ("Call", "", "blank call type on a dispatched unit"): (1, "C"),
                     ("Type", "K9", "unit type not in unit_types"): (1, "B"),
                     ("Type", "", "blank unit type on a unit dispatched for the crisis"): (1, "B"),
                     ("Disp", "ZZZ", "disposition code not in dispositions"): (1, "B"),
                     ("Type", "", "incident whose units name no level of response"): (3, "B; E")}
    assert result.exit_code == 1 and result.summary["findings"] == 6
    assert listed(result) == {"B": ("", "Arrested"), "E": ("", "Released (Own Recognizance)")}


def test_rows_without_incident_number_or_readable_date_are_findings():
    result = report(unit(None), unit("A", date="someday"), unit("B"))
    kinds = result.findings["finding"].str.split(":").str[0].tolist()
    assert kinds == ["row without an incident number", "incident without a readable date"]
    assert result.findings.iloc[1]["incident_numbers"] == "A" and list(listed(result)) == ["B"]


# ------------------------------------------------------------------------------------------------ months

def test_a_covered_month_without_crisis_dispatch_is_reported_as_zero_incidents():
    result = report(unit("A", call="THEFT", date="2025-09-20 08:00:00"), unit("B", date="2025-11-02 08:00:00"))
    assert result.coverage.covers(MONTH) and result.summary["incidents"] == 0 and result.exit_code == 0
    assert result.counts["incidents"].sum() == 0 and result.incidents.empty


def test_coverage_is_the_date_span_or_the_declared_period():
    settings = IllinoisMhSettings.model_validate(SETTINGS)
    frame = pd.DataFrame([unit("A", date="2025-10-03 10:00:00")], dtype="str").assign(_source_file="c", _source_row=2)
    rows = dispatch_rows(frame, settings, ORI)
    assert cad_coverage(rows, "2025-09", None) == Coverage("2025-10", "2025-10", "incident_span", "2025-10-03",
                                                           "2025-10-03")
    assert cad_coverage(rows, "2025-09", ("2025-09", "2025-10")).covers("2025-09")


def test_an_incident_belongs_to_the_month_of_its_earliest_date():
    result = report(unit("A", date="2025-09-30 23:58:00"), unit("A", kind="CIT", date="2025-10-01 00:10:00"),
                    unit("B", date="2025-10-31 23:00:00"))
    assert list(listed(result)) == ["B"]


# ------------------------------------------------------------------------------------------------ settings

@pytest.mark.parametrize("change, message", [
    ({"other_call_types": ["MH"]}, "in both crisis_call_types and other_call_types"),
    ({"broadcast": []}, "columns.assignment and broadcast go together"),
    ({"unit_types": {"PATROL": ["Patrol Officer"]}}, "Sworn Officer"),
    ({"dispositions": {"ARR": "Jailed"}}, "Arrested"),
    ({"date_format": "%m/%d"}, "date_format"),
    ({"unit_types": {"CIT": ["Other"], " CIT ": ["Other"]}}, "same code"),
])
def test_inconsistent_settings_are_refused(change, message):
    with pytest.raises(ValidationError, match=message):
        IllinoisMhSettings.model_validate({**SETTINGS, **change})


def test_a_profile_with_a_bad_section_or_none_exits_2(run_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(PROFILE.read_text(encoding="utf-8").replace("[Sworn Officer]", "[Patrolman]", 1), encoding="utf-8")
    code, _, stderr = run_cli("report", "illinois-mh", "--profile", bad, "--source", CAD, "--month", MONTH,
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 2 and "illinois_mh.unit_types.PATROL" in stderr
    bare = tmp_path / "bare.yaml"
    bare.write_text(f'agency_ori: "{ORI}"\n', encoding="utf-8")
    code, _, stderr = run_cli("report", "illinois-mh", "--profile", bare, "--source", CAD, "--month", MONTH,
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 2 and "no illinois_mh: section" in stderr and not (tmp_path / "out" / ORI).exists()


def test_a_missing_column_or_uncovered_or_unfinished_month_exits_2(run_cli, tmp_path):
    cad = tmp_path / "cad.csv"
    cad.write_text(CAD.read_text(encoding="utf-8").replace("Unit Type", "UnitType"), encoding="utf-8")
    code, _, stderr = run_cli("report", "illinois-mh", "--profile", PROFILE, "--source", cad, "--month", MONTH,
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 2 and "column 'Unit Type'" in stderr and "did you mean 'UnitType'" in stderr
    code, _, stderr = run_cli("report", "illinois-mh", "--profile", PROFILE, "--source", CAD, "--month", "2025-08",
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 2 and "2025-08 is not covered" in stderr and "illinois_mh.extract_period" in stderr
    code, _, stderr = run_cli("report", "illinois-mh", "--profile", PROFILE, "--source", CAD, "--month", "2025-11",
                              "--out", tmp_path / "out", "--as-of", "2025-11-20T08:00:00")
    assert code == 2 and "not over" in stderr
    code, _, stderr = run_cli("report", "illinois-mh", "--profile", PROFILE, "--source", CAD, "--month", MONTH,
                              "--out", tmp_path / "out", "--state", tmp_path / "no-such-folder", "--as-of", AS_OF)
    assert code == 2 and "--state" in stderr and not (tmp_path / "no-such-folder").exists()
    assert not (tmp_path / "out" / ORI / "reports").exists()


# ------------------------------------------------------------------------------------------------ the deadline

def runs_frame(*runs):
    return pd.DataFrame(runs, columns=["run_seq", "month", "as_of", "exit_code"])


def test_status_due_produced_late_open_and_overdue():
    months = reporting_months("2025-07", pd.Timestamp("2025-11-10T08:00:00"))  # July to October
    runs = runs_frame((1, "2025-07", "2025-08-15T23:59:00", 0),   # on the due date: produced
                      (2, "2025-08", "2025-09-16T00:00:00", 0),   # the day after: late
                      (3, "2025-09", "2025-10-10T08:00:00", 1),   # findings only: not produced, past due
                      (4, "2025-10", "2025-11-05T08:00:00", 1))   # findings, not due yet: open
    frame = mh_report_status(months, runs, pd.Timestamp("2025-11-10T08:00:00"))
    assert frame["due"].dt.strftime("%Y-%m-%d").tolist() == ["2025-08-15", "2025-09-15", "2025-10-15", "2025-11-15"]
    assert frame["status"].tolist() == ["produced", "late", "overdue", "open"]
    assert frame["findings"].tolist() == [False, False, True, True]
    assert mh_status_summary(frame) == {"months": 4, "produced": 1, "late": 1, "open": 1, "overdue": 1,
                                        "with_findings": 2}


def test_status_a_clean_rerun_produces_the_month_from_its_first_clean_run():
    months = reporting_months("2025-09", pd.Timestamp("2025-11-20T08:00:00"))
    runs = runs_frame((1, "2025-09", "2025-10-01T08:00:00", 0), (2, "2025-09", "2025-10-20T08:00:00", 0),
                      (3, "2025-10", "2025-11-01T08:00:00", 0), (4, "2025-10", "2025-11-02T08:00:00", 1))
    frame = mh_report_status(months, runs, pd.Timestamp("2025-11-20T08:00:00"))
    assert frame["status"].tolist() == ["produced", "overdue"]  # October's latest run has findings
    assert str(frame["produced_at"].iloc[0]) == "2025-10-01 08:00:00" and frame["runs"].tolist() == [2, 2]


def test_uof_status_shows_the_mental_health_report_and_keeps_the_fbi_columns(run_cli, tmp_path):
    out = tmp_path / "out"
    code, _, stderr = run_cli("report", "illinois-mh", "--profile", PROFILE, "--source", CAD, "--month", "2025-09",
                              "--out", out, "--as-of", "2025-10-14T08:00:00")
    assert code == 0, stderr
    code, _, stderr = run_cli("report", "illinois-mh", "--profile", PROFILE, "--source", CAD, "--month", "2025-10",
                              "--out", out, "--as-of", "2025-11-16T08:00:00")
    assert code == 0, stderr
    code, stdout, _ = run_cli("status", "--profile", PROFILE, "--out", out, "--as-of", "2025-12-16T08:00:00",
                              "--format", "json")
    doc = json.loads(stdout)
    assert code == 3  # the FBI months are missing, and November's report is overdue
    assert set(doc["months"][0]) == {"month", "runs", "incidents", "zero_report", "pending", "rejected", "review",
                                     "missing", "due", "final_due", "status"}
    mh = doc["illinois_mh"]
    assert [(m["month"], m["runs"], m["produced"], m["due"], m["status"]) for m in mh["months"]] == [
        ("2025-09", 1, True, "2025-10-15", "produced"), ("2025-10", 1, True, "2025-11-15", "late"),
        ("2025-11", 0, False, "2025-12-15", "overdue")]
    assert mh["months"][0]["produced_at"] == "2025-10-14T08:00:00" and mh["months"][2]["produced_at"] is None
    assert mh["summary"] == {"months": 3, "produced": 1, "late": 1, "open": 0, "overdue": 1, "with_findings": 0}
    code, stdout, _ = run_cli("status", "--profile", PROFILE, "--out", out, "--as-of", "2025-12-10T08:00:00")
    assert code == 3  # the FBI months
    table = stdout.split("Illinois mental health crisis report", 1)[1].splitlines()
    assert table[1].split() == ["month", "runs", "produced", "findings", "produced", "at", "due", "status"]
    assert table[5].split() == ["2025-11", "0", "no", "no", "-", "2025-12-15", "open"]
    assert "1 produced, 1 produced late, 1 open, 0 overdue" in stdout and "25-01" not in stdout
    fbi_header = stdout.splitlines()[1].split()
    assert fbi_header[:3] == ["month", "runs", "incidents"] and fbi_header[-2:] == ["due", "status"]


def test_uof_status_without_the_section_shows_no_mental_health_report(run_cli, tmp_path):
    out = tmp_path / "out"
    assert run_cli("report", "illinois-mh", "--profile", PROFILE, "--source", CAD, "--month", "2025-10",
                   "--out", out, "--as-of", AS_OF)[0] == 0
    plain = tmp_path / "plain.yaml"
    plain.write_text(f'agency_ori: "{ORI}"\nreporting_start: "2025-10"\n', encoding="utf-8")
    code, stdout, _ = run_cli("status", "--profile", plain, "--out", out, "--as-of", AS_OF, "--format", "json")
    assert "illinois_mh" not in json.loads(stdout) and json.loads(stdout)["months"][0]["runs"] == 0


# ------------------------------------------------------------------------------------------------ end to end

def rows_of(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_the_shipped_sample_end_to_end(run_cli, tmp_path):
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("report", "illinois-mh", "--profile", PROFILE, "--source", CAD, "--month", MONTH,
                                   "--out", out, "--as-of", AS_OF)
    assert code == 0, stderr
    assert "6 incident(s) where an officer was dispatched to a mental health crisis" in stdout
    assert "ISP prescribes the form" in stdout and "25-010" not in stdout  # counts only on the terminal
    folder = out / ORI / "reports" / "illinois-mh" / MONTH
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(["mh_counts.csv", "mh_incidents.csv", "mh_excluded.csv", "mh_findings.csv",
                            f"illinois_mh_{ORI}_{MONTH}.xlsx", "manifest.json"])
    incidents = rows_of((folder / "mh_incidents.csv").read_bytes())
    assert [(r["incident_number"], r["date"], r["levels"], r["outcomes"]) for r in incidents] == [
        ("25-010001", "2025-10-02", "Sworn Officer; Crisis Intervention Team Trained Officer",
         "Released (Own Recognizance)"),
        ("25-010002", "2025-10-04", "Sworn Officer; Ambulance", "Voluntary Admission to Mental Health Facility"),
        ("25-010003", "2025-10-06", "Sworn Officer", "Other"),
        ("25-010006", "2025-10-14", "Sworn Officer; Crisis Intervention Team Trained Officer; SWAT Team; Ambulance",
         "Arrested; Officer Admitted Offender to Mental Health Facility"),
        ("25-010007", "2025-10-18", "Sworn Officer; Social Worker", "Released (Family Member); Other"),
        ("25-010008", "2025-10-21", "Sworn Officer; Psychologist", "Offender Adjudicated to Mental Health Facility")]
    reasons = rows_of((folder / "mh_excluded.csv").read_bytes())
    assert {r["incident_number"]: r["reason"].split(" (")[0] for r in reasons} == {
        "25-010004": "units answered a broadcast without being dispatched",
        "25-010005": "dispatched for another call type; the crisis came to light later",
        "25-010011": "units dispatched only at another agency's request"}
    assert rows_of((folder / "mh_findings.csv").read_bytes()) == []
    written = b"".join(p.read_bytes() for p in folder.iterdir() if p.suffix == ".csv")
    assert b"SAMPLE" not in written and b"BLOCK" not in written  # no locations (nor names) in the report
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["report"], manifest["period"], manifest["exit_code"]) == ("illinois-mh", MONTH, 0)
    assert manifest["summary"]["incidents"] == 6 and manifest["summary"]["excluded"] == {
        "broadcast": 1, "other_agency": 1, "reclassified": 1}
    assert manifest["summary"]["coverage"]["month_covered"] is True
    assert [f["name"] for f in manifest["inputs"]["source"]] == ["cad_dispatch.csv"]
    assert manifest["inputs"]["profile"]["name"] == "agency-il.yaml"
    code, stdout, _ = run_cli("verify", "--out", out, "--profile", PROFILE, "--format", "json")
    assert code == 0 and json.loads(stdout)["runs"] == 1 and json.loads(stdout)["problems"] == []

    code, stdout, _ = run_cli("report", "illinois-mh", "--profile", PROFILE, "--source", CAD, "--month", "2025-09",
                              "--out", out, "--as-of", AS_OF, "--format", "json")
    doc = json.loads(stdout)
    assert code == 0 and doc["summary"]["incidents"] == 0 and doc["run_id"] == "illinois-mh-2025-09-001"
    assert doc["summary"]["coverage"]["basis"] == "incident_span"
    runs = report_runs(out / ORI / "ledger.sqlite", "illinois-mh")
    assert runs["month"].tolist() == [MONTH, "2025-09"] and runs["exit_code"].tolist() == [0, 0]
    with Ledger(out / ORI / "ledger.sqlite") as ledger:
        assert ledger.runs().empty  # no FBI run
    assert run_cli("verify", "--out", out, "--profile", PROFILE)[0] == 0


def test_unmapped_codes_in_the_export_exit_1_and_are_listed(run_cli, tmp_path):
    cad = tmp_path / "cad.csv"
    cad.write_text(CAD.read_text(encoding="utf-8").replace(",WELFARE CHECK,WELFARE CHECK,", ",WELFARE,WELFARE,")
                   .replace(",CORESP,", ",CO-RESPONDER,"), encoding="utf-8")
    code, stdout, _ = run_cli("report", "illinois-mh", "--profile", PROFILE, "--source", cad, "--month", MONTH,
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 1 and "3 finding(s) to resolve" in stdout and "WELFARE" not in stdout
    folder = tmp_path / "out" / ORI / "reports" / "illinois-mh" / MONTH
    findings = rows_of((folder / "mh_findings.csv").read_bytes())
    assert [(f["column"], f["value"], f["incident_numbers"]) for f in findings] == [
        ("Initial Call Type", "WELFARE", "25-010010"), ("Unit Type", "CO-RESPONDER", "25-010007"),
        ("Unit Type", "", "25-010007")]  # the co-responder was the incident's only unit: it has no level
    assert json.loads((folder / "manifest.json").read_text())["exit_code"] == 1
    assert run_cli("verify", "--out", tmp_path / "out", "--profile", PROFILE)[0] == 0


def test_the_sample_is_what_the_script_writes_and_the_profile_passes_its_schema():
    assert CAD.read_text(encoding="utf-8") == sample_text()
    assert schema_errors("profile", editor_view(PROFILE)) == []
