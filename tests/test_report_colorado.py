"""Issue 12 item 3: Colorado, C.R.S. 24-31-903. One test per numbered example of the Division of Criminal Justice's
FAQ (../shared/reference/colorado-lei-contacts-use-of-force-submission.txt), the carried-on-the-back rule, Taser,
discharge, death from any force, what the export cannot decide or lacks, the collection start, the command on the
shipped sample and the two deadlines in `uof status`."""
from __future__ import annotations

import csv
import json
import shutil

import pandas as pd
import pytest

from flows.io.ledger import Ledger
from scripts.make_colorado_sample import write as write_sample
from tests.conftest import SAMPLE
from transforms.reports_colorado import DISPLAY, KIND, NAME, POST, USED, Rules, classify

RULES = Rules(officer_name="Name", post_number="Post", weapon_display="Display",
              display_map={"NONE": ("NONE", None), "DRAWN": ("DRAWN_OR_POINTED", None),
                           "SLUNG": ("CARRIED_NOT_READY", None), "STRIKE": ("USED", None),
                           "FIRED": ("DISCHARGED", None), "TASER-DRAWN": ("DRAWN_OR_POINTED", "TASER")},
              weapon_kind="Kind", kind_map={"HG": "FIREARM", "RIFLE": "LONG_GUN", "CEW": "TASER", "BATON": "BATON",
                                            "OC": "OTHER"},
              used_force="Used", used_force_map={"Y": "YES", "N": "NO"})
COLORADO = SAMPLE / "colorado"
AS_OF = "2025-12-05T09:30:00"


def officer(display="NONE", kind=None, shots="NO", used="N", name="TEST OFFICER", post="T-1"):
    return {"shots_fired": shots, DISPLAY: display, KIND: kind, USED: used, NAME: name, POST: post}


def case(number="C-1", date="2025-10-05", injury="NONE", force="PHYSICAL", officers=None):
    return number, date, [{"injury_type_ids": injury, "force_type_ids": force}], officers or [officer()]


def run(*cases, rules=RULES, period="2025-10"):
    incidents, subjects, officers = [], [], []
    for row, (number, date, subject_rows, officer_rows) in enumerate(cases):
        incidents.append({"agency_case_number": number, "incident_date": date, "_row": row})
        subjects += [{"agency_case_number": number, "subject_id": str(i + 1), **s}
                     for i, s in enumerate(subject_rows)]
        officers += [{"agency_case_number": number, "officer_id": str(i + 1), **o} for i, o in enumerate(officer_rows)]
    frames = {"incidents": pd.DataFrame(incidents).astype({"agency_case_number": "str", "incident_date": "str"}),
              "subjects": pd.DataFrame(subjects, columns=["agency_case_number", "subject_id", "injury_type_ids",
                                                          "force_type_ids"]).astype("str"),
              "officers": pd.DataFrame(officers, columns=["agency_case_number", "officer_id", "shots_fired", DISPLAY,
                                                          KIND, USED, NAME, POST]).astype("str")}
    return classify(frames, rules, period)


def listed(result):
    return result.reportable["incident"].tolist()


def roles(result):
    return [tuple(r) for r in result.officers[["officer_id", "role", "officer_name", "post_number"]]
            .astype(object).where(result.officers[["officer_id", "role", "officer_name", "post_number"]].notna(),
                                  None).itertuples(index=False)]


# ------------------------------------------------------------------- the five numbered examples of the FAQ

def test_example_1_an_officer_draws_a_weapon_is_reportable_with_name_and_post():
    result = run(case(force="OTHER", officers=[officer("DRAWN", "HG", name="A NAME", post="P-1")]))
    assert listed(result) == ["C-1"] and result.counts["by_reason"]["weapon"] == 1
    assert result.reportable.loc[0, "why_reportable"] == "use of a weapon"
    assert "FIREARM DRAWN_OR_POINTED" in result.reportable.loc[0, "weapons"]
    assert roles(result) == [("1", "used_reportable_force", "A NAME", "P-1")]
    assert result.open.empty


def test_example_2_the_backup_who_does_not_draw_is_listed_by_post_number_only():
    result = run(case(force="OTHER", officers=[officer("DRAWN", "HG", name="A NAME", post="P-1"),
                                               officer("NONE", name="BACKUP NAME", post="P-2")]))
    assert listed(result) == ["C-1"]
    assert roles(result) == [("1", "used_reportable_force", "A NAME", "P-1"), ("2", "present", None, "P-2")]
    assert (result.reportable.loc[0, "officers_used_force"], result.reportable.loc[0, "officers_present"]) == (1, 1)


def test_example_3_a_baton_without_serious_injury_is_reportable():
    result = run(case(force="BATON", officers=[officer("STRIKE", "BATON", used="Y")]))
    assert listed(result) == ["C-1"] and result.reportable.loc[0, "serious_bodily_injury"] == "no"
    assert "BATON USED" in result.reportable.loc[0, "weapons"]
    # the subject's force type (S24) alone says a baton was used, whatever the display column holds
    assert listed(run(case(force="BATON", officers=[officer("NONE")]))) == ["C-1"]


def test_example_4_a_control_hold_without_serious_bodily_injury_is_not_reportable():
    result = run(case(force="PHYSICAL", injury="NONE", officers=[officer("NONE", used="Y")]))
    assert listed(result) == [] and result.counts["not_reportable"] == 1 and result.open.empty


def test_example_5_a_control_hold_breaking_a_wrist_is_reportable_serious_bodily_injury():
    result = run(case(force="PHYSICAL", injury="OTHER_SERIOUS_INJURY", officers=[officer("NONE", used="Y")]))
    assert listed(result) == ["C-1"]
    assert result.reportable.loc[0, "why_reportable"] == "serious bodily injury"
    assert roles(result)[0][1] == "used_reportable_force"


# ------------------------------------------------------------------- the other rules of the FAQ

def test_a_long_gun_carried_on_the_back_is_not_brandished_but_in_a_ready_position_is():
    slung = run(case(officers=[officer("SLUNG", "RIFLE"), officer("NONE")]))
    assert listed(slung) == [] and slung.counts["not_reportable"] == 1
    swat = run(case(officers=[officer("DRAWN", "RIFLE", name="N1", post="P1"),
                              officer("DRAWN", "RIFLE", name="N2", post="P2"), officer("SLUNG", "RIFLE", post="P3")]))
    assert roles(swat) == [("1", "used_reportable_force", "N1", "P1"), ("2", "used_reportable_force", "N2", "P2"),
                           ("3", "present", None, "P3")]


def test_a_taser_drawn_or_deployed_is_reportable_and_oc_spray_is_not_a_listed_weapon():
    assert listed(run(case(officers=[officer("TASER-DRAWN")]))) == ["C-1"]
    deployed = run(case(force="ELECTRONIC", officers=[officer("STRIKE", "CEW")]))
    assert listed(deployed) == ["C-1"] and "TASER USED" in deployed.reportable.loc[0, "weapons"]
    assert listed(run(case(force="CHEMICAL", officers=[officer("STRIKE", "OC")]))) == []


def test_a_discharge_is_reportable_from_shots_fired_alone():
    result = run(case(force="OTHER", officers=[officer(None, shots="YES", name="N1"), officer("NONE")]))
    assert listed(result) == ["C-1"]
    assert result.officers["weapon_use"].tolist()[0] == "FIREARM DISCHARGED (shots_fired)"
    assert roles(result)[1][1] == "present"


def test_death_from_any_force_is_reportable_and_the_used_force_column_names_who():
    result = run(case(force="PHYSICAL", injury="DEATH", officers=[officer(used="Y", name="N1"),
                                                                  officer(used="N", name="N2")]))
    assert listed(result) == ["C-1"] and result.reportable.loc[0, "death"] == "yes"
    assert roles(result) == [("1", "used_reportable_force", "N1", "T-1"), ("2", "present", None, "T-1")]
    without = run(case(force="PHYSICAL", injury="DEATH", officers=[officer(), officer()]),
                  rules=Rules(officer_name="Name", post_number="Post", weapon_display="Display",
                              display_map=RULES.display_map))
    assert [r[1] for r in roles(without)] == ["undetermined", "undetermined"]
    role_rows = without.open[without.open["element"] == "officer role"]
    assert len(role_rows) == 2 and role_rows["detail"].str.contains("no used-force column").all()


# ------------------------------------------------------------------- refusing to guess

def test_without_a_weapon_display_column_an_incident_cannot_be_decided_and_says_so():
    result = run(case(force="PHYSICAL", injury="NONE"), rules=Rules(officer_name="Name", post_number="Post"))
    assert listed(result) == [] and result.counts["undecided"] == 1 and result.counts["not_reportable"] == 0
    (detail,) = result.open["detail"].tolist()
    assert detail.startswith("cannot be decided: the export has no weapon-display column")
    # death, serious injury and discharge are still decided from the FBI elements
    assert listed(run(case(injury="GUNSHOT"), rules=Rules())) == ["C-1"]


def test_a_blank_or_unmapped_display_or_an_unknown_injury_leaves_the_incident_undecided():
    result = run(case("B-1", officers=[officer(None)]), case("B-2", officers=[officer("WAVED")]),
                 case("B-3", injury="PENDING"), case("B-4", officers=[officer("DRAWN", None)]))
    assert listed(result) == [] and result.counts["undecided"] == 4
    details = dict(zip(result.open["incident"], result.open["detail"]))
    assert "blank" in details["B-1"] and "weapon_display_map" in details["B-2"]
    assert "injury" in details["B-3"] and "kind of weapon" in details["B-4"]


def test_a_missing_post_number_or_name_is_reported_per_incident():
    result = run(case("M-1", force="OTHER", officers=[officer("DRAWN", "HG", name=None), officer(post=None)]),
                 case("M-2", force="OTHER", officers=[officer("DRAWN", "HG")]))
    assert listed(result) == ["M-1", "M-2"] and result.counts["reportable_with_missing_elements"] == 1
    missing = result.open[["incident", "officer_id", "element"]].values.tolist()
    assert missing == [["M-1", "1", "officer name"], ["M-1", "2", "POST number"]]
    no_column = run(case(force="OTHER", officers=[officer("DRAWN", "HG"), officer()]),
                    rules=Rules(weapon_display="Display", display_map=RULES.display_map, weapon_kind="Kind",
                                kind_map=RULES.kind_map, officer_name="Name"))
    assert no_column.open["element"].tolist() == ["POST number", "POST number"]
    assert no_column.open["detail"].str.contains("no POST number column").all()


def test_incidents_before_august_2022_are_counted_not_listed():
    result = run(case("OLD", date="2022-07-31", officers=[officer("DRAWN", "HG")]),
                 case("NEW", date="2022-08-01", officers=[officer("DRAWN", "HG")]), period="2022")
    assert listed(result) == ["NEW"]
    assert (result.counts["before_collection"], result.counts["incidents_in_period"]) == (1, 2)
    assert listed(run(case(date="2022-07-15", officers=[officer("DRAWN", "HG")]), period="2022-07")) == []


# ------------------------------------------------------------------- the command on the shipped sample

def test_the_shipped_sample_is_what_its_script_writes(tmp_path):
    write_sample(tmp_path)
    for name in ("incidents.csv", "subjects.csv", "officers.csv"):
        assert (tmp_path / name).read_bytes() == (COLORADO / "extract" / name).read_bytes(), name


def test_report_colorado_on_the_shipped_sample(run_cli, tmp_path):
    out, profile, source = tmp_path / "out", COLORADO / "agency-co.yaml", COLORADO / "extract"
    code, stdout, stderr = run_cli("report", "colorado", "--profile", profile, "--source", source,
                                   "--month", "2025-10", "--out", out, "--as-of", AS_OF, "--format", "json")
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert doc["summary"]["reportable"] == 7 and doc["summary"]["not_reportable"] == 2
    folder = out / "CO0999900" / "reports" / "colorado" / "2025-10"
    with open(folder / "colorado_reportable.csv", encoding="utf-8") as handle:
        reportable = {row["incident"]: row for row in csv.DictReader(handle)}
    # examples 1, 2, 3 and 5, SWAT, Taser, discharge; not example 4 nor the slung long gun
    assert sorted(reportable) == ["CO25-0001", "CO25-0002", "CO25-0003", "CO25-0005", "CO25-0007", "CO25-0008",
                                  "CO25-0009"]
    with open(folder / "colorado_officers.csv", encoding="utf-8") as handle:
        officers = [row for row in csv.DictReader(handle) if row["incident"] == "CO25-0002"]
    assert [(o["role"], o["officer_name"], o["post_number"]) for o in officers] == [
        ("used_reportable_force", "SAMPLE OFFICER B", "FAKE-0002"), ("present", "", "FAKE-0003")]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["report"] == "colorado" and manifest["inputs"]["profile"]["name"] == "agency-co.yaml"
    assert [f["name"] for f in manifest["inputs"]["source"]] == ["incidents.csv", "subjects.csv", "officers.csv"]
    assert "SAMPLE OFFICER" not in stdout + stderr  # names go to the files only

    code, stdout, _ = run_cli("report", "colorado", "--profile", profile, "--source", source, "--year", "2025",
                              "--out", out, "--as-of", AS_OF)
    assert code == 1 and "1 cannot be decided" in stdout  # the blank display and the blank POST number of 2025-11
    open_rows = (out / "CO0999900" / "reports" / "colorado" / "2025" / "colorado_open.csv").read_text()
    assert "CO25-0010" in open_rows and "POST number" in open_rows
    code, stdout, _ = run_cli("report", "colorado", "--profile", profile, "--source", source, "--year", "2022",
                              "--out", out, "--as-of", AS_OF, "--format", "json")
    assert code == 0 and json.loads(stdout)["summary"]["before_collection"] == 1

    # the FBI run works on the same extract, and verify checks both
    assert run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10", "--out", out,
                   "--as-of", AS_OF)[0] == 0
    code, stdout, _ = run_cli("verify", "--out", out, "--profile", profile, "--format", "json")
    assert code == 0 and json.loads(stdout)["runs"] == 4


def test_report_colorado_refuses_a_missing_column_and_a_bad_period(run_cli, tmp_path):
    profile = tmp_path / "agency-co.yaml"
    profile.write_text((COLORADO / "agency-co.yaml").read_text().replace("PostNumber", "PostNo"), encoding="utf-8")
    args = ["report", "colorado", "--profile", profile, "--source", COLORADO / "extract", "--out", tmp_path / "out",
            "--as-of", AS_OF]
    code, _, stderr = run_cli(*args, "--month", "2025-10")
    assert code == 2 and "PostNo" in stderr and "officers.csv" in stderr
    assert not (tmp_path / "out" / "CO0999900" / "reports").exists()
    assert run_cli(*args)[0] == 2
    flat = "layout: {kind: flat, incident_key: agency_case_number}\n"
    profile.write_text((COLORADO / "agency-co.yaml").read_text() + flat, encoding="utf-8")
    code, _, stderr = run_cli(*args, "--month", "2025-10")
    assert code == 2 and "'tables' export" in stderr and "flat" in stderr
    assert run_cli(*args, "--month", "2025-10", "--year", "2025")[0] == 2
    assert run_cli(*args, "--year", "25")[0] == 2


# ------------------------------------------------------------------- the deadlines in `uof status`

def status(run_cli, profile, out, as_of):
    code, stdout, _ = run_cli("status", "--profile", profile, "--out", out, "--as-of", as_of, "--format", "json")
    return code, {m["month"]: m for m in json.loads(stdout)["months"]}


def test_status_shows_both_colorado_deadlines_due_late_overdue(run_cli, tmp_path):
    folder = tmp_path / "cfg"
    shutil.copytree(COLORADO, folder)
    profile = folder / "agency-co.yaml"
    profile.write_text(profile.read_text() + 'reporting_start: "2025-10"\n', encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("run", "--profile", profile, "--source", folder / "extract", "--month", "2025-10", "--out", out,
                   "--as-of", AS_OF)[0] == 0
    with Ledger(out / "CO0999900" / "ledger.sqlite") as ledger:
        assert len(ledger.runs()) == 1  # uploads pending: the month is not yet submitted
    code, months = status(run_cli, profile, out, "2025-11-10T08:00:00")
    assert (months["2025-10"]["due"], months["2025-10"]["final_due"]) == ("2025-11-15", "2026-04-15")
    assert code == 0 and months["2025-10"]["status"] == "open"
    code, months = status(run_cli, profile, out, "2026-04-15T23:00:00")
    assert code == 0 and months["2025-10"]["status"] == "late"  # past the 15th, within the arrears
    code, months = status(run_cli, profile, out, "2026-04-16T00:00:00")
    assert code == 3 and months["2025-10"]["status"] == "overdue"  # after April 15 of the following year
    code, stdout, _ = run_cli("status", "--profile", profile, "--out", out, "--as-of", "2025-12-01T08:00:00")
    header = next(line for line in stdout.splitlines() if line.startswith("month"))
    assert "due" in header and "final due" in header and "colorado rules" in stdout


def test_status_of_the_shipped_colorado_profile_starts_in_august_2022(run_cli, tmp_path):
    out = tmp_path / "out"
    profile = COLORADO / "agency-co.yaml"
    assert run_cli("run", "--profile", profile, "--source", COLORADO / "extract", "--month", "2025-10", "--out", out,
                   "--as-of", AS_OF)[0] == 0
    _, stdout, _ = run_cli("status", "--profile", profile, "--out", out, "--as-of", AS_OF, "--format", "json")
    doc = json.loads(stdout)
    assert doc["program"] == "colorado" and doc["first_month"] == "2022-08"
    assert doc["months"][0]["month"] == "2022-08" and doc["months"][0]["final_due"] == "2023-04-15"


@pytest.mark.parametrize("text, key", [("colorado: {post_numbr: X}\n", "post_numbr"),
                                       ("colorado: {weapon_display_map: {D: {action: WAVED}}}\n", "action"),
                                       ("colorado: {weapon_kind_map: {K: SWORD}}\n", "K")])
def test_a_bad_colorado_section_is_a_configuration_error(run_cli, tmp_path, text, key):
    profile = tmp_path / "agency.yaml"
    profile.write_text('agency_ori: "CO0999900"\n' + text, encoding="utf-8")
    code, _, stderr = run_cli("report", "colorado", "--profile", profile, "--source", COLORADO / "extract",
                              "--month", "2025-10", "--out", tmp_path / "out")
    assert code == 2 and "colorado" in stderr and key in stderr, stderr
