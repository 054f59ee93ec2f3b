"""Planning a state run: which agencies run together, whether every row is accounted for, the exit code."""
from __future__ import annotations

import pandas as pd


def agency_chunks(agencies: pd.DataFrame) -> list[list[str]]:
    """Chunks of agency ORIs (columns ori, submitter; in table order) that each run on one worker.

    Agencies sharing a submitting ORI (I4) share its file-number sequence (Appendix B): run in parallel they
    would take numbers in whatever order they finished, and the same run would name its files differently
    each time. They form one chunk, in table order; every other agency is a chunk of its own. Chunks are
    ordered by their first agency's position, so the plan is the same on every run.
    """
    if agencies.empty:
        return []
    order = agencies.reset_index(drop=True)
    groups = order.groupby("submitter", sort=False)["ori"].agg(list)
    first = order.groupby("submitter", sort=False).apply(lambda g: g.index.min(), include_groups=False)
    return [groups[s] for s in first.sort_values().index]


def row_accounting(read: dict, blank: dict, staged: dict, unassigned: list) -> dict:
    """Per table: rows read = rows staged for an agency + blank rows + rows of no listed agency. `balanced`
    says the sum holds (a staging bug would break it: nothing may vanish between the extract and the agencies)."""
    out = {}
    lost = pd.DataFrame(unassigned, columns=["table", "file", "sheet", "row", "column", "agency", "reason"])
    for table, n_read in read.items():
        n_staged = int(sum(staged.get(table, {}).values()))
        n_blank = int(blank.get(table, 0))
        n_unassigned = int((lost["table"] == table).sum())
        out[table] = {"read": int(n_read), "staged": n_staged, "blank": n_blank, "unassigned": n_unassigned,
                      "balanced": n_staged + n_blank + n_unassigned == n_read}
    return out


def state_exit_code(agencies: list[dict], unassigned: list, rows: dict | None = None) -> int:
    """2 when an agency could not run at all or the rows do not add up (`rows`: row_accounting's), else 1 when
    a month has rejections, was left out, or rows belong to no listed agency; 0 otherwise."""
    if any(a["error"] and a["error"]["exit_code"] == 2 for a in agencies):
        return 2
    if rows and not all(r["balanced"] for r in rows.values()):
        return 2
    if unassigned or any(m["exit_code"] for a in agencies for m in a["months"]):
        return 1
    return 0
