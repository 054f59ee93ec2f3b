"""One month's submission planned: which messages with which actions, the manifest, the analyst's lists.

Pure: frames and dicts in, a MonthPlan out. Serialising it (JSON, zip, CSV, workbook) and naming the files
(transforms/file_names.py, numbers from the ledger) happen in flows/pipeline/month_files.py; writing in
flows/io/month_folder.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms.actions import KEY, active_incidents, planned_actions, zero_report_action, zero_report_active
from transforms.derive import reportability, undecided_facts
from transforms.link import incident_month
from transforms.messages import remove_message, zero_report_message
from transforms.offense_categories import offense_category_counts
from transforms.rejection_report import SEGMENT_TABLES, rms_names
from transforms.remap import remap_totals
from transforms.zero_reports import zero_report_allowed

TABLES = tuple(SEGMENT_TABLES.values())

REJECTION_COLUMNS = ["agency_case_number", "segment", "element", "subject_id", "officer_id", "value", "message",
                     "rule_id", "severity", "column", "rms_column", "local_value", "source_file", "source_row"]
NOT_REPORTABLE_REASON = ("meets none of the FBI criteria (§2): no subject died or was seriously injured "
                         "and no officer discharged a firearm at or toward a subject with no injury")
NOT_REPORTABLE_COLUMNS = ["agency_case_number", "incident_date", "reason", "source_file", "source_row"]
ORPHAN_RULES = ("S-ORPHAN", "O-ORPHAN")  # warnings: rows without an incident belong to no month
WARNING_PREFIX = "warning: "  # a note that starts so is also printed on stderr (flows/cli/main.py)
REVIEW_COLUMNS = ["agency_case_number", "incident_date", "segment", "subject_id", "officer_id", "element", "column",
                  "value", "rms_column", "local_value", "to_establish", "source_file", "source_row"]


@dataclass
class MonthPlan:
    messages: list[dict]
    ledger_rows: list[dict]  # one per message, in order: kind, action, key, content hash (no file name yet)
    manifest: dict  # without "files": their hashes are known once serialised
    report: pd.DataFrame  # the month's findings in RMS terms (rejections.csv / .xlsx)
    review: pd.DataFrame  # review.csv
    not_reportable: pd.DataFrame  # not_reportable.csv
    exit_code: int
    notes: list[str]


def sorted_findings(findings: pd.DataFrame) -> pd.DataFrame:
    order = findings.assign(_seg=findings["segment"].map({"incident": 0, "subject": 1, "officer": 2}).fillna(3))
    order = order.sort_values(["agency_case_number", "_seg", "subject_id", "officer_id", "source_row", "rule_id"],
                              kind="stable", na_position="last")
    return order.drop(columns="_seg").reset_index(drop=True)


def in_rms_terms(findings: pd.DataFrame, local: dict[str, pd.DataFrame], renames: dict[str, dict[str, str]]):
    """Findings with the RMS column name and the value as the extract had it, before the crosswalk."""
    rms_column = pd.Series(pd.NA, index=findings.index, dtype="str")
    local_value = pd.Series(pd.NA, index=findings.index, dtype="str")
    for segment, table in SEGMENT_TABLES.items():
        mine = findings["segment"] == segment
        if not mine.any():
            continue
        frame = local[table].set_index("_row")
        frame = frame[~frame.index.duplicated()]
        names = rms_names(list(frame.columns), renames.get(table, {}))
        rms_column[mine] = findings.loc[mine, "column"].map(names).fillna(findings.loc[mine, "column"])
        for column, group in findings[mine].groupby("column"):
            if column in frame.columns:
                local_value[group.index] = group["_row"].map(frame[column]).astype("str").to_numpy()
    return findings.assign(rms_column=rms_column, local_value=local_value)


def not_reportable_frame(excluded: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"agency_case_number": excluded["agency_case_number"],
                         "incident_date": excluded["incident_date"], "reason": NOT_REPORTABLE_REASON,
                         "source_file": excluded["_source_file"], "source_row": excluded["_source_row"]},
                        columns=NOT_REPORTABLE_COLUMNS).sort_values(["incident_date", "agency_case_number"])


def review_frame(incidents: pd.DataFrame, prepared) -> pd.DataFrame:
    """review.csv: per undecided incident of `incidents`, the facts its reportability hangs on, with the
    RMS column and the value as the extract had it (transforms/derive.py:undecided_facts)."""
    facts = undecided_facts(incidents, prepared.scoped.subjects, prepared.scoped.officers)
    facts["column"] = facts["column"].where(facts["segment"] != "incident")  # I33/I32: no one cell to point at
    facts = in_rms_terms(facts, prepared.extract.local, prepared.config.profile.columns)
    parent = incidents.set_index("_row")
    out = facts.assign(agency_case_number=facts["_incident"].map(parent["agency_case_number"]),
                       incident_date=facts["_incident"].map(parent["incident_date"]),
                       to_establish=facts["establish"], source_file=facts["_source_file"],
                       source_row=facts["_source_row"])
    out = out.sort_values(["incident_date", "agency_case_number", "segment", "subject_id", "officer_id"],
                          kind="stable")
    return out.reindex(columns=REVIEW_COLUMNS).reset_index(drop=True)


def row_accounting(prepared, parents: dict[str, pd.Series], emitted_rows, rejected_rows, excluded_rows) -> dict:
    """Where every input row of every table ended for this month; the parts add up to `read`."""
    extract, scoped = prepared.extract, prepared.scoped
    states = {}
    for table, parent in parents.items():
        state = (pd.Series("other_months", index=parent.index)
                 .mask(parent.isin(emitted_rows), "emitted")
                 .mask(parent.isin(rejected_rows), "rejected")
                 .mask(parent.isin(excluded_rows), "not_reportable"))
        states[table] = state if table == "incidents" else state.mask(scoped.status[table] == "orphaned", "orphaned")
    rows = {}
    for table in TABLES:
        counts = states[table].value_counts()
        entry = {"read": extract.rows_read[table], "blank": extract.blank_rows[table]}
        if extract.filtered_rows:  # tables layout with source.keep_rows: rows excluded by the filters
            entry["filtered"] = extract.filtered_rows[table]
        keys = ("emitted", "rejected", "not_reportable", "other_months") + (("orphaned",) if table != "incidents" else ())
        entry.update({k: int(counts.get(k, 0)) for k in keys})
        rows[table] = entry
    return rows


def run_context(manifest: dict) -> list[tuple[str, str]]:
    """The run's context for the `run` sheet of rejections.xlsx: what produced it, from what, when."""
    inputs = manifest["inputs"]
    rows = [("agency ORI", manifest["agency_ori"]), ("reporting agency ORI", manifest["reporting_agency_ori"]),
            ("month", manifest["month"]), ("run id", manifest["run_id"] or "none (uof validate: nothing recorded)"),
            ("kind", manifest["kind"]), ("as of", manifest["as_of"]),
            ("tool", f"{manifest['tool']['name']} {manifest['tool']['version']}"),
            ("profile", inputs["profile"]["name"]), ("profile sha256", inputs["profile"]["sha256"])]
    for item in inputs["source"]:
        rows += [("extract file", item["name"]), (f"sha256 of {item['name']}", item["sha256"])]
    for item in inputs["crosswalks"]:
        rows += [("crosswalk", item["name"]), (f"sha256 of {item['name']}", item["sha256"])]
    return rows


def plan_month(prepared, month: str, as_of: pd.Timestamp, run_id: str | None, kind: str, history: dict | None,
               by_row: dict, hashes: dict, parents: dict[str, pd.Series], tool_version: str,
               engine: str, archived: dict | None = None, warnings: list[str] | None = None) -> MonthPlan:
    """Everything decided about one month's submission before a byte is written: the messages in the order they
    are sent (each with its action against the ledger's `history`; None for `uof validate`), their ledger rows,
    the manifest (without its `files`), the findings in RMS terms, the review and not-reportable lists, notes.

    `prepared` is the pipeline's frames of the run's months (flows/pipeline/prepare.py:Prepared), read only;
    `by_row`/`hashes` are each valid incident's message and content hash; `parents` per table the `_row` of
    each row's incident; `warnings` are notes written first (WARNING_PREFIX, shown on stderr).
    """
    config = prepared.config
    profile, ref = config.profile, config.ref
    scoped, findings = prepared.scoped, prepared.findings
    inc = scoped.incidents
    months = incident_month(inc)
    undated = inc["incident_date"].isna()
    in_month = (months == month).fillna(False).astype(bool)
    rejected_mask = inc["_row"].isin(prepared.rejected)
    good = inc[in_month & ~rejected_mask].sort_values(["incident_date", "agency_case_number", "_row"], kind="stable")
    excluded = prepared.excluded[(incident_month(prepared.excluded) == month).fillna(False).astype(bool)]
    mine = inc.loc[in_month | undated, "_row"]
    month_findings = sorted_findings(findings[findings["_incident"].isin(mine) | findings["_incident"].isna()])
    errors = month_findings[month_findings["severity"] == "error"]

    current = good[["agency_ori", "incident_date", "agency_case_number", "_row"]].reset_index(drop=True)
    current["content_sha256"] = current["_row"].map(hashes)

    n_in_month = int(in_month.sum())
    category = reportability(inc[in_month]).value_counts()
    review = review_frame(inc[in_month], prepared)
    notes = list(warnings or [])
    # `uof validate` (no run id) writes nothing: its notes point at the lists it prints instead
    see = (lambda name: name) if run_id is not None else (lambda name: f"the list above (`uof run` writes {name})")
    if len(excluded):
        notes.append(f"{len(excluded)} incident(s) of {month} are not reportable to the FBI: see "
                     f"{see('not_reportable.csv')}")
    if category.get("undecided", 0):
        notes.append(f"{int(category['undecided'])} incident(s) of {month} cannot be decided from the export (a death, "
                     "serious injury or firearm discharge is neither established nor ruled out): they are rejected "
                     f"until the analyst establishes the facts in {see('review.csv')}")
    orphans = month_findings["rule_id"].isin(ORPHAN_RULES)
    if orphans.any():
        notes.append(f"{int(orphans.sum())} subject/officer row(s) match no incident of the extract (S-ORPHAN, "
                     f"O-ORPHAN): warnings, see {see('rejections.csv')}; they belong to no month and hold back "
                     "no submission, but check whether their incident is missing from the extract or their case "
                     "number is mistyped")
    zero_needed = None if (n_in_month == 0 and undated.any()) else n_in_month == 0
    if zero_needed is None:
        notes.append(f"zero report withheld: {int(undated.sum())} incident(s) have no readable incident_date (I3) "
                     "and may belong to this month; fix them and run again")

    if history is None:
        plan = current.assign(action="AddOnly")
        unchanged, zr_action = 0, ("AddOnly" if zero_needed else None)
    else:
        hist = history["incidents"]
        active = active_incidents(hist[hist["month"] == month])
        held = inc.loc[in_month & rejected_mask, KEY]
        plan, unchanged = planned_actions(active, current, held, inc.loc[undated, "agency_case_number"].dropna())
        zhist = history["zero_reports"]
        zr_action = None if zero_needed is None else zero_report_action(zero_needed, zero_report_active(
            zhist[zhist["month"] == month]))

    if zr_action == "AddOnly" and not zero_report_allowed(month, as_of):
        notes.append(f"no reportable incident in {month}, but the FBI accepts zero reports only from January 2017 "
                     "and for completed months (Z2): none is sent")
        zr_action = None
    messages, ledger_rows = [], []
    if zr_action == "Remove":
        messages.append(zero_report_message(profile.agency_ori, month, "Remove", as_of))
        ledger_rows.append({"kind": "zero_report", "action": "Remove"})
    for item in plan.rename(columns={"_row": "row"}).itertuples(index=False):
        if item.action == "Remove":
            messages.append(remove_message(item.agency_ori, item.incident_date, item.agency_case_number, as_of))
        else:
            message = dict(by_row[item.row])
            message["Action"] = item.action
            messages.append(message)
        ledger_rows.append({"kind": "incident", "agency_ori": item.agency_ori, "incident_date": item.incident_date,
                            "agency_case_number": item.agency_case_number, "action": item.action,
                            "content_sha256": None if item.action == "Remove" else item.content_sha256})
    if zr_action == "AddOnly":
        messages.append(zero_report_message(profile.agency_ori, month, "AddOnly", as_of))
        ledger_rows.append({"kind": "zero_report", "action": "AddOnly"})

    for row in ledger_rows:
        row.setdefault("agency_ori", profile.agency_ori)  # an incident keeps its own I1 (additional_agency_oris)
    exit_code = 1 if len(errors) else 0
    actions = pd.Series([r["action"] for r in ledger_rows if r["kind"] == "incident"], dtype="str").value_counts()
    manifest = {
        "tool": {"name": "uof-reporting", "version": tool_version},
        "engine": engine,
        "run_id": run_id,
        "kind": kind,
        "agency_ori": profile.agency_ori,
        "reporting_agency_ori": profile.reporting_agency_ori,
        "month": month,
        "as_of": as_of.strftime("%Y-%m-%dT%H:%M:%S"),
        "exit_code": exit_code,
        "incidents": {
            "in_month": n_in_month + len(excluded),
            # meets_criteria + undecided + not_reportable = in_month (transforms/derive.py: reportability)
            "meets_criteria": int(category.get("meets_criteria", 0)),
            "undecided": int(category.get("undecided", 0)),
            "reportable": n_in_month,  # older readers: not screened out, i.e. meets_criteria + undecided
            "valid": len(good),
            "emitted": int(actions.get("AddOnly", 0) + actions.get("Add", 0)),
            "rejected": int((in_month & rejected_mask).sum()),
            "rejected_undated": int(undated.sum()),
            "not_reportable": len(excluded),
            "unchanged": unchanged,
            "actions": {a: int(actions.get(a, 0)) for a in ("AddOnly", "Add", "Remove")},
            "zero_report": zr_action,
        },
        "rows": row_accounting(prepared, parents, good["_row"],
                               inc.loc[(in_month | undated) & rejected_mask, "_row"], excluded["_row"]),
        "layout": prepared.extract.layout,
        "findings": {
            "errors": int(len(errors)),
            "warnings": int((month_findings["severity"] == "warning").sum()),
            "by_rule": {k: int(v) for k, v in month_findings["rule_id"].value_counts().sort_index().items()},
        },
        "offense_categories": offense_category_counts(
            good, ref.offenses, profile.settings.get("justice_counts_robbery", "person")),
        "remapped_codes": remap_totals(prepared.remap_counts, [*inc.loc[in_month, "_row"], *excluded["_row"]]),
        "profile_value_rules": prepared.extract.adjustments,
        "derived_values": prepared.derived_counts,
        "extra_columns_ignored": {t: sorted(prepared.extract.extra_columns[t]) for t in TABLES},
        "inputs": {
            "source": [{"name": f.name, "sha256": f.sha256} for f in prepared.extract.files],
            "profile": {"name": profile.path.name, "sha256": profile.sha256},
            "crosswalks": [{"name": cw.path.name, "sha256": cw.sha256} for cw in profile.crosswalks],
            "reference": [{"name": n, "sha256": h} for n, h in sorted(ref.files.items())],
        },
        "coverage": None if prepared.coverage is None else prepared.coverage.manifest(month),
        "archive": archived,
        "notes": notes,
    }
    report = in_rms_terms(month_findings, prepared.extract.local, profile.columns)
    return MonthPlan(messages=messages, ledger_rows=ledger_rows, manifest=manifest, report=report, review=review,
                     not_reportable=not_reportable_frame(excluded), exit_code=exit_code, notes=notes)
