"""Zero reports only for months the extract covers: a declared period, else the span of its incident dates,
or a headers-only extract given for exactly one month. `run`, `validate`, `backfill` and the schedule."""
from __future__ import annotations

import json
import logging
import os
import time

import pandas as pd
import pytest

from flows.errors import UsageError
from flows.io.ledger import Ledger
from tests.conftest import (AS_OF, REAL_EXPORTS, REPO, combined, incident, write_csv_extract, write_profile,
                            write_xlsx_extract)
from transforms.coverage import Coverage, extract_coverage, parse_period

# A quarterly extract: July to September 2025 (reported on 2025-11-05, so October is a completed month).
QUARTER = combined(incident("JUL-1", incidents__incident_date="2025-07-04"),
                   incident("SEP-1", incidents__incident_date="2025-09-10"))


def base(tmp_path):
    return tmp_path / "out" / "PA0230100"


def zero_months(tmp_path) -> list[str]:
    """Months whose folder holds a zero report."""
    found = []
    for path in sorted(base(tmp_path).glob("*/PA*.json")):
        if "ZeroReport" in json.loads(path.read_text()):
            found.append(path.parent.name)
    return sorted(set(found))


def written_months(tmp_path) -> list[str]:
    return sorted(p.parent.name for p in base(tmp_path).glob("*/manifest.json"))


def coverage_of(tmp_path, month) -> dict:
    return json.loads((base(tmp_path) / month / "manifest.json").read_text())["coverage"]


def headers_only(tmp_path):
    folder = write_csv_extract(tmp_path / "empty", incident())
    for name in ("incidents", "subjects", "officers"):
        path = folder / f"{name}.csv"
        path.write_text(path.read_text().splitlines()[0] + "\n")
    return folder


# ---- uof run / validate -------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("command", ["run", "validate"])
def test_quarterly_extract_for_the_month_after_gives_no_zero_report(run_cli, tmp_path, fmt, command):
    source = (write_csv_extract(tmp_path / "q3", QUARTER) if fmt == "csv"
              else write_xlsx_extract(tmp_path / "q3.xlsx", QUARTER))
    args = ["--out", tmp_path / "out"] if command == "run" else []
    code, stdout, stderr = run_cli(command, "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                                   "--month", "2025-10", *args, "--as-of", AS_OF)
    assert code == 2 and stdout == ""
    assert "the extract holds incidents from 2025-07-04 to 2025-09-10" in stderr
    assert "--covers 2025-07..2025-10" in stderr and "no zero report" in stderr
    assert not (tmp_path / "out").exists()  # nothing written, no ledger: the month stays missing


@pytest.mark.parametrize("month, profile_text, covers, expected, coverage", [
    # inside the span of the incident dates
    ("2025-08", "", None, 0, {"period_from": "2025-07", "period_to": "2025-09", "basis": "incident_span"}),
    # before the span
    ("2025-06", "", None, 2, None),
    # a declared period wider than the span: the profile's ...
    ("2025-10", 'extract_period: {from: "2025-07", to: "2025-10"}\n', None, 0,
     {"period_from": "2025-07", "period_to": "2025-10", "basis": "declared"}),
    # ... or the command line's
    ("2025-10", "", "2025-07..2025-10", 0, {"period_from": "2025-07", "period_to": "2025-10", "basis": "declared"}),
    # the command line wins over the profile, both ways
    ("2025-10", 'extract_period: {from: "2025-07", to: "2025-10"}\n', "2025-07..2025-09", 2, None),
    ("2025-10", 'extract_period: {from: "2025-07", to: "2025-09"}\n', "2025-10", 0,
     {"period_from": "2025-10", "period_to": "2025-10", "basis": "declared"}),
    # a declared period narrower than the span covers only itself
    ("2025-08", 'extract_period: {from: "2025-09", to: "2025-09"}\n', None, 2, None),
])
def test_run_zero_report_inside_the_covered_months_only(run_cli, tmp_path, month, profile_text, covers, expected,
                                                        coverage):
    source = write_csv_extract(tmp_path / "q3", QUARTER)
    code, stdout, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg", profile_text),
                                   "--source", source, "--month", month, "--out", tmp_path / "out",
                                   "--as-of", AS_OF, *(["--covers", covers] if covers else []))
    assert code == expected, stderr
    if expected == 0:
        assert zero_months(tmp_path) == [month]
        recorded = coverage_of(tmp_path, month)
        assert {k: recorded[k] for k in coverage} == coverage and recorded["month_covered"] is True
        assert (recorded["first_incident_date"], recorded["last_incident_date"]) == ("2025-07-04", "2025-09-10")
    else:
        assert "not covered by the extract" in stderr and not (tmp_path / "out").exists()


def test_month_with_incidents_records_its_coverage(run_cli, tmp_path):
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source",
                              write_csv_extract(tmp_path / "q3", QUARTER), "--month", "2025-07",
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 0, stderr
    assert coverage_of(tmp_path, "2025-07") == {
        "period_from": "2025-07", "period_to": "2025-09", "basis": "incident_span",
        "first_incident_date": "2025-07-04", "last_incident_date": "2025-09-10", "month_covered": True}


def test_span_counts_every_incident_rejected_and_not_reportable_included(run_cli, tmp_path):
    """June holds only a rejected incident and November only a not-reportable one: both widen the span."""
    tables = combined(QUARTER, incident("JUN-BAD", incidents__incident_date="2025-06-30", incidents__location_type="99"),
                      incident("OCT-MINOR", incidents__incident_date="2025-10-02", incidents__incident_tickler_ids="",
                               subjects__injury_type_ids="NONE"))
    source = write_csv_extract(tmp_path / "x", tables)
    profile = write_profile(tmp_path / "cfg")
    code, stdout, stderr = run_cli("backfill", "--profile", profile, "--source", source, "--from", "2025-05",
                                   "--to", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 1, stderr  # JUN-BAD is rejected, and May is left out
    assert written_months(tmp_path) == ["2025-06", "2025-07", "2025-08", "2025-09", "2025-10"]
    assert zero_months(tmp_path) == ["2025-08", "2025-10"]  # October's only incident is not reportable
    assert "2025-05: left out, nothing written - no incident in 2025-05" in stdout


def test_undated_incident_still_withholds_the_zero_report_with_exit_1(run_cli, tmp_path):
    """The undated-incident rule comes first: the month is run (its rejections listed), without a zero report."""
    tables = combined(QUARTER, incident("NO-DATE", incidents__incident_date="13/45/2025"))
    code, stdout, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source",
                                   write_csv_extract(tmp_path / "x", tables), "--month", "2025-10",
                                   "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 1, stderr
    assert zero_months(tmp_path) == [] and "zero report withheld" in stdout
    assert coverage_of(tmp_path, "2025-10")["month_covered"] is False


@pytest.mark.parametrize("month, words", [("2025-11", "run it again next month. [Z2-CURRENT-OR-FUTURE]"),
                                         ("2016-12", "January 2017 (year greater than 2016). [Z2-BEFORE-2017]")])
def test_z2_still_refuses_inside_a_declared_period(run_cli, tmp_path, month, words):
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source",
                              write_csv_extract(tmp_path / "q3", QUARTER), "--month", month, "--out",
                              tmp_path / "out", "--as-of", AS_OF, "--covers", "2016-01..2025-12")
    assert code == 2 and words in stderr and not (tmp_path / "out").exists()


# ---- the declared period is checked before any data is read ---------------------------------------
@pytest.mark.parametrize("covers, words", [
    ("2025-7..2025-09", "YYYY-MM"),
    ("2025-09..2025-07", "'from' 2025-09 is after 'to' 2025-07"),
    ("2025-13", "YYYY-MM"),
    ("2025-07..", "YYYY-MM"),
])
@pytest.mark.parametrize("command", ["run", "validate", "backfill"])
def test_bad_covers_option_exits_2(run_cli, tmp_path, command, covers, words):
    where = {"run": ["--month", "2025-10", "--out", tmp_path / "out"], "validate": ["--month", "2025-10"],
             "backfill": ["--from", "2025-07", "--to", "2025-10", "--out", tmp_path / "out"]}[command]
    code, _, stderr = run_cli(command, "--profile", write_profile(tmp_path / "cfg"), "--source",
                              tmp_path / "does-not-exist.xlsx", *where, "--covers", covers)
    assert code == 2 and "--covers" in stderr and words in stderr
    assert "does-not-exist" not in stderr


@pytest.mark.parametrize("text, words", [
    ('extract_period: {from: "2019-07", to: "2019-9"}\n', "'to' must be a month written YYYY-MM"),
    ('extract_period: {from: "2019-10", to: "2019-09"}\n', "'from' 2019-10 is after 'to' 2019-09"),
    ('extract_period: {from: "2019-07"}\n', "exactly 'from' and 'to'"),
    ('extract_period: "2019-07..2019-09"\n', "must be a mapping"),
])
def test_bad_extract_period_in_profile_exits_2_before_reading(run_cli, tmp_path, text, words):
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg", text), "--source",
                              tmp_path / "does-not-exist.xlsx", "--month", "2019-10", "--out", tmp_path / "out")
    assert code == 2 and "extract_period" in stderr and words in stderr and "does-not-exist" not in stderr


# ---- uof backfill -----------------------------------------------------------------------------------
def test_backfill_wider_than_the_span_zero_reports_only_inside(run_cli, tmp_path):
    code, stdout, stderr = run_cli("backfill", "--profile", write_profile(tmp_path / "cfg"), "--source",
                                   write_csv_extract(tmp_path / "q3", QUARTER), "--from", "2025-05", "--to",
                                   "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 1, stderr  # the covered months proceed; the run says months were left out
    assert written_months(tmp_path) == ["2025-07", "2025-08", "2025-09"]
    assert zero_months(tmp_path) == ["2025-08"]
    left_out = [line.split(":")[0] for line in stdout.splitlines() if "left out" in line]
    assert left_out == ["2025-05", "2025-06", "2025-10"]
    assert "the extract holds incidents from 2025-07-04 to 2025-09-10" in stdout
    ledger = Ledger(base(tmp_path) / "ledger.sqlite")
    assert ledger.runs()["month"].tolist() == ["2025-07", "2025-08", "2025-09"]
    ledger.close()


@pytest.mark.parametrize("where", ["profile", "command line"])
def test_backfill_declared_period_wider_than_the_span(run_cli, tmp_path, where):
    period = ('extract_period: {from: "2025-05", to: "2025-10"}\n' if where == "profile" else "")
    code, stdout, stderr = run_cli("backfill", "--profile", write_profile(tmp_path / "cfg", period), "--source",
                                   write_csv_extract(tmp_path / "q3", QUARTER), "--from", "2025-04", "--to",
                                   "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF,
                                   *(["--covers", "2025-05..2025-10"] if where == "command line" else []))
    assert code == 1, stderr  # April is outside the declared period
    assert zero_months(tmp_path) == ["2025-05", "2025-06", "2025-08", "2025-10"]
    assert [line.split(":")[0] for line in stdout.splitlines() if "left out" in line] == ["2025-04"]
    assert coverage_of(tmp_path, "2025-05")["basis"] == "declared"


def test_headers_only_extract_covers_the_one_month_it_is_given_for(run_cli, tmp_path):
    source, profile = headers_only(tmp_path), write_profile(tmp_path / "cfg")
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-09",
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 0, stderr
    assert zero_months(tmp_path) == ["2025-09"]
    assert coverage_of(tmp_path, "2025-09") == {
        "period_from": "2025-09", "period_to": "2025-09", "basis": "headers_only",
        "first_incident_date": None, "last_incident_date": None, "month_covered": True}
    # a backfill of one month is given for that month too
    code, _, stderr = run_cli("backfill", "--profile", profile, "--source", source, "--from", "2025-08",
                              "--to", "2025-08", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 0, stderr
    assert zero_months(tmp_path) == ["2025-08", "2025-09"]


def test_headers_only_extract_in_a_backfill_covers_nothing(run_cli, tmp_path):
    source, profile = headers_only(tmp_path), write_profile(tmp_path / "cfg")
    code, stdout, stderr = run_cli("backfill", "--profile", profile, "--source", source, "--from", "2025-07",
                                   "--to", "2025-09", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 2 and stdout == ""
    assert "2025-07..2025-09 is not covered by the extract: it has no incident row at all" in stderr
    assert "--covers 2025-07..2025-09" in stderr and not (tmp_path / "out").exists()
    # declared, the same extract says "nothing happened" for each month
    code, _, stderr = run_cli("backfill", "--profile", profile, "--source", source, "--from", "2025-07",
                              "--to", "2025-09", "--out", tmp_path / "out", "--as-of", AS_OF,
                              "--covers", "2025-07..2025-09")
    assert code == 0, stderr
    assert zero_months(tmp_path) == ["2025-07", "2025-08", "2025-09"]


# ---- the schedule -------------------------------------------------------------------------------------
class Recorder:
    """Stands for the Prefect run logger: records (level, message)."""

    def __init__(self):
        self.records = []

    def _log(self, level, text, *args):
        self.records.append((level, text % args))

    def info(self, text, *args):
        self._log(logging.INFO, text, *args)

    def warning(self, text, *args):
        self._log(logging.WARNING, text, *args)

    def error(self, text, *args):
        self._log(logging.ERROR, text, *args)


def test_scheduled_run_refuses_a_month_the_newest_extract_does_not_cover(tmp_path, monkeypatch):
    from flows.schedule.deployments import scheduled_run, submission_issues

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    write_csv_extract(tmp_path / "rms" / "uof_q3", QUARTER)  # the newest extract is last quarter's
    profile, out = write_profile(tmp_path / "cfg"), tmp_path / "out"
    logger = Recorder()
    with pytest.raises(UsageError) as refused:
        scheduled_run(str(profile), str(tmp_path / "rms" / "uof_*"), str(out), None, None, AS_OF, logger)
    assert "2025-10 is not covered by the extract" in str(refused.value)
    errors = [text for level, text in logger.records if level == logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith("2025-10: nothing was sent from uof_q3")
    assert not out.exists()
    assert "never been run" in submission_issues(base(tmp_path) / "ledger.sqlite", "2025-10")[0]
    # the October export arrives, holding no incident: a headers-only extract given for the month
    empty = headers_only(tmp_path)
    os.utime(tmp_path / "rms" / "uof_q3", (time.time() - 3600, time.time() - 3600))
    empty.rename(tmp_path / "rms" / "uof_oct")
    result = scheduled_run(str(profile), str(tmp_path / "rms" / "uof_*"), str(out), None, None, AS_OF, logger)
    assert result["exit_code"] == 0 and zero_months(tmp_path) == ["2025-10"]


# ---- pure -----------------------------------------------------------------------------------------------
def frame(*dates):
    return pd.DataFrame({"incident_date": pd.Series(dates, dtype="str")})


@pytest.mark.parametrize("incidents, months, declared, expected", [
    (frame("2019-07-01", None, "2019-09-30"), ["2019-10"], None,
     Coverage("2019-07", "2019-09", "incident_span", "2019-07-01", "2019-09-30")),
    (frame("2019-07-01"), ["2019-10"], ("2019-07", "2019-10"),
     Coverage("2019-07", "2019-10", "declared", "2019-07-01", "2019-07-01")),
    (frame(), ["2019-10"], None, Coverage("2019-10", "2019-10", "headers_only")),
    (frame(), ["2019-09", "2019-10"], None, Coverage(None, None, "headers_only")),
    (frame(None), ["2019-10"], None, Coverage(None, None, "none")),
])
def test_extract_coverage(incidents, months, declared, expected):
    assert extract_coverage(incidents, months, declared) == expected


def test_parse_period():
    assert parse_period("2019-07..2019-09") == ("2019-07", "2019-09")
    assert parse_period(" 2019-07 ") == ("2019-07", "2019-07")
    with pytest.raises(ValueError, match="after"):
        parse_period("2019-09..2019-07")


# ---- the real Bloomington quarterly workbook ----------------------------------------------------------------
BLOOMINGTON = REAL_EXPORTS / "bloomington-pd-use-of-force-2019-q3.xlsx"
BLOOMINGTON_PROFILE = REPO / "data" / "sample" / "real" / "bloomington-pd.yaml"


@pytest.mark.skipif(not BLOOMINGTON.exists(), reason="the Bloomington export is not in ../shared/real-exports")
@pytest.mark.skipif(not BLOOMINGTON_PROFILE.exists(),
                    reason="data/sample/real/bloomington-pd.yaml (written under issue 9, item 'profiles') is not there yet")
def test_bloomington_q3_run_for_october_writes_no_zero_report(run_cli, tmp_path):
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("run", "--profile", BLOOMINGTON_PROFILE, "--source", BLOOMINGTON,
                                   "--month", "2019-10", "--out", out, "--as-of", "2020-01-10T09:00:00")
    assert code == 2 and "2019-10 is not covered by the extract" in stderr, stderr
    assert "the extract holds incidents from 2019-07-" in stderr and "to 2019-09-" in stderr
    assert not out.exists()
    code, stdout, stderr = run_cli("backfill", "--profile", BLOOMINGTON_PROFILE, "--source", BLOOMINGTON,
                                   "--from", "2019-06", "--to", "2019-10", "--out", out,
                                   "--as-of", "2020-01-10T09:00:00")
    assert code == 1, stderr
    assert [line.split(":")[0] for line in stdout.splitlines() if "left out" in line] == ["2019-06", "2019-10"]
    assert sorted(p.name for p in (out).glob("*/2019-*")) == ["2019-07", "2019-08", "2019-09"]
