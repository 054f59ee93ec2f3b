"""rejections.xlsx: summary, one sheet per segment, highlighted cells with comments, RMS names, no formulas."""
import csv

import openpyxl

from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile


def run(run_cli, tmp_path, tables, profile_text=""):
    profile = write_profile(tmp_path / "cfg", profile_text)
    source = write_csv_extract(tmp_path / "x", tables)
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10",
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    return code, tmp_path / "out" / "PA0230100" / "2025-10"


def test_workbook_names_rms_column_local_value_and_highlights(run_cli, tmp_path):
    (tmp_path / "cfg").mkdir(parents=True)
    (tmp_path / "cfg" / "loc.yaml").write_text('element: location_type\nmap: {HWY: "13"}\n')
    tables = combined(incident("GOOD-1", incidents__location_type="HWY"),
                      incident("BAD-1", incidents__location_type="PARK", subjects__age1="=1+2"))
    for rows in tables["incidents"]:
        rows["Premise"] = rows.pop("location_type")
    code, folder = run(run_cli, tmp_path, tables,
                       "crosswalks: [loc.yaml]\ncolumns:\n  incidents: {Premise: location_type}\n")
    assert code == 1
    book = openpyxl.load_workbook(folder / "rejections.xlsx")
    assert book.sheetnames == ["summary", "incidents", "subjects", "run"]
    assert book["summary"]["A1"].value == "Completed with 2 errors"
    sheet = book["incidents"]
    header = [c.value for c in sheet[1]]
    assert "Premise" in header and "location_type" not in header
    cell = sheet.cell(row=2, column=header.index("Premise") + 1)
    assert cell.value == "PARK" and cell.comment is not None and "XW-UNMAPPED" in cell.comment.text
    assert cell.fill.start_color.rgb == "FFF4B6B6"
    age = book["subjects"].cell(row=2, column=[c.value for c in book["subjects"][1]].index("age1") + 1)
    assert age.value == "=1+2" and age.data_type == "s"  # text, never a formula
    rows = list(csv.DictReader(open(folder / "rejections.csv")))
    premise = [r for r in rows if r["rule_id"] == "XW-UNMAPPED"][0]
    assert premise["rms_column"] == "Premise" and premise["local_value"] == "PARK"
    formula = [r for r in rows if r["element"] == "S4"][0]
    assert formula["value"] == "'=1+2"  # a spreadsheet opening the CSV shows text, not a formula


def test_workbook_is_byte_identical_on_rerun(run_cli, tmp_path):
    tables = incident("BAD-1", incidents__location_type="99")
    _, one = run(run_cli, tmp_path / "a", tables)
    _, two = run(run_cli, tmp_path / "b", tables)
    assert (one / "rejections.xlsx").read_bytes() == (two / "rejections.xlsx").read_bytes()


def test_workbook_numbers_widths_filter_frozen_header_row_highlight_and_run_sheet(run_cli, tmp_path):
    tables = combined(incident("BAD-1", incidents__location_type="99", subjects__age1="=1+2",
                               incidents__address_zip="01234"), incident("BAD-2", subjects__age1="130"))
    code, folder = run(run_cli, tmp_path, tables)
    assert code == 1
    book = openpyxl.load_workbook(folder / "rejections.xlsx")
    assert book.sheetnames[-1] == "run"
    subjects = book["subjects"]
    header = [c.value for c in subjects[1]]
    assert subjects.freeze_panes == "C2" and subjects.auto_filter.ref == f"A1:{subjects.cell(1, len(header)).column_letter}3"
    row = {header[j]: c for j, c in enumerate(subjects[3])}  # BAD-2 (sorted by source row)
    assert row["age1"].value == 130 and row["weight1"].value == 180 and row["source row"].value == 3  # numbers
    assert row["age1"].fill.start_color.rgb == "FFF4B6B6"  # the offending cell
    assert row["gender"].fill.start_color.rgb == "FFFCE8E8"  # its row
    assert {c.value for c in subjects[2]} >= {"=1+2"}  # text stays text
    incidents = book["incidents"]
    codes = {h.value: c.value for h, c in zip(incidents[1], incidents[2])}
    assert codes["address_zip"] == "01234" and codes["location_type"] == 99  # a leading zero keeps the text
    assert 8 < subjects.column_dimensions["A"].width <= 60
    items = [(r[0].value, r[1].value) for r in book["run"].iter_rows(min_row=2)]
    run_sheet = dict(items)
    assert [v for k, v in items if k == "extract file"] == ["incidents.csv", "subjects.csv", "officers.csv"]
    assert len(run_sheet["sha256 of incidents.csv"]) == 64
    assert run_sheet["profile"] == "agency.yaml" and len(run_sheet["profile sha256"]) == 64
    assert run_sheet["run id"] == "2025-10-001" and run_sheet["as of"] == "2025-11-05T09:30:00"
    assert run_sheet["tool"].startswith("uof-reporting ")
    assert book["run"].freeze_panes == "A2" and book["run"].auto_filter.ref == f"A1:B{book['run'].max_row}"
