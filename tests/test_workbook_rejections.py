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
    assert book.sheetnames == ["summary", "incidents", "subjects"]
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
