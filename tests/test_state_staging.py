"""Staging a state extract (flows/io/staging.py): the rows an agency reads back are exactly the rows the
single-agency reader reads from the file, with the same source rows; anything odd gets the single-agency
reader's error."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.errors import FatalInputError
from flows.io import staging
from flows.io.read import read_csv_table

TABLES = ("incidents", "subjects", "officers")
ORIS = frozenset({"PA1000000", "PA1000100"})
HEADER = {"incidents": "AgencyORI,CaseNo,IncDate,Note", "subjects": "AgencyORI,CaseNo,SubjNo,Note",
          "officers": "AgencyORI,CaseNo,OfcNo,Note"}


def write(folder: Path, bodies: dict[str, list[str]], encoding="utf-8", bom=b"") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        text = "\n".join([HEADER[table], *bodies.get(table, [])]) + "\n"
        (folder / f"{table}.csv").write_bytes(bom + text.encode(encoding))
    return folder


def staged(tmp_path: Path, src: Path, encoding="utf-8") -> staging.StagedExtract:
    return staging.stage_extract(src, "tables", TABLES, "AgencyORI", ORIS, encoding, tmp_path / "stage")


ROWS = {
    "incidents": ['PA1000000,C-1,2025-10-01,plain', 'PA1000100,C-1,2025-10-02,"two\nlines"',
                  ' PA1000000 ,C-2,2025-10-03,"a ""quoted"" word"', 'PA1000100,C-2,2025-10-04,',
                  'PA1000000,C-3,,café'],
    "subjects": ['PA1000000,C-1,1,x', 'PA1000100,C-1,1,y', 'PA1000000,C-2,1,'],
    "officers": ['PA1000100,C-1,1,', 'PA1000000,C-1,1,"multi\nline\ncell"', 'PA1000000,C-3,1,z'],
}


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")])
def test_each_agency_reads_back_the_rows_the_whole_file_reader_reads(tmp_path, encoding, bom):
    src = write(tmp_path / "src", ROWS, encoding, bom)
    out = staged(tmp_path, src, encoding)
    for table in TABLES:
        whole, _ = read_csv_table(src / f"{table}.csv", encoding)
        whole.frame["AgencyORI"] = whole.frame["AgencyORI"].str.strip()
        for ori in sorted(ORIS):
            mine = out.source(ori).read_tables()[0][table].frame
            expected = whole.frame[whole.frame["AgencyORI"] == ori].reset_index(drop=True)
            pd.testing.assert_frame_equal(mine.drop(columns="AgencyORI"), expected.drop(columns="AgencyORI"),
                                          check_dtype=False)
        assert out.read[table] == len(whole.frame)


def test_blank_rows_and_rows_of_no_listed_agency_are_counted_not_staged(tmp_path):
    src = write(tmp_path / "src", {"incidents": ["PA1000000,C-1,2025-10-01,x", ",,,", "PA9999900,C-9,2025-10-01,y",
                                                 ",C-8,2025-10-01,z"]})
    out = staged(tmp_path, src)
    assert out.blank["incidents"] == 1
    assert [(u["row"], u["agency"], u["reason"]) for u in out.unassigned] == [
        (4, "PA9999900", "the agency is not one of the state profile's agencies"),
        (5, "", "the agency column is blank")]
    assert out.rows["incidents"] == {"PA1000000": 1}


def test_a_small_stream_block_keeps_rows_and_row_numbers(tmp_path, monkeypatch):
    rows = [f"PA1000{i % 2}00,C-{i},2025-10-01,\"note {i}\nsecond line\"" for i in range(400)]
    src = write(tmp_path / "src", {"incidents": rows})
    monkeypatch.setattr(staging, "STREAM_BLOCK", 4096)  # many blocks, records spanning block boundaries
    out = staged(tmp_path, src)
    frame = out.source("PA1000100").read_tables()[0]["incidents"].frame
    assert frame["CaseNo"].tolist() == [f"C-{i}" for i in range(1, 400, 2)]
    assert frame["_source_row"].tolist() == list(range(3, 402, 2))
    assert len(list((tmp_path / "stage" / "incidents" / "PA1000100").glob("*.parquet"))) > 1


@pytest.mark.parametrize("body, table, fragment, row", [
    (['PA1000000,C-1,2025-10-01,x', 'PA1000000,C-2,2025-10-01,x,extra'], "incidents", "fields where the header", 3),
    (['PA1000000,C-1,2025-10-01,"never closed'], "incidents", "never closed", 2),
    (['PA1000000,C-1,2025-10-01,a\x00b'], "subjects", "NUL", 2),
])
def test_an_odd_file_gets_the_whole_file_readers_error(tmp_path, body, table, fragment, row):
    src = write(tmp_path / "src", {table: body})
    with pytest.raises(FatalInputError) as caught:
        staged(tmp_path, src)
    assert fragment in str(caught.value) and caught.value.row == row and f"{table}.csv" in str(caught.value)


def test_an_undecodable_byte_is_named_like_the_single_agency_reader(tmp_path):
    src = write(tmp_path / "src", {})
    (src / "officers.csv").write_bytes(HEADER["officers"].encode() + b"\nPA1000000,C-1,1,caf\xe9\n")
    with pytest.raises(FatalInputError) as caught:
        staged(tmp_path, src)
    assert "not valid utf-8" in str(caught.value) and caught.value.row == 2


def test_a_missing_agency_column_names_the_file_and_column(tmp_path):
    src = write(tmp_path / "src", {})
    (src / "subjects.csv").write_text("CaseNo,SubjNo\nC-1,1\n")
    with pytest.raises(FatalInputError) as caught:
        staged(tmp_path, src)
    assert caught.value.column == "AgencyORI" and caught.value.row == 1 and "subjects.csv" in str(caught.value)


def test_a_killed_state_runs_folders_are_removed_a_running_ones_kept(tmp_path):
    import os
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    stale = tmp_path / f"{staging.STATE_TEMP_PREFIX}stage-{pid}-abc"
    (stale / "incidents" / "PA1000000").mkdir(parents=True)
    (stale / "incidents" / "PA1000000" / "000000.parquet").write_bytes(b"rows")
    live = staging.state_temp_folder(tmp_path, "dask")
    assert live.name.startswith(f"{staging.STATE_TEMP_PREFIX}dask-{os.getpid()}-") and oct(live.stat().st_mode)[-3:] == "700"
    warnings = staging.remove_stale_state_temp(tmp_path)
    assert not stale.exists() and live.exists()
    assert len(warnings) == 1 and "stage folder of a state run that was stopped" in warnings[0]
