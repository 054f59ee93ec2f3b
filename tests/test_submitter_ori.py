"""I1/I4: a row is emitted only for the agency the profile submits for (issue 9, finding 5)."""
import csv
import json

import pytest

from flows.config.load import load_profile, load_reference
from flows.errors import ConfigError
from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile

PROFILE = 'reporting_agency_ori: "PA0230100"\n'


def run_month(run_cli, tmp_path, tables, profile_text=PROFILE, out=None, as_of=AS_OF):
    out = out or tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg", profile_text), "--source",
                              write_csv_extract(tmp_path / "x", tables), "--month", "2025-10", "--out", out,
                              "--as-of", as_of)
    folder = out / "PA0230100" / "2025-10"
    with open(folder / "rejections.csv", encoding="utf-8") as handle:
        rejections = [(r["agency_case_number"], r["element"], r["rule_id"], r["value"], r["source_row"])
                      for r in csv.DictReader(handle)]
    emitted = [json.loads(p.read_text())["Incident"] for p in sorted(folder.glob("PA*_????.json"))]
    return code, stderr, rejections, emitted


def three_incidents(i1: str, i4: str = "") -> dict:
    """CASE-1 without ORIs (the profile's), CASE-2 with the given I1/I4 cells, CASE-3 with the profile's ORI."""
    return combined(incident("CASE-1", incidents__agency_ori="", incidents__reporting_agency_ori=""),
                    incident("CASE-2", incidents__agency_ori=i1, incidents__reporting_agency_ori=i4),
                    incident("CASE-3", incidents__agency_ori="PA0230100", incidents__reporting_agency_ori="PA0230100"))


@pytest.mark.parametrize("i1, i4, rejected", [
    ("NY0000000", "", [("CASE-2", "I1", "I1-NOT-PROFILE", "NY0000000", "3")]),
    ("", "NY0000000", [("CASE-2", "I4", "I4-NOT-PROFILE", "NY0000000", "3")]),
    ("NY0000000", "NY0000000", [("CASE-2", "I1", "I1-NOT-PROFILE", "NY0000000", "3"),
                                ("CASE-2", "I4", "I4-NOT-PROFILE", "NY0000000", "3")]),
    ("PA0230199", "PA0230100", [("CASE-2", "I1", "I1-NOT-PROFILE", "PA0230199", "3")]),
    ("pa0230100", "", [("CASE-2", "I1", "I1-FORMAT", "pa0230100", "3")]),  # ill-formed: FORMAT alone
])
def test_row_of_another_agency_is_rejected_naming_the_row(run_cli, tmp_path, i1, i4, rejected):
    code, stderr, rejections, emitted = run_month(run_cli, tmp_path, three_incidents(i1, i4))
    assert code == 1, stderr
    assert rejections == rejected
    assert [(m["agency_case_number"], m["agency_ori"], m["reporting_agency_ori"]) for m in emitted] == [
        ("CASE-1", "PA0230100", "PA0230100"), ("CASE-3", "PA0230100", "PA0230100")]


def test_message_says_what_to_do(run_cli, tmp_path):
    _, _, _, _ = run_month(run_cli, tmp_path, three_incidents("NY0000000", "NY0000000"))
    with open(tmp_path / "out" / "PA0230100" / "2025-10" / "rejections.csv", encoding="utf-8") as handle:
        messages = {r["rule_id"]: r["message"] for r in csv.DictReader(handle)}
    assert "add it to additional_agency_oris" in messages["I1-NOT-PROFILE"]
    assert "reporting_agency_ori in the agency profile" in messages["I4-NOT-PROFILE"]
    assert all("'NY0000000'" in m for m in messages.values())


def test_listed_agency_is_emitted_and_rerun_unchanged(run_cli, tmp_path):
    """An ORI in additional_agency_oris is accepted for I1 (not for I4), and the ledger knows its incidents."""
    profile = PROFILE + 'additional_agency_oris: ["PA0230200", "PA0230300"]\n'
    tables = three_incidents("PA0230200")
    code, stderr, rejections, emitted = run_month(run_cli, tmp_path, tables, profile)
    assert (code, rejections) == (0, []), stderr
    assert [(m["agency_case_number"], m["agency_ori"]) for m in emitted] == [
        ("CASE-1", "PA0230100"), ("CASE-2", "PA0230200"), ("CASE-3", "PA0230100")]
    # the same extract again: nothing changed, so nothing is sent (no Remove under the wrong ORI, no AddOnly twice)
    code, stderr, _, emitted = run_month(run_cli, tmp_path, tables, profile, as_of="2025-11-06T09:30:00")
    assert (code, emitted) == (0, []), stderr
    # the listed agency's incident disappears: its Remove carries its own ORI
    tables = {t: [r for r in rows if r["agency_case_number"] != "CASE-2"] for t, rows in tables.items()}
    code, stderr, _, emitted = run_month(run_cli, tmp_path, tables, profile, as_of="2025-11-07T09:30:00")
    assert code == 0, stderr
    assert emitted == [{"agency_ori": "PA0230200", "incident_date": "10/03/2025", "agency_case_number": "CASE-2"}]


def test_listed_agency_is_not_a_reporting_agency(run_cli, tmp_path):
    profile = PROFILE + 'additional_agency_oris: ["PA0230200"]\n'
    code, _, rejections, _ = run_month(run_cli, tmp_path, three_incidents("PA0230200", "PA0230200"), profile)
    assert (code, rejections) == (1, [("CASE-2", "I4", "I4-NOT-PROFILE", "PA0230200", "3")])


@pytest.mark.parametrize("text, fragment", [
    ("additional_agency_oris: PA0230200\n", "must be a list of nine-character ORIs"),
    ('additional_agency_oris: ["PA023020"]\n', "'PA023020' is not a nine-character ORI"),
    ('additional_agency_oris: ["PA0230200", "pa0230300"]\n', "additional_agency_oris[1]"),
])
def test_additional_agency_oris_must_be_oris(tmp_path, text, fragment):
    with pytest.raises(ConfigError, match=None) as caught:
        load_profile(write_profile(tmp_path, text), load_reference())
    assert fragment in str(caught.value)


def test_additional_agency_oris_default_to_none(tmp_path):
    assert load_profile(write_profile(tmp_path), load_reference()).settings["additional_agency_oris"] == ()
