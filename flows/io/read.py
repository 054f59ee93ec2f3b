"""Read an RMS extract (an Excel workbook or a folder of CSV files) into raw string frames.

Every cell becomes text (or NA when empty) so that codes such as `01` keep their leading zeros;
typing happens later, in the transforms. Anything that makes the file unreadable as a whole is a
FatalInputError naming the file, sheet, column and row.

A numeric Excel cell holds a number, not the text the RMS shows: a ZIP code `02134` is stored as
2134 with the number format `00000`. Columns that feed codes (`code_columns`, chosen by the caller
from the profile) get the text their number format displays; the formats of their numeric cells
are read with openpyxl (calamine does not expose them), only for those columns. A format that cannot
be rendered faithfully there (decimals, thousands separators, percentages, conditions...) stops the
run instead of guessing the code.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
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


def _check_header(names: list[str], file: str, sheet: str | None) -> list[str]:
    clean = [str(n).replace("\ufeff", "").strip() for n in names]
    seen = set()
    for position, name in enumerate(clean, start=1):
        if name and name in seen:
            raise FatalInputError(file, "the column name appears more than once in the header",
                                  sheet=sheet, column=name, row=1)
        seen.add(name)
    return [n if n else f"(unnamed column {i})" for i, n in enumerate(clean, start=1)]


def _bad_utf8_row(data: bytes, encoding: str) -> tuple[int, int] | None:
    """(line number, byte offset) of the first undecodable byte, or None."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1, exc.start
    return None


def read_csv_table(path: Path, encoding: str = "utf-8") -> tuple[RawTable, SourceFile]:
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FatalInputError(path, f"cannot be read ({exc.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    bad = _bad_utf8_row(data, "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
    if bad:
        line, offset = bad
        raise FatalInputError(path, f"is not valid {encoding} text (undecodable byte at offset {offset}); "
                              "save the export as UTF-8 or set 'encoding' in the profile", row=line)
    text_head = data[:65536].decode(encoding, errors="replace").lstrip("\ufeff")
    first_line = next(csv.reader(io.StringIO(text_head)), None)
    if not first_line or not any(c.strip() for c in first_line):
        raise FatalInputError(path, "has no header row (the file is empty)", row=1)
    names = _check_header(first_line, file, None)
    invalid = []

    def on_invalid(row):
        invalid.append(row)
        return "skip"

    try:
        table = pv.read_csv(
            pa.BufferReader(data),
            read_options=pv.ReadOptions(encoding=encoding, column_names=names, skip_rows=1),
            parse_options=pv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pv.ConvertOptions(column_types={n: pa.string() for n in names},
                                              strings_can_be_null=True, null_values=[""],
                                              quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise FatalInputError(path, f"is not a readable CSV file ({str(exc).splitlines()[0][:120]})") from None
    if invalid:
        row = invalid[0]
        number = row.number + 1 if row.number is not None else None
        if number is None and row.text:
            at = data.find(row.text.encode(encoding, errors="replace"))
            number = data.count(b"\n", 0, at) + 1 if at >= 0 else None
        raise FatalInputError(path, f"has {row.actual_columns} fields where the header has {row.expected_columns}",
                              row=number)
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=float("nan"))}.get)
    frame = frame.astype("str") if len(frame.columns) else frame
    frame["_source_file"] = file
    frame["_source_row"] = pd.RangeIndex(2, len(frame) + 2)
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


def read_workbook(path: Path, sheets: tuple[str | None, ...],
                  code_columns: dict | None = None) -> tuple[dict[str, RawTable], SourceFile]:
    """The named sheets (None: the first sheet of the workbook), keyed by the names asked for.
    `code_columns` (sheet asked for -> column names) are the columns whose numbers are read as displayed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FatalInputError(path, f"cannot be read ({exc.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        raise FatalInputError(path, f"is not a readable Excel workbook ({str(exc)[:120]})") from None
    by_name = {name.strip().lower(): name for name in workbook.sheet_names}
    if None in sheets and not workbook.sheet_names:
        raise FatalInputError(path, "has no sheet")
    by_name[None] = workbook.sheet_names[0] if workbook.sheet_names else None
    missing = [s for s in sheets if s is not None and s.strip().lower() not in by_name]
    if missing:
        raise FatalInputError(path, f"has no sheet named {', '.join(repr(m) for m in missing)} "
                              f"(sheets found: {', '.join(workbook.sheet_names) or 'none'})")
    tables, formats = {}, _Formats(data)
    try:
        for wanted in sheets:
            tables[wanted] = _read_sheet(workbook, by_name[wanted if wanted is None else wanted.strip().lower()],
                                         path, (code_columns or {}).get(wanted, set()), formats)
    finally:
        formats.close()
    return tables, SourceFile(path.name, digest)


def _read_sheet(workbook, sheet: str, path: Path, codes: set[str], formats: _Formats) -> RawTable:
    try:
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except (CalamineError, ValueError) as exc:
        raise FatalInputError(path, f"the sheet cannot be read ({str(exc)[:120]})", sheet=sheet) from None
    header_at = next((i for i, r in enumerate(rows) if any(c not in ("", None) for c in r)), None)
    if header_at is None:
        raise FatalInputError(path, "the sheet is empty: it needs a header row", sheet=sheet, row=1)
    names = _check_header(rows[header_at], path.name, sheet)
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
