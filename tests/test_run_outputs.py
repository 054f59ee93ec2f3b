"""`uof run` end to end on small inline extracts: exit codes, JSON shape and types, files, determinism."""
import json
import stat
import zipfile

import pytest

from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile, write_xlsx_extract


def month_folder(out, month="2025-10"):
    return out / "PA0230100" / month


def run(run_cli, tmp_path, tables, month="2025-10", as_of=AS_OF, profile_text="", fmt="csv", out=None):
    profile = write_profile(tmp_path / "cfg", profile_text)
    source = (write_csv_extract(tmp_path / "extract", tables) if fmt == "csv"
              else write_xlsx_extract(tmp_path / "extract.xlsx", tables))
    out = out or tmp_path / "out"
    code, stdout, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", month,
                                   "--out", out, "--as-of", as_of)
    return code, stdout, stderr, out


def messages(folder):
    return {p.name: json.loads(p.read_text()) for p in sorted(folder.glob("*.json")) if p.name != "manifest.json"}


def test_run_valid_incident_exits_0_with_one_message(run_cli, tmp_path):
    code, stdout, stderr, out = run(run_cli, tmp_path, incident())
    assert code == 0, stderr
    msgs = messages(month_folder(out))
    assert list(msgs) == ["PA0230100_20251105_0930_0001.json"]
    msg = msgs["PA0230100_20251105_0930_0001.json"]
    assert list(msg) == ["Action", "ActionTime", "Incident"]
    assert msg["Action"] == "AddOnly" and msg["ActionTime"] == "11/05/2025 09:30:00"  # first submission


def test_run_json_shape_and_types_follow_appendix_a(run_cli, tmp_path):
    tables = incident(incidents__address_latitude="40.4406248", incidents__address_longitude="-79.99589",
                      incidents__total_number_other_agencies="1",
                      incidents__other_agencies_involved="PA0230200:OTHER-9",
                      subjects__age1="7", subjects__age2="9", subjects__age_estimated="Yes")
    code, _, stderr, out = run(run_cli, tmp_path, tables)
    assert code == 0, stderr
    inc = next(iter(messages(month_folder(out)).values()))["Incident"]
    from flows.config.load import load_reference
    ref = load_reference()
    assert list(inc) == [e["name"] for e in ref.elements["incident"]] + ["subjects", "officers"]
    assert list(inc["subjects"][0]) == [e["name"] for e in ref.elements["subject"]]
    assert list(inc["officers"][0]) == [e["name"] for e in ref.elements["officer"]]
    assert inc["agency_ori"] == "PA0230100" and inc["reporting_agency_ori"] == "PA0230100"
    assert inc["incident_date"] == "10/03/2025"
    assert inc["incident_time_hours"] == 14 and inc["total_officers_involved"] == 1
    assert inc["address_latitude"] == "40.4406" and inc["address_longitude"] == "-79.9959"
    assert inc["other_agencies_involved"] == [{"agency_case_number": "OTHER-9", "agency_ori": "PA0230200"}]
    assert inc["incident_tickler_ids"] == ["INJURY"] and inc["address_pu_ids"] == []
    assert inc["offense1"] is None and inc["nibrs_incident_number"] is None
    subject = inc["subjects"][0]
    assert subject["subject_id"] == 1 and subject["age1"] == "07" and subject["age2"] == 9
    assert subject["age_estimated"] is True and subject["height_estimated"] is None
    assert subject["race_ethnicity_ids"] == ["W"] and subject["weight1"] == 180
    officer = inc["officers"][0]
    assert officer["officer_id"] == 1 and officer["age"] == 35 and officer["years_of_service"] == 10


def test_run_writes_zip_rejections_manifest_privately(run_cli, tmp_path):
    code, _, _, out = run(run_cli, tmp_path, incident())
    folder = month_folder(out)
    names = sorted(p.name for p in folder.iterdir() if p.name not in ("ledger.sqlite",))
    assert names == ["PA0230100_20251105_0930_0001-0001.zip", "PA0230100_20251105_0930_0001.json",
                     "manifest.json", "not_reportable.csv", "rejections.csv", "rejections.xlsx"]
    with zipfile.ZipFile(folder / "PA0230100_20251105_0930_0001-0001.zip") as archive:
        assert archive.namelist() == ["PA0230100_20251105_0930_0001.json"]
        assert archive.infolist()[0].compress_type == zipfile.ZIP_DEFLATED
        assert archive.read("PA0230100_20251105_0930_0001.json") == (
            folder / "PA0230100_20251105_0930_0001.json").read_bytes()
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["as_of"] == AS_OF and manifest["incidents"]["valid"] == 1
    assert {f["name"] for f in manifest["inputs"]["source"]} == {"incidents.csv", "subjects.csv", "officers.csv"}
    assert all(len(f["sha256"]) == 64 for f in manifest["inputs"]["source"])


def test_run_rejected_incident_exits_1_and_valid_ones_still_emitted(run_cli, tmp_path):
    tables = combined(incident("GOOD-1"), incident("BAD-1", incidents__location_type="99"))
    code, _, _, out = run(run_cli, tmp_path, tables)
    assert code == 1
    folder = month_folder(out)
    msgs = messages(folder)
    assert [m["Incident"]["agency_case_number"] for m in msgs.values()] == ["GOOD-1"]
    import csv
    rows = list(csv.DictReader(open(folder / "rejections.csv")))
    assert [(r["agency_case_number"], r["element"], r["rule_id"]) for r in rows] == [("BAD-1", "I7", "I7-LOV")]
    assert rows[0]["source_file"] == "incidents.csv" and rows[0]["source_row"] == "3"


def test_run_row_accounting_adds_up(run_cli, tmp_path):
    tables = combined(incident("GOOD-1"), incident("BAD-1", incidents__location_type="99"),
                      incident("SEPT-1", incidents__incident_date="2025-09-30"))
    tables["subjects"].append({"agency_case_number": "NOPE-1", "subject_id": "1"})
    code, _, _, out = run(run_cli, tmp_path, tables)
    manifest = json.loads((month_folder(out) / "manifest.json").read_text())
    for table, counts in manifest["rows"].items():
        parts = sum(v for k, v in counts.items() if k != "read")
        assert parts == counts["read"], (table, counts)
    assert manifest["rows"]["incidents"] == {"read": 3, "blank": 0, "emitted": 1, "rejected": 1,
                                             "not_reportable": 0, "other_months": 1}
    assert manifest["rows"]["subjects"]["orphaned"] == 1


def test_run_is_byte_identical_on_rerun(run_cli, tmp_path):
    tables = combined(incident("A-1"), incident("B-2", incidents__location_type="99"))
    run(run_cli, tmp_path, tables, out=tmp_path / "one")
    run(run_cli, tmp_path, tables, out=tmp_path / "two")
    one, two = month_folder(tmp_path / "one"), month_folder(tmp_path / "two")
    assert sorted(p.name for p in one.iterdir()) == sorted(p.name for p in two.iterdir())
    for path in one.iterdir():
        assert path.read_bytes() == (two / path.name).read_bytes(), path.name


def test_run_excel_and_csv_give_identical_json(run_cli, tmp_path):
    tables = combined(incident("A-1"), incident("B-2", incidents__incident_date="10/20/2025"))
    run(run_cli, tmp_path, tables, out=tmp_path / "csv")
    run(run_cli, tmp_path, tables, fmt="xlsx", out=tmp_path / "xlsx")
    assert messages(month_folder(tmp_path / "csv")) == messages(month_folder(tmp_path / "xlsx"))
    for name in messages(month_folder(tmp_path / "csv")):
        assert (month_folder(tmp_path / "csv") / name).read_bytes() == (month_folder(tmp_path / "xlsx") / name).read_bytes()


def test_run_excel_real_date_cells(run_cli, tmp_path):
    import datetime
    tables = incident()
    tables["incidents"][0]["incident_date"] = datetime.datetime(2025, 10, 3)
    tables["subjects"][0]["weight1"] = 180
    code, _, stderr, out = run(run_cli, tmp_path, tables, fmt="xlsx")
    assert code == 0, stderr
    inc = next(iter(messages(month_folder(out)).values()))["Incident"]
    assert inc["incident_date"] == "10/03/2025" and inc["subjects"][0]["weight1"] == 180


def test_run_other_months_are_neither_emitted_nor_rejected(run_cli, tmp_path):
    tables = combined(incident("OCT-1"), incident("SEP-1", incidents__incident_date="2025-09-12",
                                                  incidents__location_type="99"))
    code, _, _, out = run(run_cli, tmp_path, tables)
    assert code == 0
    assert [m["Incident"]["agency_case_number"] for m in messages(month_folder(out)).values()] == ["OCT-1"]


def test_run_unreadable_date_rejected_in_every_run(run_cli, tmp_path):
    tables = combined(incident("OCT-1"), incident("BAD-DATE", incidents__incident_date="13/45/2025"))
    for month in ("2025-10", "2025-09"):
        code, _, _, out = run(run_cli, tmp_path, tables, month=month, out=tmp_path / month)
        assert code == 1
        text = (month_folder(out, month) / "rejections.csv").read_text()
        assert "BAD-DATE" in text and "I3" in text


@pytest.mark.parametrize("month, as_of, expected", [
    ("2025-08", AS_OF, 0),             # a past month with no incident: zero report
    ("2025-11", AS_OF, 2),             # the current month
    ("2026-01", AS_OF, 2),             # a future month
    ("2016-12", AS_OF, 2),             # before the collection's first zero-report year
])
def test_run_zero_report_rules(run_cli, tmp_path, month, as_of, expected):
    covered = 'extract_period: {from: "2016-01", to: "2026-12"}\n'  # Z2 alone decides (see test_coverage_zero_reports)
    code, stdout, stderr, out = run(run_cli, tmp_path, incident(), month=month, as_of=as_of, profile_text=covered)
    assert code == expected, stderr
    if expected == 0:
        msgs = messages(month_folder(out, month))
        assert list(msgs.values()) == [{"Action": "AddOnly", "ActionTime": "11/05/2025 09:30:00",
                                        "ZeroReport": {"agency_ori": "PA0230100", "month_year": "08/2025"}}]
    else:
        assert "zero report" in stderr and not (out / "PA0230100" / month).exists()


def test_run_no_zero_report_when_month_has_only_rejected_incidents(run_cli, tmp_path):
    code, _, _, out = run(run_cli, tmp_path, incident(incidents__location_type="99"))
    assert code == 1
    assert messages(month_folder(out)) == {}


def test_run_headers_only_extract_gives_zero_report(run_cli, tmp_path):
    tables = incident()
    folder = write_csv_extract(tmp_path / "extract", tables)
    for name in ("incidents", "subjects", "officers"):
        path = folder / f"{name}.csv"
        path.write_text(path.read_text().splitlines()[0] + "\n")
    profile = write_profile(tmp_path / "cfg")
    code, _, stderr = run_cli("run", "--profile", profile, "--source", folder, "--month", "2025-09",
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 0, stderr
    assert [m["ZeroReport"]["month_year"] for m in messages(month_folder(tmp_path / "out", "2025-09")).values()] == ["09/2025"]


def test_run_month_with_only_not_reportable_incidents(run_cli, tmp_path):
    """A month whose only incidents miss the FBI criteria gets a zero report, and not_reportable.csv lists them."""
    quiet = incident("MINOR-1", incidents__incident_tickler_ids="", subjects__injury_type_ids="NONE",
                     subjects__force_type_ids="PHYSICAL")
    code, stdout, stderr, out = run(run_cli, tmp_path, quiet)
    assert code == 0, stderr
    folder = month_folder(out)
    assert [m.get("ZeroReport", {}).get("month_year") for m in messages(folder).values()] == ["10/2025"]
    assert "MINOR-1" in (folder / "not_reportable.csv").read_text()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rows"]["incidents"]["not_reportable"] == 1


def test_backfill_before_2017_sends_no_zero_report(run_cli, tmp_path):
    quiet = incident("MINOR-1", incidents__incident_date="2016-11-03", incidents__incident_tickler_ids="",
                     subjects__injury_type_ids="NONE", subjects__force_type_ids="PHYSICAL")
    source = write_csv_extract(tmp_path / "x", quiet)
    code, stdout, stderr = run_cli("backfill", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                                   "--from", "2016-11", "--to", "2017-01", "--out", tmp_path / "out",
                                   "--as-of", AS_OF, "--covers", "2016-11..2017-01")
    assert code == 0, stderr
    base = tmp_path / "out" / "PA0230100"
    assert messages(base / "2016-11") == {} and messages(base / "2016-12") == {}
    assert [m["ZeroReport"]["month_year"] for m in messages(base / "2017-01").values()] == ["01/2017"]
