"""Operator findings of issue 10: a rerun over files never marked submitted warns; orphan rows are warnings."""
import csv
import json

from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile


def run(run_cli, tmp_path, tables, *extra, month="2025-10", as_of=AS_OF, command="run"):
    source = write_csv_extract(tmp_path / "x", tables)
    return run_cli(command, "--profile", write_profile(tmp_path / "cfg"), "--source", source, "--month", month,
                   "--out", tmp_path / "out", "--as-of", as_of, *extra)


def manifest(tmp_path, month="2025-10"):
    return json.loads((tmp_path / "out" / "PA0230100" / month / "manifest.json").read_text())


def test_rerun_over_files_never_marked_submitted_warns_on_stderr_and_in_the_manifest(run_cli, tmp_path):
    code, _, stderr = run(run_cli, tmp_path, incident("A-1"))
    assert code == 0 and "warning" not in stderr and manifest(tmp_path)["notes"] == []
    code, _, stderr = run(run_cli, tmp_path, combined(incident("A-1"), incident("B-2")), as_of="2025-11-06T09:30:00")
    assert code == 0
    assert "uof: warning: run 2025-10-001 of 2025-10 was never marked submitted: its 1 message file(s) are now in " \
           "2025-10/history/2025-10-001/" in stderr and "uof mark-submitted 2025-10-001" in stderr
    notes = manifest(tmp_path)["notes"]
    assert [n[:45] for n in notes] == ["warning: run 2025-10-001 of 2025-10 was never"]
    run_cli("mark-submitted", "2025-10-001", "--state", tmp_path / "out" / "PA0230100" / "ledger.sqlite")
    run_cli("mark-submitted", "2025-10-002", "--state", tmp_path / "out" / "PA0230100" / "ledger.sqlite")
    code, _, stderr = run(run_cli, tmp_path, combined(incident("A-1"), incident("B-2")), as_of="2025-11-07T09:30:00")
    assert code == 0 and "warning" not in stderr and manifest(tmp_path)["notes"] == []


def test_rerun_over_a_run_without_messages_does_not_warn(run_cli, tmp_path):
    run(run_cli, tmp_path, incident("A-1"))
    run_cli("mark-submitted", "2025-10-001", "--state", tmp_path / "out" / "PA0230100" / "ledger.sqlite")
    run(run_cli, tmp_path, incident("A-1"), as_of="2025-11-06T09:30:00")  # unchanged: no message
    code, _, stderr = run(run_cli, tmp_path, incident("A-1"), as_of="2025-11-07T09:30:00")
    assert code == 0 and "warning" not in stderr


def test_backfill_warns_too(run_cli, tmp_path):
    source = write_csv_extract(tmp_path / "x", incident("A-1"))
    args = ("backfill", "--profile", write_profile(tmp_path / "cfg"), "--source", source, "--from", "2025-10",
            "--to", "2025-10", "--out", tmp_path / "out")
    run_cli(*args, "--as-of", AS_OF)
    code, _, stderr = run_cli(*args, "--as-of", "2025-11-06T09:30:00")
    assert code == 0 and "uof: warning: run 2025-10-001 of 2025-10 was never marked submitted" in stderr


def test_orphan_rows_are_warnings_not_a_failed_month(run_cli, tmp_path):
    tables = incident("A-1")
    tables["subjects"].append({**tables["subjects"][0], "agency_case_number": "NOPE-1"})
    tables["officers"].append({**tables["officers"][0], "agency_case_number": "NOPE-2"})
    code, stdout, stderr = run(run_cli, tmp_path, tables)
    assert code == 0, stderr
    folder = tmp_path / "out" / "PA0230100" / "2025-10"
    assert [m.name for m in folder.glob("PA*.json")]  # A-1 is sent
    rows = list(csv.DictReader(open(folder / "rejections.csv")))
    assert [(r["agency_case_number"], r["rule_id"], r["severity"]) for r in rows] == [
        ("NOPE-1", "S-ORPHAN", "warning"), ("NOPE-2", "O-ORPHAN", "warning")]
    doc = manifest(tmp_path)
    assert doc["exit_code"] == 0 and doc["findings"]["errors"] == 0 and doc["findings"]["warnings"] == 2
    assert doc["rows"]["subjects"]["orphaned"] == 1 and doc["rows"]["officers"]["orphaned"] == 1
    assert any("2 subject/officer row(s) match no incident" in n for n in doc["notes"])
    assert "0 error(s), 2 warning(s)" in stdout


def test_orphan_rows_beside_a_rejected_incident_still_exit_1(run_cli, tmp_path):
    tables = incident("A-1", incidents__location_type="99")
    tables["subjects"].append({**tables["subjects"][0], "agency_case_number": "NOPE-1"})
    code, _, _ = run(run_cli, tmp_path, tables)
    assert code == 1
