"""Read an RMS extract (an Excel workbook or a folder of CSV files) into raw string frames.

Every cell becomes text (or NA when empty) so that codes such as `01` keep their leading zeros;
typing happens later, in the transforms. Anything that makes the file unreadable as a whole is a
FatalInputError naming the file, sheet, column and row.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv

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


def _column_text(values: pd.Series) -> pd.Series:
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values.replace("", None).astype("str")
    return values.map(_cell_text).astype("str")


def read_workbook(path: Path, sheets: tuple[str | None, ...]) -> tuple[dict[str, RawTable], SourceFile]:
    """The named sheets (None: the first sheet of the workbook), keyed by the names asked for."""
    from python_calamine import CalamineError, CalamineWorkbook

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
    tables = {}
    for wanted in sheets:
        sheet = by_name[wanted if wanted is None else wanted.strip().lower()]
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
        frame["_source_file"] = f"{path.name} [{sheet}]"
        frame["_source_row"] = pd.RangeIndex(header_at + 2, header_at + 2 + len(frame))
        tables[wanted] = RawTable(frame=frame, source=f"{path.name} [{sheet}]", file=path.name, sheet=sheet)
    return tables, SourceFile(path.name, digest)


def read_tables(source: Path, tables: tuple[str, ...], encoding: str = "utf-8"):
    """The three canonical tables from a workbook (one sheet each) or a folder of CSV files."""
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
        out, f = read_workbook(source, tables)
        return out, [f]
    raise FatalInputError(source, "must be an Excel workbook (.xlsx) or a folder holding "
                          + ", ".join(f"{t}.csv" for t in tables))


def read_single(source: Path, sheet: str | None = None, encoding: str = "utf-8") -> tuple[RawTable, list[SourceFile]]:
    """The one sheet or file of a `flat` or `incident-lists` export: a CSV file, or a workbook's sheet
    (`sheet`, default the first one)."""
    source = Path(source)
    if not source.exists():
        raise FatalInputError(source, "does not exist")
    if source.is_dir():
        raise FatalInputError(source, "is a folder, but the profile's layout reads one export file: give the CSV "
                              "file or the workbook itself as --source")
    if source.suffix.lower() in EXCEL_SUFFIXES:
        tables, f = read_workbook(source, (sheet,))
        return tables[sheet], [f]
    if sheet is not None:
        raise FatalInputError(source, f"is not a workbook, but the profile names the sheet '{sheet}' (source.sheet)")
    table, f = read_csv_table(source, encoding)
    return table, [f]
