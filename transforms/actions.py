"""Service-message actions from what was emitted before (the ledger) and what the month holds now.

The FBI keys an incident on agency ORI + incident date + case number (§2.1.1):

* a key never emitted (or removed since)  -> AddOnly (does not reset a status the FBI already holds);
* a key emitted before whose content changed -> Add (update);
* a key emitted before with the same content -> nothing (counted as unchanged);
* a key emitted before that the month no longer holds (deleted, date moved, not reportable any more)
  -> Remove, with only the three key elements (§2.1.1, Appendix A sample C).

A changed date or case number is simply a key that disappeared plus a new key: Remove + AddOnly.
An incident that is still in the month but rejected now keeps what the FBI has: it is not removed.
Zero reports follow the same memory: AddOnly once, Remove when incidents appear in the month.
"""
from __future__ import annotations

import pandas as pd

KEY = ["agency_ori", "incident_date", "agency_case_number"]
PLAN_COLUMNS = KEY + ["action", "content_sha256", "_row"]


def active_incidents(history: pd.DataFrame) -> pd.DataFrame:
    """Per key, the content last emitted, for keys whose last action was not Remove.

    `history` has one row per recorded incident message (KEY, action, content_sha256, run_seq, seq).
    """
    if history.empty:
        return pd.DataFrame(columns=KEY + ["content_sha256"])
    last = history.sort_values(["run_seq", "seq"], kind="stable").drop_duplicates(KEY, keep="last")
    return last.loc[last["action"] != "Remove", KEY + ["content_sha256"]].reset_index(drop=True)


def zero_report_active(history: pd.DataFrame) -> bool:
    """`history`: the month's zero-report messages (action, run_seq, seq)."""
    if history.empty:
        return False
    last = history.sort_values(["run_seq", "seq"], kind="stable").iloc[-1]
    return last["action"] != "Remove"


def planned_actions(active: pd.DataFrame, current: pd.DataFrame, held: pd.DataFrame,
                    held_cases: pd.Series) -> tuple[pd.DataFrame, int]:
    """Actions for the month.

    active:     keys the FBI holds (from `active_incidents`) for this agency and month.
    current:    valid incidents of the month now (KEY, content_sha256, _row).
    held:       keys still in the month whatever their state (emitted, rejected): never removed.
    held_cases: case numbers of incidents whose date cannot be read; their keys are not removed either.
    Returns (plan with PLAN_COLUMNS, number of unchanged incidents).
    """
    merged = current.merge(active, on=KEY, how="left", suffixes=("", "_before"))
    new = merged["content_sha256_before"].isna()
    changed = ~new & (merged["content_sha256"] != merged["content_sha256_before"])
    adds = merged[new | changed].assign(action=lambda f: f["content_sha256_before"].isna().map(
        {True: "AddOnly", False: "Add"}))
    unchanged = int((~new & ~changed).sum())
    still = active.merge(pd.concat([held[KEY], current[KEY]]).drop_duplicates(), on=KEY, how="left",
                         indicator=True)
    gone = still[(still["_merge"] == "left_only") & ~still["agency_case_number"].isin(held_cases)]
    removes = gone[KEY].assign(action="Remove", content_sha256=pd.NA, _row=pd.NA)
    removes = removes.sort_values(["incident_date", "agency_case_number"], kind="stable")
    adds = adds.sort_values(["incident_date", "agency_case_number"], kind="stable")
    plan = pd.concat([removes, adds[PLAN_COLUMNS]], ignore_index=True) if len(removes) else adds[PLAN_COLUMNS]
    return plan.reset_index(drop=True)[PLAN_COLUMNS], unchanged


def zero_report_action(needed: bool, active: bool) -> str | None:
    """AddOnly a zero report the month needs and lacks; Remove one the month no longer supports."""
    if needed and not active:
        return "AddOnly"
    if not needed and active:
        return "Remove"
    return None
