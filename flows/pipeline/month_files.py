"""One month's files: actions against the ledger, JSON messages, zip, reports and manifest."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import orjson
import pandas as pd

from flows.config.load import TABLES
from flows.pipeline.engine import engine_name
from flows.io.ledger import MAX_FILE_NUMBER
from flows.version import tool_version
from flows.io.workbook import workbook_bytes
from flows.io.write import StagedFolder, csv_bytes, json_bytes, private_files, sha256, zip_bytes
from transforms.actions import (KEY, active_incidents, planned_actions, zero_report_action,
                                zero_report_active)
from transforms.derive import REPORTABILITY, reportability, undecided_facts
from transforms.link import incident_month
from transforms.offense_categories import offense_category_counts
from transforms.remap import remap_totals
from transforms.messages import incident_messages, remove_message, zero_report_message
from transforms.rejection_report import SEGMENT_TABLES, rms_names

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
class Built:
    result: object
    files: list[tuple[str, bytes]]
    ledger_run: dict | None
    ledger_messages: pd.DataFrame | None


def content_sha256(incident: dict) -> str:
    """Hash of the incident payload alone: Action and ActionTime do not make content differ."""
    return hashlib.sha256(orjson.dumps(incident, option=orjson.OPT_SORT_KEYS)).hexdigest()


def zero_report_allowed(month: str, as_of: pd.Timestamp) -> bool:
    """Z2: a zero report is for a completed month from January 2017 on."""
    return "2017-01" <= month < as_of.strftime("%Y-%m")


def file_stem(profile, as_of: pd.Timestamp) -> str:
    """Appendix B: ORI of the submitting agency, creation date YYYYMMDD and time HHMM."""
    return f"{profile.reporting_agency_ori}_{as_of.strftime('%Y%m%d')}_{as_of.strftime('%H%M')}"


def message_file_name(stem: str, number: int) -> str:
    """Appendix B §1.1: `<stem>_<number>.json`, the number 4 digits at least (as in the spec's examples) and
    10 at most. Numbers come from the ledger (flows/io/ledger.py:FileNumbers), unique per submitting ORI."""
    if not 1 <= number <= MAX_FILE_NUMBER:
        raise ValueError(f"file sequence number {number} is outside 1..{MAX_FILE_NUMBER} (Appendix B)")
    return f"{stem}_{number:04d}.json"


def zip_file_name(stem: str, first: int, count: int) -> str:
    """Appendix B §1.5 leaves the zip's name free: the stem and the range of JSON numbers it holds, so it is
    unique whenever they are (`PA0230100_20251105_0930_0004-0006.zip`)."""
    return f"{stem}_{first:04d}-{first + count - 1:04d}.zip"


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


def incident_parents(prepared) -> dict[str, pd.Series]:
    """Per row of each table, the `_row` of its incident (the incident's own for incidents); computed once."""
    cached = getattr(prepared, "_parents", None)
    if cached is not None:
        return cached
    incidents = prepared.extract.frames["incidents"]
    first = incidents[["agency_case_number", "_row"]].dropna(subset=["agency_case_number"])
    first = first.drop_duplicates("agency_case_number").rename(columns={"_row": "_parent"})
    parents = {"incidents": incidents["_row"]}
    for table in ("subjects", "officers"):
        frame = prepared.extract.frames[table]
        parent = frame[["agency_case_number"]].merge(first, on="agency_case_number", how="left")["_parent"]
        parent.index = frame.index
        parents[table] = parent
    prepared._parents = parents
    return parents


def row_accounting(prepared, emitted_rows, rejected_rows, excluded_rows) -> dict:
    """Where every input row of every table ended for this month; the parts add up to `read`."""
    extract, scoped = prepared.extract, prepared.scoped
    states = {}
    for table, parent in incident_parents(prepared).items():
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


def valid_payloads(prepared, as_of: pd.Timestamp) -> tuple[dict, dict]:
    """Message and content hash of every valid incident of the run's months, built once for all months."""
    cached = getattr(prepared, "_payloads", None)
    if cached is not None:
        return cached
    scoped = prepared.scoped
    inc = scoped.incidents
    good = inc[inc["incident_date"].notna() & ~inc["_row"].isin(prepared.rejected)]
    subjects = scoped.subjects[scoped.subjects["_incident_row"].isin(good["_row"])]
    officers = scoped.officers[scoped.officers["_incident_row"].isin(good["_row"])]
    payloads = incident_messages(good, subjects, officers, prepared.config.ref.elements, "Add", as_of)
    rows = good["_row"].tolist()
    prepared._payloads = (dict(zip(rows, payloads)),
                          dict(zip(rows, (content_sha256(m["Incident"]) for m in payloads))))
    return prepared._payloads


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


def month_files(prepared, month: str, as_of: pd.Timestamp, run_id: str | None, run_seq: int | None,
                kind: str, history: dict | None, archived: dict | None = None, numbering=None,
                warnings: list[str] | None = None) -> Built:
    """`numbering(count)` gives the first of `count` file sequence numbers (flows/io/ledger.py:FileNumbers, or a
    replay's recorded one); without it (`uof validate`, which writes nothing) files are numbered from 0001.
    `warnings`: notes written first (WARNING_PREFIX, shown on stderr), e.g. a rerun superseding files never
    marked submitted."""
    from flows.pipeline.monthly import MonthResult

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

    by_row, hashes = valid_payloads(prepared, as_of)
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

    stem = file_stem(profile, as_of)
    first = numbering(len(messages)) if numbering is not None else 1
    named = [(message_file_name(stem, first + i), json_bytes(m)) for i, m in enumerate(messages)]
    for i, row in enumerate(ledger_rows):
        row.setdefault("agency_ori", profile.agency_ori)  # an incident keeps its own I1 (additional_agency_oris)
        row.update(seq=i + 1, month=month, file_name=named[i][0])
    exit_code = 1 if len(errors) else 0
    actions = pd.Series([r["action"] for r in ledger_rows if r["kind"] == "incident"], dtype="str").value_counts()
    manifest = {
        "tool": {"name": "uof-reporting", "version": tool_version()},
        "engine": engine_name(),
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
        "rows": row_accounting(prepared, good["_row"], inc.loc[(in_month | undated) & rejected_mask, "_row"],
                               excluded["_row"]),
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
    files = list(named)
    if named:
        files.append((zip_file_name(stem, first, len(named)), zip_bytes(named, as_of)))
    report = in_rms_terms(month_findings, prepared.extract.local, profile.columns)
    files.append(("rejections.csv", csv_bytes(report.reindex(columns=REJECTION_COLUMNS))))
    counts = {k: manifest["incidents"][k] for k in ("in_month",) + REPORTABILITY}
    files.append(("rejections.xlsx", workbook_bytes(report, prepared.extract.local, profile.columns, as_of,
                                                    incidents=counts, review=review, context=run_context(manifest))))
    files.append(("not_reportable.csv", csv_bytes(not_reportable_frame(excluded))))
    if len(review):
        files.append(("review.csv", csv_bytes(review)))
    manifest["files"] = [{"name": n, "sha256": sha256(d)} for n, d in files]
    files.append(("manifest.json", json_bytes(manifest)))
    result = MonthResult(month=month, exit_code=exit_code, folder=None, manifest=manifest,
                         findings=report, notes=notes,
                         listings={"not_reportable": not_reportable_frame(excluded), "review": review})
    ledger_run = None if run_id is None else {
        "run_id": run_id, "run_seq": run_seq, "agency_ori": profile.agency_ori, "month": month,
        "as_of": manifest["as_of"], "kind": kind, "tool_version": manifest["tool"]["version"],
        "exit_code": exit_code, "manifest": manifest}
    return Built(result=result, files=files, ledger_run=ledger_run,
                 ledger_messages=pd.DataFrame(ledger_rows) if ledger_rows else pd.DataFrame())


def write_month(folder: Path, built: Built) -> Path:
    """Write the month's files; the previous run's files move to `history/<run_id>/`, never overwritten."""
    with StagedFolder(folder) as staged:
        for name, data in built.files:
            staged.write(name, data)
        if folder.exists():
            with private_files():
                history = staged.staging / "history"
                if (folder / "history").exists():
                    os.replace(folder / "history", history)
                history.mkdir(exist_ok=True, mode=0o700)
                previous = "previous"
                manifest = folder / "manifest.json"
                if manifest.exists():
                    previous = json.loads(manifest.read_text()).get("run_id") or previous
                target = history / previous
                n = 1
                while target.exists():
                    n += 1
                    target = history / f"{previous}.{n}"
                shutil.copytree(folder, target)
        staged.commit()
    if built.ledger_run is not None:
        built.ledger_run["folder"] = str(folder)
    return folder
