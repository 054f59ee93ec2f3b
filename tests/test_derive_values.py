"""Derived elements (I32 ticklers, I33/I30 counts, S1/O1 ids) and the not-reportable screen."""
import json

import pandas as pd
import pytest

from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile
from transforms.derive import derived_incidents, with_sequential_ids


def frames(subject_injuries, shots, tickler=None, **incident_values):
    incidents = pd.DataFrame({"_row": [0], "incident_tickler_ids": pd.Series([tickler], dtype="str"),
                              "total_number_subjects": pd.Series([incident_values.get("subjects")], dtype="str"),
                              "total_number_subjects_pu_ids": pd.Series([incident_values.get("subjects_pu")], dtype="str"),
                              "agency_officers_involved": pd.Series([None], dtype="str"),
                              "agency_officers_involved_pu_ids": pd.Series([None], dtype="str")})
    subjects = pd.DataFrame({"_incident_row": [0] * len(subject_injuries),
                             "injury_type_ids": pd.Series(subject_injuries, dtype="str")})
    officers = pd.DataFrame({"_incident_row": [0] * len(shots), "shots_fired": pd.Series(shots, dtype="str")})
    return incidents, subjects, officers


@pytest.mark.parametrize("injuries, shots, expected, not_reportable", [
    (["DEATH"], ["NO"], "DEATH", False),
    (["GUNSHOT"], ["YES"], "INJURY", False),
    (["UNCONSCIOUSNESS"], ["NO"], "INJURY", False),
    (["OTHER_SERIOUS_INJURY", "NONE"], ["YES"], "INJURY;DISCHARGE", False),
    (["DEATH", "GUNSHOT"], ["YES"], "DEATH;INJURY", False),
    (["NONE"], ["YES"], "DISCHARGE", False),
    (["NONE"], ["NO"], None, True),                 # meets none of the criteria
    (["PENDING"], ["NO"], None, False),             # undecided: left blank for I32-REQUIRED to reject
    (["NONE"], ["PENDING"], None, False),
])
def test_derive_incident_tickler_ids(injuries, shots, expected, not_reportable):
    out, excluded, counts = derived_incidents(*frames(injuries, shots))
    value = out["incident_tickler_ids"].iloc[0]
    assert (None if pd.isna(value) else value) == expected
    assert bool(excluded.iloc[0]) is not_reportable


def test_derive_keeps_a_provided_tickler_and_counts():
    out, excluded, counts = derived_incidents(*frames(["NONE"], ["NO"], tickler="INJURY", subjects="3"))
    assert out["incident_tickler_ids"].iloc[0] == "INJURY" and not excluded.iloc[0]
    assert out["total_number_subjects"].iloc[0] == "3"   # a provided value that disagrees is kept for I33 to reject
    assert out["agency_officers_involved"].iloc[0] == "1" and counts["agency_officers_involved"] == 1


def test_derive_counts_not_filled_beside_pending():
    out, _, _ = derived_incidents(*frames(["GUNSHOT"], ["NO"], subjects_pu="PENDING"))
    assert pd.isna(out["total_number_subjects"].iloc[0])


def test_derive_sequential_ids_after_given_ones():
    child = pd.DataFrame({"_incident_row": [0, 0, 0, 1], "subject_id": pd.Series(["2", None, None, None], dtype="str")})
    out, n = with_sequential_ids(child, "subject_id")
    assert out["subject_id"].tolist() == ["2", "3", "4", "1"] and n == 3


def test_derive_end_to_end_blank_bookkeeping_elements(run_cli, tmp_path):
    tables = incident("D-1", incidents__incident_tickler_ids="", incidents__total_number_subjects="",
                      incidents__agency_officers_involved="", subjects__subject_id="", officers__officer_id="",
                      subjects__injury_type_ids="DEATH")
    source = write_csv_extract(tmp_path / "x", tables)
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                              "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 0, stderr
    folder = tmp_path / "out" / "PA0230100" / "2025-10"
    inc = json.loads(next(folder.glob("PA*_0001.json")).read_text())["Incident"]
    assert inc["incident_tickler_ids"] == ["DEATH"] and inc["total_number_subjects"] == 1
    assert inc["agency_officers_involved"] == 1
    assert inc["subjects"][0]["subject_id"] == 1 and inc["officers"][0]["officer_id"] == 1
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["derived_values"]["incident_tickler_ids"] == 1


def test_derive_provided_count_that_disagrees_is_rejected(run_cli, tmp_path):
    tables = combined(incident("D-2", incidents__total_number_subjects="2"))
    source = write_csv_extract(tmp_path / "x", tables)
    code, _, _ = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                         "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 1
    assert "I33-MATCHES-SUBJECT-ROWS" in (tmp_path / "out" / "PA0230100" / "2025-10" / "rejections.csv").read_text()


@pytest.mark.parametrize("force, not_reportable", [
    (["PHYSICAL"], True),            # no officer rows, and no subject was the target of a firearm: settled
    (["PHYSICAL;FIREARM"], False),   # a firearm was used on the subject: an officer may have fired
    ([None], False),                 # force not recorded: nothing settles "no officer fired"
    (["PENDING"], False),
])
def test_without_officer_rows_no_discharge_is_settled_only_by_the_subjects_force_types(force, not_reportable):
    incidents, subjects, officers = frames(["NONE"], [])
    subjects["force_type_ids"] = pd.Series(force, dtype="str")
    _, excluded, _ = derived_incidents(incidents, subjects, officers)
    assert bool(excluded.iloc[0]) is not_reportable
