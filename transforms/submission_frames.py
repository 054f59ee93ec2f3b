"""FBI service messages read back into the canonical frames the rule catalog validates (`uof check-submission`).

The inverse of transforms/messages.py (`incident_messages`, `remove_message`, `zero_report_message`): parsed JSON
(lists and dicts, read by flows/io/submission_files.py) in, the frame contract of docs/architecture.md out, so
the SAME schemas (schemas/build.py) and transforms/validate.py:validation_findings check a vendor's file as they
check our own extract. Each row keeps the file (or zip member) it came from as `_source_file` and the message's
position in that file (1 for a well-formed file, which holds one message) as `_source_row`.

Values are read as the spec's Example Construction writes them: integers, `age1` and latitude/longitude as text,
booleans, MM/DD/YYYY dates, lists of codes, `other_agencies_involved` as objects. A scalar of another JSON type
than the element's is read as its text (`5` for "5", `true`), with a warning (MSG-VALUE-TYPE), and the catalog's
value rules judge that text; `""` and `null` are a missing value (docs/spec-decisions.md #3). What cannot be
read as the element at all (an object or a list where a single value belongs, an item of a list that is not a
code) is an error (MSG-TYPE) and the element is read as missing. Keys the spec does not define are errors
(MSG-UNKNOWN-KEY): the spec asks agencies to report only its data elements (§3), and names are case-sensitive.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from schemas.primitives import SEP
from transforms.findings import empty_findings, findings_frame

MESSAGE_KEYS = ("Action", "ActionTime")
PAYLOADS = ("Incident", "ZeroReport")
AGENCY_PAIR_KEYS = ("agency_case_number", "agency_ori")
US_DATE = re.compile(r"(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])/([0-9]{4})", re.ASCII)
KIND_OF = {"Incident": "incident", "ZeroReport": "zero_report"}


@dataclass(frozen=True)
class ParsedFile:
    """One JSON file of a submission, as read by flows/io/submission_files.py."""

    source: str  # how findings name it: the path as given, or `<zip>:<member>`
    name: str  # the file's own name, without folders (Appendix B naming rules)
    submission: str  # the submission it belongs to: the zip's label, or "" for the loose files
    payload: object = None  # the parsed JSON (None when `error`)
    error: str | None = None  # why it is not JSON: "line 3, column 5: ..." (no value of the file)


@dataclass
class SubmissionFrames:
    """Canonical frames of every message of the submissions; `_row` of an incident or zero report is its message's."""

    messages: pd.DataFrame  # one row per message: _row, _source_file, _source_row, _submission, _file_name,
    #                         _kind (incident / zero_report / NA), Action, ActionTime
    incidents: pd.DataFrame
    subjects: pd.DataFrame
    officers: pd.DataFrame
    zero_reports: pd.DataFrame
    issues: pd.DataFrame = field(default_factory=empty_findings)  # MSG-*/FILE-JSON findings (FINDING_COLUMNS)


class _Reader:
    """Collects rows and the issues met while reading them."""

    def __init__(self, elements: dict[str, list[dict]]):
        self.elements = elements
        self.names = {seg: {e["name"]: e for e in items} for seg, items in elements.items()}
        self.issues: list[dict] = []

    def issue(self, rule_id: str, where: dict, column: str | None, value, element: str | None = None) -> None:
        self.issues.append({"rule_id": rule_id, "column": column, "value": value, "element": element, **where})

    # ---- values --------------------------------------------------------------------------------------
    def cell(self, value, element: dict, where: dict):
        """The canonical text of one element's JSON value (None when missing or unreadable)."""
        kind, name, eid = element["type"], element["name"], element["id"]
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if kind == "list":
            return self._list(value, name, eid, where)
        if kind == "agencies":
            return self._agencies(value, name, eid, where)
        if isinstance(value, (dict, list)):
            self.issue("MSG-TYPE", where, name, _shape(value), eid)
            return None
        expected = {"integer": int, "boolean": bool}.get(kind, str)
        if not _is_type(value, expected):
            self.issue("MSG-VALUE-TYPE", where, name, _shape(value), eid)
        if kind == "date" and isinstance(value, str):
            match = US_DATE.fullmatch(value)
            if match:
                iso = f"{match[3]}-{match[1]}-{match[2]}"
                return iso if _real_date(iso) else None
            return None
        return _text(value)

    def _items(self, value, item_type: type, name: str, eid: str, where: dict) -> list:
        """The items of a JSON list that are of `item_type`; anything else is MSG-TYPE (and left out)."""
        if not isinstance(value, list):
            self.issue("MSG-TYPE", where, name, _shape(value), eid)
            return []
        kept = [item for item in value if isinstance(item, item_type)]
        for item in value:
            if not isinstance(item, item_type):
                self.issue("MSG-TYPE", where, name, _shape(item), eid)
        return kept

    def _list(self, value, name: str, eid: str, where: dict):
        items = self._items(value, str, name, eid, where)
        return SEP.join(items) if items else None

    def _agencies(self, value, name: str, eid: str, where: dict):
        pairs = []
        for item in self._items(value, dict, name, eid, where):
            for key in sorted(set(item) - set(AGENCY_PAIR_KEYS)):
                self.issue("MSG-UNKNOWN-KEY", where, f"{name}.{key}", key, eid)
            parts = []
            for key in ("agency_ori", "agency_case_number"):
                part = item.get(key)
                if isinstance(part, (dict, list, bool)):
                    self.issue("MSG-TYPE", where, name, _shape(part), eid)
                    part = None
                parts.append("" if part is None else str(part))
            pairs.append(":".join(parts))
        return SEP.join(pairs) if pairs else None

    # ---- segments ------------------------------------------------------------------------------------
    def record(self, body: dict, segment: str, where: dict, skip: tuple[str, ...] = ()) -> dict:
        known = self.names[segment]
        for key in body:
            if key not in known and key not in skip:
                self.issue("MSG-UNKNOWN-KEY", where, str(key), str(key))
        return {name: self.cell(body.get(name), element, where) for name, element in known.items()}


def _is_type(value, expected) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _shape(value) -> str:
    """What a misplaced JSON value is, without its content when it is a structure."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _raw_text(value) -> str | None:
    """The date as the file wrote it (I3-VALID-DATE reports it when it is not a real MM/DD/YYYY date)."""
    if value is None or isinstance(value, (dict, list)) or (isinstance(value, str) and not value.strip()):
        return None
    return _text(value)


def _real_date(iso: str) -> bool:
    try:
        pd.Timestamp(iso)
    except ValueError:
        return False
    return True


def _where(file: ParsedFile, index: int, row: int | None, segment: str = "message", case=None,
           subject_id=None, officer_id=None) -> dict:
    return {"segment": segment, "_row": row, "_source_file": file.source, "_source_row": index,
            "agency_case_number": case, "subject_id": subject_id, "officer_id": officer_id}


def _messages_of(file: ParsedFile) -> list:
    """A file holds one message (Appendix B §1.3); a list of messages is read message by message (MSG-ONE-PER-FILE)."""
    return file.payload if isinstance(file.payload, list) else [file.payload]


def submission_frames(files: list[ParsedFile], elements: dict[str, list[dict]], rules) -> SubmissionFrames:
    """Every message of `files` as canonical frames, with the structure findings met on the way.

    `elements` is mappings/elements.yaml, `rules` the catalog's rules by id (for the structure findings).
    """
    reader = _Reader(elements)
    message_rows, incident_rows, subject_rows, officer_rows, zero_rows = [], [], [], [], []
    child_ids = {"subjects": 0, "officers": 0}
    for file in files:
        base = _where(file, 1, None)
        if file.error is not None:
            reader.issue("FILE-JSON", base, None, file.error)
            continue
        if isinstance(file.payload, list):
            reader.issue("MSG-ONE-PER-FILE", base, None, f"{len(file.payload)} messages")
        for index, message in enumerate(_messages_of(file), start=1):
            row = len(message_rows)
            where = _where(file, index, row)
            entry = {"_row": row, "_source_file": file.source, "_source_row": index, "_submission": file.submission,
                     "_file_name": file.name, "_kind": None, "Action": None, "ActionTime": None}
            message_rows.append(entry)
            if not isinstance(message, dict):
                reader.issue("MSG-PAYLOAD", where, None, _shape(message))
                continue
            for key in MESSAGE_KEYS:
                entry[key] = reader.cell(message.get(key), {"type": "string", "name": key, "id": key}, where)
            payloads = [k for k in PAYLOADS if k in message]
            for key in message:
                if key not in MESSAGE_KEYS and key not in PAYLOADS:
                    reader.issue("MSG-UNKNOWN-KEY", where, str(key), str(key))
            if len(payloads) != 1 or not isinstance(message[payloads[0]], dict):
                shown = " and ".join(payloads) if payloads else "neither Incident nor ZeroReport"
                reader.issue("MSG-PAYLOAD", where, None, shown if len(payloads) != 1 else _shape(message[payloads[0]]))
                continue
            entry["_kind"] = KIND_OF[payloads[0]]
            body = message[payloads[0]]
            if payloads[0] == "ZeroReport":
                zero_rows.append({**reader.record(body, "zero_report", where), "_row": row,
                                  "_source_file": file.source, "_source_row": index})
                continue
            remove = entry["Action"] == "Remove"
            incident = reader.record(body, "incident", where, skip=("subjects", "officers"))
            incident.update(_row=row, _source_file=file.source, _source_row=index,
                            _incident_date_raw=_raw_text(body.get("incident_date")))
            incident_rows.append(incident)
            if remove:  # §2.1.1, Appendix A sample C: only the three key elements count
                continue
            for key, segment, id_name, rows in (("subjects", "subject", "subject_id", subject_rows),
                                                ("officers", "officer", "officer_id", officer_rows)):
                children = body.get(key)
                if children is None:
                    continue
                if not isinstance(children, list):
                    reader.issue("MSG-TYPE", where, key, _shape(children))
                    continue
                for child in children:
                    if not isinstance(child, dict):
                        reader.issue("MSG-TYPE", where, key, _shape(child))
                        continue
                    own_id = child.get(id_name)
                    child_where = _where(file, index, child_ids[key], segment, incident["agency_case_number"],
                                         **{id_name: _text(own_id) if isinstance(own_id, (int, str)) else None})
                    values = reader.record(child, segment, child_where)
                    rows.append({"agency_case_number": incident["agency_case_number"], **values,
                                 "_row": child_ids[key], "_source_file": file.source, "_source_row": index,
                                 "_incident_row": row, "_incident_date": incident["incident_date"]})
                    child_ids[key] += 1
    frames = SubmissionFrames(
        messages=_frame(message_rows, ["_row", "_source_file", "_source_row", "_submission", "_file_name", "_kind",
                                       "Action", "ActionTime"]),
        incidents=_frame(incident_rows, _names(elements, "incident")
                         + ["_row", "_source_file", "_source_row", "_incident_date_raw"]),
        subjects=_frame(subject_rows, ["agency_case_number", *_names(elements, "subject"), "_row", "_source_file",
                                       "_source_row", "_incident_row", "_incident_date"]),
        officers=_frame(officer_rows, ["agency_case_number", *_names(elements, "officer"), "_row", "_source_file",
                                       "_source_row", "_incident_row", "_incident_date"]),
        zero_reports=_frame(zero_rows, _names(elements, "zero_report") + ["_row", "_source_file", "_source_row"]),
    )
    frames.issues = issue_findings(reader.issues, rules)
    return frames


def _names(elements: dict, segment: str) -> list[str]:
    return [e["name"] for e in elements[segment]]


INT_COLUMNS = ("_row", "_source_row", "_incident_row")


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """Rows as a frame of the contract: text columns of dtype str (blank = NA), integer meta columns, index `_row`."""
    data = {}
    for column in columns:
        values = [r.get(column) for r in rows]
        data[column] = pd.Series(values, dtype="Int64" if column in INT_COLUMNS else "str")
    frame = pd.DataFrame(data, columns=columns)
    frame.index = pd.Index(frame["_row"].astype("int64").to_numpy(), name=None)
    return frame


def issue_findings(issues: list[dict], rules) -> pd.DataFrame:
    """Findings (FINDING_COLUMNS) of issues found outside the schemas: dicts with rule_id, segment, column, value,
    element, _row, _source_file, _source_row, agency_case_number, subject_id, officer_id."""
    if not issues:
        return empty_findings()
    table = pd.DataFrame(issues)
    parts = []
    for rule_id, group in table.groupby("rule_id", sort=True):
        frame = pd.DataFrame({
            "_row": pd.Series(group["_row"].to_numpy(), dtype="Int64"),
            "_source_file": pd.Series(group["_source_file"].to_numpy(), dtype="str"),
            "_source_row": pd.Series(group["_source_row"].to_numpy(), dtype="Int64"),
            "agency_case_number": pd.Series(group["agency_case_number"].to_numpy(), dtype="str"),
            "subject_id": pd.Series(group["subject_id"].to_numpy(), dtype="str"),
            "officer_id": pd.Series(group["officer_id"].to_numpy(), dtype="str"),
        })
        segment = pd.Series(group["segment"].to_numpy(), index=frame.index)
        rule = rules[rule_id]
        for seg, rows in frame.groupby(segment, sort=True):
            picked = group.iloc[rows.index.to_numpy()]
            rows = rows.reset_index(drop=True)
            parts.append(findings_frame(
                rule, rows, pd.Series(True, index=rows.index),
                column=pd.Series(picked["column"].to_numpy(), index=rows.index, dtype="str"),
                value=pd.Series(picked["value"].to_numpy(), index=rows.index, dtype="str"),
                element=pd.Series(picked["element"].to_numpy(), index=rows.index, dtype="str"),
                segment=seg))
    return pd.concat(parts, ignore_index=True)
