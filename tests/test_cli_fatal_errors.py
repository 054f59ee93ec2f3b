"""Exit code 2: one clear message naming file, sheet, column and row; no traceback; no output written."""
import pytest

from tests.conftest import AS_OF, incident, write_csv_extract, write_profile, write_xlsx_extract


def run_source(run_cli, tmp_path, source, month="2025-10", profile_text=""):
    profile = write_profile(tmp_path / "cfg", profile_text)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", month,
                                   "--out", out, "--as-of", AS_OF)
    return code, stderr, out


def assert_fatal(code, stderr, out, *fragments):
    assert code == 2
    assert "Traceback" not in stderr
    assert stderr.count("\n") == 1, stderr
    for fragment in fragments:
        assert fragment in stderr, (fragment, stderr)
    assert not out.exists() or not any(out.rglob("*.json")), "no submission file may be written"


def test_fatal_missing_column_lists_every_missing_column(run_cli, tmp_path):
    tables = incident()
    for row in tables["incidents"]:
        del row["location_type"], row["ambushed"]
    for row in tables["officers"]:
        del row["shots_fired"]
    code, stderr, out = run_source(run_cli, tmp_path, write_csv_extract(tmp_path / "x", tables))
    assert_fatal(code, stderr, out, "incidents.csv", "location_type", "ambushed", "officers.csv", "shots_fired")


def test_fatal_missing_column_has_default_from_profile(run_cli, tmp_path):
    tables = incident()
    del tables["incidents"][0]["ambushed"]
    code, stderr, out = run_source(run_cli, tmp_path, write_csv_extract(tmp_path / "x", tables),
                                   profile_text="defaults:\n  incidents:\n    ambushed: UNKNOWN\n")
    assert code == 0, stderr


def test_fatal_missing_table_in_folder(run_cli, tmp_path):
    folder = write_csv_extract(tmp_path / "x", incident())
    (folder / "officers.csv").unlink()
    code, stderr, out = run_source(run_cli, tmp_path, folder)
    assert_fatal(code, stderr, out, "officers.csv")


def test_fatal_missing_sheet_in_workbook(run_cli, tmp_path):
    tables = incident()
    del tables["officers"]
    path = write_xlsx_extract(tmp_path / "x.xlsx", tables)
    code, stderr, out = run_source(run_cli, tmp_path, path)
    assert_fatal(code, stderr, out, "x.xlsx", "officers")


def test_fatal_corrupt_workbook(run_cli, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    code, stderr, out = run_source(run_cli, tmp_path, path)
    assert_fatal(code, stderr, out, "broken.xlsx", "not a readable Excel workbook")


def test_fatal_undecodable_bytes_names_the_row(run_cli, tmp_path):
    folder = write_csv_extract(tmp_path / "x", incident())
    path = folder / "subjects.csv"
    path.write_bytes(path.read_bytes().replace(b"OFFICER", b"OFFIC\xe9R"))
    code, stderr, out = run_source(run_cli, tmp_path, folder)
    assert_fatal(code, stderr, out, "subjects.csv", "row 2", "UTF-8")


def test_fatal_latin1_extract_reads_with_profile_encoding(run_cli, tmp_path):
    folder = write_csv_extract(tmp_path / "x", incident(incidents__address_1="1 Peña Street"))
    path = folder / "incidents.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    code, stderr, out = run_source(run_cli, tmp_path, folder, profile_text="encoding: cp1252\n")
    # Decoded correctly; the FBI's address character set (I18) then rejects the letter ñ.
    assert code == 1, stderr
    text = (out / "PA0230100" / "2025-10" / "rejections.csv").read_text(encoding="utf-8")
    assert "1 Peña Street" in text and "I18" in text


def test_fatal_ragged_csv_row(run_cli, tmp_path):
    folder = write_csv_extract(tmp_path / "x", incident())
    path = folder / "officers.csv"
    path.write_text(path.read_text() + "CASE-1,2,W,M,40,extra,extra,extra,extra,extra,extra,extra,extra,extra,x,y,z\n")
    code, stderr, out = run_source(run_cli, tmp_path, folder)
    assert_fatal(code, stderr, out, "officers.csv", "row 3")


def test_fatal_duplicate_header(run_cli, tmp_path):
    folder = write_csv_extract(tmp_path / "x", incident())
    path = folder / "incidents.csv"
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace("ambushed", "location_type")
    path.write_text("\n".join(lines) + "\n")
    code, stderr, out = run_source(run_cli, tmp_path, folder)
    assert_fatal(code, stderr, out, "incidents.csv", "location_type", "row 1")


def test_fatal_source_missing(run_cli, tmp_path):
    code, stderr, out = run_source(run_cli, tmp_path, tmp_path / "nowhere.xlsx")
    assert_fatal(code, stderr, out, "nowhere.xlsx", "does not exist")


@pytest.mark.parametrize("args, fragment", [
    (["--month", "2025-13"], "YYYY-MM"),
    (["--month", "Oct 2025"], "YYYY-MM"),
    (["--as-of", "tomorrow"], "YYYY-MM-DDTHH:MM:SS"),
])
def test_fatal_bad_arguments(run_cli, tmp_path, args, fragment):
    folder = write_csv_extract(tmp_path / "x", incident())
    profile = write_profile(tmp_path / "cfg")
    base = {"--month": "2025-10", "--as-of": AS_OF}
    base.update(dict(zip(args[::2], args[1::2])))
    argv = ["run", "--profile", profile, "--source", folder, "--out", tmp_path / "out"]
    for k, v in base.items():
        argv += [k, v]
    code, _, stderr = run_cli(*argv)
    assert code == 2 and fragment in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out").exists()


def test_csv_with_bom_and_crlf_reads_like_any_other(run_cli, tmp_path):
    folder = write_csv_extract(tmp_path / "x", incident())
    for name in ("incidents", "subjects", "officers"):
        path = folder / f"{name}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + path.read_text().replace("\r\n", "\n").replace("\n", "\r\n").encode())
    code, stderr, out = run_source(run_cli, tmp_path, folder)
    assert code == 0, stderr


def test_workbook_sheet_names_in_any_case(run_cli, tmp_path):
    tables = incident()
    tables = {"Incidents": tables["incidents"], "SUBJECTS": tables["subjects"], "officers": tables["officers"]}
    import openpyxl
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet = book.create_sheet(name)
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append(list(row.values()))
    book.save(tmp_path / "x.xlsx")
    code, stderr, out = run_source(run_cli, tmp_path, tmp_path / "x.xlsx")
    assert code == 0, stderr


def test_fatal_row_filter_names_a_column_the_table_lacks(run_cli, tmp_path):
    folder = write_csv_extract(tmp_path / "x", incident())
    code, stderr, out = run_source(run_cli, tmp_path, folder, profile_text=(
        "source:\n  keep_rows: {table: subjects, column: R2R Level, in: [\"1\", \"2\"]}\n"))
    assert_fatal(code, stderr, out, "subjects.csv", "column 'R2R Level'", "row 1", "source.keep_rows")


def test_fatal_code_column_number_format_that_cannot_be_rendered(run_cli, tmp_path):
    import openpyxl

    path = write_xlsx_extract(tmp_path / "x.xlsx", incident(incidents__address_zip=15445))
    book = openpyxl.load_workbook(path)
    sheet = book["incidents"]
    column = [c.value for c in sheet[1]].index("address_zip") + 1
    sheet.cell(row=2, column=column).number_format = "#,##0"  # shows 15,445: not a ZIP code
    book.save(path)
    code, stderr, out = run_source(run_cli, tmp_path, path)
    assert_fatal(code, stderr, out, "x.xlsx", "sheet 'incidents'", "column 'address_zip'", "row 2", "'#,##0'")


def test_version_prints_the_tool_version(run_cli):
    from flows.version import tool_version

    code, stdout, _ = run_cli("--version")
    assert code == 0 and stdout.strip() == f"uof {tool_version()}"
