"""`uof check-submission`: the rule catalog over service messages from any vendor, plus Appendix B and the ledger.

Pure: the frames come from transforms/submission_frames.py, the zip listings and the ledger history from
flows/io/submission_files.py. The catalog's schema rules run through transforms/validate.py:validation_findings
exactly as for an extract; this module adds the rules a file (not a row) can break:

* Appendix B: the file name `ORI_YYYYMMDD_HHMM_NNNN.json` (FILE-NAME), its ORI the message's reporting ORI
  (FILE-NAME-ORI), its sequence number unique in the submission (FILE-NUMBER-UNIQUE), the zip's own name
  (ZIP-NAME), its members .json files (ZIP-MEMBER) without folders (ZIP-FOLDER) and compressed the standard way
  (ZIP-COMPRESSION);
* the submission: one message per incident or zero-report month (SUB-DUPLICATE), a zero report only for a month
  without incidents (Z2-WITH-INCIDENTS) and for a completed month from 2017 on (Z2-CURRENT-OR-FUTURE,
  Z2-BEFORE-2017, as transforms/zero_reports.py decides for a run);
* with a ledger: an AddOnly of what the FBI already holds (LEDGER-ADDONLY-SENT) and a Remove of what it does not
  (LEDGER-REMOVE-NOT-SENT). A file the ledger recorded under its name is the message that run sent: it is compared
  with what was sent before that run, so the project's own files check clean against their own ledger.

A Remove carries only the three key elements (§2.1.1, Appendix A sample C): only the rules on I1, I2 and I3 apply
to it. Every finding carries `_message`: the `_row` of the message it belongs to (NA for a file-level finding).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from transforms.aggregate import with_cross_segment_columns
from transforms.file_names import FILE_NAME
from transforms.findings import FINDING_COLUMNS, empty_findings, findings_frame
from transforms.submission_frames import ParsedFile, SubmissionFrames, issue_findings
from transforms.validate import validation_findings
from transforms.zero_reports import zero_report_rule

KEY_ELEMENTS = ("I1", "I2", "I3")  # what a Remove carries (§2.1.1)
MAX_NAME_LENGTH = 124  # Appendix B §1.2 and §1.5, extension included
ORI = re.compile(r"[A-Z0-9]{9}", re.ASCII)
ZIP_NAME = re.compile(r"[A-Za-z0-9._-]+\.zip", re.ASCII)
STANDARD_COMPRESSION = (0, 8)  # stored, deflate: what every unzip reads (Appendix B §1.4)
MONTH_YEAR = re.compile(r"(0[1-9]|1[0-2])/([0-9]{4})", re.ASCII)
KEY = ["agency_ori", "incident_date", "agency_case_number"]


@dataclass(frozen=True)
class ZipFacts:
    """A zip of the submission as listed by flows/io/submission_files.py (no content)."""

    source: str  # the path as given
    name: str  # the zip's own file name
    members: tuple[tuple[str, int], ...]  # (member name, compress_type) in the zip's order


def _issue(rule_id, source, value, row=None, index=None, segment="message", column=None, element=None) -> dict:
    return {"rule_id": rule_id, "segment": segment, "column": column, "value": value, "element": element,
            "_row": row, "_source_file": source, "_source_row": index, "agency_case_number": None,
            "subject_id": None, "officer_id": None}


# ---- Appendix B ---------------------------------------------------------------------------------------

def _name_parts(name: str):
    """(ori, date, time, number) of a well-formed file name, else None."""
    match = FILE_NAME.fullmatch(name or "")
    if match is None or len(name) > MAX_NAME_LENGTH or not ORI.fullmatch(match["ori"]):
        return None
    date, time = name.split("_")[1], name.split("_")[2]
    try:
        pd.Timestamp(f"{date[:4]}-{date[4:6]}-{date[6:]}")
    except ValueError:
        return None
    if int(time[:2]) > 23 or int(time[2:]) > 59:
        return None
    return match["ori"], date, time, int(match["number"])


def _reporting_ori(frames: SubmissionFrames, reporting_ori: str | None) -> pd.Series:
    """Per message row, the ORI its file must be named for: I4 of an incident sent in full; the profile's
    reporting ORI for a Remove or a zero report (they carry none), None without a profile."""
    messages = frames.messages
    out = pd.Series(reporting_ori, index=messages.index, dtype="str")
    full = frames.incidents[~frames.incidents["_row"].map(messages["Action"]).eq("Remove").fillna(False)]
    out.loc[full.index] = full["reporting_agency_ori"]
    return out


def file_findings(files: list[ParsedFile], frames: SubmissionFrames, zips: list[ZipFacts], rules,
                  reporting_ori: str | None) -> pd.DataFrame:
    issues = []
    expected = _reporting_ori(frames, reporting_ori)
    by_file = frames.messages.groupby("_source_file", sort=False)["_row"].apply(list).to_dict()
    numbers: dict[tuple, list[str]] = {}
    for file in files:
        parts = _name_parts(file.name)
        if parts is None:
            issues.append(_issue("FILE-NAME", file.source, file.name))
            continue
        numbers.setdefault((file.submission, parts[0], parts[1], parts[2], parts[3]), []).append(file.source)
        oris = {ori for ori in expected.loc[by_file.get(file.source, [])].dropna()}
        if oris - {parts[0]}:
            issues.append(_issue("FILE-NAME-ORI", file.source, file.name))
    for sources in numbers.values():
        if len(sources) > 1:
            issues += [_issue("FILE-NUMBER-UNIQUE", source, source.rsplit(":", 1)[-1]) for source in sources]
    for archive in zips:
        if len(archive.name) > MAX_NAME_LENGTH or not ZIP_NAME.fullmatch(archive.name):
            issues.append(_issue("ZIP-NAME", archive.source, archive.name))
        for member, compression in archive.members:
            source = f"{archive.source}:{member}"
            if "/" in member or "\\" in member:
                issues.append(_issue("ZIP-FOLDER", source, member))
            if not member.endswith("/") and not member.lower().endswith(".json"):
                issues.append(_issue("ZIP-MEMBER", source, member))
            if compression not in STANDARD_COMPRESSION:
                issues.append(_issue("ZIP-COMPRESSION", source, str(compression)))
    return issue_findings(issues, rules)


# ---- the submission as a whole -------------------------------------------------------------------------

def _sent(frames: SubmissionFrames) -> pd.DataFrame:
    """Incident messages with their action and submission, NA-free keys only."""
    inc = frames.incidents
    out = inc[KEY + ["_row"]].assign(action=inc["_row"].map(frames.messages["Action"]),
                                     _submission=inc["_row"].map(frames.messages["_submission"]),
                                     _file_name=inc["_row"].map(frames.messages["_file_name"]))
    return out.dropna(subset=KEY)


def _zero_months(frames: SubmissionFrames) -> pd.DataFrame:
    zero = frames.zero_reports
    found = zero["month_year"].str.extract(MONTH_YEAR.pattern.join(("^", "$")))
    month = (found[1] + "-" + found[0]).astype("str")
    return zero.assign(month=month, action=zero["_row"].map(frames.messages["Action"]),
                       _submission=zero["_row"].map(frames.messages["_submission"]),
                       _file_name=zero["_row"].map(frames.messages["_file_name"]))


def duplicate_findings(frames: SubmissionFrames, rules) -> pd.DataFrame:
    """SUB-DUPLICATE: two messages of one submission for the same incident key or zero-report month."""
    parts = []
    sent = _sent(frames)
    dup = sent.duplicated(KEY + ["_submission"], keep=False)
    if dup.any():
        parts.append(findings_frame(rules["SUB-DUPLICATE"], frames.incidents, frames.incidents["_row"].isin(
            sent.loc[dup, "_row"]), column="agency_case_number", segment="incident", element="I2"))
    zero = frames.zero_reports.assign(_submission=frames.zero_reports["_row"].map(frames.messages["_submission"]))
    zdup = zero.dropna(subset=["agency_ori", "month_year"]).duplicated(
        ["agency_ori", "month_year", "_submission"], keep=False)
    if zdup.any():
        parts.append(findings_frame(rules["SUB-DUPLICATE"], zero, zero["_row"].isin(zdup[zdup].index),
                                    column="month_year", segment="zero_report", element="Z2"))
    return pd.concat(parts, ignore_index=True) if parts else empty_findings()


def zero_report_findings(frames: SubmissionFrames, as_of: pd.Timestamp, rules,
                         ledger_months: pd.DataFrame | None = None) -> pd.DataFrame:
    """Z2 month rules of a run (transforms/zero_reports.py) and Z2-WITH-INCIDENTS: a zero report (Add/AddOnly) for
    a month some incident message of the inputs (not a Remove) or the ledger (`ledger_months`: agency_ori, month
    and the message row each applies to) has incidents for."""
    zero = _zero_months(frames)
    adds = zero[zero["action"].isin(["Add", "AddOnly"]) & zero["month"].notna()]
    parts = []
    rule_of = adds["month"].map(lambda m: zero_report_rule(m, as_of))
    for rule_id in ("Z2-CURRENT-OR-FUTURE", "Z2-BEFORE-2017"):
        hit = rule_of == rule_id
        if hit.any():
            parts.append(findings_frame(rules[rule_id], adds, hit, column="month_year", segment="zero_report"))
    sent = _sent(frames)
    sent = sent[sent["action"] != "Remove"]
    busy = set(zip(sent["agency_ori"], sent["incident_date"].str.slice(0, 7)))
    with_incidents = pd.Series([(o, m) in busy for o, m in zip(adds["agency_ori"], adds["month"])],
                               index=adds.index, dtype=bool)
    if ledger_months is not None and len(ledger_months):
        held = set(zip(ledger_months["_row"], ledger_months["agency_ori"], ledger_months["month"]))
        with_incidents |= pd.Series([(r, o, m) in held for r, o, m in zip(adds["_row"], adds["agency_ori"],
                                                                          adds["month"])], index=adds.index)
    if with_incidents.any():
        parts.append(findings_frame(rules["Z2-WITH-INCIDENTS"], adds, with_incidents, column="month_year",
                                    segment="zero_report"))
    return pd.concat(parts, ignore_index=True) if parts else empty_findings()


# ---- the ledger ------------------------------------------------------------------------------------------

def _before(history: pd.DataFrame, messages: pd.DataFrame) -> pd.Series:
    """Per message row, the run_seq its file was recorded with in the ledger (it is then compared with what was
    sent before that run); messages the ledger never recorded see the whole history."""
    recorded = history.groupby("file_name")["run_seq"].min()
    return messages["_file_name"].map(recorded).fillna(float("inf"))


def _last_actions(history: pd.DataFrame, wanted: pd.DataFrame, key: list[str]) -> pd.Series:
    """Per `wanted` row (index = message row, columns `key` and `_before`), the last action the ledger recorded for
    its key before `_before` (NA when none)."""
    merged = wanted.reset_index(names="_message").merge(history, on=key, how="inner")
    merged = merged[merged["run_seq"] < merged["_before"]]
    last = merged.sort_values(["run_seq", "seq"], kind="stable").drop_duplicates("_message", keep="last")
    return last.set_index("_message")["action"].reindex(wanted.index)


def ledger_findings(frames: SubmissionFrames, history: pd.DataFrame, rules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(findings, ledger_months) against the ledger's messages (kind, agency_ori, month, incident_date ISO,
    agency_case_number, action, file_name, run_seq, seq; complete runs only). `ledger_months` lists, per zero
    report row, the (agency_ori, month) where the ledger holds incidents before it (for Z2-WITH-INCIDENTS)."""
    parts = []
    before = _before(history, frames.messages)
    incidents = history[history["kind"] == "incident"]
    sent = _sent(frames)
    wanted = sent.set_index("_row")[KEY + ["action"]].assign(_before=before)
    last = _last_actions(incidents, wanted[KEY + ["_before"]], KEY)
    held = last.notna() & (last != "Remove")
    zero = _zero_months(frames).dropna(subset=["agency_ori", "month"])
    zwanted = zero.set_index("_row")[["agency_ori", "month", "action"]].assign(_before=before)
    zlast = _last_actions(history[history["kind"] == "zero_report"], zwanted[["agency_ori", "month", "_before"]],
                          ["agency_ori", "month"])
    zheld = zlast.notna() & (zlast != "Remove")
    for frame, segment, column, todo, active in ((frames.incidents, "incident", "agency_case_number", wanted, held),
                                                 (frames.zero_reports, "zero_report", "month_year", zwanted, zheld)):
        for rule_id, hit in (("LEDGER-ADDONLY-SENT", (todo["action"] == "AddOnly") & active),
                             ("LEDGER-REMOVE-NOT-SENT", (todo["action"] == "Remove") & ~active)):
            rows = hit[hit].index
            if len(rows):
                parts.append(findings_frame(rules[rule_id], frame, frame["_row"].isin(rows), column=column,
                                            segment=segment))
    months = []
    for row, item in zwanted.iterrows():  # zero reports are few: one look at the ledger's incidents each
        mine = incidents[(incidents["agency_ori"] == item["agency_ori"]) & (incidents["month"] == item["month"])
                         & (incidents["run_seq"] < item["_before"])]
        last_of = mine.sort_values(["run_seq", "seq"], kind="stable").drop_duplicates(KEY, keep="last")
        if (last_of["action"] != "Remove").any():
            months.append({"_row": row, "agency_ori": item["agency_ori"], "month": item["month"]})
    found = pd.concat(parts, ignore_index=True) if parts else empty_findings()
    return found, pd.DataFrame(months, columns=["_row", "agency_ori", "month"])


# ---- everything ------------------------------------------------------------------------------------------

def schema_findings(frames: SubmissionFrames, schemas, catalog) -> pd.DataFrame:
    """The catalog's schema rules over the messages, as over an extract; a Remove is held to I1-I3 only."""
    incidents = with_cross_segment_columns(frames.incidents, frames.subjects, frames.officers)
    columns = [c for c in frames.incidents.columns if c not in ("_row", "_source_file", "_source_row")]
    readable = frames.messages[frames.messages["_kind"].notna()]  # MSG-PAYLOAD tells what the others lack
    messages = readable.join(frames.incidents[columns], how="left")
    found = validation_findings(incidents, frames.subjects, frames.officers, schemas, catalog, messages=messages,
                                zero_reports=frames.zero_reports)
    removes = frames.messages.loc[frames.messages["Action"] == "Remove", "_row"]
    dropped = (found["segment"] == "incident") & found["_row"].isin(removes) & ~found["element"].isin(KEY_ELEMENTS)
    return found[~dropped]


def with_messages(findings: pd.DataFrame, frames: SubmissionFrames) -> pd.DataFrame:
    """`_message`: the message row each finding belongs to (NA for file- and zip-level findings)."""
    out = pd.Series(pd.NA, index=findings.index, dtype="Int64")
    own = findings["segment"].isin(["message", "incident", "zero_report"])
    out[own] = findings.loc[own, "_row"].astype("Int64")
    for segment, frame in (("subject", frames.subjects), ("officer", frames.officers)):
        mine = findings["segment"] == segment
        out[mine] = findings.loc[mine, "_row"].map(frame["_incident_row"]).astype("Int64")
    return findings.assign(_message=out)


def submission_findings(files: list[ParsedFile], frames: SubmissionFrames, zips: list[ZipFacts], schemas, catalog,
                        as_of: pd.Timestamp, reporting_ori: str | None = None,
                        history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every finding of the inputs (FINDING_COLUMNS + `_message`), in the order of the files."""
    rules = catalog.by_id
    ledger_months = None
    parts = [frames.issues, file_findings(files, frames, zips, rules, reporting_ori), schema_findings(
        frames, schemas, catalog), duplicate_findings(frames, rules)]
    if history is not None:
        found, ledger_months = ledger_findings(frames, history, rules)
        parts.append(found)
    parts.append(zero_report_findings(frames, as_of, rules, ledger_months))
    parts = [p[FINDING_COLUMNS] for p in parts if len(p)]
    found = pd.concat(parts, ignore_index=True) if parts else empty_findings()
    order = {f.source: i for i, f in enumerate(files)}
    found = found.assign(_order=found["source_file"].map(order)).sort_values(
        ["_order", "source_file", "source_row", "segment", "_row", "rule_id"], kind="stable", na_position="first")
    return with_messages(found.drop(columns="_order").reset_index(drop=True), frames)


def message_outcomes(frames: SubmissionFrames, findings: pd.DataFrame) -> pd.DataFrame:
    """Per message: file, position, kind, action, errors and warnings, rejected or valid.

    A file- or zip-level error (its name, its JSON, the zip's name) rejects every message of that file or zip."""
    messages = frames.messages
    errors = findings[findings["severity"] == "error"]
    warnings = findings[findings["severity"] == "warning"]

    def count(part: pd.DataFrame) -> pd.Series:
        direct = part["_message"].dropna().astype("int64").value_counts()
        wide = part[part["_message"].isna()]["source_file"].value_counts()
        return (messages["_row"].map(direct).fillna(0)
                + messages["_source_file"].map(wide).fillna(0)
                + messages["_submission"].map(wide).fillna(0)).astype("int64")

    n_errors = count(errors)
    return pd.DataFrame({"file": messages["_source_file"], "message": messages["_source_row"],
                         "kind": messages["_kind"], "action": messages["Action"],
                         "errors": n_errors, "warnings": count(warnings),
                         "status": n_errors.gt(0).map({True: "rejected", False: "valid"})}).reset_index(drop=True)
