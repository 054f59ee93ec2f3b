"""Read an RMS extract (an Excel workbook or a folder of CSV files) into raw string frames.

Every cell becomes text (or NA when empty) so that codes such as `01` keep their leading zeros;
typing happens later, in the transforms. Anything that makes the file unreadable as a whole is a
FatalInputError naming the file, sheet, column and row: in a CSV file an undecodable byte, a row with
too few or too many fields, a quote never closed, a NUL byte (rows counted in records, a quoted line
break starting none; a UTF-16 byte-order mark is honoured); in a workbook encryption, merged cells
below the header and formula errors (which calamine would read as blank), and a sheet reaching
Excel's last row (cut off).

A numeric Excel cell holds a number, not the text the RMS shows: a ZIP code `02134` is stored as
2134 with the number format `00000`. Columns that feed codes (`code_columns`, chosen by the caller
from the profile) get the text their number format displays; the formats of their numeric cells
are read with openpyxl (calamine does not expose them), only for those columns. A format that cannot
be rendered faithfully there (decimals, thousands separators, percentages, conditions...) stops the
run instead of guessing the code.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import hashlib
import html
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
from openpyxl.utils import column_index_from_string, get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

from flows.errors import FatalInputError

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass(frozen=True)
class RawTable:
    """One table of the extract as read: text cells, plus where each row came from."""

    frame: pd.DataFrame  # columns as in the file + _source_file, _source_row
    source: str  # display name: file, or file [sheet]
    file: str
    sheet: str | None


@dataclass(frozen=True)
class SourceFile:
    name: str
    sha256: str


def closest(name: str, candidates) -> str | None:
    """The one of `candidates` that `name` looks like a typo of (difflib ratio 0.75 or more), else None."""
    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1, cutoff=0.75)
    return close[0] if close else None


def did_you_mean(name: str, candidates) -> str:
    """" (did you mean 'x'?)" when one of `candidates` is close to `name`, else ""."""
    close = closest(name, candidates)
    return f" (did you mean '{close}'?)" if close else ""


NUL_HINT = ("a NUL byte is never text in an export: the file is damaged, or is UTF-16 text without a byte-order "
            "mark; export it again as CSV UTF-8")


def _check_header(names: list[str], file: str, sheet: str | None) -> list[str]:
    clean = [str(n).replace("\ufeff", "").strip() for n in names]
    seen = set()
    for position, name in enumerate(clean, start=1):
        if "\x00" in name:
            raise FatalInputError(file, f"the header holds a NUL byte (in its column {position}); {NUL_HINT}",
                                  sheet=sheet, row=1)
        if name and name in seen:
            raise FatalInputError(file, "the column name appears more than once in the header",
                                  sheet=sheet, column=name, row=1)
        seen.add(name)
    return [n if n else f"(unnamed column {i})" for i, n in enumerate(clean, start=1)]


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
BLOCK_SIZE = 1 << 20  # pyarrow's default: records are parsed in parallel blocks of 1 MiB
MARK = "\ue000"  # a private-use character put where reading stopped, to find the record and column it is in


def _codec(data: bytes, encoding: str) -> str:
    """A UTF-16 byte-order mark decides (no UTF-8 or single-byte text starts with one); else the profile's
    encoding, UTF-8 with or without its own mark."""
    if data.startswith(UTF16_BOMS):
        return "utf-16"
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def _header_end(text: str) -> int | None:
    """Where the header record ends, after its line break (a quoted name may hold one); None when the text
    holds no complete header record."""
    quotes, start = 0, 0
    while (end := text.find("\n", start)) >= 0:
        quotes += text.count('"', start, end)
        if quotes % 2 == 0:
            return end + 1
        start = end + 1
    return None


def _parse(body: bytes, names: list[str]) -> tuple[pa.Table, list]:
    """The records of `body` (the file after its header, UTF-8) and the rows whose number of fields is not
    the header's (skipped), as pyarrow reads them: quoted line breaks stay in their cell."""
    invalid = []
    if not body.strip(b"\r\n"):  # only the header: no record (pyarrow refuses an empty input)
        return pa.table({n: pa.array([], pa.string()) for n in names}), invalid

    def on_invalid(row):
        invalid.append(row)
        return "skip"

    def read(block_size: int) -> pa.Table:
        return pv.read_csv(
            pa.BufferReader(body),
            read_options=pv.ReadOptions(encoding="utf8", column_names=names, block_size=block_size),
            parse_options=pv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True,
                                              null_values=[""], quoted_strings_can_be_null=True),
        )

    try:
        return read(BLOCK_SIZE), invalid
    except pa.ArrowInvalid as exc:
        if "straddl" not in str(exc):
            raise
        invalid.clear()  # a record longer than a block (a cell of megabytes): read the file as one block
        return read(len(body) + 1), invalid


def _record_cut_at(body: str, names: list[str]) -> tuple[int, str | None]:
    """(row, column) of the record `body` (the text after the header) ends in, rows counted as records: only
    to place an error, by reading `body` once more with a mark at its end."""
    table, invalid = _parse((body + MARK).encode("utf-8"), names)
    row = table.num_rows + len(invalid) + 1
    if invalid and MARK in (invalid[-1].text or ""):
        return row, names[max(min(invalid[-1].actual_columns, len(names)), 1) - 1]
    last = table.slice(max(table.num_rows - 1, 0)).to_pylist()
    return row, next((n for n, v in (last[0].items() if last else ()) if v and MARK in v), None)


def _decoded(path: Path, data: bytes, encoding: str) -> tuple[str, str]:
    """The text of the file and its codec, or an error naming the row and column of its first undecodable byte."""
    codec = _codec(data, encoding)
    try:
        return data.decode(codec).lstrip("\ufeff"), codec
    except UnicodeDecodeError as exc:
        start = exc.start
    head = data[:start].decode(codec).lstrip("\ufeff")
    row, column, body_at = 1, None, _header_end(head)
    if body_at is not None:  # past the header: the record and column the byte is in
        header = next(csv.reader(io.StringIO(head[:body_at])), [])
        row, column = _record_cut_at(head[body_at:], _check_header(header, path.name, None))
    name = "UTF-16" if codec == "utf-16" else encoding
    raise FatalInputError(path, f"is not valid {name} text (undecodable byte at offset {start}); save the export "
                          "as UTF-8 or set 'encoding' in the profile", column=column, row=row)


def _invalid_row_error(path: Path, body: bytes, invalid: list, names: list[str]) -> FatalInputError:
    """The first record whose number of fields is not the header's, its row counted in records."""
    placed = []
    for row in invalid:
        found = re.search(rb"(?m)^" + re.escape((row.text or "").encode("utf-8")) + rb"\r?$", body)
        placed.append((found.start() if found else len(body), found.end() if found else len(body), row))
    start, end, row = min(placed, key=lambda p: p[0])
    before, skipped = _parse(body[:start], names)
    number = before.num_rows + len(skipped) + 2 if start < len(body) else None
    last = not body[end:].strip()
    hint = ("; it is the file's last row: the file looks cut short (or a quote is never closed)"
            if last and row.actual_columns < row.expected_columns else "")
    return FatalInputError(path, f"has {row.actual_columns} fields where the header has {row.expected_columns}{hint}",
                           row=number)


def _unclosed_quote(body: bytes, table: pa.Table, names: list[str]) -> str | None:
    """The column of the last record whose quoted cell runs to the end of the file (a quote that never
    closes, which the reader takes as text up to the end), else None."""
    if not table.num_rows:
        return None
    last = table.slice(table.num_rows - 1).to_pylist()[0]
    present = [n for n in names if last[n] is not None]
    if not present:
        return None
    value = last[present[-1]].encode("utf-8")
    end = len(body)
    while not value.endswith(b"\n") and end and body[end - 1:end] in (b"\r", b"\n"):
        end -= 1
    opened = end - len(value) - 1
    return present[-1] if opened >= 0 and body[opened:end] == b'"' + value else None


def _first_nul(frame: pd.DataFrame, names: list[str]) -> tuple[int, str] | None:
    """(row, column) of the first cell holding a NUL character (vectorised, column by column)."""
    found = []
    for name in names:
        hits = frame[name].str.contains("\x00", regex=False).fillna(False).to_numpy(dtype=bool)
        if hits.any():
            found.append((int(frame["_source_row"].iloc[int(hits.argmax())]), names.index(name)))
    return (min(found)[0], names[min(found)[1]]) if found else None


def read_csv_table(path: Path, encoding: str = "utf-8") -> tuple[RawTable, SourceFile]:
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FatalInputError(path, f"cannot be read ({exc.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    text, codec = _decoded(path, data, encoding)
    body_at = _header_end(text) or len(text)
    first_line = next(csv.reader(io.StringIO(text[:body_at])), None)
    if not first_line or not any(c.strip() for c in first_line):
        raise FatalInputError(path, "has no header row (the file is empty)", row=1)
    names = _check_header(first_line, file, None)
    other = [name for sep, name in SEPARATORS.items() if len(names) == 1 and sep in names[0]]
    if other:
        raise FatalInputError(path, f"the header is a single column holding {other[0]}: the file is separated by "
                              f"{other[0]}, not commas; export it as CSV (comma-separated)", row=1)
    if codec == "utf-8-sig":  # the bytes after the header as they are (no second copy of the file)
        body = data[(3 if data.startswith(codecs.BOM_UTF8) else 0) + len(text[:body_at].encode("utf-8")):]
    else:  # read as UTF-8 from here on
        body = text[body_at:].encode("utf-8")
    try:
        table, invalid = _parse(body, names)
        if invalid:
            raise _invalid_row_error(path, body, invalid, names)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise FatalInputError(path, f"is not a readable CSV file ({str(exc).splitlines()[0][:120]})") from None
    unclosed = _unclosed_quote(body, table, names)
    if unclosed:
        raise FatalInputError(path, "a quoted cell is never closed: it runs to the end of the file (the file was "
                              "cut short, or a quote is missing); export the file again",
                              column=unclosed, row=table.num_rows + 1)
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=float("nan"))}.get)
    frame = frame.astype("str") if len(frame.columns) else frame
    frame["_source_file"] = file
    frame["_source_row"] = pd.RangeIndex(2, len(frame) + 2)
    if "\x00" in text:
        nul = _first_nul(frame, names)
        if nul:
            raise FatalInputError(path, f"the cell holds a NUL byte; {NUL_HINT}", column=nul[1], row=nul[0])
    return RawTable(frame=frame, source=file, file=file, sheet=None), SourceFile(file, digest)


def _cell_text(value):
    if value == "" or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


GENERAL_FORMATS = ("general", "@", "")  # `@` (Text) shows a number typed into it as General does
LITERAL_CHARACTERS = set(" -()/:+")  # shown as they are, without quotes or a backslash


def _format_sections(fmt: str) -> list[str]:
    """The `;`-separated sections of an Excel number format (quotes and backslash escapes respected)."""
    sections, current, quoted, escaped = [], "", False, False
    for ch in fmt:
        if escaped:
            current, escaped = current + ch, False
        elif ch == "\\":
            current, escaped = current + ch, True
        elif ch == '"':
            current, quoted = current + ch, not quoted
        elif ch == ";" and not quoted:
            sections.append(current)
            current = ""
        else:
            current += ch
    return sections + [current]


def _format_tokens(section: str) -> list[tuple[str, str]] | None:
    """('digit', '0'|'#') and ('text', literal) tokens of a digits-only format section, or None when the
    section uses anything else (decimals, separators, %, exponents, colours, conditions, fills)."""
    tokens, i = [], 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            if end < 0:
                return None
            tokens.append(("text", section[i + 1:end]))
            i = end + 1
            continue
        if ch == "\\" and i + 1 < len(section):
            tokens.append(("text", section[i + 1]))
            i += 2
            continue
        if ch in "0#":
            tokens.append(("digit", ch))
        elif ch in LITERAL_CHARACTERS:
            tokens.append(("text", ch))
        else:
            return None
        i += 1
    return tokens


def displayed_number(value, fmt: str | None) -> str | None:
    """The text Excel shows for the number `value` under the number format `fmt`, or None when this
    reader cannot render that format faithfully. General and Text (`@`) show the number itself;
    zero-padding and literal formats (`00000`, `0000000`, `00000-0000`, `"A"000`) are rendered as Excel
    does: digits fill the placeholders from the right, extra digits go to the leftmost one, `0` pads
    with a zero and `#` with nothing."""
    if (fmt or "").strip().lower() in GENERAL_FORMATS:
        return _cell_text(value)
    sections = _format_sections(fmt)
    if len(sections) > 4:
        return None
    sign = ""
    if value < 0 and len(sections) >= 2:
        section, value = sections[1], -value
    elif value < 0:
        section, sign, value = sections[0], "-", -value
    elif value == 0 and len(sections) >= 3:
        section = sections[2]
    else:
        section = sections[0]
    if section.strip().lower() in GENERAL_FORMATS:
        return sign + _cell_text(value)
    tokens = _format_tokens(section)
    if not tokens or not float(value).is_integer() or abs(value) >= 1e15:
        return None
    slots = [i for i, (kind, _) in enumerate(tokens) if kind == "digit"]
    if not slots:
        return None  # the number is not shown at all (a format that is only text): nothing to recover
    digits = str(int(value)).lstrip("0")
    shown = {}
    for position, slot in enumerate(reversed(slots)):
        digit = digits[len(digits) - 1 - position] if position < len(digits) else None
        shown[slot] = digit if digit is not None else ("0" if tokens[slot][1] == "0" else "")
    extra = digits[:max(len(digits) - len(slots), 0)]
    shown[slots[0]] = extra + shown[slots[0]]
    if not "".join(shown.values()):
        return None  # zero under `#`: Excel shows nothing, and a blank is not the code
    return sign + "".join(shown.get(i, text) for i, (kind, text) in enumerate(tokens))


def _column_text(values: pd.Series) -> pd.Series:
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values.replace("", None).astype("str")
    return values.map(_cell_text).astype("str")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _FormatsUnreadable(Exception):
    pass


class _Formats:
    """Number formats of chosen cells, read with openpyxl in read-only mode (opened once per workbook)."""

    def __init__(self, data: bytes):
        self.data, self.book = data, None

    def of(self, sheet: str, cells: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """{(row, column): number format} for 1-based sheet cells; one pass over their bounding box."""
        if self.book is None:
            try:
                self.book = openpyxl.load_workbook(io.BytesIO(self.data), read_only=True)
            except Exception as exc:  # openpyxl raises many types for a file it cannot open (.xls among them)
                raise _FormatsUnreadable(type(exc).__name__) from None
        wanted = set(cells)
        rows, columns = [r for r, _ in cells], [c for _, c in cells]
        out = {}
        for line in self.book[sheet].iter_rows(min_row=min(rows), max_row=max(rows),
                                               min_col=min(columns), max_col=max(columns)):
            for cell in line:
                at = (getattr(cell, "row", None), getattr(cell, "column", None))
                if at in wanted:
                    out[at] = cell.number_format
        return out

    def close(self):
        if self.book is not None:
            self.book.close()


def _numbers_as_shown(raw: pd.DataFrame, frame: pd.DataFrame, codes: set[str], formats: _Formats,
                      path: Path, sheet: str, first_row: int) -> pd.DataFrame:
    """`frame` with the numeric cells of the code columns replaced by the text their number format shows."""
    numeric = {n: raw[n].map(_is_number).astype(bool) for n in raw.columns if n in codes}
    numeric = {n: m for n, m in numeric.items() if m.any()}
    if not numeric:
        return frame
    position = {n: i + 1 for i, n in enumerate(raw.columns)}
    cells = [(first_row + i, position[n]) for n, m in numeric.items() for i in m[m].index]
    try:
        fmt = formats.of(sheet, cells)
    except _FormatsUnreadable as exc:
        name = next(iter(numeric))
        raise FatalInputError(path, f"holds numbers in a column that feeds codes, and their number formats cannot be "
                              f"read ({exc}) to recover the text the RMS shows (leading zeros); save the export "
                              "as .xlsx or format the column as Text", sheet=sheet, column=name,
                              row=first_row + int(numeric[name].idxmax())) from None
    frame = frame.copy()
    for name, mask in numeric.items():
        shown = {}
        for i in mask[mask].index:
            row = first_row + i
            number_format = fmt.get((row, position[name]), "General")
            text = displayed_number(raw.at[i, name], number_format)
            if text is None:
                count = int(mask.sum())
                raise FatalInputError(path, f"the number {_cell_text(raw.at[i, name])} is shown with the Excel number "
                                      f"format '{number_format}', which this program cannot turn into the code the "
                                      f"RMS displays ({count} numeric cell(s) in this column); format the column "
                                      "as Text, General or a zero-padded format such as 00000 in the export",
                                      sheet=sheet, column=name, row=row)
            shown[i] = text
        frame[name] = frame[name].mask(mask, pd.Series(shown, dtype="str")).astype("str")
    return frame


OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")  # compound file: .xls, or an encrypted .xlsx
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
EXCEL_LAST_ROW = {".xls": 65_536}  # else 1,048,576 (.xlsx, .xlsm)
ENCRYPTED = ("is password-protected (encrypted), so it cannot be read; open it in Excel, remove the password "
             "(File > Info > Protect Workbook > Encrypt with Password, clear the box) and give uof that "
             "unprotected copy, kept where only authorised staff can read it")


def _not_a_workbook(data: bytes, reason: str) -> str:
    """Why `data` could not be opened as a workbook, in the user's terms."""
    if data.startswith(OLE_SIGNATURE) and (ENCRYPTED_STREAM in data or "password" in reason.lower()):
        return ENCRYPTED
    if not data:
        why = "the file is empty (0 bytes); export it again"
    elif data.startswith(b"PK"):
        why = f"a zip archive, but no workbook in it ({reason[:120]}); give the .xlsx file the RMS exported"
    elif not data.startswith(OLE_SIGNATURE) and b"\x00" not in data[:4096]:
        why = "the file holds plain text (a CSV export given an Excel name?); give it its .csv name"
    else:
        why = reason[:120]
    return f"is not a readable Excel workbook: {why}"


SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
RELATIONSHIP_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)\bt=[\"']e[\"']([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)


def _attribute(tag: bytes, name: bytes) -> str | None:
    found = re.search(rb"(?:^|\s)(?:\w+:)?" + name + rb"=([\"'])(.*?)\1", tag, re.DOTALL)
    return html.unescape(found.group(2).decode("utf-8")) if found else None


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding `sheet`'s cells, from xl/workbook.xml and its relationships."""
    ids = {_attribute(tag, b"name"): _attribute(tag, b"id") for tag in SHEET_TAG.findall(archive.read("xl/workbook.xml"))}
    for tag in RELATIONSHIP_TAG.findall(archive.read("xl/_rels/workbook.xml.rels")):
        if _attribute(tag, b"Id") == ids.get(sheet):
            target = _attribute(tag, b"Target") or ""
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def _error_cell(data: bytes, sheet: str) -> tuple[int | None, int | None, str] | None:
    """(row, column, error) of the sheet's first cell holding an Excel error value (#REF!, #DIV/0!, #N/A...),
    1-based, found in the sheet's XML: calamine reads such a cell as blank. None when there is none, or for a
    workbook that is not a zip (.xls)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            part = _sheet_part(archive, sheet)
            xml = archive.read(part) if part else b""
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    found = ERROR_CELL.search(xml) if b't="e"' in xml or b"t='e'" in xml else None
    if not found:
        return None
    ref = re.fullmatch(r"([A-Z]{1,3})([0-9]+)", _attribute(found.group(1) + b" " + found.group(2), b"r") or "")
    value = re.search(rb"<(?:\w+:)?v>([^<]*)<", found.group(3) or b"")
    error = html.unescape(value.group(1).decode("utf-8")) if value else "an error value"
    if not ref:
        return None, None, error
    return int(ref.group(2)), column_index_from_string(ref.group(1)), error


def _check_cells(sheet_data, data: bytes, path: Path, sheet: str, names: list[str], header_at: int) -> None:
    """Cells whose value calamine reads as blank though Excel shows something: merged cells below the
    header (the value sits in the first cell only) and formula errors (#REF!, #DIV/0!...)."""
    def column(index: int | None) -> str | None:  # 0-based sheet column -> header name
        return None if index is None else names[index] if index < len(names) else get_column_letter(index + 1)

    merged = sorted(r for r in (sheet_data.merged_cell_ranges or []) if r[1][0] > header_at)
    if merged:
        (top, left), (bottom, right) = merged[0]
        cells = f"{get_column_letter(left + 1)}{top + 1}:{get_column_letter(right + 1)}{bottom + 1}"
        raise FatalInputError(path, f"cells {cells} are merged: Excel keeps a merged cell's value in its first cell "
                              "only, so the others would read as blank; unmerge them and fill in every row",
                              sheet=sheet, column=column(left), row=top + 1)
    error = _error_cell(data, sheet)
    if error:
        row, index, value = error
        raise FatalInputError(path, f"the cell holds the Excel error {value} (a formula that failed), not a value; "
                              "correct the formula or export the workbook again", sheet=sheet,
                              column=column(None if index is None else index - 1), row=row)


def read_workbook(path: Path, sheets: tuple[str | None, ...],
                  code_columns: dict | None = None) -> tuple[dict[str, RawTable], SourceFile]:
    """The named sheets (None: the first sheet of the workbook), keyed by the names asked for.
    `code_columns` (sheet asked for -> column names) are the columns whose numbers are read as displayed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FatalInputError(path, f"cannot be read ({exc.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(OLE_SIGNATURE) and ENCRYPTED_STREAM in data:
        raise FatalInputError(path, ENCRYPTED)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        raise FatalInputError(path, _not_a_workbook(data, str(exc))) from None
    by_name = {name.strip().lower(): name for name in workbook.sheet_names}
    if None in sheets and not workbook.sheet_names:
        raise FatalInputError(path, "has no sheet")
    by_name[None] = workbook.sheet_names[0] if workbook.sheet_names else None
    missing = [s for s in sheets if s is not None and s.strip().lower() not in by_name]
    if missing:
        raise FatalInputError(path, f"has no sheet named {', '.join(repr(m) for m in missing)}"
                              f"{did_you_mean(missing[0], workbook.sheet_names)} "
                              f"(sheets found: {', '.join(workbook.sheet_names) or 'none'})")
    tables, formats = {}, _Formats(data)
    try:
        for wanted in sheets:
            tables[wanted] = _read_sheet(workbook, by_name[wanted if wanted is None else wanted.strip().lower()],
                                         path, (code_columns or {}).get(wanted, set()), formats, data)
    finally:
        formats.close()
    return tables, SourceFile(path.name, digest)


def _read_sheet(workbook, sheet: str, path: Path, codes: set[str], formats: _Formats, data: bytes) -> RawTable:
    try:
        sheet_data = workbook.get_sheet_by_name(sheet)
        last_row = EXCEL_LAST_ROW.get(path.suffix.lower(), 1_048_576)
        if sheet_data.end and sheet_data.end[0] + 1 >= last_row:
            raise FatalInputError(path, f"the sheet reaches row {last_row:,}, the last row Excel keeps: the export "
                                  "was probably cut off there; export a shorter period per file, or as CSV",
                                  sheet=sheet, row=last_row)
        rows = sheet_data.to_python(skip_empty_area=False)
    except (CalamineError, ValueError) as exc:
        raise FatalInputError(path, f"the sheet cannot be read ({str(exc)[:120]})", sheet=sheet) from None
    header_at = next((i for i, r in enumerate(rows) if any(c not in ("", None) for c in r)), None)
    if header_at is None:
        raise FatalInputError(path, "the sheet is empty: it needs a header row", sheet=sheet, row=1)
    names = _check_header(rows[header_at], path.name, sheet)
    _check_cells(sheet_data, data, path, sheet, names, header_at)
    width = len(names)
    body = [r[:width] + [""] * (width - len(r)) for r in rows[header_at + 1:]]
    raw = pd.DataFrame(body, columns=names, dtype=object)
    frame = pd.DataFrame({n: _column_text(raw[n]) for n in names}, index=raw.index)
    frame = _numbers_as_shown(raw, frame, codes, formats, path, sheet, header_at + 2)
    frame["_source_file"] = f"{path.name} [{sheet}]"
    frame["_source_row"] = pd.RangeIndex(header_at + 2, header_at + 2 + len(frame))
    return RawTable(frame=frame, source=f"{path.name} [{sheet}]", file=path.name, sheet=sheet)


def read_tables(source: Path, tables: tuple[str, ...], encoding: str = "utf-8", code_columns: dict | None = None):
    """The three canonical tables from a workbook (one sheet each) or a folder of CSV files;
    `code_columns`: table -> columns whose Excel numbers are read as displayed (see read_workbook)."""
    source = Path(source)
    if not source.exists():
        raise FatalInputError(source, "does not exist")
    if source.is_dir():
        missing = [t for t in tables if not (source / f"{t}.csv").is_file()]
        if missing:
            raise FatalInputError(source, "the folder must hold " + ", ".join(f"{t}.csv" for t in tables)
                                  + f"; missing: {', '.join(f'{m}.csv' for m in missing)}")
        out, files = {}, []
        for t in tables:
            out[t], f = read_csv_table(source / f"{t}.csv", encoding)
            files.append(f)
        return out, files
    if source.suffix.lower() in EXCEL_SUFFIXES:
        out, f = read_workbook(source, tables, code_columns)
        return out, [f]
    raise FatalInputError(source, "must be an Excel workbook (.xlsx) or a folder holding "
                          + ", ".join(f"{t}.csv" for t in tables))


def read_single(source: Path, sheet: str | None = None, encoding: str = "utf-8",
                code_columns: set[str] | frozenset = frozenset()) -> tuple[RawTable, list[SourceFile]]:
    """The one sheet or file of a `flat` or `incident-lists` export: a CSV file, or a workbook's sheet
    (`sheet`, default the first one); `code_columns` as in read_workbook."""
    source = Path(source)
    if not source.exists():
        raise FatalInputError(source, "does not exist")
    if source.is_dir():
        raise FatalInputError(source, "is a folder, but the profile's layout reads one export file: give the CSV "
                              "file or the workbook itself as --source")
    if source.suffix.lower() in EXCEL_SUFFIXES:
        tables, f = read_workbook(source, (sheet,), {sheet: set(code_columns)})
        return tables[sheet], [f]
    if sheet is not None:
        raise FatalInputError(source, f"is not a workbook, but the profile names the sheet '{sheet}' (source.sheet)")
    table, f = read_csv_table(source, encoding)
    return table, [f]
