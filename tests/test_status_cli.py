"""`uof status` over a real ledger written by `uof run`."""
import json

import pytest

from flows.io.ledger import Ledger

from tests.conftest import combined, incident, write_csv_extract, write_profile

RUN_AS_OF = "2025-11-05T09:30:00"


def run_months(run_cli, tmp_path, profile, tables, months):
    source = write_csv_extract(tmp_path / "extract", tables)
    for month in months:
        code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", month,
                                  "--out", tmp_path / "out", "--as-of", RUN_AS_OF)
        assert code == 0, stderr


def ledger_file(tmp_path):
    return tmp_path / "out" / "PA0230100" / "ledger.sqlite"


def month_lines(stdout):
    return {line.split()[0]: line.split() for line in stdout.splitlines() if line[:4].isdigit()}


def status_json(run_cli, profile, *args):
    code, stdout, stderr = run_cli("status", "--profile", profile, "--format", "json", *args)
    return code, json.loads(stdout), stderr


def test_status_table_overdue_until_every_run_is_marked_submitted(run_cli, tmp_path):
    profile = write_profile(tmp_path / "cfg", 'reporting_start: "2025-08"\n'
                            'extract_period: {from: "2025-08", to: "2025-10"}\n')
    # one October incident in an extract declared to cover August to October: August and September get
    # zero reports, October the incident
    run_months(run_cli, tmp_path, profile, incident("A-1"), ["2025-08", "2025-09", "2025-10"])
    code, stdout, _ = run_cli("status", "--profile", profile, "--out", tmp_path / "out",
                              "--as-of", "2025-11-20T08:00:00")
    assert code == 3
    rows = month_lines(stdout)
    assert list(rows) == ["2025-08", "2025-09", "2025-10"]
    #                    month runs incidents zero pending rejected review missing due status
    assert rows["2025-08"] == ["2025-08", "1", "0", "yes", "1", "0", "0", "no", "2025-09-15", "overdue"]
    assert rows["2025-10"] == ["2025-10", "1", "1", "no", "1", "0", "0", "no", "2025-11-15", "overdue"]
    assert "federal rules" in stdout and "3 overdue" in stdout and "A-1" not in stdout

    for run_id in ("2025-08-001", "2025-09-001", "2025-10-001"):
        code, stdout, stderr = run_cli("mark-submitted", run_id, "--state", ledger_file(tmp_path))
        assert code == 0, stderr
    code, stdout, _ = run_cli("status", "--profile", profile, "--state", ledger_file(tmp_path),
                              "--as-of", "2025-11-20T08:00:00")
    assert code == 0
    assert [row[-1] for row in month_lines(stdout).values()] == ["submitted"] * 3
    assert "3 submitted, 0 open, 0 late, 0 overdue; 0 missing" in stdout


def test_status_json_document(run_cli, tmp_path):
    profile = write_profile(tmp_path / "cfg", 'reporting_start: "2025-09"\nstate_program: illinois\n')
    run_months(run_cli, tmp_path, profile, combined(incident("A-1"), incident("B-2")), ["2025-10"])
    run_cli("mark-submitted", "2025-10-001", "--state", ledger_file(tmp_path))
    code, doc, _ = status_json(run_cli, profile, "--state", ledger_file(tmp_path), "--as-of", "2025-11-10T08:00:00")
    assert code == 3  # September has no run: no zero report by October 15
    assert (doc["agency_ori"], doc["program"], doc["as_of"], doc["first_month"], doc["exit_code"]) == (
        "PA0230100", "illinois", "2025-11-10T08:00:00", "2025-09", 3)
    september, october = doc["months"]
    assert september == {"month": "2025-09", "runs": 0, "incidents": 0, "zero_report": False, "pending": 0,
                         "rejected": 0, "review": 0, "missing": True, "due": "2025-10-15", "final_due": "2025-10-15",
                         "status": "overdue"}
    assert october == {"month": "2025-10", "runs": 1, "incidents": 2, "zero_report": False, "pending": 0,
                       "rejected": 0, "review": 0, "missing": False, "due": "2025-11-15", "final_due": "2025-11-15",
                       "status": "submitted"}
    assert doc["summary"] == {"months": 2, "submitted": 1, "open": 0, "late": 0, "overdue": 1, "missing": 1,
                              "with_pending_uploads": 0, "pending_messages": 0, "incidents": 2, "zero_reports": 0,
                              "rejected": 0, "pending_review": 0}


def test_status_colorado_late_then_overdue_after_april_15(run_cli, tmp_path):
    profile = write_profile(tmp_path / "cfg", 'reporting_start: "2025-06"\nstate_program: colorado\n')
    run_months(run_cli, tmp_path, profile, incident("A-1"), ["2025-10"])
    run_cli("mark-submitted", "2025-10-001", "--state", ledger_file(tmp_path))
    code, doc, _ = status_json(run_cli, profile, "--state", ledger_file(tmp_path), "--as-of", "2026-03-20T10:00:00")
    assert code == 0
    june = doc["months"][0]
    assert (june["month"], june["due"], june["final_due"], june["status"]) == (
        "2025-06", "2025-07-15", "2026-04-15", "late")
    assert doc["summary"]["late"] == 8 and doc["summary"]["overdue"] == 0 and doc["summary"]["submitted"] == 1
    code, doc, _ = status_json(run_cli, profile, "--state", ledger_file(tmp_path), "--as-of", "2026-04-16T00:00:00")
    assert code == 3 and doc["months"][0]["status"] == "overdue" and doc["summary"]["overdue"] == 6
    code, stdout, _ = run_cli("status", "--profile", profile, "--state", ledger_file(tmp_path),
                              "--as-of", "2026-03-20T10:00:00")
    assert "final due" in stdout and month_lines(stdout)["2025-06"][-3:] == ["2025-07-15", "2026-04-15", "late"]


def test_status_with_an_empty_ledger_lists_every_month_missing(run_cli, tmp_path):
    profile = write_profile(tmp_path / "cfg", 'reporting_start: "2025-10"\n')
    Ledger(ledger_file(tmp_path)).close()
    code, stdout, _ = run_cli("status", "--profile", profile, "--out", tmp_path / "out",
                              "--as-of", "2025-11-10T08:00:00")
    assert code == 0 and "holds no run yet" in stdout
    assert month_lines(stdout)["2025-10"][-3:] == ["yes", "2025-11-15", "open"]


@pytest.mark.parametrize("where", ["typo", "out-without-ledger", "state"])
def test_status_without_a_ledger_says_so_and_exits_2(run_cli, tmp_path, where):
    profile = write_profile(tmp_path / "cfg", 'reporting_start: "2025-10"\n')
    (tmp_path / "out-without-ledger").mkdir()
    option = ("--state", tmp_path / "none.sqlite") if where == "state" else ("--out", tmp_path / where)
    code, stdout, stderr = run_cli("status", "--profile", profile, *option, "--as-of", "2025-11-10T08:00:00")
    assert code == 2 and stdout == "" and "no run of agency PA0230100 was ever recorded" in stderr
    expected = {"typo": f"output folder {tmp_path / 'typo'} does not exist",
                "out-without-ledger": f"no ledger at {tmp_path / 'out-without-ledger' / 'PA0230100' / 'ledger.sqlite'}",
                "state": f"no ledger at {tmp_path / 'none.sqlite'}"}[where]
    assert expected in stderr
    assert not (tmp_path / "typo").exists() and not (tmp_path / "none.sqlite").exists()


def test_status_shows_rejected_and_pending_review_of_the_latest_run(run_cli, tmp_path):
    profile = write_profile(tmp_path / "cfg", 'reporting_start: "2025-10"\n')
    source = write_csv_extract(tmp_path / "extract", combined(
        incident("A-1"), incident("B-2", incidents__location_type="99"),
        incident("U-1", subjects__injury_type_ids="PENDING", incidents__incident_tickler_ids="")))
    code, _, _ = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10",
                         "--out", tmp_path / "out", "--as-of", RUN_AS_OF)
    assert code == 1
    code, stdout, _ = run_cli("status", "--profile", profile, "--out", tmp_path / "out",
                              "--as-of", "2025-11-10T08:00:00")
    header = stdout.splitlines()[1].split()
    assert header[:8] == ["month", "runs", "incidents", "zero", "report", "pending", "rejected", "review"]
    assert month_lines(stdout)["2025-10"][:7] == ["2025-10", "1", "1", "no", "1", "2", "1"]
    assert "2 incident(s) rejected in the latest runs, 1 of them pending review" in stdout
    code, doc, _ = status_json(run_cli, profile, "--out", tmp_path / "out", "--as-of", "2025-11-10T08:00:00")
    assert (doc["months"][0]["rejected"], doc["months"][0]["review"]) == (2, 1)
    assert (doc["summary"]["rejected"], doc["summary"]["pending_review"]) == (2, 1)


def test_status_default_start_is_2019_and_colorado_2022_08(run_cli, tmp_path):
    Ledger(tmp_path / "none.sqlite").close()  # a ledger without runs
    code, doc, _ = status_json(run_cli, write_profile(tmp_path / "fed"), "--state", tmp_path / "none.sqlite",
                               "--as-of", "2020-01-10T00:00:00")
    assert code == 3 and doc["months"][0]["month"] == "2019-01" and doc["months"][-1]["month"] == "2019-12"
    code, doc, _ = status_json(run_cli, write_profile(tmp_path / "co", "state_program: colorado\n"),
                               "--state", tmp_path / "none.sqlite", "--as-of", "2022-10-01T00:00:00")
    assert code == 0 and [m["month"] for m in doc["months"]] == ["2022-08", "2022-09"]


def test_status_bad_profile_settings_and_arguments_exit_2(run_cli, tmp_path):
    bad_program = write_profile(tmp_path / "a", "state_program: texas\n")
    code, _, stderr = run_cli("status", "--profile", bad_program, "--state", tmp_path / "l.sqlite")
    assert code == 2 and "state_program" in stderr
    bad_start = write_profile(tmp_path / "b", 'reporting_start: "2025-13"\n')
    code, _, stderr = run_cli("status", "--profile", bad_start, "--state", tmp_path / "l.sqlite")
    assert code == 2 and "reporting_start" in stderr
    good = write_profile(tmp_path / "c")
    assert run_cli("status", "--profile", good)[0] == 2  # neither --out nor --state
    assert run_cli("status", "--profile", good, "--state", tmp_path / "l.sqlite", "--as-of", "yesterday")[0] == 2
    assert run_cli("status", "--profile", good, "--state", tmp_path / "l.sqlite", "--format", "xml")[0] == 2


def test_status_refuses_the_ledger_of_another_agency(run_cli, tmp_path):
    profile = write_profile(tmp_path / "cfg")
    run_months(run_cli, tmp_path, profile, incident("A-1"), ["2025-10"])
    other = tmp_path / "other" / "agency.yaml"
    other.parent.mkdir()
    other.write_text('agency_ori: "IL0160000"\n', encoding="utf-8")
    code, _, stderr = run_cli("status", "--profile", other, "--state", ledger_file(tmp_path))
    assert code == 2 and "PA0230100" in stderr


def test_status_keeps_a_month_the_extract_does_not_cover_missing(run_cli, tmp_path):
    """No zero report for a month the extract does not cover: `uof status` still lists the month as missing."""
    profile = write_profile(tmp_path / "cfg", 'reporting_start: "2025-08"\n')
    source = write_csv_extract(tmp_path / "extract", combined(
        incident("SEP-1", incidents__incident_date="2025-09-02"), incident("OCT-1")))
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-08", "--out", out,
                              "--as-of", RUN_AS_OF)
    assert code == 2 and "not covered by the extract" in stderr
    code, stdout, stderr = run_cli("backfill", "--profile", profile, "--source", source, "--from", "2025-08",
                                   "--to", "2025-10", "--out", out, "--as-of", RUN_AS_OF)
    assert code == 1 and "2025-08: left out, nothing written" in stdout, stderr
    code, doc, _ = status_json(run_cli, profile, "--out", out, "--as-of", "2025-11-20T08:00:00")
    august, september, october = doc["months"]
    assert (august["runs"], august["zero_report"], august["missing"], august["status"]) == (0, False, True, "overdue")
    assert (september["missing"], october["missing"]) == (False, False)
