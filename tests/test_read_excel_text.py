"""Numeric Excel cells in columns that feed codes keep the text the RMS shows (its number format):
ZIP `02134` stored as 2134 with format `00000` stays `02134`; a format that cannot be rendered stops the run."""
import datetime as dt
import json

import openpyxl
import pytest

from flows.errors import FatalInputError
from flows.io.read import displayed_number, read_single, read_workbook
from tests.conftest import AS_OF, incident, values, write_profile


@pytest.mark.parametrize("value, fmt, shown", [
    (2134.0, "00000", "02134"),
    (1234.0, "0000000", "0001234"),
    (2134.0, "General", "2134"),
    (2134.0, "@", "2134"),  # a number typed into a Text cell shows as General
    (2134.5, "General", "2134.5"),
    (21341234.0, "00000-0000", "02134-1234"),
    (21341234.0, "00000\\-0000", "02134-1234"),
    (123456789.0, "00000", "123456789"),  # more digits than placeholders: all shown
    (12.0, '"A"000', "A012"),
    (7.0, "#####", "7"),
    (0.0, "00000", "00000"),
    (-12.0, "000", "-012"),
    (5.0, "000;(000)", "005"),
    (-5.0, "000;(000)", "(005)"),
    # cannot be rendered faithfully for a code: refused
    (5.5, "00000", None),
    (1234.0, "#,##0", None),
    (7.0, "0.00", None),
    (12.0, "[Red]000", None),
    (0.5, "0%", None),
    (0.0, "#", None),  # Excel shows nothing: not a code
    (3.0, '"none"', None),  # the number is not shown at all
])
def test_displayed_number(value, fmt, shown):
    assert displayed_number(value, fmt) == shown


def workbook(path, header, rows, formats=None, sheet="Sheet"):
    """One sheet; `formats` maps a column name to the number format of its cells."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    for name, fmt in (formats or {}).items():
        column = header.index(name) + 1
        for r in range(2, len(rows) + 2):
            ws.cell(row=r, column=column).number_format = fmt
    book.save(path)
    return path


def test_code_columns_keep_the_displayed_text_other_columns_the_number(tmp_path):
    path = workbook(tmp_path / "x.xlsx", ["Zip", "Case", "Ori", "Age", "Date"],
                    [[2134, 1234, "PA0230100", 30, dt.datetime(2025, 10, 3)],
                     [15445, "0000042", "PA0230100", 7, dt.datetime(2025, 10, 4, 13, 5)]],
                    {"Zip": "00000", "Case": "0000000", "Age": "000"})
    table, _ = read_single(path, code_columns={"Zip", "Case", "Ori"})
    frame = table.frame
    assert values(frame["Zip"]) == ["02134", "15445"]
    assert values(frame["Case"]) == ["0001234", "0000042"]  # a text cell stays as it is
    assert values(frame["Age"]) == ["30", "7"]  # not a code column: the number itself
    assert values(frame["Date"]) == ["2025-10-03", "2025-10-04 13:05:00"]  # date cells stay dates


def test_general_number_stays_as_shown_and_no_code_columns_means_no_change(tmp_path):
    path = workbook(tmp_path / "x.xlsx", ["Zip"], [[2134], [15445]], {"Zip": "General"})
    assert values(read_single(path, code_columns={"Zip"})[0].frame["Zip"]) == ["2134", "15445"]
    path = workbook(tmp_path / "y.xlsx", ["Zip"], [[2134]], {"Zip": "00000"})
    assert values(read_single(path)[0].frame["Zip"]) == ["2134"]


def test_mixed_formats_in_one_column_are_rendered_cell_by_cell(tmp_path):
    path = workbook(tmp_path / "x.xlsx", ["Zip"], [[2134], [2134], [None], ["02135"]])
    book = openpyxl.load_workbook(path)
    book.active["A2"].number_format = "00000"
    book.save(path)
    assert values(read_single(path, code_columns={"Zip"})[0].frame["Zip"]) == ["02134", "2134", None, "02135"]


def test_header_below_empty_rows_keeps_rows_and_formats_aligned(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws["B3"], ws["C3"] = "Name", "Zip"
    ws["B4"], ws["C4"] = "a", 2134
    ws["C4"].number_format = "00000"
    ws["C5"] = 2135
    book.save(tmp_path / "x.xlsx")
    frame = read_single(tmp_path / "x.xlsx", code_columns={"Zip"})[0].frame
    assert values(frame["Zip"]) == ["02134", "2135"] and values(frame["_source_row"]) == [4, 5]


def test_unrenderable_format_in_a_code_column_is_fatal_naming_file_sheet_column_row(tmp_path):
    path = workbook(tmp_path / "x.xlsx", ["Zip", "Case"], [["02134", 1234.0], ["02135", 1235.5]],
                    {"Case": "#,##0.0"}, sheet="Export")
    with pytest.raises(FatalInputError) as caught:
        read_workbook(path, (None,), {None: {"Case"}})
    err = caught.value
    assert (err.sheet, err.column, err.row) == ("Export", "Case", 2)
    assert "#,##0.0" in str(err) and "x.xlsx" in str(err) and "2 numeric cell(s)" in str(err)
    assert values(read_workbook(path, (None,))[0][None].frame["Case"]) == ["1234", "1235.5"]  # not a code: read


# ------------------------------------------------------------------------------------ end to end

def zero_padded_extract(path, zip_format="00000"):
    """The conftest incident as a workbook whose ZIP and case numbers are numbers with padding formats."""
    tables = incident("0001234", incidents__address_zip=2134)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table, rows in tables.items():
        ws = book.create_sheet(table)
        names = list(rows[0])
        ws.append(names)
        ws.append([1234 if n == "agency_case_number" else rows[0][n] for n in names])
        ws.cell(row=2, column=names.index("agency_case_number") + 1).number_format = "0000000"
        if table == "incidents":
            ws.cell(row=2, column=names.index("address_zip") + 1).number_format = zip_format
            ws.cell(row=2, column=names.index("incident_date") + 1).value = dt.datetime(2025, 10, 3)
    book.save(path)
    return path


def test_run_sends_zip_and_case_number_with_their_leading_zeros(run_cli, tmp_path):
    source = zero_padded_extract(tmp_path / "x.xlsx")
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                              "--month", "2025-10", "--out", out, "--as-of", AS_OF)
    assert code == 0, stderr
    [message] = [json.loads(p.read_text()) for p in (out / "PA0230100" / "2025-10").glob("PA0230100_*.json")]
    inc = message["Incident"]
    assert (inc["address_zip"], inc["agency_case_number"], inc["incident_date"]) == ("02134", "0001234", "10/03/2025")
    assert len(inc["subjects"]) == 1 and len(inc["officers"]) == 1  # children joined on the padded case number


def test_run_with_an_unrenderable_zip_format_stops_with_exit_2(run_cli, tmp_path):
    source = zero_padded_extract(tmp_path / "x.xlsx", zip_format="0.0")
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                              "--month", "2025-10", "--out", out, "--as-of", AS_OF)
    assert code == 2 and "Traceback" not in stderr
    assert all(f in stderr for f in ("x.xlsx", "sheet 'incidents'", "column 'address_zip'", "row 2", "'0.0'")), stderr
    assert not any(out.rglob("*.json"))


@pytest.mark.parametrize("profile_text, codes", [
    ("layout: {kind: flat, incident_key: Case}\ncolumns: {incidents: {Zip: address_zip, Age: total_officers_involved}}\n",
     {"Case", "Zip"}),
    ("columns: {incidents: {Zip: address_zip, Lat: address_latitude}}\n"
     "parsers: {incidents: [{parser: text, column: Beat, into: location_type}, {parser: time, column: Time}]}\n",
     {"Zip", "Beat"}),
])
def test_code_columns_are_those_feeding_codes(tmp_path, profile_text, codes):
    from flows.config.load import load_profile, load_reference
    from flows.io.source_options import code_columns

    ref = load_reference()
    profile = load_profile(write_profile(tmp_path / "cfg", profile_text), ref)
    found = code_columns(profile, ref, "incidents")
    assert codes <= found and not found & {"Age", "Lat", "Time"}
    assert {"agency_ori", "nibrs_incident_number"} <= found  # columns named as their element


def test_numbers_in_code_columns_whose_formats_cannot_be_read_are_fatal(tmp_path, monkeypatch):
    """A workbook openpyxl cannot open (an old .xls read by calamine): the codes cannot be recovered."""
    path = workbook(tmp_path / "x.xlsx", ["Zip", "Name"], [["02134", "a"], [2134, "b"]], {"Zip": "00000"})

    def cannot_open(*args, **kwargs):
        raise OSError("not an xlsx")

    monkeypatch.setattr(openpyxl, "load_workbook", cannot_open)
    assert values(read_single(path, code_columns={"Name"})[0].frame["Name"]) == ["a", "b"]  # no numbers: not needed
    with pytest.raises(FatalInputError) as caught:
        read_single(path, code_columns={"Zip"})
    assert (caught.value.column, caught.value.row) == ("Zip", 3) and "OSError" in str(caught.value)
