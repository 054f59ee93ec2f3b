"""The state compliance table: every agency's months (submitted, zero report, missing, late, rejected counts).

Built from each agency's ledger exactly as `uof status` builds one agency's table (transforms/deadlines.py),
so the state view and the agency view can never disagree. An agency that never ran has no ledger: every month
of it is missing (and late or overdue once its deadline has passed), which is what a state program must see.
"""
from __future__ import annotations

import pandas as pd

from transforms.deadlines import STATUSES, month_status

MONTH_COLUMNS = ["agency_ori", "agency_name", "month", "status", "incidents", "zero_report", "missing", "pending",
                 "rejected", "review", "runs", "due", "final_due"]
AGENCY_COLUMNS = ["agency_ori", "agency_name", "ledger", "months", *STATUSES, "missing", "zero_reports", "incidents",
                  "rejected", "pending_messages"]
EMPTY_RUNS = pd.DataFrame({"month": pd.Series([], dtype="str"), "run_seq": pd.Series([], dtype="int64")})
EMPTY_MESSAGES = pd.DataFrame({c: pd.Series([], dtype="str") for c in
                               ("month", "kind", "incident_date", "agency_case_number", "action", "status")}
                              ).assign(run_seq=pd.Series([], dtype="int64"), seq=pd.Series([], dtype="int64"))


def agency_months(ori: str, name: str, months: pd.PeriodIndex, runs, messages, program, as_of) -> pd.DataFrame:
    """One agency's rows of the compliance table; `runs`/`messages` None when the agency has no ledger."""
    runs = EMPTY_RUNS if runs is None else runs
    messages = EMPTY_MESSAGES if messages is None else messages
    frame = month_status(months, runs, messages, program, as_of)
    frame.insert(0, "agency_name", name)
    frame.insert(0, "agency_ori", ori)
    return frame[MONTH_COLUMNS]


def agency_summary(months: pd.DataFrame, ledgers: dict[str, bool], names: dict[str, str]) -> pd.DataFrame:
    """Per agency (in `names` order): months by status, missing months, zero reports, incidents, rejections."""
    grouped = months.groupby("agency_ori", sort=False)
    by_status = pd.crosstab(months["agency_ori"], months["status"]).reindex(columns=list(STATUSES), fill_value=0)
    out = pd.DataFrame({
        "months": grouped.size(),
        "missing": grouped["missing"].sum(),
        "zero_reports": grouped["zero_report"].sum(),
        "incidents": grouped["incidents"].sum(),
        "rejected": grouped["rejected"].sum(),
        "pending_messages": grouped["pending"].sum(),
    }).join(by_status).reindex(list(names)).fillna(0).astype("int64")
    out.insert(0, "ledger", pd.Series(ledgers).reindex(out.index).map({True: "yes", False: "none"}))
    out.insert(0, "agency_name", pd.Series(names).reindex(out.index))
    return out.rename_axis("agency_ori").reset_index()[AGENCY_COLUMNS]


def state_totals(agencies: pd.DataFrame) -> dict:
    numeric = [c for c in AGENCY_COLUMNS if c not in ("agency_ori", "agency_name", "ledger")]
    totals = {c: int(agencies[c].sum()) for c in numeric}
    return {"agencies": len(agencies), "agencies_without_ledger": int((agencies["ledger"] == "none").sum()),
            "agencies_overdue": int((agencies["overdue"] > 0).sum()), **totals}
