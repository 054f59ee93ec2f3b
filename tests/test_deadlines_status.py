"""Due dates per program and the per-month status, from hand-made ledger frames (no I/O)."""
import pandas as pd
import pytest

from transforms.deadlines import (PROGRAMS, due_dates, final_due_dates, first_reporting_month, month_status,
                                  reporting_months, status_summary)

FEDERAL, ILLINOIS, COLORADO = PROGRAMS["federal"], PROGRAMS["illinois"], PROGRAMS["colorado"]
RUN_COLUMNS = ["run_id", "run_seq", "month", "status"]
MESSAGE_COLUMNS = ["run_seq", "seq", "kind", "month", "incident_date", "agency_case_number", "action", "status"]


def months(first, last):
    return pd.period_range(first, last, freq="M")


def dates(index):
    return [d.strftime("%Y-%m-%d") for d in index]


def ledger(*messages):
    """(runs, messages) frames: each message is (run_seq, kind, month, case or None, action, status)."""
    rows = [{"run_seq": run_seq, "seq": seq, "kind": kind, "month": month,
             "incident_date": None if case is None else f"{month}-03", "agency_case_number": case,
             "action": action, "status": status}
            for seq, (run_seq, kind, month, case, action, status) in enumerate(messages, start=1)]
    frame = pd.DataFrame(rows, columns=MESSAGE_COLUMNS)
    runs = frame.drop_duplicates("run_seq").assign(run_id=lambda f: f["month"] + "-" + f["run_seq"].astype(str))
    return runs.reindex(columns=RUN_COLUMNS), frame


EMPTY = (pd.DataFrame(columns=RUN_COLUMNS), pd.DataFrame(columns=MESSAGE_COLUMNS))


def status_of(program, first, last, as_of, runs_messages=EMPTY):
    frame = month_status(months(first, last), *runs_messages, program, pd.Timestamp(as_of))
    return frame.set_index("month")


# ---- due dates -----------------------------------------------------------------------------------

def test_due_the_15th_of_the_following_month_december_rolls_into_january():
    assert dates(due_dates(months("2025-11", "2026-02"))) == ["2025-12-15", "2026-01-15", "2026-02-15", "2026-03-15"]


def test_february_of_a_leap_year_is_due_march_15():
    assert dates(due_dates(months("2024-02", "2024-02"))) == ["2024-03-15"]


@pytest.mark.parametrize("program", [FEDERAL, ILLINOIS])
def test_federal_and_illinois_final_date_is_the_due_date(program):
    span = months("2025-01", "2025-12")
    assert dates(final_due_dates(span, program)) == dates(due_dates(span))


def test_colorado_arrears_until_april_15_of_the_following_year():
    span = months("2025-01", "2026-01")
    final = dates(final_due_dates(span, COLORADO))
    assert final[:12] == ["2026-04-15"] * 12  # all 2025 data by April 15, 2026
    assert final[12] == "2027-04-15"


# ---- month range ---------------------------------------------------------------------------------

@pytest.mark.parametrize("program, start, expected", [
    (FEDERAL, None, "2019-01"), (FEDERAL, "2018-05", "2019-01"), (ILLINOIS, "2024-02", "2024-02"),
    (COLORADO, None, "2022-08"), (COLORADO, "2021-03", "2022-08"), (COLORADO, "2023-01", "2023-01"),
])
def test_first_month_never_before_the_collection_began(program, start, expected):
    assert first_reporting_month(program, start) == expected


@pytest.mark.parametrize("as_of, last", [("2026-03-20T10:00:00", "2026-02"), ("2026-03-01T00:00:00", "2026-02"),
                                         ("2026-02-28T23:59:59", "2026-01"), ("2026-01-05T08:00:00", "2025-12")])
def test_months_end_with_the_last_complete_month(as_of, last):
    span = reporting_months("2025-06", pd.Timestamp(as_of))
    assert span[0].strftime("%Y-%m") == "2025-06" and span[-1].strftime("%Y-%m") == last


def test_no_month_when_the_first_one_is_not_over():
    assert len(reporting_months("2026-03", pd.Timestamp("2026-03-20T10:00:00"))) == 0
    frame = status_of(FEDERAL, "2026-03", "2026-02", "2026-03-20T10:00:00")
    assert frame.empty and status_summary(frame.reset_index())["months"] == 0


# ---- statuses ------------------------------------------------------------------------------------

def test_colorado_missing_month_is_late_before_april_15_then_overdue():
    assert status_of(COLORADO, "2025-06", "2025-06", "2026-03-20T10:00:00").loc["2025-06", "status"] == "late"
    assert status_of(COLORADO, "2025-06", "2025-06", "2026-04-15T23:59:59").loc["2025-06", "status"] == "late"
    assert status_of(COLORADO, "2025-06", "2025-06", "2026-04-16T00:00:00").loc["2025-06", "status"] == "overdue"


def test_colorado_shows_both_dates():
    row = status_of(COLORADO, "2025-06", "2025-06", "2026-03-20T10:00:00").loc["2025-06"]
    assert (row["due"], row["final_due"]) == (pd.Timestamp("2025-07-15"), pd.Timestamp("2026-04-15"))


@pytest.mark.parametrize("program", [FEDERAL, ILLINOIS])
def test_missing_month_is_open_until_the_end_of_the_15th_then_overdue(program):
    assert status_of(program, "2026-01", "2026-01", "2026-02-15T23:59:59").loc["2026-01", "status"] == "open"
    assert status_of(program, "2026-01", "2026-01", "2026-02-16T00:00:00").loc["2026-01", "status"] == "overdue"


def test_december_is_due_january_15():
    frame = status_of(ILLINOIS, "2025-12", "2025-12", "2026-01-16T00:00:00")
    assert frame.loc["2025-12", "due"] == pd.Timestamp("2026-01-15") and frame.loc["2025-12", "status"] == "overdue"


def test_submitted_month_is_never_overdue():
    data = ledger((1, "incident", "2025-10", "A-1", "AddOnly", "submitted"),
                  (2, "zero_report", "2025-09", None, "AddOnly", "submitted"))
    frame = status_of(ILLINOIS, "2025-09", "2025-10", "2027-01-01T00:00:00", data)
    assert frame["status"].tolist() == ["submitted", "submitted"]
    assert frame["missing"].tolist() == [False, False]
    assert frame["zero_report"].tolist() == [True, False]
    assert frame["incidents"].tolist() == [0, 1]


def test_pending_upload_makes_a_month_overdue_after_its_due_date():
    data = ledger((1, "incident", "2025-10", "A-1", "AddOnly", "submitted"),
                  (2, "incident", "2025-10", "B-2", "AddOnly", "generated"))
    row = status_of(FEDERAL, "2025-10", "2025-10", "2025-11-20T00:00:00", data).loc["2025-10"]
    assert (row["incidents"], row["pending"], row["missing"], row["status"]) == (2, 1, False, "overdue")
    row = status_of(FEDERAL, "2025-10", "2025-10", "2025-11-10T00:00:00", data).loc["2025-10"]
    assert row["status"] == "open"


def test_active_incidents_follow_the_last_action_per_key():
    data = ledger((1, "incident", "2025-10", "A-1", "AddOnly", "submitted"),
                  (1, "incident", "2025-10", "B-2", "AddOnly", "submitted"),
                  (2, "incident", "2025-10", "A-1", "Add", "submitted"),
                  (3, "incident", "2025-10", "B-2", "Remove", "submitted"),
                  (4, "incident", "2025-10", "B-2", "AddOnly", "submitted"),
                  (4, "incident", "2025-10", "A-1", "Remove", "submitted"))
    row = status_of(FEDERAL, "2025-10", "2025-10", "2026-01-01T00:00:00", data).loc["2025-10"]
    assert (row["incidents"], row["runs"], row["status"]) == (1, 4, "submitted")


def test_everything_removed_and_no_zero_report_is_missing_even_with_runs():
    data = ledger((1, "incident", "2025-10", "A-1", "AddOnly", "submitted"),
                  (2, "incident", "2025-10", "A-1", "Remove", "submitted"),
                  (3, "zero_report", "2025-09", None, "AddOnly", "submitted"),
                  (4, "zero_report", "2025-09", None, "Remove", "submitted"))
    frame = status_of(FEDERAL, "2025-09", "2025-10", "2026-01-01T00:00:00", data)
    assert frame["missing"].tolist() == [True, True] and frame["status"].tolist() == ["overdue", "overdue"]
    assert frame["runs"].tolist() == [2, 2]


def test_a_run_that_emitted_nothing_still_leaves_the_month_missing():
    runs = pd.DataFrame({"run_id": ["2025-10-001"], "run_seq": [1], "month": ["2025-10"], "status": ["generated"]})
    row = status_of(FEDERAL, "2025-10", "2025-10", "2025-11-20T00:00:00", (runs, EMPTY[1])).loc["2025-10"]
    assert (row["runs"], row["missing"], row["status"]) == (1, True, "overdue")


def test_summary_counts():
    data = ledger((1, "incident", "2025-10", "A-1", "AddOnly", "generated"),
                  (1, "incident", "2025-10", "B-2", "AddOnly", "generated"),
                  (2, "zero_report", "2025-09", None, "AddOnly", "submitted"))
    frame = month_status(months("2025-08", "2025-11"), *data, COLORADO, pd.Timestamp("2025-12-20T00:00:00"))
    assert frame["status"].tolist() == ["late", "submitted", "late", "late"]
    assert status_summary(frame) == {
        "months": 4, "submitted": 1, "open": 0, "late": 3, "overdue": 0, "missing": 2, "with_pending_uploads": 1,
        "pending_messages": 2, "incidents": 2, "zero_reports": 1}
