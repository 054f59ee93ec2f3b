"""A state extract split by agency into Parquet partitions, streamed so memory stays bounded.

`stage_extract` reads each CSV of the extract in blocks (pyarrow's streaming reader) and writes every block's
rows to `<staging>/<table>/<ORI>/<block>.parquet`, keeping each row's source file and row number: a finding in
an agency's run names the row of the state extract, not of a partition. A row whose agency cell is blank or
names an agency the state profile does not list is not staged: it is counted and listed (`unassigned`), with
its file, row and reason, never dropped silently. A workbook is read whole (Excel caps a sheet at 1,048,576 rows)
and split the same way.

Anything the streaming reader finds odd (a row with the wrong number of fields, an undecodable byte, a NUL
character, a quote that may never close) hands the file to the whole-file reader of flows/io/read.py, whose
error names the file, column and row exactly as a single-agency run's would; a file it accepts is staged.

`AgencySource` is what a worker needs to read one agency's rows back (picklable, paths only).
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import pyarrow.parquet as pq

from flows.errors import FatalInputError
from flows.io.read import (EXCEL_SUFFIXES, SEPARATORS, RawTable, SourceFile, _check_header, _codec, _header_end,
                           read_csv_table, read_workbook)

STATE_TEMP_PREFIX = ".uof-tmp-state-"  # + kind-pid-random: a state run's staging and Dask scratch folders
STREAM_BLOCK = 32 << 20  # bytes of CSV parsed at a time: bounds the memory of staging
AGENCY = "_agency"
HEAD_BYTES = 1 << 20


@dataclass(frozen=True)
class StagedTable:
    table: str  # incidents / subjects / officers, or "single" for a one-file layout
    file: str
    sheet: str | None
    source: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class AgencySource:
    """One agency's rows of a staged state extract."""

    folder: str
    ori: str
    kind: str  # "tables" or "single"
    tables: tuple[StagedTable, ...]
    files: tuple[SourceFile, ...]

    def _raw(self, staged: StagedTable) -> RawTable:
        parts = sorted((Path(self.folder) / staged.table / self.ori).glob("*.parquet"))
        if parts:
            table = pa.concat_tables([pq.read_table(p) for p in parts]).drop_columns([AGENCY])
        else:
            table = pa.table({**{n: pa.array([], pa.string()) for n in staged.names},
                              "_source_row": pa.array([], pa.int64())})
        frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=float("nan"))}.get)
        names = list(staged.names)
        frame[names] = frame[names].astype("str") if names else frame[names]
        frame.insert(len(names), "_source_file", staged.file)
        frame["_source_row"] = frame["_source_row"].astype("int64")
        return RawTable(frame=frame.reset_index(drop=True), source=staged.source, file=staged.file,
                        sheet=staged.sheet)

    def read_tables(self) -> tuple[dict[str, RawTable], list[SourceFile]]:
        return {s.table: self._raw(s) for s in self.tables}, list(self.files)

    def read_single(self) -> tuple[RawTable, list[SourceFile]]:
        return self._raw(self.tables[0]), list(self.files)


@dataclass
class StagedExtract:
    folder: Path
    kind: str
    tables: tuple[StagedTable, ...]
    files: tuple[SourceFile, ...]
    rows: dict = field(default_factory=dict)  # table -> {ori: rows staged}
    read: dict = field(default_factory=dict)  # table -> rows read
    blank: dict = field(default_factory=dict)  # table -> rows with every cell blank
    unassigned: list = field(default_factory=list)  # [{table, file, sheet, row, reason, agency}]

    def agency_rows(self, ori: str) -> int:
        return int(sum(per_agency.get(ori, 0) for per_agency in self.rows.values()))

    def source(self, ori: str) -> AgencySource:
        return AgencySource(str(self.folder), ori, self.kind, self.tables, self.files)


# ----------------------------------------------------------------------------------- temporary folders

def state_temp_folder(out: Path, kind: str) -> Path:
    """A fresh 0700 folder inside the output folder for a state run's `kind` (stage, dask), named with the
    command's process id so that the next state run can tell a killed run's leftovers from a running one's."""
    return Path(tempfile.mkdtemp(prefix=f"{STATE_TEMP_PREFIX}{kind}-{os.getpid()}-", dir=out))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_state_temp(out: Path) -> list[str]:
    """Remove the staging and scratch folders of state runs that were killed (their process is gone): they
    hold rows of the extract. Returns a warning per folder removed."""
    removed = []
    for path in sorted(Path(out).glob(STATE_TEMP_PREFIX + "*")):
        parts = path.name[len(STATE_TEMP_PREFIX):].split("-")
        if len(parts) >= 2 and parts[1].isdigit() and not _running(int(parts[1])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(f"removed {path.name}, the {parts[0]} folder of a state run that was stopped before it "
                           "finished (it held rows of its extract)")
    return removed


# ----------------------------------------------------------------------------------- splitting a block

def _split_block(block: pa.Table, agency_column: str, oris: frozenset, names: list[str], staged: StagedTable,
                 out: StagedExtract, folder: Path, number: int) -> None:
    cells = pc.utf8_trim_whitespace(block[agency_column])
    known = pc.is_in(cells, value_set=pa.array(sorted(oris), pa.string()))
    known = pc.fill_null(known, False)
    filled = [pc.is_valid(pc.utf8_trim_whitespace(block[n])) for n in names]
    any_filled = filled[0]
    for f in filled[1:]:
        any_filled = pc.or_(any_filled, f)
    any_filled = pc.fill_null(any_filled, False)
    blank = pc.invert(any_filled)
    out.blank[staged.table] = out.blank.get(staged.table, 0) + (pc.sum(blank).as_py() or 0)
    lost = pc.and_(pc.invert(known), any_filled)
    if pc.any(lost).as_py():
        rows = block.filter(lost)
        for row, value in zip(rows["_source_row"].to_pylist(), pc.utf8_trim_whitespace(rows[agency_column]).to_pylist()):
            out.unassigned.append({"table": staged.table, "file": staged.file, "sheet": staged.sheet, "row": row,
                                   "column": agency_column, "agency": value or "",
                                   "reason": "the agency column is blank" if not value else
                                   "the agency is not one of the state profile's agencies"})
    kept = block.filter(known).append_column(AGENCY, pc.filter(cells, known))
    if not len(kept):
        return
    kept = kept.take(pc.sort_indices(kept, sort_keys=[(AGENCY, "ascending"), ("_source_row", "ascending")]))
    agencies = kept[AGENCY].combine_chunks()
    values, counts = _runs(agencies)
    start = 0
    per_table = out.rows.setdefault(staged.table, {})
    for ori, count in zip(values, counts):
        part = folder / staged.table / ori
        part.mkdir(parents=True, exist_ok=True, mode=0o700)
        pq.write_table(kept.slice(start, count), part / f"{number:06d}.parquet", compression="zstd")
        per_table[ori] = per_table.get(ori, 0) + count
        start += count


def _runs(sorted_values: pa.Array) -> tuple[list[str], list[int]]:
    """The distinct values of a sorted array and how many times each repeats, in order."""
    values = sorted_values.to_numpy(zero_copy_only=False)
    if not len(values):
        return [], []
    change = (values[1:] != values[:-1]).nonzero()[0] + 1
    starts = [0, *change.tolist()]
    ends = [*change.tolist(), len(values)]
    return [str(values[s]) for s in starts], [e - s for s, e in zip(starts, ends)]


def _column_check(names: list[str], agency_column: str, staged_file: str, sheet: str | None) -> None:
    if agency_column not in names:
        raise FatalInputError(staged_file, f"has no agency column '{agency_column}' (the state profile's "
                              "agency_column): each row must say which agency it belongs to", sheet=sheet,
                              column=agency_column, row=1)


# ----------------------------------------------------------------------------------- CSV, streamed

def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    return h.hexdigest()


def _header(path: Path, encoding: str) -> tuple[list[str], str]:
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    codec = _codec(head, encoding)
    try:
        text = head.decode(codec, errors="strict").lstrip("\ufeff")
    except UnicodeDecodeError:
        text = None
    end = _header_end(text) if text is not None else None
    if text is None or end is None:
        return [], codec  # the whole-file reader says what is wrong
    first = next(csv.reader(io.StringIO(text[:end])), None)
    if not first or not any(c.strip() for c in first):
        raise FatalInputError(path, "has no header row (the file is empty)", row=1)
    names = _check_header(first, path.name, None)
    other = [name for sep, name in SEPARATORS.items() if len(names) == 1 and sep in names[0]]
    if other:
        raise FatalInputError(path, f"the header is a single column holding {other[0]}: the file is separated by "
                              f"{other[0]}, not commas; export it as CSV (comma-separated)", row=1)
    return names, codec


def _may_run_to_the_end(path: Path, last: pa.Table, names: list[str]) -> bool:
    """A quote that never closes makes the reader take the rest of the file as one cell: the last record's last
    cell then holds line breaks and the file does not end with the closing quote of a quoted cell."""
    cells = [v for v in last.select(names).to_pylist()[0].values() if v is not None]
    if not cells or "\n" not in cells[-1]:
        return False
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 64))
        return not f.read().rstrip(b"\r\n").endswith(b'"')


def _forget(out: StagedExtract, staged_name: str, folder: Path) -> None:
    """Undo a table's partial staging before it is staged again from the whole-file reader's frame."""
    shutil.rmtree(folder / staged_name, ignore_errors=True)
    out.rows.pop(staged_name, None)
    out.blank.pop(staged_name, None)
    out.unassigned[:] = [u for u in out.unassigned if u["table"] != staged_name]


class _Odd(Exception):
    """The streaming reader met something the whole-file reader must judge."""


def _stream_csv(path: Path, encoding: str, agency_column: str, oris: frozenset, staged_name: str,
                out: StagedExtract, folder: Path) -> StagedTable:
    names, codec = _header(path, encoding)
    staged = StagedTable(staged_name, path.name, None, path.name, tuple(names))
    if not names:
        read_csv_table(path, encoding)  # raises its precise error
        raise FatalInputError(path, "has no complete header row", row=1)
    _column_check(names, agency_column, path.name, None)
    pyarrow_codec = "utf8" if codec in ("utf-8-sig", "utf-8") else codec
    invalid = []
    try:
        reader = pv.open_csv(
            path,
            read_options=pv.ReadOptions(encoding=pyarrow_codec, column_names=names, skip_rows=1,
                                        block_size=STREAM_BLOCK),
            parse_options=pv.ParseOptions(newlines_in_values=True,
                                          invalid_row_handler=lambda row: invalid.append(row) or "skip"),
            convert_options=pv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True,
                                              null_values=[""], quoted_strings_can_be_null=True))
        first_row, number, last = 2, 0, None
        for batch in reader:
            if invalid:
                raise _Odd()
            block = pa.Table.from_batches([batch])
            if not len(block):
                continue
            for n in names:
                if pc.any(pc.fill_null(pc.match_substring(block[n], "\x00"), False)).as_py():
                    raise _Odd()
            block = block.append_column("_source_row", pa.array(range(first_row, first_row + len(block)), pa.int64()))
            first_row += len(block)
            last = block.slice(len(block) - 1)
            _split_block(block, agency_column, oris, names, staged, out, folder, number)
            number += 1
        if invalid:
            raise _Odd()
        if last is not None and _may_run_to_the_end(path, last, names):
            raise _Odd()
    except (_Odd, pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        raw, _ = read_csv_table(path, encoding)  # the whole-file reader names the file, row and column
        # it found nothing wrong after all (say, a last cell holding a line break): staged from its reading
        _forget(out, staged_name, folder)
        return _stage_frame(raw, staged_name, agency_column, oris, out, folder)
    out.read[staged_name] = first_row - 2
    return staged


# ----------------------------------------------------------------------------------- workbooks

def _stage_frame(raw: RawTable, staged_name: str, agency_column: str, oris: frozenset, out: StagedExtract,
                 folder: Path) -> StagedTable:
    names = [c for c in raw.frame.columns if c not in ("_source_file", "_source_row")]
    staged = StagedTable(staged_name, raw.file, raw.sheet, raw.source, tuple(names))
    _column_check(names, agency_column, raw.file, raw.sheet)
    frame = raw.frame.drop(columns="_source_file")
    block = pa.Table.from_pandas(frame, preserve_index=False)
    block = block.cast(pa.schema([*(pa.field(n, pa.string()) for n in names), pa.field("_source_row", pa.int64())]))
    _split_block(block, agency_column, oris, names, staged, out, folder, 0)
    out.read[staged_name] = len(frame)
    return staged


def stage_extract(source: Path, kind: str, tables: tuple[str, ...], agency_column: str, oris: frozenset,
                  encoding: str, folder: Path, sheet: str | None = None, code_columns: dict | None = None
                  ) -> StagedExtract:
    """Split the state extract at `source` by `agency_column` into `folder` (created 0700)."""
    source = Path(source)
    if not source.exists():
        raise FatalInputError(source, "does not exist")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    out = StagedExtract(folder=folder, kind="tables" if kind == "tables" else "single", tables=(), files=())
    staged, files = [], []
    if source.suffix.lower() in EXCEL_SUFFIXES and source.is_file():
        wanted = tables if kind == "tables" else (sheet,)
        raw, f = read_workbook(source, wanted, code_columns if kind == "tables" else
                               {sheet: set().union(*(code_columns or {}).values())})
        files.append(f)
        for name in wanted:
            staged.append(_stage_frame(raw[name], name if kind == "tables" else "single", agency_column, oris,
                                       out, folder))
    elif kind == "tables":
        if not source.is_dir():
            raise FatalInputError(source, "must be an Excel workbook (.xlsx) or a folder holding "
                                  + ", ".join(f"{t}.csv" for t in tables))
        missing = [t for t in tables if not (source / f"{t}.csv").is_file()]
        if missing:
            raise FatalInputError(source, "the folder must hold " + ", ".join(f"{t}.csv" for t in tables)
                                  + f"; missing: {', '.join(f'{m}.csv' for m in missing)}")
        for t in tables:
            staged.append(_stream_csv(source / f"{t}.csv", encoding, agency_column, oris, t, out, folder))
            files.append(SourceFile(f"{t}.csv", _digest(source / f"{t}.csv")))
    else:
        if source.is_dir():
            raise FatalInputError(source, "is a folder, but the profiles' layout reads one export file: give the CSV "
                                  "file or the workbook itself as --source")
        staged.append(_stream_csv(source, encoding, agency_column, oris, "single", out, folder))
        files.append(SourceFile(source.name, _digest(source)))
    out.tables, out.files = tuple(staged), tuple(files)
    return out
