"""Reruns against the ledger: AddOnly, Add, Remove, unchanged, zero reports, moved dates."""
import json
import sqlite3

import pandas as pd
import pytest

from flows.io.ledger import Ledger
from tests.conftest import combined, incident, write_csv_extract, write_profile
from transforms.actions import active_incidents, planned_actions, zero_report_action


def month_run(run_cli, tmp_path, tables, month="2025-10", as_of="2025-11-05T09:30:00", name="x",
              covers="2025-09..2025-10"):  # the extracts below cover both months, whatever their dates
    source = write_csv_extract(tmp_path / name, tables)
    code, stdout, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                                   "--month", month, "--out", tmp_path / "out", "--as-of", as_of, "--covers", covers)
    assert code in (0, 1), stderr
    folder = tmp_path / "out" / "PA0230100" / month
    msgs = [json.loads(p.read_text()) for p in sorted(folder.glob("PA*.json"))]
    return msgs, json.loads((folder / "manifest.json").read_text())


def actions(msgs):
    out = []
    for m in msgs:
        body = m.get("Incident") or m.get("ZeroReport")
        out.append((m["Action"], "zero" if "ZeroReport" in m else body["agency_case_number"]))
    return out


def test_ledger_first_run_addonly_then_unchanged_rerun_emits_nothing(run_cli, tmp_path):
    tables = combined(incident("A-1"), incident("B-2"))
    msgs, manifest = month_run(run_cli, tmp_path, tables)
    assert actions(msgs) == [("AddOnly", "A-1"), ("AddOnly", "B-2")]
    msgs, manifest = month_run(run_cli, tmp_path, tables, as_of="2025-11-06T09:30:00")
    assert msgs == [] and manifest["incidents"]["unchanged"] == 2 and manifest["run_id"] == "2025-10-002"


def test_ledger_edit_one_incident_gives_exactly_one_add(run_cli, tmp_path):
    month_run(run_cli, tmp_path, combined(incident("A-1"), incident("B-2")))
    msgs, _ = month_run(run_cli, tmp_path, combined(incident("A-1"), incident("B-2", incidents__location_type="20")),
                        as_of="2025-11-06T09:30:00")
    assert actions(msgs) == [("Add", "B-2")]
    assert msgs[0]["Incident"]["location_type"] == "20"


def test_ledger_deleted_incident_gives_remove_with_three_keys(run_cli, tmp_path):
    month_run(run_cli, tmp_path, combined(incident("A-1"), incident("B-2")))
    msgs, _ = month_run(run_cli, tmp_path, incident("A-1"), as_of="2025-11-06T09:30:00")
    assert msgs == [{"Action": "Remove", "ActionTime": "11/06/2025 09:30:00",
                     "Incident": {"agency_ori": "PA0230100", "incident_date": "10/03/2025",
                                  "agency_case_number": "B-2"}}]


def test_ledger_rejected_incident_is_not_removed(run_cli, tmp_path):
    month_run(run_cli, tmp_path, combined(incident("A-1"), incident("B-2")))
    msgs, manifest = month_run(run_cli, tmp_path, combined(incident("A-1"), incident("B-2", incidents__location_type="99")),
                               as_of="2025-11-06T09:30:00")
    assert msgs == [] and manifest["incidents"]["rejected"] == 1


def test_ledger_zero_report_then_late_incident(run_cli, tmp_path):
    msgs, _ = month_run(run_cli, tmp_path, incident("OCT-1"), month="2025-09")
    assert actions(msgs) == [("AddOnly", "zero")]
    late = combined(incident("OCT-1"), incident("SEP-9", incidents__incident_date="2025-09-20"))
    msgs, _ = month_run(run_cli, tmp_path, late, month="2025-09", as_of="2025-11-20T10:00:00")
    assert actions(msgs) == [("Remove", "zero"), ("AddOnly", "SEP-9")]
    assert msgs[0]["ZeroReport"] == {"agency_ori": "PA0230100", "month_year": "09/2025"}


def test_ledger_all_incidents_removed_gives_zero_report(run_cli, tmp_path):
    month_run(run_cli, tmp_path, incident("A-1"))
    msgs, _ = month_run(run_cli, tmp_path, incident("Z-9", incidents__incident_date="2025-09-01"),
                        as_of="2025-11-06T09:30:00")
    assert actions(msgs) == [("Remove", "A-1"), ("AddOnly", "zero")]


def test_ledger_date_moved_to_another_month(run_cli, tmp_path):
    month_run(run_cli, tmp_path, incident("A-1"), month="2025-10")
    moved = incident("A-1", incidents__incident_date="2025-09-28")
    msgs_oct, _ = month_run(run_cli, tmp_path, moved, month="2025-10", as_of="2025-11-06T09:30:00")
    msgs_sep, _ = month_run(run_cli, tmp_path, moved, month="2025-09", as_of="2025-11-06T09:31:00")
    assert actions(msgs_oct) == [("Remove", "A-1"), ("AddOnly", "zero")]  # October is now empty
    assert msgs_oct[0]["Incident"]["incident_date"] == "10/03/2025"
    assert actions(msgs_sep) == [("AddOnly", "A-1")]


def test_ledger_case_number_changed_gives_remove_and_addonly(run_cli, tmp_path):
    month_run(run_cli, tmp_path, incident("A-1"))
    msgs, _ = month_run(run_cli, tmp_path, incident("A-1X"), as_of="2025-11-06T09:30:00")
    assert actions(msgs) == [("Remove", "A-1"), ("AddOnly", "A-1X")]


def test_ledger_previous_run_files_kept_in_history(run_cli, tmp_path):
    month_run(run_cli, tmp_path, incident("A-1"))
    month_run(run_cli, tmp_path, incident("A-1", incidents__location_type="20"), as_of="2025-11-06T09:30:00")
    folder = tmp_path / "out" / "PA0230100" / "2025-10"
    assert (folder / "history" / "2025-10-001" / "PA0230100_20251105_0930_0001.json").exists()
    assert (folder / "PA0230100_20251106_0930_0002.json").exists()  # numbers continue across runs
    ledger = Ledger(tmp_path / "out" / "PA0230100" / "ledger.sqlite")
    assert ledger.runs()["run_id"].tolist() == ["2025-10-001", "2025-10-002"]
    assert ledger.messages()["action"].tolist() == ["AddOnly", "Add"]


def test_actions_planned_actions_pure():
    key = ["agency_ori", "incident_date", "agency_case_number"]
    history = pd.DataFrame([
        ["ORI", "2025-10-01", "A", "AddOnly", "h1", 1, 1],
        ["ORI", "2025-10-02", "B", "AddOnly", "h2", 1, 2],
        ["ORI", "2025-10-03", "C", "AddOnly", "h3", 1, 3],
        ["ORI", "2025-10-03", "C", "Remove", None, 2, 1],
    ], columns=key + ["action", "content_sha256", "run_seq", "seq"])
    active = active_incidents(history)
    assert active["agency_case_number"].tolist() == ["A", "B"]
    current = pd.DataFrame([["ORI", "2025-10-01", "A", "h1", 0], ["ORI", "2025-10-03", "C", "h3", 2],
                            ["ORI", "2025-10-04", "D", "h4", 3]], columns=key + ["content_sha256", "_row"])
    plan, unchanged = planned_actions(active, current, pd.DataFrame(columns=key), pd.Series([], dtype="str"))
    assert list(zip(plan["agency_case_number"], plan["action"])) == [("B", "Remove"), ("C", "AddOnly"), ("D", "AddOnly")]
    assert unchanged == 1
    assert [zero_report_action(n, a) for n, a in ((True, False), (True, True), (False, True), (False, False))] == [
        "AddOnly", None, "Remove", None]


def test_ledger_state_may_name_a_folder(run_cli, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    source = write_csv_extract(tmp_path / "x", incident("A-1"))
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source, "--month",
                              "2025-10", "--out", tmp_path / "out", "--as-of", "2025-11-05T09:30:00",
                              "--state", state)
    assert code == 0, stderr
    assert (state / "ledger.sqlite").exists() and (state / "archive").is_dir()
    assert not (tmp_path / "out" / "PA0230100" / "ledger.sqlite").exists()
    code, stdout, _ = run_cli("history", "--month", "2025-10", "--state", state)
    assert code == 0 and "2025-10-001" in stdout


def test_history_filters_by_month_and_status(run_cli, tmp_path):
    state = tmp_path / "out" / "PA0230100" / "ledger.sqlite"
    tables = combined(incident("A-1"), incident("S-1", incidents__incident_date="2025-09-10"))
    month_run(run_cli, tmp_path, tables, month="2025-09")
    month_run(run_cli, tmp_path, tables, month="2025-10")
    assert run_cli("mark-submitted", "2025-09-001", "--state", state)[0] == 0

    def runs(*args):
        code, stdout, stderr = run_cli("history", "--state", state, *args)
        assert code == 0, stderr
        return [line.split()[0] for line in stdout.splitlines() if not line.startswith(" ")]

    assert runs() == ["2025-09-001", "2025-10-001"]
    assert runs("--month", "2025-10") == ["2025-10-001"]
    assert runs("--status", "generated") == ["2025-10-001"]
    assert runs("--status", "submitted") == ["2025-09-001"]
    assert runs("--month", "2025-10", "--status", "submitted") == ["no"]  # "no run recorded (...)"
    assert run_cli("history", "--state", state, "--status", "sent")[0] == 2


def test_mark_submitted_twice_is_reported_and_changes_nothing(run_cli, tmp_path):
    state = tmp_path / "out" / "PA0230100" / "ledger.sqlite"
    month_run(run_cli, tmp_path, incident("A-1"))
    code, stdout, _ = run_cli("mark-submitted", "2025-10-001", "--state", state)
    assert code == 0 and "1 message(s) marked submitted" in stdout
    first = Ledger(state).run("2025-10-001").submitted_at
    code, stdout, stderr = run_cli("mark-submitted", "2025-10-001", "--state", state)
    assert code == 2 and stdout == ""
    assert f"run 2025-10-001 was already marked submitted on {first}; nothing changed" in stderr
    assert Ledger(state).run("2025-10-001").submitted_at == first


def test_ledger_is_a_context_manager_that_closes_its_connection(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert ledger.runs("2025-10").empty
    with pytest.raises(sqlite3.ProgrammingError):
        ledger.conn.execute("SELECT 1")
