"""Reporting deadlines and the per-month submission status, from the ledger's runs and messages.

Pure functions: frames and timestamps in, frames out; no I/O.

Every program wants one submission per month, due the 15th of the following month (end of day):
incidents, or a zero report for a month without any. The FBI flat-file spec defines the zero report
(§2.1.2) but sets no date; the 15th is Illinois' (monthly reports, 20 Ill. Adm. Code 1244.30(a); a
zero report "by the 15th day of the following month", 1244.30(d)) and Colorado's (the Division of
Criminal Justice's submission page for 24-31-903, C.R.S.: "on the 15th of the month following"),
and is applied to the FBI program too.
Colorado (LEI contacts and use of force) collects from August 2022 and tolerates months "in arrears"
until April 15 of the year following the reporting year: a month past its due date is `late` there,
and `overdue` only after that final date. Elsewhere the due date is the final date.

Statuses, for each complete month:
* `submitted` – something is active at the FBI (incidents or a zero report) and every message is uploaded;
* `open`      – missing or with uploads pending, but its due date has not passed yet;
* `late`      – Colorado only: past the due date, not yet past the final date;
* `overdue`   – missing or with uploads pending after the final date.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FBI_FIRST_MONTH = "2019-01"
INCIDENT_KEY = ["month", "incident_date", "agency_case_number"]
STATUS_COLUMNS = ["month", "runs", "incidents", "zero_report", "pending", "rejected", "review", "missing", "due",
                  "final_due", "status"]
STATUSES = ("submitted", "open", "late", "overdue")


@dataclass(frozen=True)
class Program:
    name: str
    first_month: str  # YYYY-MM: no month before this one is owed
    arrears_until_april: bool  # late months accepted until April 15 of the following year


PROGRAMS = {
    "federal": Program("federal", FBI_FIRST_MONTH, arrears_until_april=False),
    "illinois": Program("illinois", FBI_FIRST_MONTH, arrears_until_april=False),
    "colorado": Program("colorado", "2022-08", arrears_until_april=True),
}
DEFAULT_PROGRAM = "federal"


def first_reporting_month(program: Program, reporting_start: str | None) -> str:
    """The profile's first month (YYYY-MM), never before the program's collection began."""
    return max(reporting_start or program.first_month, program.first_month)


def reporting_program(state_program: str | None, reporting_start: str | None) -> tuple[Program, str]:
    """The profile's program (federal unless `state_program`) and its first month; both were checked when the
    profile was loaded (schemas/config_models.py)."""
    program = PROGRAMS[state_program or DEFAULT_PROGRAM]
    return program, first_reporting_month(program, reporting_start)


def reporting_months(first_month: str, as_of: pd.Timestamp) -> pd.PeriodIndex:
    """Every month from `first_month` to the last month that is over at `as_of` (empty when none is)."""
    last_complete = pd.Timestamp(as_of).to_period("M") - 1
    return pd.period_range(pd.Period(first_month, freq="M"), last_complete, freq="M")


def due_dates(months: pd.PeriodIndex) -> pd.DatetimeIndex:
    """The 15th of the following month."""
    return (months + 1).to_timestamp() + pd.Timedelta(days=14)


def final_due_dates(months: pd.PeriodIndex, program: Program) -> pd.DatetimeIndex:
    """Last day a month may be reported: April 15 of the next year in Colorado, else the due date."""
    if not program.arrears_until_april:
        return due_dates(months)
    return pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": months.year + 1, "month": 4, "day": 15})))


def passed(deadlines: pd.DatetimeIndex, as_of: pd.Timestamp) -> np.ndarray:
    """True where `as_of` is after the end of the deadline's day."""
    return np.asarray(pd.Timestamp(as_of) >= deadlines + pd.Timedelta(days=1), dtype=bool)


def _last_action_is_active(messages: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Per key, the last recorded message (by run, then message order), kept where it is not a Remove."""
    last = messages.sort_values(["run_seq", "seq"], kind="stable").drop_duplicates(key, keep="last")
    return last[last["action"] != "Remove"]


def ledger_counts(months: pd.PeriodIndex, runs: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    """Per month: runs recorded, incidents active at the FBI, zero report active, messages not yet uploaded.

    runs:     one row per run (`month`), as `Ledger.runs()` returns them; the latest run of a month gives its
              `rejected` incidents and those pending `review` (`undecided`: rejected until the facts its
              reportability hangs on are established; a part of `rejected`), 0 where absent.
    messages: one row per message (`month`, `kind`, `incident_date`, `agency_case_number`, `action`,
              `status`, `run_seq`, `seq`), as `Ledger.messages()` returns them.
    """
    index = pd.Index(months.strftime("%Y-%m"), name="month")
    incident_messages = messages[messages["kind"] == "incident"]
    zero_messages = messages[messages["kind"] == "zero_report"]
    counts = pd.DataFrame({
        "runs": runs.groupby("month").size(),
        "incidents": _last_action_is_active(incident_messages, INCIDENT_KEY).groupby("month").size(),
        "zero_report": _last_action_is_active(zero_messages, ["month"]).groupby("month").size(),
        "pending": messages[messages["status"] == "generated"].groupby("month").size(),
    }, columns=["runs", "incidents", "zero_report", "pending"])
    latest = runs.sort_values("run_seq", kind="stable").drop_duplicates("month", keep="last").set_index("month")
    for name, column in (("rejected", "rejected"), ("review", "undecided")):
        values = latest[column] if column in latest.columns else pd.Series(0, index=latest.index)
        counts[name] = pd.to_numeric(values, errors="coerce").reindex(counts.index)
    counts = counts.reindex(index).fillna(0).astype("int64")
    counts["zero_report"] = counts["zero_report"] > 0
    return counts


def month_status(months: pd.PeriodIndex, runs: pd.DataFrame, messages: pd.DataFrame, program: Program,
                 as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per month with STATUS_COLUMNS; `due` / `final_due` are dates (midnight timestamps)."""
    frame = ledger_counts(months, runs, messages).reset_index()
    frame["missing"] = (frame["incidents"] == 0) & ~frame["zero_report"]
    frame["due"] = due_dates(months)
    frame["final_due"] = final_due_dates(months, program)
    to_do = (frame["missing"] | (frame["pending"] > 0)).to_numpy()
    past_due, past_final = passed(frame["due"], as_of), passed(frame["final_due"], as_of)
    frame["status"] = pd.Series(
        np.select([to_do & past_final, to_do & past_due, to_do], ["overdue", "late", "open"], default="submitted"),
        index=frame.index, dtype="str")
    return frame[STATUS_COLUMNS]


def review_summary(frame: pd.DataFrame) -> dict:
    """Incidents the latest runs of the months rejected, and those of them pending review."""
    return {"rejected": int(frame["rejected"].sum()), "pending_review": int(frame["review"].sum())}


def status_summary(frame: pd.DataFrame) -> dict:
    """Counts over the months of a status frame."""
    by_status = frame["status"].value_counts()
    return {
        "months": len(frame),
        **{status: int(by_status.get(status, 0)) for status in STATUSES},
        "missing": int(frame["missing"].sum()),
        "with_pending_uploads": int((frame["pending"] > 0).sum()),
        "pending_messages": int(frame["pending"].sum()),
        "incidents": int(frame["incidents"].sum()),
        "zero_reports": int(frame["zero_report"].sum()),
    }


# ----------------------------------------------------------------------- Illinois mental-health-crisis report

ILLINOIS_MH_FIRST_MONTH = "2023-05"  # 20 Ill. Adm. Code 1244 Subpart B was added effective May 8, 2023
MH_STATUS_COLUMNS = ["month", "runs", "produced", "findings", "produced_at", "due", "status"]
MH_STATUSES = ("produced", "late", "open", "overdue")


def mh_report_status(months: pd.PeriodIndex, runs: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per month, the Illinois mental-health-crisis report (`uof report illinois-mh`): due the 15th of the following
    month (20 Ill. Adm. Code 1244.300(f)), with no months in arrears.

    runs: the report's complete runs (`month`, `run_seq`, `as_of`, `exit_code`), as `Ledger.runs(reports=True)`
    lists those of kind `report:illinois-mh`. A month is produced when its latest run has no findings (exit 0);
    `produced_at` is the first run without findings. Statuses: `produced` (by the due date), `late` (produced after
    it), `open` (not produced, not yet due), `overdue` (not produced, past due). Whether the data was then entered
    on ISP's form is not known to uof.
    """
    index = pd.Index(months.strftime("%Y-%m"), name="month")
    ordered = runs.sort_values("run_seq", kind="stable")
    latest = ordered.drop_duplicates("month", keep="last").set_index("month")["exit_code"]
    clean = ordered[ordered["exit_code"] == 0].drop_duplicates("month", keep="first").set_index("month")["as_of"]
    frame = pd.DataFrame({"runs": ordered.groupby("month").size().reindex(index, fill_value=0).astype("int64")},
                         index=index).reset_index()
    findings = latest.reindex(index).fillna(0).to_numpy() != 0
    frame["produced"] = latest.reindex(index).eq(0).to_numpy()
    frame["findings"] = findings
    frame["produced_at"] = pd.to_datetime(clean.reindex(index)).where(frame["produced"].to_numpy()).to_numpy()
    frame["due"] = due_dates(months)
    produced, past_due = frame["produced"].to_numpy(), passed(frame["due"], as_of)
    after_due = np.asarray(frame["produced_at"] >= frame["due"] + pd.Timedelta(days=1), dtype=bool)
    frame["status"] = pd.Series(
        np.select([produced & after_due, produced, past_due], ["late", "produced", "overdue"], default="open"),
        index=frame.index, dtype="str")
    return frame[MH_STATUS_COLUMNS]


def mh_status_summary(frame: pd.DataFrame) -> dict:
    by_status = frame["status"].value_counts()
    return {"months": len(frame), **{status: int(by_status.get(status, 0)) for status in MH_STATUSES},
            "with_findings": int(frame["findings"].sum())}
