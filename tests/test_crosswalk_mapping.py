import pandas as pd

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


def test_crosswalk_single_valued_codes_are_translated():
    out, misses = crosswalked(frame(location_type=["RES", "HWY", None]), MAPS, set())
    assert out["location_type"].tolist()[:2] == ["20", "13"] and pd.isna(out["location_type"].iloc[2])
    assert misses.empty


def test_crosswalk_unmapped_value_is_reported_not_raised():
    out, misses = crosswalked(frame(location_type=["RES", "XYZ"]), MAPS, set())
    assert list(misses.itertuples(index=False, name=None)) == [(1, "location_type", "XYZ")]
    assert out["location_type"].tolist() == ["20", "XYZ"]


def test_crosswalk_one_local_code_becomes_several_values():
    out, misses = crosswalked(frame(race_ethnicity_ids=["WHH", "WHT;HSP", "WHH;HSP", "BAD;WHT"]), MAPS,
                              {"race_ethnicity_ids"})
    assert out["race_ethnicity_ids"].tolist() == ["W;H", "W;H", "W;H", "BAD;W"]
    assert list(misses.itertuples(index=False, name=None)) == [(3, "race_ethnicity_ids", "BAD")]


def test_crosswalk_columns_without_crosswalk_pass_through():
    out, misses = crosswalked(frame(gender=["M", "X"]), MAPS, set())
    assert out["gender"].tolist() == ["M", "X"] and misses.empty
