"""rejections.xlsx: a summary sheet, one sheet per segment with the offending cells and their rows
highlighted, the review sheet and a `run` sheet with the run's context (profile, extract, as-of, version).

Text is written as text (data type "s"), so a value such as `=HYPERLINK(...)` from an extract can never run
as a formula; a cell holding a plain number (`42`, `-3`, `5.5`, no leading zero, at most 15 digits) is
written as a number, so it sorts and sums as one and reads back as the same text (`01` stays text).
Every table has its header frozen, an autofilter and column widths fitted to its contents. The
workbook's timestamps are the run's `--as-of`, so reruns are byte-identical.
"""
from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from flows.io.write import zip_bytes
from transforms.rejection_report import SEGMENT_TABLES, rejected_rows, summary_counts

HIGHLIGHT = PatternFill(start_color="FFF4B6B6", end_color="FFF4B6B6", fill_type="solid")
ROW_HIGHLIGHT = PatternFill(start_color="FFFCE8E8", end_color="FFFCE8E8", fill_type="solid")
BOLD = Font(bold=True)
# A plain number that reads back as the same text: no leading zero (codes such as `01`), no trailing zero
# after the point, no exponent, at most 15 significant digits (Excel's precision).
NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,14})(\.[0-9]{0,14}[1-9])?", re.ASCII)
MAX_WIDTH = 60
EXCEL_CELL_LIMIT = 32_767  # characters in one cell


def _number(text: str):
    if NUMBER.fullmatch(text) and text != "-0" and len(text.replace("-", "").replace(".", "")) <= 15:
        return float(text) if "." in text else int(text)
    return None


def _text_cell(sheet, row: int, column: int, value, numbers: bool = False):
    """Write `value` as text (never a formula); with `numbers`, a plain number is written as a number."""
    cell = sheet.cell(row=row, column=column)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return cell
    text = str(value)
    number = _number(text) if numbers else None
    if number is not None:
        cell.value = number
        return cell
    # A control character (a NUL byte from the RMS) cannot be stored in xlsx: shown as U+FFFD, the CSV keeps it.
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > EXCEL_CELL_LIMIT:  # Excel "repairs" (empties) a longer cell; the CSV keeps the whole text
        note = f" … ({len(text)} characters: the whole text is in rejections.csv)"
        text = text[:EXCEL_CELL_LIMIT - len(note)] + note
    cell.value = text
    cell.data_type = "s"  # never a formula, whatever the text starts with (= + - @ and their fullwidth forms)
    return cell


def _table(sheet, frame: pd.DataFrame, start_row: int = 1, numbers: bool = True) -> None:
    for j, name in enumerate(frame.columns, start=1):
        _text_cell(sheet, start_row, j, name).font = BOLD
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=start_row + 1):
        for j, value in enumerate(values, start=1):
            _text_cell(sheet, i, j, value, numbers=numbers)


def _fit_widths(sheet, frames: list[pd.DataFrame]) -> None:
    """Column widths from the longest header or value of each column (at most MAX_WIDTH)."""
    widths: dict[int, int] = {}
    for frame in frames:
        for j, name in enumerate(frame.columns, start=1):
            lengths = frame.iloc[:, j - 1].astype("str").str.len().fillna(0)
            widths[j] = max(widths.get(j, 0), len(str(name)), int(lengths.max()) if len(lengths) else 0)
    for j, width in widths.items():
        sheet.column_dimensions[get_column_letter(j)].width = min(width + 2, MAX_WIDTH)


def _filtered_table(sheet, frame: pd.DataFrame, header_row: int = 1, numbers: bool = True) -> None:
    """A sheet's one table: written, header frozen (with the first two columns), autofilter, widths."""
    _table(sheet, frame, start_row=header_row, numbers=numbers)
    last = get_column_letter(max(len(frame.columns), 1))
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + len(frame)}"
    sheet.freeze_panes = f"C{header_row + 1}"
    _fit_widths(sheet, [frame])


# The month's incidents by reportability (manifest `incidents`): label of each count on the summary sheet.
INCIDENT_CATEGORIES = {
    "in_month": "incidents of the month",
    "meets_criteria": "meet the FBI criteria (a death, serious injury or firearm discharge is established)",
    "undecided": "cannot be decided from the export (see the review sheet)",
    "not_reportable": "not reportable (the facts meet none of the criteria; see not_reportable.csv)",
}


def workbook_bytes(findings: pd.DataFrame, local: dict[str, pd.DataFrame], renames: dict[str, dict[str, str]],
                   as_of: pd.Timestamp, incidents: dict | None = None, review: pd.DataFrame | None = None,
                   context: list[tuple[str, str]] | None = None) -> bytes:
    """`incidents`: the month's counts by reportability (INCIDENT_CATEGORIES); `review`: the rows of
    review.csv, written on a `review` sheet when there are any; `context`: (item, value) pairs of the run
    (profile and extract files with their sha256, as-of, tool version, run id), on the `run` sheet."""
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
    _fit_widths(summary, [per_rule, worst])
    summary.column_dimensions["A"].width = MAX_WIDTH
    for segment, table in SEGMENT_TABLES.items():
        frame, cells = rejected_rows(local[table], findings, segment, renames.get(table, {}))
        if frame.empty:
            continue
        sheet = book.create_sheet(segment + "s")
        _filtered_table(sheet, frame)
        index = {name: j for j, name in enumerate(frame.columns, start=1)}
        notes: dict[tuple[int, int], list[str]] = {}
        for item in cells.itertuples(index=False):
            j = index.get(item.column)
            if j is None:
                continue
            notes.setdefault((int(item.position) + 2, j), []).append(f"{item.rule_id}: {item.message}")
        for i in sorted({i for i, _ in notes}):  # the offending rows, lightly; their offending cells, strongly
            for j in range(1, len(frame.columns) + 1):
                sheet.cell(row=i, column=j).fill = ROW_HIGHLIGHT
        for (i, j), messages in notes.items():
            cell = sheet.cell(row=i, column=j)
            cell.fill = HIGHLIGHT
            cell.comment = Comment(ILLEGAL_CHARACTERS_RE.sub("\ufffd", "\n".join(messages)), "uof")
    if review is not None and len(review):
        sheet = book.create_sheet("review")
        _text_cell(sheet, 1, 1, "Incidents whose reportability cannot be decided from the export: they are rejected "
                                "(I32) until the facts below are established in the RMS").font = BOLD
        _filtered_table(sheet, review, header_row=2)
    if context:
        sheet = book.create_sheet("run")
        _filtered_table(sheet, pd.DataFrame(context, columns=["item", "value"]), numbers=False)  # versions as text
        sheet.freeze_panes = "A2"
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
