import pandas as pd
import pytest

from transforms.crosswalk import crosswalked


def frame(**columns):
    n = len(next(iter(columns.values())))
    data = {"_row": list(range(n))}
    data.update({k: pd.Series(v, dtype="str") for k, v in columns.items()})
    return pd.DataFrame(data)


MAPS = {
    "location_type": {"RES": ("20",), "HWY": ("13",)},
    "race_ethnicity_ids": {"WHT": ("W",), "HSP": ("H",), "WHH": ("W", "H")},
}


def misses_of(misses):
    """(_row, column, value) of the local values left untranslated, reason None unless marked invalid."""
    return [(r, c, v) if pd.isna(why) else (r, c, v, why)
            for r, c, v, why in misses[["_row", "column", "value", "reason"]].itertuples(index=False, name=None)]


def test_crosswalk_single_valued_codes_are_translated():
    out, misses = crosswalked(frame(location_type=["RES", "HWY", None]), MAPS, set())
    assert out["location_type"].tolist()[:2] == ["20", "13"] and pd.isna(out["location_type"].iloc[2])
    assert misses.empty


def test_crosswalk_unmapped_value_is_reported_not_raised():
    out, misses = crosswalked(frame(location_type=["RES", "XYZ"]), MAPS, set())
    assert misses_of(misses) == [(1, "location_type", "XYZ")]
    assert out["location_type"].tolist() == ["20", "XYZ"]


def test_crosswalk_one_local_code_becomes_several_values():
    out, misses = crosswalked(frame(race_ethnicity_ids=["WHH", "WHT;HSP", "WHH;HSP", "BAD;WHT"]), MAPS,
                              {"race_ethnicity_ids"})
    assert out["race_ethnicity_ids"].tolist() == ["W;H", "W;H", "W;H", "BAD;W"]
    assert misses_of(misses) == [(3, "race_ethnicity_ids", "BAD")]


def test_crosswalk_columns_without_crosswalk_pass_through():
    out, misses = crosswalked(frame(gender=["M", "X"]), MAPS, set())
    assert out["gender"].tolist() == ["M", "X"] and misses.empty


INVALID = {"race_ethnicity_ids": {"Pursuit": "shifted column"}, "location_type": {"RESX": "typo"}}


@pytest.mark.parametrize("column, values, keys, untranslated, expected", [
    # single-valued: left in place, reported with the reason; an unmapped value keeps no reason
    ("location_type", ["RES", " RESX ", "XYZ"], {}, ["20", " RESX ", "XYZ"],
     [(1, "location_type", " RESX ", "typo"), (2, "location_type", "XYZ")]),
    ("race_ethnicity_ids", ["WHT;Pursuit", "Pursuit", "BAD"], {}, ["W;Pursuit", "Pursuit", "BAD"],
     [(1, "race_ethnicity_ids", "Pursuit", "shifted column"), (2, "race_ethnicity_ids", "BAD"),
      (0, "race_ethnicity_ids", "Pursuit", "shifted column")]),
    # trim and case: fold apply to invalid values as to the map
    ("race_ethnicity_ids", ["pursuit ", "WHT"], {"race_ethnicity_ids": (True, "fold")}, ["pursuit ", "W"],
     [(0, "race_ethnicity_ids", "pursuit ", "shifted column")]),
    ("race_ethnicity_ids", ["pursuit"], {}, ["pursuit"], [(0, "race_ethnicity_ids", "pursuit")]),  # exact: unmapped
])
def test_crosswalk_invalid_values_are_reported_with_their_reason(column, values, keys, untranslated, expected):
    lists = {"race_ethnicity_ids"}
    out, misses = crosswalked(frame(**{column: values}), {column: MAPS[column]}, lists, keys,
                              {column: INVALID[column]})
    assert out[column].tolist() == untranslated
    assert misses_of(misses) == expected


def test_crosswalk_repeated_cells_are_translated_and_reported_on_every_row():
    cells = ["BAD;WHT", "ZZ", "WHT", "BAD;WHT", None, "BAD;XX;WHH", "ZZ"]
    local = frame(race_ethnicity_ids=cells).set_axis([60, 50, 40, 30, 20, 10, 0])
    out, misses = crosswalked(local, MAPS, {"race_ethnicity_ids"})
    assert [None if pd.isna(v) else v for v in out["race_ethnicity_ids"]] == [
        "BAD;W", "ZZ", "W", "BAD;W", None, "BAD;XX;W;H", "ZZ"]
    assert out.index.tolist() == [60, 50, 40, 30, 20, 10, 0]
    # cells without `;` first, then the tokens of multi-valued cells, each in row order
    assert misses_of(misses) == [(1, "race_ethnicity_ids", "ZZ"), (6, "race_ethnicity_ids", "ZZ"),
                                 (0, "race_ethnicity_ids", "BAD"), (3, "race_ethnicity_ids", "BAD"),
                                 (5, "race_ethnicity_ids", "BAD"), (5, "race_ethnicity_ids", "XX")]
