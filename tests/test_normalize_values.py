import pandas as pd
import pytest

from transforms.normalize import booleans, four_decimals, iso_dates, list_text, two_digit_age, without_blank_rows


def s(*values):
    return pd.Series(list(values), dtype="str")


@pytest.mark.parametrize("raw, expected", [
    ("2025-10-03", "2025-10-03"), ("10/03/2025", "2025-10-03"), ("1/9/2017", "2017-01-09"),
    ("2025-10-03 00:00:00", "2025-10-03"), ("02/29/2024", "2024-02-29"),
    ("02/29/2025", None), ("13/45/2025", None), ("2025-13-01", None), ("yesterday", None), ("03-10-2025", None),
])
def test_normalize_incident_dates(raw, expected):
    out = iso_dates(s(raw)).iloc[0]
    assert (None if pd.isna(out) else out) == expected


@pytest.mark.parametrize("raw, expected", [
    ("true", "true"), ("YES", "true"), ("y", "true"), ("1", "true"), ("False", "false"), ("no", "false"),
    ("N", "false"), ("0", "false"), ("maybe", "maybe"),
])
def test_normalize_booleans(raw, expected):
    assert booleans(s(raw)).iloc[0] == expected


@pytest.mark.parametrize("raw, expected", [
    ("47.65955", "47.6596"), ("-122.33414", "-122.3341"), ("12", "12.0000"), ("-0.00004", "0.0000"),
    ("28.541300099", "28.5413"), ("-81.37902858", "-81.3790"), ("90", "90.0000"), ("north", "north"),
])
def test_normalize_coordinates_four_decimals(raw, expected):
    assert four_decimals(s(raw)).iloc[0] == expected


def test_normalize_lists_and_ages():
    assert list_text(s("H ; W", "A;;B;", ";")).tolist()[:2] == ["H;W", "A;B"]
    assert pd.isna(list_text(s(";")).iloc[0])
    assert two_digit_age(s("7", "NN", "22")).tolist() == ["07", "NN", "22"]


def test_normalize_blank_rows_are_counted():
    frame = pd.DataFrame({"a": s("x", "  ", None), "b": s(None, "", None), "_source_row": [2, 3, 4]})
    kept, blank = without_blank_rows(frame)
    assert blank == 2 and kept["_source_row"].tolist() == [2]


def test_normalize_typographic_apostrophe_in_addresses():
    from flows.config.load import load_reference
    from transforms.normalize import normalized
    frame = pd.DataFrame({"address_1": s("12 O\u2019Brien\u2018s Way"), "_row": [0]})
    out = normalized(frame, load_reference().elements["incident"])
    assert out["address_1"].iloc[0] == "12 O'Brien's Way"
