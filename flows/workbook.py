"""rejections.xlsx: a summary sheet and one sheet per segment with the offending cells highlighted.

Every cell is written as text, so a value such as `=HYPERLINK(...)` from an extract can never run as a
formula. The workbook's timestamps are the run's `--as-of`, so reruns are byte-identical.
"""
from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from flows.write import zip_bytes
from transforms.rejection_report import SEGMENT_TABLES, rejected_rows, summary_counts

HIGHLIGHT = PatternFill(start_color="FFF4B6B6", end_color="FFF4B6B6", fill_type="solid")
BOLD = Font(bold=True)


def _text_cell(sheet, row: int, column: int, value):
    cell = sheet.cell(row=row, column=column)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return cell
    cell.value = str(value)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _table(sheet, frame: pd.DataFrame, start_row: int = 1) -> None:
    for j, name in enumerate(frame.columns, start=1):
        _text_cell(sheet, start_row, j, name).font = BOLD
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=start_row + 1):
        for j, value in enumerate(values, start=1):
            _text_cell(sheet, i, j, value)


# The month's incidents by reportability (manifest `incidents`): label of each count on the summary sheet.
INCIDENT_CATEGORIES = {
    "in_month": "incidents of the month",
    "meets_criteria": "meet the FBI criteria (a death, serious injury or firearm discharge is established)",
    "undecided": "cannot be decided from the export (see the review sheet)",
    "not_reportable": "not reportable (the facts meet none of the criteria; see not_reportable.csv)",
}


def workbook_bytes(findings: pd.DataFrame, local: dict[str, pd.DataFrame], renames: dict[str, dict[str, str]],
                   as_of: pd.Timestamp, incidents: dict | None = None, review: pd.DataFrame | None = None) -> bytes:
    """`incidents`: the month's counts by reportability (INCIDENT_CATEGORIES); `review`: the rows of
    review.csv, written on a `review` sheet when there are any."""
    book = Workbook()
    summary = book.active
    summary.title = "summary"
    errors = int((findings["severity"] == "error").sum())
    warnings = int((findings["severity"] == "warning").sum())
    _text_cell(summary, 1, 1, f"Completed with {errors} errors" + (f" and {warnings} warnings" if warnings else "")).font = BOLD
    start = 3
    if incidents:
        _text_cell(summary, start, 1, "Incidents of the month by reportability").font = BOLD
        counts = pd.DataFrame({"incidents": [INCIDENT_CATEGORIES[k] for k in INCIDENT_CATEGORIES if k in incidents],
                               "count": [incidents[k] for k in INCIDENT_CATEGORIES if k in incidents]})
        _table(summary, counts, start_row=start + 1)
        start += 3 + len(counts)
    per_rule, worst = summary_counts(findings)
    _text_cell(summary, start, 1, "Findings per element and rule").font = BOLD
    _table(summary, per_rule, start_row=start + 1)
    start += 3 + len(per_rule)
    _text_cell(summary, start, 1, "Incidents with the most findings").font = BOLD
    _table(summary, worst, start_row=start + 1)
    for segment, table in SEGMENT_TABLES.items():
        frame, cells = rejected_rows(local[table], findings, segment, renames.get(table, {}))
        if frame.empty:
            continue
        sheet = book.create_sheet(segment + "s")
        _table(sheet, frame)
        index = {name: j for j, name in enumerate(frame.columns, start=1)}
        notes: dict[tuple[int, int], list[str]] = {}
        for item in cells.itertuples(index=False):
            j = index.get(item.column)
            if j is None:
                continue
            notes.setdefault((int(item.position) + 2, j), []).append(f"{item.rule_id}: {item.message}")
        for (i, j), messages in notes.items():
            cell = sheet.cell(row=i, column=j)
            cell.fill = HIGHLIGHT
            cell.comment = Comment("\n".join(messages), "uof")
        sheet.freeze_panes = "C2"
    if review is not None and len(review):
        sheet = book.create_sheet("review")
        _text_cell(sheet, 1, 1, "Incidents whose reportability cannot be decided from the export: they are rejected "
                                "(I32) until the facts below are established in the RMS").font = BOLD
        _table(sheet, review, start_row=2)
        sheet.freeze_panes = "C3"
    moment = as_of.to_pydatetime()
    book.properties.created = moment
    book.properties.modified = moment
    book.properties.creator = "uof"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_timestamps(buffer.getvalue(), as_of)


def _fixed_timestamps(data: bytes, as_of: pd.Timestamp) -> bytes:
    """openpyxl stamps zip entries with the wall clock; rewrite them with the run's moment."""
    stamp = as_of.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    entries = [(name, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", body)
                if name == "docProps/core.xml" else body) for name, body in entries]
    return zip_bytes(entries, as_of)
