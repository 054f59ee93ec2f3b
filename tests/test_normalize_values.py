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


def test_normalize_per_distinct_value_matches_cell_by_cell_on_any_index():
    raw = ["10/03/2025", None, " 2025-10-03 ", "02/29/2025", "10/03/2025", "y", "Yes", "7", "  ", "47.65955", "-0.00004"]
    cells = pd.Series(raw, dtype="str", index=[9, 3, 7, 1, 0, 5, 2, 8, 4, 6, 10], name="x").str.strip()
    for fn in (iso_dates, booleans, two_digit_age, four_decimals):
        whole = fn(cells)
        one_by_one = pd.concat([fn(cells.iloc[[i]]) for i in range(len(cells))])
        assert whole.index.equals(cells.index) and whole.dtype == "str"
        assert [None if pd.isna(v) else v for v in whole] == [None if pd.isna(v) else v for v in one_by_one]
    assert [None if pd.isna(v) else v for v in iso_dates(cells)][:4] == ["2025-10-03", None, "2025-10-03", None]


def test_normalize_trimmed_strips_unicode_blanks_and_empties_become_blank():
    from transforms.normalize import trimmed
    out = trimmed(s("\u00a0a b\u3000", "", " \t ", None, "c"))
    assert [None if pd.isna(v) else v for v in out] == ["a b", None, None, None, "c"] and out.dtype == "str"
    clean = s("a", "b", None)
    assert trimmed(clean).equals(clean)


def test_normalize_blank_rows_looks_past_a_first_column_that_leaves_rows_unfilled():
    frame = pd.DataFrame({"a": s("x", None, None, "y"), "b": s(None, " ", "z", None), "c": s(None, None, None, "w"),
                          "_source_row": [2, 3, 4, 5]})
    kept, blank = without_blank_rows(frame)
    assert blank == 1 and kept["_source_row"].tolist() == [2, 4, 5]
    full, none = without_blank_rows(frame.iloc[[0, 3]])
    assert none == 0 and full["_source_row"].tolist() == [2, 5]
