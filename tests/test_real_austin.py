"""Austin's R2R 2017 export through its profile (issue 9): times read as the RMS meant them, incidents
in the month of their date, people not merged silently, no zero report for a month the file does not
cover; month by month and as one backfill alike. Skipped when the export is absent."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import AS_OF, REAL_EXPORTS, REPO

PROFILE = REPO / "data" / "sample" / "real" / "austin-pd.yaml"
EXPORT = REAL_EXPORTS / "austin-pd-response-to-resistance-2017.csv"
ORI = "TX9999900"
MONTHS = [f"2017-{m:02d}" for m in range(1, 13)]


@pytest.fixture(scope="module")
def export():
    if not EXPORT.is_file():
        pytest.skip(f"real export {EXPORT} not available")
    return pd.read_csv(EXPORT, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def backfilled(export, tmp_path_factory):
    from flows.cli.main import main

    out = tmp_path_factory.mktemp("austin") / "out"
    code = main(["backfill", "--profile", str(PROFILE), "--source", str(EXPORT), "--from", "2017-01", "--to",
                 "2017-12", "--out", str(out), "--as-of", AS_OF])
    return code, out / ORI


def _messages(folder):
    return {json.loads(p.read_text())["Incident"]["agency_case_number"]: json.loads(p.read_text())["Incident"]
            for p in sorted(folder.glob(f"{ORI}_*.json"))}


def _earliest_rms_time(export, case):
    times = export.loc[(export["Primary Key"] == case) & (export["Time  Occurred"] != ""), "Time  Occurred"]
    hhmm = times.str.zfill(4).min()
    return int(hhmm[:2]), int(hhmm[2:])


def test_crosswalk_check_is_clean(export, run_cli):
    code, stdout, stderr = run_cli("crosswalk", "check", "--profile", PROFILE, "--source", EXPORT)
    assert code == 0, stdout + stderr


def test_backfill_emits_reportable_incidents_with_the_rms_date_and_time(export, backfilled):
    code, folder = backfilled
    assert code == 1  # some reportable incidents lack a time or their records disagree: rejected, listed
    emitted = {}
    for month in MONTHS:
        for case, incident in _messages(folder / month).items():
            emitted[case] = incident
            rows = export[export["Primary Key"] == case]
            day = pd.to_datetime(rows["Date  Occurred"].iloc[0], format="%m/%d/%Y %I:%M:%S %p")
            assert incident["incident_date"] == day.strftime("%m/%d/%Y") and month == day.strftime("%Y-%m")
            assert (incident["incident_time_hours"], incident["incident_time_minutes"]) == _earliest_rms_time(export, case)
            # reportable: a death, a serious injury or a discharge is what the RMS recorded
            effects = ";".join(rows["Subject Effects"]) + ";".join(rows.filter(like="Weapon Used").stack())
            assert any(k in effects for k in ("DEATH", "SERIOUS INJURY", "FIREARM"))
    assert len(emitted) >= 3


@pytest.mark.parametrize("raw, expected", [("233", (2, 33)), ("53", (0, 53)), ("12", (0, 12)), ("6", (0, 6)),
                                           ("1719", (17, 19))])
def test_unpadded_integer_times_are_numeric_hhmm(raw, expected):
    from transforms.parsers import time_only

    frame, bad = time_only(pd.Series([raw], dtype="str"), "%H%M")
    assert (int(frame["hours"].iloc[0]), int(frame["minutes"].iloc[0])) == expected and not bad.any()


def test_records_of_two_officers_sharing_unit_and_commission_date_are_not_merged_silently(backfilled):
    # incident 20171270282: two firing records (3 and 2 shots) with the same unit and commission date,
    # one "defending another", one "defending the reporting officer": likely two officers.
    _, folder = backfilled
    report = pd.read_csv(folder / "2017-05" / "rejections.csv", dtype=str)
    conflict = report[(report["agency_case_number"] == "20171270282") & (report["rule_id"] == "LAYOUT-CONFLICT")]
    assert len(conflict) == 1
    assert "NECESSARY TO DEFEND ANOTHER" in conflict["value"].iloc[0] and "row" in conflict["value"].iloc[0]
    assert "20171270282" not in _messages(folder / "2017-05")


def test_month_by_month_gives_the_same_incidents_as_the_backfill(export, backfilled, tmp_path, run_cli):
    _, folder = backfilled
    for month in ("2017-04", "2017-09"):
        out = tmp_path / month
        code, _, stderr = run_cli("run", "--profile", PROFILE, "--source", EXPORT, "--month", month, "--out", out,
                                  "--as-of", AS_OF)
        assert code in (0, 1), stderr
        alone = _messages(out / ORI / month)
        assert alone.keys() == _messages(folder / month).keys()
        assert all(alone[c] == _messages(folder / month)[c] for c in alone)


def test_every_row_is_accounted_for_and_no_zero_report_outside_2017(export, backfilled, tmp_path, run_cli):
    _, folder = backfilled
    for month in MONTHS:
        manifest = json.loads((folder / month / "manifest.json").read_text())
        rows = manifest["rows"]
        for table in ("incidents", "subjects", "officers"):
            assert sum(v for k, v in rows[table].items() if k != "read") == rows[table]["read"], (month, table)
        layout = manifest["layout"]
        assert layout["source_rows"] == len(export)
    code, _, stderr = run_cli("run", "--profile", PROFILE, "--source", EXPORT, "--month", "2018-01", "--out",
                              tmp_path / "jan", "--as-of", AS_OF)
    assert code != 0 and "2018-01" in stderr
    assert not list((tmp_path / "jan").rglob(f"{ORI}_*.json"))
