"""Issue 11 item 5: a corpus of bad inputs, each answered properly.

One table, KINDS: each kind builds a bad extract (or a bad --out/--state) and states its answer: exit 2 with
the fragments stderr must hold (file, sheet, column, row as they apply), exit 1 with the rule id
rejections.csv must hold, or exit 0 (the input is odd but valid and must be read as such). Every kind then
passes the same checks: no traceback, no 'internal error', one line per error, no value of the extract in
stderr (personal data), and after exit 2 no month folder and nothing in the output or state folder that
was not there before (no staging or temporary leftovers).

Kinds already covered elsewhere are not repeated: tests/test_cli_fatal_errors.py (missing columns, missing
CSV file or sheet, a corrupt zip, undecodable bytes, cp1252 with `encoding: cp1252` and an accented address,
a longer ragged row, a duplicate header, a missing source, BOM and CRLF, unrenderable number formats).
A NUL byte is refused at reading; tests/test_data_handling.py keeps the workbook safe from the other control
characters.
"""
from __future__ import annotations

import csv
import datetime
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.conftest import (
    AS_OF,
    combined,
    incident,
    write_csv_extract,
    write_profile,
    write_xlsx_extract,
)

# Values that stand for personal data: the extracts below carry them, and no message may repeat them.
STREET, CITY, CASE = "4417 Quillfeather Lane", "Zyxford", "QX-5501"
PRIVATE = (STREET, "Quillfeather", CITY, CASE, "QX-5502", "Pe\u00f1alosa", "QX-BAD")
MONTH = "2025-10"
ORI = "PA0230100"


def private(case: str = CASE, **changes) -> dict[str, list[dict]]:
    """A valid incident carrying the private values (street, city, case number)."""
    return incident(case, incidents__address_1=STREET, incidents__address_city=CITY, **changes)


@dataclass
class Setup:
    """What a kind hands to the run: the source, profile text, and --out/--state when they are the point."""

    source: Path
    profile: str = ""
    out: Path | None = None
    state: Path | None = None


@dataclass(frozen=True)
class Kind:
    id: str
    build: Callable[[Path], Setup]
    exit: int
    stderr: tuple[str, ...] = ()  # fragments stderr must hold (exit 2)
    rule: str | None = None  # rule id rejections.csv must hold (exit 0 or 1)
    marks: tuple = field(default=())


def csv_folder(tmp: Path, tables=None) -> Path:
    return write_csv_extract(tmp / "extract", tables or private())


def xlsx(tmp: Path, tables=None, name: str = "extract.xlsx") -> Path:
    return write_xlsx_extract(tmp / name, tables or private())


def edited(tmp: Path, table: str, change: Callable[[bytes], bytes], tables=None) -> Setup:
    """A CSV extract whose `table` file has its bytes changed."""
    folder = csv_folder(tmp, tables)
    path = folder / f"{table}.csv"
    path.write_bytes(change(path.read_bytes()))
    return Setup(folder)


def rewritten(tmp: Path, table: str, encoding: str, bom: bytes = b"", profile: str = "",
              tables=None) -> Setup:
    folder = csv_folder(tmp, tables)
    path = folder / f"{table}.csv"
    path.write_bytes(bom + path.read_text(encoding="utf-8").encode(encoding))
    return Setup(folder, profile)


def with_lines(tmp: Path, table: str, change: Callable[[list[str]], list[str]], tables=None) -> Setup:
    folder = csv_folder(tmp, tables)
    path = folder / f"{table}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")
    return Setup(folder)


def header_renamed(tmp: Path, table: str, old: str, new: str) -> Setup:
    return with_lines(tmp, table, lambda lines: [lines[0].replace(old, new, 1), *lines[1:]])


def workbook_edited(tmp: Path, change: Callable[[openpyxl.Workbook], None], tables=None) -> Setup:
    path = xlsx(tmp, tables)
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return Setup(path)


def column_letter(sheet, name: str) -> str:
    return openpyxl.utils.get_column_letter([c.value for c in sheet[1]].index(name) + 1)


def merged(book):
    sheet = book["incidents"]
    letter = column_letter(sheet, "address_city")
    sheet[f"{letter}3"] = CITY  # a second incident row below the first
    sheet.merge_cells(f"{letter}2:{letter}3")


def two_incidents_merged(tmp: Path) -> Setup:
    return workbook_edited(tmp, merged, combined(private(), private("QX-5502")))


def sheet_xml_edited(path: Path, sheet_part: str, change: Callable[[str], str]) -> None:
    """Rewrite one part of the workbook (a cell openpyxl cannot write, such as an error value)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[sheet_part] = change(parts[sheet_part].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def formula_error(error: str, column: str):
    def build(tmp: Path) -> Setup:
        path = xlsx(tmp)
        book = openpyxl.load_workbook(path)
        cell = f"{column_letter(book['incidents'], column)}2"
        book["incidents"][cell] = "=1/0"
        book.save(path)
        sheet_xml_edited(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
            f'<c r="{cell}"><f>1/0</f><v></v></c>', f'<c r="{cell}" t="e"><f>1/0</f><v>{error}</v></c>').replace(
            f'<c r="{cell}"><f>1/0</f><v /></c>', f'<c r="{cell}" t="e"><f>1/0</f><v>{error}</v></c>'))
        return Setup(path)
    return build


def date_cells(value, number_format: str | None = None):
    def change(book):
        sheet = book["incidents"]
        cell = sheet[f"{column_letter(sheet, 'incident_date')}2"]
        cell.value = value
        if number_format:
            cell.number_format = number_format
    return lambda tmp: workbook_edited(tmp, change)


def sheets_changed(change: Callable[[openpyxl.Workbook], None]):
    return lambda tmp: workbook_edited(tmp, change)


def empty_officers_sheet(book):
    del book["officers"]
    book.create_sheet("officers")


def extra_sheets(book):
    book.create_sheet("Notes")["A1"] = "exported by the RMS"
    book.create_sheet("Lookup")["B7"] = 12


def sheet_renamed(old: str, new: str):
    def change(book):
        book[old].title = new
    return change


def at_excel_row_limit(book):
    book["subjects"].cell(row=1_048_576, column=1, value="QX-5501")


def encrypted_workbook(tmp: Path) -> Setup:
    """What Excel writes for 'Encrypt with Password': an OLE compound file (not a zip) holding the streams
    EncryptionInfo and EncryptedPackage. Crafted here (the header and the directory entries' names):
    msoffcrypto-tool is not a dependency."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + bytes.fromhex("3e000300feff0900")
    header += bytes(512 - len(header))
    directory = b""
    for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"):
        encoded = name.encode("utf-16-le") + b"\0\0"
        entry = encoded + bytes(64 - len(encoded)) + len(encoded).to_bytes(2, "little")
        directory += entry + bytes(128 - len(entry))
    path = tmp / "extract.xlsx"
    path.write_bytes(header + directory + os.urandom(2048))
    return Setup(path)


def named_xlsx(data: bytes):
    def build(tmp: Path) -> Setup:
        path = tmp / "extract.xlsx"
        path.write_bytes(data)
        return Setup(path)
    return build


def csv_named_xlsx(tmp: Path) -> Setup:
    folder = csv_folder(tmp)
    path = tmp / "extract.xlsx"
    path.write_bytes((folder / "incidents.csv").read_bytes())
    return Setup(path)


def zip_not_workbook(tmp: Path) -> Setup:
    path = tmp / "extract.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("incidents.csv", "agency_case_number\nQX-5501\n")
    return Setup(path)


def nul_in_xlsx(tmp: Path) -> Setup:
    path = xlsx(tmp)
    sheet_xml_edited(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(STREET, "4417 Quill&#0;feather Lane"))
    return Setup(path)


def million_rows(tmp: Path) -> Setup:
    """A million incident rows (a decade of a very large agency, and then some): read, never a hang."""
    folder = csv_folder(tmp)
    path = folder / "incidents.csv"
    header, row = path.read_text(encoding="utf-8").splitlines()
    rest = row.split(",", 1)[1].replace("2025-10-03", "2019-05-03")
    body = "".join(f"MR-{n}," + rest + "\n" for n in range(1_000_000))
    path.write_text(header + "\n" + row + "\n" + body, encoding="utf-8")
    return Setup(folder)


def long_cell(tmp: Path) -> Setup:
    """A cell of 1.1 MB with a line break, longer than the 1 MiB blocks pyarrow parses: read, then rejected."""
    return Setup(csv_folder(tmp, private(incidents__address_2="Unit\n" + "9" * 1_100_000)))


def many_columns(tmp: Path) -> Setup:
    tables = private()
    tables["incidents"][0].update({f"rms_field_{n}": "x" for n in range(5000)})
    return Setup(csv_folder(tmp, tables))


def quoted_newline(tmp: Path) -> Setup:
    return Setup(csv_folder(tmp, private(incidents__notes="first line\nsecond line, \"quoted\"\r\nthird")))


def quoted_newline_then_ragged(tmp: Path) -> Setup:
    """A record spanning three lines, then a short record: its row counts records (row 3), not lines."""
    setup = quoted_newline(tmp)
    path = setup.source / "incidents.csv"
    path.write_text(path.read_text(encoding="utf-8") + "QX-5502,2025-10-04\n", encoding="utf-8")
    return setup


def undecodable_after_a_multiline_cell(tmp: Path) -> Setup:
    """A cp1252 byte in the record after one spanning three lines: row 3 (records), not line 5."""
    notes = "first line\nsecond line\nthird"
    tables = combined(private(incidents__notes=notes), private("QX-5502", incidents__notes="one line"))

    def change(data: bytes) -> bytes:
        before, _, after = data.rpartition(CITY.encode())
        return before + "Zyxf\u00f6rd".encode("cp1252") + after
    return edited(tmp, "incidents", change, tables)


def separated_by(separator: str, encoding: str = "utf-8", bom: bytes = b""):
    def build(tmp: Path) -> Setup:
        folder = csv_folder(tmp)
        path = folder / "officers.csv"
        rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
        text = "\r\n".join(separator.join(row) for row in rows) + "\r\n"
        path.write_bytes(bom + text.encode(encoding))
        return Setup(folder)
    return build


def unterminated_quote(tmp: Path) -> Setup:
    """The first officer row's last cell opens a quote that never closes: pyarrow reads the rest of the file
    (the second officer) into that cell."""
    folder = csv_folder(tmp, combined(private(), private("QX-5502")))
    path = folder / "officers.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ',"NO'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Setup(folder)


def headers_only(*tables: str):
    def build(tmp: Path) -> Setup:
        data = combined(*(private(f"QX-55{n:02d}") for n in range(1, 4)))
        for table in tables:
            data[table] = []
        return Setup(csv_folder(tmp, data))
    return build


def headers_only_sheet(tmp: Path) -> Setup:
    data = combined(private(), private("QX-5502"))
    data["incidents"] = []
    return Setup(xlsx(tmp, data))


def orphan(table: str):
    def build(tmp: Path) -> Setup:
        data = combined(private(), private("QX-5502"))
        data["incidents"] = data["incidents"][:1]
        other = "officers" if table == "subjects" else "subjects"
        data[other] = data[other][:1]
        return Setup(csv_folder(tmp, data))
    return build


def duplicate_id(table: str):
    """Two subjects (or officers) of one incident with the same id; the other table has two with their own."""
    def build(tmp: Path) -> Setup:
        data = private(incidents__total_number_subjects="2", incidents__total_officers_involved="2",
                       incidents__agency_officers_involved="2")
        data[table].append(dict(data[table][0]))
        other = "officers" if table == "subjects" else "subjects"
        data[other].append(dict(data[other][0], **{"subject_id" if other == "subjects" else "officer_id": "2"}))
        return Setup(csv_folder(tmp, data))
    return build


def path_with_newline(tmp: Path) -> Setup:
    return Setup(write_csv_extract(tmp / "RMS\nexport", private()))


def missing_path_with_newline(tmp: Path) -> Setup:
    return Setup(tmp / "no such\nextract.xlsx")


def folder_for_a_flat_export(tmp: Path) -> Setup:
    return Setup(csv_folder(tmp), FLAT)


def flat_sheet_missing(tmp: Path) -> Setup:
    return Setup(xlsx(tmp), FLAT + "source: {sheet: Use of Force}\n")


def text_file_as_source(tmp: Path) -> Setup:
    path = tmp / "extract.txt"
    path.write_text("agency_case_number\n", encoding="utf-8")
    return Setup(path)


def taken_by_a_file(option: str, below: str = ""):
    """--out or --state naming a file (`below` empty) or a path below one."""
    def build(tmp: Path) -> Setup:
        target = tmp / "taken"
        target.write_text("a file, not a folder\n", encoding="utf-8")
        return Setup(csv_folder(tmp), **{option: target / below if below else target})
    return build


def out_is_the_source_workbook(tmp: Path) -> Setup:
    path = xlsx(tmp)
    return Setup(path, out=path)


def unwritable(option: str, target: Path = Path("/proc/uof-bad-inputs")):
    """/proc refuses every new entry, to root too (a mode-0500 folder would not stop root)."""
    def build(tmp: Path) -> Setup:
        return Setup(csv_folder(tmp), **{option: target / "ledger.sqlite" if option == "state" else target})
    return build


def read_only_folder(option: str):
    def build(tmp: Path) -> Setup:
        folder = tmp / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        return Setup(csv_folder(tmp), **{option: folder / "ledger.sqlite" if option == "state" else folder})
    return build


def state_not_a_ledger(data: bytes):
    def build(tmp: Path) -> Setup:
        state = tmp / "state.sqlite"
        state.write_bytes(data)
        return Setup(csv_folder(tmp), state=state)
    return build


def made(folder: Path) -> Path:
    folder.mkdir(mode=0o700)
    return folder


def out_inside_source(tmp: Path) -> Setup:
    folder = csv_folder(tmp)
    return Setup(folder, out=folder / "uof-output")


NOT_ROOT = pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a mode-0500 folder")
SLOW = pytest.mark.slow
FLAT = "layout:\n  kind: flat\n  incident_key: agency_case_number\n"

KINDS = [
    # ---- encodings
    Kind("cp1252-undeclared", lambda t: rewritten(t, "incidents", "cp1252",
                                                 tables=private(incidents__notes="Pe\u00f1alosa")),
         2, ("incidents.csv", "column 'notes'", "row 2", "UTF-8", "encoding")),
    Kind("cp1252-declared", lambda t: rewritten(t, "incidents", "cp1252", profile="encoding: cp1252\n",
                                               tables=private(incidents__notes="Pe\u00f1alosa \u2019")), 0),
    Kind("utf16-le-bom", lambda t: rewritten(t, "subjects", "utf-16-le", b"\xff\xfe"), 0),
    Kind("utf16-be-bom", lambda t: rewritten(t, "officers", "utf-16-be", b"\xfe\xff"), 0),
    Kind("utf16-no-bom", lambda t: rewritten(t, "officers", "utf-16-le"),
         2, ("officers.csv", "row 1", "NUL", "UTF-16")),
    Kind("mixed-encodings-in-a-file", lambda t: edited(t, "subjects", lambda b: b.replace(
        b"OFFICER", b"OFFICER" + "\u00e9".encode("cp1252"))),
         2, ("subjects.csv", "column 'threat_directed_at'", "row 2", "UTF-8")),
    Kind("mixed-encodings-across-files", lambda t: rewritten(t, "officers", "cp1252",
                                                            tables=private(officers__notes="Pe\u00f1alosa")),
         2, ("officers.csv", "column 'notes'", "row 2", "UTF-8")),
    # ---- rows
    Kind("truncated-last-row", lambda t: edited(t, "incidents", lambda b: b[:b.rindex(b",", 0, len(b) - 40)]),
         2, ("incidents.csv", "row 2", "fields where the header has", "cut short")),
    Kind("undecodable-byte-after-a-multiline-cell", undecodable_after_a_multiline_cell,
         2, ("incidents.csv", "column 'address_city'", "row 3", "UTF-8")),
    Kind("semicolon-separated", separated_by(";"), 2, ("officers.csv", "row 1", "semicolons")),
    Kind("excel-unicode-text-export", separated_by("\t", "utf-16-le", b"\xff\xfe"), 2, ("officers.csv", "tabs")),
    Kind("unterminated-quote", unterminated_quote,
         2, ("officers.csv", "column 'shots_fired'", "row 2", "never closed")),
    Kind("ragged-row-fewer-fields", lambda t: with_lines(t, "subjects", lambda ls: [*ls, ls[1].rsplit(",", 3)[0]]),
         2, ("subjects.csv", "row 3", "fields where the header has")),
    Kind("quoted-newlines-in-a-cell", quoted_newline, 0),
    Kind("quoted-newlines-then-a-short-row", quoted_newline_then_ragged,
         2, ("incidents.csv", "row 3", "fields where the header has")),
    Kind("blank-lines-between-rows", lambda t: with_lines(t, "officers", lambda ls: [ls[0], "", "," * ls[0].count(","), ls[1], ""]),
         0),
    Kind("empty-file", lambda t: edited(t, "subjects", lambda b: b""), 2, ("subjects.csv", "empty")),
    Kind("only-blank-lines", lambda t: edited(t, "subjects", lambda b: b"\n\r\n  \n"), 2, ("subjects.csv", "empty")),
    Kind("headers-only-everywhere", headers_only("incidents", "subjects", "officers"), 0),
    Kind("headers-only-incidents-beside-rows", headers_only("incidents"),
         2, ("incidents.csv", "no incident rows", "subjects.csv", "3 subject row", "officers.csv", "3 officer row")),
    Kind("headers-only-incidents-sheet", headers_only_sheet,
         2, ("extract.xlsx", "sheet 'incidents'", "no incident rows", "2 subject row")),
    # ---- NUL bytes and control characters
    Kind("nul-byte-in-a-csv-cell", lambda t: edited(t, "incidents", lambda b: b.replace(b"Quillfeather", b"Quill\0feather")),
         2, ("incidents.csv", "column 'address_1'", "row 2", "NUL")),
    Kind("nul-byte-in-a-header", lambda t: edited(t, "officers", lambda b: b.replace(b"gender", b"gen\0der", 1)),
         2, ("officers.csv", "row 1", "NUL")),
    Kind("nul-byte-in-a-workbook-cell", nul_in_xlsx,
         2, ("extract.xlsx", "sheet 'incidents'", "cannot be read", "0x0")),  # malformed XML: no cell to name
    # ---- workbooks
    Kind("merged-cells", two_incidents_merged,
         2, ("extract.xlsx", "sheet 'incidents'", "column 'address_city'", "row 2", "merged")),
    Kind("formula-error-ref", formula_error("#REF!", "address_city"),
         2, ("extract.xlsx", "sheet 'incidents'", "column 'address_city'", "row 2", "#REF!")),
    Kind("formula-error-div0", formula_error("#DIV/0!", "total_number_subjects"),
         2, ("extract.xlsx", "sheet 'incidents'", "column 'total_number_subjects'", "row 2", "#DIV/0!")),
    Kind("date-as-excel-date-cell", date_cells(datetime.datetime(2025, 10, 3), "mm/dd/yyyy"), 0),
    Kind("date-as-serial-number", date_cells(45933), 1, rule="I3-VALID-DATE"),
    Kind("date-as-text-odd-format", date_cells("3rd Oct 2025"), 1, rule="I3-VALID-DATE"),
    Kind("date-as-text-day-first", lambda t: Setup(csv_folder(t, private(incidents__incident_date="31.10.2025"))),
         1, rule="I3-VALID-DATE"),
    Kind("date-impossible", lambda t: Setup(csv_folder(t, private(incidents__incident_date="10/32/2025"))),
         1, rule="I3-VALID-DATE"),
    Kind("empty-sheet", sheets_changed(empty_officers_sheet), 2, ("extract.xlsx", "sheet 'officers'", "empty")),
    Kind("extra-unknown-sheets", sheets_changed(extra_sheets), 0),
    Kind("missing-sheet-with-a-close-name", sheets_changed(sheet_renamed("subjects", "Subject")),
         2, ("extract.xlsx", "'subjects'", "did you mean")),
    Kind("sheet-at-excel-row-limit", sheets_changed(at_excel_row_limit),
         2, ("extract.xlsx", "sheet 'subjects'", "1,048,576", "cut off")),
    Kind("encrypted-workbook", encrypted_workbook, 2, ("extract.xlsx", "password", "unprotected copy")),
    Kind("csv-named-xlsx", csv_named_xlsx, 2, ("extract.xlsx", "not a readable Excel workbook", "plain text")),
    Kind("zip-that-is-not-a-workbook", zip_not_workbook, 2, ("extract.xlsx", "not a readable Excel workbook", "zip")),
    Kind("empty-xlsx", named_xlsx(b""), 2, ("extract.xlsx", "empty")),
    # ---- keys
    Kind("duplicate-case-numbers", lambda t: Setup(csv_folder(t, combined(private(), private()))),
         1, rule="I2-DUPLICATE"),
    Kind("duplicate-subject-ids", duplicate_id("subjects"), 1, rule="S1-UNIQUE"),
    Kind("duplicate-officer-ids", duplicate_id("officers"), 1, rule="O1-UNIQUE"),
    Kind("orphan-subject-row", orphan("subjects"), 0, rule="S-ORPHAN"),
    Kind("orphan-officer-row", orphan("officers"), 0, rule="O-ORPHAN"),
    Kind("case-number-with-bad-characters", lambda t: Setup(csv_folder(t, private("QX-BAD/1"))), 1, rule="I2-FORMAT"),
    # ---- headers
    Kind("header-typo", lambda t: header_renamed(t, "incidents", "incident_date", "incident_dat"),
         2, ("incidents.csv", "column 'incident_date'", "row 1", "'incident_dat'", "did you mean 'incident_date'?")),
    Kind("header-typo-in-a-child-table", lambda t: header_renamed(t, "officers", "shots_fired", "shots_fierd"),
         2, ("officers.csv", "column 'shots_fired'", "did you mean 'shots_fired'?")),
    Kind("duplicate-header-after-trimming", lambda t: header_renamed(t, "subjects", "charged", " gender "),
         2, ("subjects.csv", "column 'gender'", "row 1", "more than once")),
    # ---- sizes
    Kind("million-row-sheet", million_rows, 0, marks=(SLOW,)),  # ~20 s: read and validated, no hang
    Kind("one-megabyte-cell", long_cell, 1, rule="I19-LENGTH"),
    Kind("five-thousand-columns", many_columns, 0),
    # ---- paths
    Kind("source-path-with-a-newline", path_with_newline, 0),
    Kind("missing-source-path-with-a-newline", missing_path_with_newline, 2, ("does not exist", "no such\\nextract")),
    Kind("folder-where-a-file-is-expected", folder_for_a_flat_export, 2, ("extract", "is a folder")),
    Kind("sheet-named-by-the-profile-missing", flat_sheet_missing, 2, ("extract.xlsx", "Use of Force")),
    Kind("source-neither-workbook-nor-folder", text_file_as_source, 2, ("extract.txt", "must be an Excel workbook")),
    # ---- --out and --state
    Kind("out-is-a-file", taken_by_a_file("out"), 2, ("UOF-OUTPUT", "taken", "is a file")),
    Kind("out-below-a-file", taken_by_a_file("out", "sub"), 2, ("UOF-OUTPUT", "taken", "is a file")),
    Kind("out-is-the-source-workbook", out_is_the_source_workbook, 2, ("UOF-OUTPUT", "extract.xlsx", "is a file")),
    Kind("out-unwritable", unwritable("out"), 2, ("UOF-OUTPUT", "/proc/uof-bad-inputs", "cannot be created")),
    Kind("out-existing-unwritable-folder", unwritable("out", Path("/proc/self")),
         2, ("UOF-OUTPUT", "/proc/self", "cannot be written")),
    Kind("out-read-only-folder", read_only_folder("out"), 2, ("UOF-OUTPUT", "locked", "cannot be written"),
         marks=(NOT_ROOT,)),
    Kind("out-inside-the-source-folder", out_inside_source, 0),
    Kind("out-is-the-source-folder", lambda t: Setup(csv_folder(t), out=t / "extract"), 0),
    Kind("out-path-with-a-newline", lambda t: Setup(csv_folder(t), out=t / "uof\noutput"), 0),
    Kind("state-is-the-out-folder", lambda t: Setup(csv_folder(t), out=made(t / "out"), state=t / "out"), 0),
    Kind("state-and-out-one-new-folder", lambda t: Setup(csv_folder(t), out=t / "out", state=t / "out"),
         2, ("UOF-LEDGER", "out")),
    Kind("state-not-a-ledger", state_not_a_ledger(b"agency_case_number\nQX-5501\n"), 2, ("UOF-LEDGER", "state.sqlite")),
    Kind("state-corrupt-sqlite", state_not_a_ledger(b"SQLite format 3\0" + bytes(84) + os.urandom(4000)),
         2, ("UOF-LEDGER", "state.sqlite")),
    Kind("state-below-a-file", taken_by_a_file("state", "ledger.sqlite"), 2, ("UOF-OUTPUT", "taken", "is a file")),
    Kind("state-unwritable", unwritable("state"), 2, ("UOF-OUTPUT", "/proc/uof-bad-inputs")),
    Kind("state-read-only-folder", read_only_folder("state"), 2, ("UOF-OUTPUT", "locked"), marks=(NOT_ROOT,)),
]


def snapshot(tmp: Path, *folders: Path | None) -> set[Path]:
    """What the folders hold (those of the test only: not /proc)."""
    return {p for folder in folders if folder is not None and folder.is_dir() and folder.is_relative_to(tmp)
            for p in folder.rglob("*")}


@pytest.mark.parametrize("kind", [pytest.param(k, id=k.id, marks=k.marks) for k in KINDS])
def test_bad_input_is_answered(run_cli, tmp_path, kind):
    setup = kind.build(tmp_path)
    profile = write_profile(tmp_path / "cfg", setup.profile)
    out = setup.out or tmp_path / "out"
    before = snapshot(tmp_path, out, setup.state)
    args = ["run", "--profile", profile, "--source", setup.source, "--month", MONTH, "--out", out, "--as-of", AS_OF]
    code, stdout, stderr = run_cli(*args, *(["--state", setup.state] if setup.state else []))
    assert code == kind.exit, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr.lower(), stderr
    leaked = [value for value in PRIVATE if value in stderr + stdout]
    assert not leaked, (leaked, stderr)
    month = out / ORI / MONTH
    if kind.exit == 2:
        errors = [line for line in stderr.splitlines() if "uof: error" in line]
        assert len(errors) == 1 and stderr.strip() == errors[0], stderr
        for fragment in kind.stderr:
            assert fragment in stderr, (fragment, stderr)
        assert not month.exists()
        after = snapshot(tmp_path, out, setup.state)
        assert after - before == set(), sorted(str(p) for p in after - before)
    else:
        assert (month / "manifest.json").exists(), stderr
        if kind.rule:
            rejections = pd.read_csv(month / "rejections.csv", dtype=str, keep_default_na=False)
            assert kind.rule in set(rejections["rule_id"]), (kind.rule, rejections)


def test_the_corpus_has_forty_distinct_kinds():
    assert len({k.id for k in KINDS}) == len(KINDS) >= 40
