"""Dates and times as real exports hold them: numeric HHMM, strict formats (no pandas leniency), Excel
cells and serial numbers, UTC offsets converted to the agency's time zone, and the profile checks."""
import csv
import json

import pandas as pd
import pytest

from flows.config.load import load_profile
from flows.io.read import read_single
from tests.conftest import AS_OF, REAL_EXPORTS, values, write_profile
from tests.test_parsers_values import PROFILE as BASE_PROFILE, ref  # noqa: F401  (fixture)
from transforms.parsers import date_only, date_time, format_pattern, time_only, years_between


def s(*cells):
    return pd.Series(list(cells), dtype="str")


def clock(out):
    return [None if h is None else (int(h), int(m)) for h, m in zip(values(out["hours"]), values(out["minutes"]))]


# ------------------------------------------------------------------------------ numeric HHMM (%H%M)

@pytest.mark.parametrize("cell, expected", [
    ("233", (2, 33)), ("53", (0, 53)), ("12", (0, 12)), ("6", (0, 6)), ("0", (0, 0)), ("0005", (0, 5)),
    ("2359", (23, 59)), ("1200", (12, 0)),
])
def test_a_time_stored_as_a_number_is_left_padded_to_hhmm(cell, expected):
    out, bad = time_only(s(cell), "%H%M")
    assert clock(out) == [expected] and not bad.any()


@pytest.mark.parametrize("cell", ["12345", "2360", "2400", "960", "2:33", "233.0", "-233", "23 3"])
def test_a_numeric_time_that_is_not_hhmm_is_rejected(cell):
    out, bad = time_only(s(cell), "%H%M")
    assert bad.tolist() == [True] and clock(out) == [None]


def test_numeric_hhmmss_is_left_padded_too():
    out, bad = time_only(s("23300", "5", "235959", "236000"), "%H%M%S")
    assert clock(out) == [(2, 33), (0, 0), (23, 59), None] and bad.tolist() == [False, False, False, True]


# --------------------------------------------------------------------- strict formats: no leniency

@pytest.mark.parametrize("fmt, cell, iso", [
    ("%Y%m%d", "20191101", "2019-11-01"),
    ("%Y%m%d", "2019111", None),       # 2019-11-01 or 2019-01-11: pandas picks one
    ("%Y%m%d", "201911", None),        # pandas reads 2019-01-01
    ("%d%m%Y", "1112019", None),       # 11/01 or 01/11
    ("%d%m%Y", "01112019", "2019-11-01"),
    ("%m/%d/%Y", "8/13/2020", "2020-08-13"),  # a separator makes an unpadded month or day unambiguous
    ("%m/%d/%Y", "8/13/20", None),
    ("%d.%m.%Y", "25.2.2018", "2018-02-25"),
    ("%b %d %Y", "feb 5 2018", "2018-02-05"),
])
def test_adjacent_numeric_fields_need_their_full_width(fmt, cell, iso):
    out, bad = date_only(s(cell), fmt)
    assert values(out) == [iso] and bad.tolist() == [iso is None]


@pytest.mark.parametrize("fmt, cell, expected", [
    ("%H:%M", "2:03", (2, 3)), ("%H:%M", "2:3", None),  # a one-digit minute may be :03 or :30
    ("%I:%M %p", "9:05 pm", (21, 5)), ("%I:%M %p", "9:05  PM", (21, 5)), ("%I:%M %p", "13:05 PM", None),
    ("%H:%M:%S", "10:23:5", None),
])
def test_minutes_and_seconds_always_have_two_digits(fmt, cell, expected):
    out, _ = time_only(s(cell), fmt)
    assert clock(out) == [expected]


def test_the_format_pattern_says_which_fields_may_drop_a_zero():
    assert format_pattern("%H%M") == "[0-9]{2}[0-9]{2}"
    assert format_pattern("%m/%d/%Y %I:%M %p") == r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}\s+[0-9]{1,2}:[0-9]{2}\s+(?:AM|PM)"


def test_a_two_digit_hire_year_takes_the_century_that_puts_it_before_the_incident():
    hired = s("01/05/68", "01/05/05", "01/05/16")
    assert values(years_between(hired, s("2017-02-01", "2017-02-01", "2017-02-01"), "%m/%d/%y")) == ["49", "12", "1"]


# ------------------------------------------------------------------- no format: Excel cells, ISO

def test_time_without_format_reads_excel_time_cells_and_clocks():
    out, bad = time_only(s("02:40:00", "2:40", "23:59:59.999000", "10:23 PM", "12:05 am", "2:3", "24:00",
                           "1900-01-04 19:41:00", "0.111", "13:00 PM"))
    assert clock(out) == [(2, 40), (2, 40), (23, 59), (22, 23), (0, 5), None, None, None, None, None]
    assert bad.tolist() == [False] * 5 + [True] * 5


def test_date_without_format_is_iso_or_month_first_and_drops_a_time():
    iso, bad = date_only(s("2019-07-01", "2019-07-01 14:30:00", "01/18/2017 12:00:00 AM", "8/13/2020",
                           "13/01/2020", "2019-02-30", "2019-07-01 25:00", "43647", "01/02/19"))
    assert values(iso) == ["2019-07-01", "2019-07-01", "2017-01-18", "2020-08-13", None, None, None, None, None]
    assert bad.tolist() == [False] * 4 + [True] * 5


def test_datetime_without_format_needs_a_time_of_day():
    out, bad = date_time(s("2019-07-01 14:30:00", "2017-01-18T02:33", "02/25/2018 10:23:00 PM", "2019-07-01"))
    assert values(out["date"]) == ["2019-07-01", "2017-01-18", "2018-02-25", None]
    assert clock(out) == [(14, 30), (2, 33), (22, 23), None] and bad.tolist() == [False, False, False, True]


def test_every_excel_cell_text_the_reader_makes_is_read_without_a_format():
    import datetime as dt

    from flows.io.read import _cell_text

    cells = s(*(_cell_text(v) for v in (dt.time(2, 40), dt.time(2, 40, 0, 500000), dt.timedelta(hours=2, minutes=40),
                                        dt.datetime(2019, 7, 1, 14, 30), dt.datetime(2019, 7, 1, 14, 30, 0, 1000))))
    out, bad = time_only(cells[:3])
    assert clock(out) == [(2, 40)] * 3 and not bad.any()
    out, bad = date_time(cells[3:])
    assert values(out["date"]) == ["2019-07-01"] * 2 and clock(out) == [(14, 30)] * 2 and not bad.any()
    iso, bad = date_only(s(_cell_text(dt.date(2019, 7, 1)), _cell_text(dt.datetime(2019, 7, 1, 14, 30))))
    assert values(iso) == ["2019-07-01"] * 2 and not bad.any()


# --------------------------------------------------------------------------------- Excel serials

def test_excel_serial_numbers_only_when_the_profile_says_so():
    iso, bad = date_only(s("43647", "43647.75", "60", "abc"), "excel-serial")
    assert values(iso) == ["2019-07-01", "2019-07-01", None, None] and bad.tolist() == [False, False, True, True]
    out, bad = date_time(s("43647.5", "43647.111111111", "43647"), "excel-serial")
    assert values(out["date"]) == ["2019-07-01", "2019-07-01", None] and clock(out) == [(12, 0), (2, 40), None]
    assert bad.tolist() == [False, False, True]  # a whole number is a date without its time of day
    out, bad = time_only(s("0.111", "0.11111111111", "0", "43647.5", "0.99999999"), "excel-serial")
    assert clock(out) == [(2, 39), (2, 40), (0, 0), None, None] and bad.tolist() == [False, False, False, True, True]
    iso, _ = date_only(s("42185"), "excel-serial-1904")
    assert values(iso) == ["2019-07-01"]


# ------------------------------------------------------------------------------------ time zones

def test_a_utc_offset_is_converted_to_the_parser_time_zone():
    cells = s("2017-01-18T12:00:00-06:00", "2017-01-18T12:00:00Z", "2017-07-01T03:00:00+00:00",
              "2017-01-18 12:00:00")
    out, bad = date_time(cells, None, "America/Chicago")
    # the third moves to June 30 in Chicago (daylight saving time, UTC-5): another month
    assert values(out["date"]) == ["2017-01-18", "2017-01-18", "2017-06-30", "2017-01-18"]
    assert clock(out) == [(12, 0), (6, 0), (22, 0), (12, 0)] and not bad.any()
    iso, _ = date_only(s("2017-07-01T03:00:00Z"), None, "America/Chicago")
    assert values(iso) == ["2017-06-30"]
    out, bad = date_time(s("18.01.2017 12:00 +0000"), "%d.%m.%Y %H:%M %z", "America/New_York")
    assert clock(out) == [(7, 0)] and not bad.any()


def test_a_utc_offset_without_a_time_zone_is_never_copied_as_wall_clock():
    out, bad = date_time(s("2017-01-18T12:00:00Z", "2017-01-18T12:00:00-06:00", "2017-01-18 12:00:00"))
    assert bad.tolist() == [True, True, False] and values(out["date"]) == [None, None, "2017-01-18"]
    _, bad = date_only(s("2017-01-18T12:00:00Z"))
    assert bad.tolist() == [True]
    _, bad = date_time(s("18.01.2017 12:00 +0000"), "%d.%m.%Y %H:%M %z")
    assert bad.tolist() == [True]
    _, bad = time_only(s("12:00:00Z"))
    assert bad.tolist() == [True]


# ------------------------------------------------------------------------------------ the profile

def test_excel_serial_time_zone_and_formatless_datetime_load(tmp_path, ref):
    path = write_profile(tmp_path, "parsers:\n  incidents:\n"
                         "    - {parser: datetime, column: X, timezone: America/Chicago}\n"
                         "  officers:\n    - {parser: years_of_service, column: H, format: excel-serial}\n")
    profile = load_profile(path, ref)
    assert profile.parsers["incidents"][0].options == {"format": None, "timezone": "America/Chicago"}
    assert profile.parsers["officers"][0].options == {"format": "excel-serial"}


# ------------------------------------------------------------------------------------- end to end

# the end-to-end profile of test_parsers_values, with the date and an Austin-style time in two columns
PROFILE = BASE_PROFILE.replace('- {parser: datetime, column: When, format: "%m/%d/%Y %I:%M:%S %p"}',
                               '- {parser: date, column: Date}\n    - {parser: time, column: Time, format: "%H%M"}')


def test_austin_style_times_reach_the_json_as_the_rms_recorded_them(run_cli, tmp_path):
    rows = [{"Case": "C-1", "Date": "10/03/2025 12:00:00 AM", "Time": "233", "Subject Sex": "M", "Hired": "06/01/2015"},
            {"Case": "C-2", "Date": "10/04/2025 12:00:00 AM", "Time": "6", "Subject Sex": "F", "Hired": "06/01/2015"},
            {"Case": "C-3", "Date": "10/05/2025 12:00:00 AM", "Time": "2375", "Subject Sex": "F",
             "Hired": "06/01/2015"}]
    source = tmp_path / "export.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg", PROFILE), "--source", source,
                              "--month", "2025-10", "--out", out, "--as-of", AS_OF)
    assert code == 1, stderr
    folder = out / "PA0230100" / "2025-10"
    emitted = sorted((json.loads(p.read_text())["Incident"] for p in folder.glob("PA0230100_*.json")),
                     key=lambda i: i["agency_case_number"])
    assert [(i["agency_case_number"], i["incident_time_hours"], i["incident_time_minutes"]) for i in emitted] == \
        [("C-1", 2, 33), ("C-2", 0, 6)]
    rejections = pd.read_csv(folder / "rejections.csv", dtype=str)
    assert rejections[["agency_case_number", "rule_id", "value"]].values.tolist() == \
        [["C-3", "PARSE-DATETIME", "2375"]]


# --------------------------------------------------------------------------------- real exports

AUSTIN = REAL_EXPORTS / "austin-pd-response-to-resistance-2017.csv"
BLOOMINGTON = REAL_EXPORTS / "bloomington-pd-use-of-force-2019-q3.xlsx"


@pytest.mark.skipif(not AUSTIN.exists(), reason="real export not available")
def test_every_austin_time_is_read_as_numeric_hhmm():
    times = pd.read_csv(AUSTIN, dtype=str)["Time  Occurred"].astype("str").str.strip()
    out, bad = time_only(times, "%H%M")
    assert not bad.any() and out["hours"].notna().sum() == times.notna().sum() == 2641
    padded = times.dropna().str.zfill(4)
    assert (out["hours"].dropna().astype(int) == padded.str[:2].astype(int)).all()
    assert (out["minutes"].dropna().astype(int) == padded.str[2:].astype(int)).all()
    date, bad = date_only(pd.read_csv(AUSTIN, dtype=str)["Date  Occurred"].astype("str"))
    assert not bad.any() and date.str.startswith("2017-").all()


@pytest.mark.skipif(not BLOOMINGTON.exists(), reason="real export not available")
def test_bloomington_excel_date_and_time_cells_read_without_a_format():
    frame = read_single(BLOOMINGTON, None, "utf-8")[0].frame
    iso, bad = date_only(frame["Date"])
    assert not bad.any() and iso.str[:7].isin(["2019-07", "2019-08", "2019-09"]).all()
    out, bad = time_only(frame["Time"])
    # one Time cell holds the date-time 1900-01-04 19:41 (a serial of 4.8 days): not a time of day
    assert frame.loc[bad, "Time"].tolist() == ["1900-01-04 19:41:00"]
    assert clock(out)[:3] == [(2, 40), (20, 9), (23, 36)]
