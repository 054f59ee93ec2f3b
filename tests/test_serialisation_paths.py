"""The fast paths of issue 13 item 4 give what the plain ones gave: typed values through Arrow, children ordered
with numpy, incidents serialised early as nested JSON, the cycle collector paused, zips assembled from entries
deflated beforehand, crosswalk keys and list cells normalised once per distinct value."""
from __future__ import annotations

import gc

import orjson
import pandas as pd
import pytest

from flows.io.write import json_bytes, nested_json
from transforms.messages import _children, collector_paused, typed_values


def test_integers_through_arrow_and_through_pandas():
    assert typed_values(pd.Series(["12", None, "007"], dtype="str"), "integer") == [12, None, 7]
    # Arrow cannot read "3.0" as an integer: the pandas path gives 3, and text that is no number gives None
    assert typed_values(pd.Series(["3.0", "x", None], dtype="str"), "integer") == [3, None, None]
    assert typed_values(pd.Series(["5", None], dtype=object), "integer") == [5, None]


def test_booleans_dates_lists_and_text():
    assert typed_values(pd.Series(["true", "false", None, "maybe"], dtype="str"), "boolean") == [True, False, None, None]
    assert typed_values(pd.Series(["2025-10-03", None], dtype="str"), "date") == ["10/03/2025", None]
    assert typed_values(pd.Series(["A;B", None, "C"], dtype="str"), "list") == [["A", "B"], [], ["C"]]
    assert typed_values(pd.Series(["x", None], dtype="str"), "string") == ["x", None]
    assert typed_values(pd.Series(["PA1:C-1;PA2:C-2", None], dtype="str"), "agencies") == [
        [{"agency_case_number": "C-1", "agency_ori": "PA1"}, {"agency_case_number": "C-2", "agency_ori": "PA2"}], []]


def test_children_in_incident_then_numeric_id_then_row_order():
    frame = pd.DataFrame({"_incident_row": [2, 1, 1, 1, 2], "_row": [10, 11, 12, 13, 14],
                          "subject_id": pd.Series(["2", "10", "x", "9", "1"], dtype="str")})
    grouped = _children(frame, [{"name": "subject_id", "type": "string"}], "subject_id")
    assert grouped == {1: [{"subject_id": "9"}, {"subject_id": "10"}, {"subject_id": "x"}],
                       2: [{"subject_id": "1"}, {"subject_id": "2"}]}


def test_a_nested_fragment_serialises_byte_for_byte_as_the_object():
    incident = {"a": 1, "text": "two\nlines \"quoted\"", "subjects": [{"ids": ["A", "B"], "n": None}], "empty": [],
                "officers": []}
    message = {"Action": "Add", "ActionTime": "11/05/2025 09:30:00", "Incident": incident}
    assert json_bytes({**message, "Incident": nested_json(incident)}) == json_bytes(message)
    assert orjson.loads(json_bytes({"x": {"y": nested_json([1, {"z": 2}], depth=2)}})) == {"x": {"y": [1, {"z": 2}]}}
    assert json_bytes({"x": {"y": nested_json([1, {"z": 2}], depth=2)}}) == json_bytes({"x": {"y": [1, {"z": 2}]}})


def test_the_collector_is_paused_inside_and_restored_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def zipfile_zip(files, when) -> bytes:
    """What zipfile itself writes for the files (flows/io/write.py wrote its zips so before issue 13)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 3
            archive.writestr(info, data)
    return buffer.getvalue()


def test_the_zip_is_the_zip_zipfile_writes():
    from flows.io.write import zip_bytes

    when = pd.Timestamp("2025-11-05T09:30:07")
    files = [(f"m{i:05d}.json", json_bytes({"n": i, "text": "x" * (i % 97)})) for i in range(1_200)]
    files += [("empty.json", b""), ("café.txt", "non-ASCII name".encode())]
    assert zip_bytes(files, when) == zipfile_zip(files, when)
    assert zip_bytes([], when) == zipfile_zip([], when)
    many = [(f"m{i:05d}.json", b"{}\n") for i in range(70_000)]  # past 65,535 entries: ZIP64 end records
    assert zip_bytes(many, when) == zipfile_zip(many, when)


def test_packed_files_keep_their_bytes_and_point_into_the_zip():
    from flows.io.write import pack_all, zip_of

    files = [(f"m{i:04d}.json", json_bytes({"n": i, "pad": "y" * i})) for i in range(1_100)]
    packed = pack_all(iter(files))
    archive = zip_of(packed, pd.Timestamp("2025-11-05"))
    assert [(p.name, p.raw) for p in packed] == files
    assert all(bytes(p.deflated) in archive for p in (packed[0], packed[-1]))


def test_files_written_as_packed_and_the_streamed_zip_are_the_bytes_of_the_whole_month(tmp_path):
    """A run writes each message file as it is packed and streams the zip to disk (flows/pipeline/month_files.py
    with a folder): the same files, the same zip and the same hashes as when everything is held as bytes."""
    import hashlib

    from flows.io.write import StagedFolder, pack_all, packed_batches, streamed_zip, zip_of

    when = pd.Timestamp("2025-11-05T09:30:07")
    files = [(f"m{i:04d}.json", json_bytes({"n": i, "pad": "z" * (i % 301)})) for i in range(1_234)]
    with StagedFolder(tmp_path / "month") as staged:
        listed, digest = streamed_zip(packed_batches(iter(files), staged), staged, "all.zip", when)
        staged.commit()
    whole = zip_of(pack_all(iter(files)), when)
    assert (tmp_path / "month" / "all.zip").read_bytes() == whole == zipfile_zip(files, when)
    assert digest == hashlib.sha256(whole).hexdigest()
    assert listed == [(name, hashlib.sha256(data).hexdigest()) for name, data in files]
    assert {p.name: p.read_bytes() for p in (tmp_path / "month").glob("m*.json")} == dict(files)
    assert {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "month").iterdir()} == {"0o600"}


def test_keys_and_lists_per_distinct_value_as_the_per_cell_regexes_gave():
    from transforms.crosswalk import lookup_keys
    from transforms.normalize import list_text

    cells = pd.Series([" a  b ", None, "A\u00a0B", "x\x0by", "", "  ", " a  b "], dtype="str")
    per_cell = cells.astype(object).str.replace(r"\s+", " ", regex=True).str.strip()
    assert [None if pd.isna(v) else v for v in lookup_keys(cells)] == ["a b", None, "A B", "x y", "", "", "a b"] == [
        None if pd.isna(v) else v for v in per_cell]
    assert lookup_keys(cells, case="fold").tolist()[2] == "a b"
    assert lookup_keys(cells, trim=False).equals(cells)
    lists = pd.Series(["a ; b;;c;", None, " ; ", "x", "a ; b;;c;"], dtype="str")
    assert [None if pd.isna(v) else v for v in list_text(lists)] == ["a;b;c", None, None, "x", "a;b;c"]
    assert list_text(pd.Series([], dtype="str")).dtype == "str"


@pytest.mark.parametrize("kind, cell_value", [
    ("boolean", lambda v: {"true": True, "false": False}.get(v) if isinstance(v, str) else None),
    ("date", lambda v: f"{v[5:7]}/{v[8:10]}/{v[0:4]}" if isinstance(v, str) else None),
    ("list", lambda v: v.split(";") if isinstance(v, str) else []),
])
def test_typed_values_by_arrow_are_the_per_cell_values(kind, cell_value):
    """transforms/messages.py:typed_values converts with Arrow's kernels; the values are those of the per-cell
    rule (the spec's Example Construction) for every kind of cell, blanks and odd text included."""
    from transforms.messages import typed_values

    cells = ["true", "false", None, "", "TRUE", "x;y", "2025-10-03", "2025-01-31;Z", "é;", ";", pd.NA]
    s = pd.Series(cells, dtype="str")
    assert typed_values(s, kind) == [cell_value(v) for v in s.astype(object).where(s.notna(), None)]
