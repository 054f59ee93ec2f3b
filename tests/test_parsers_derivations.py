"""Derivations over several columns (any_of, flags, one_hot), an explicit result for blank inputs,
case-insensitive matching, positional split, and when_blank on the parser's own output."""
import pandas as pd
import pytest

from flows.config.load import load_profile
from flows.io.read import read_single
from tests.conftest import REAL_EXPORTS, values, write_profile
from tests.test_parsers_values import ref  # noqa: F401  (fixture)
from transforms.parsers import ParserSpec, any_of, flags, run_parser, split_positions

FIREARMS = ("FIREARM - RIFLE-ENTER # SHOTS", "FIREARM - HANDGUN-ENTER # SHOTS")


def s(*cells):
    return pd.Series(list(cells), dtype="str")


def weapons(*rows):
    """Austin's Weapon Used 1..3 columns, one tuple per row."""
    return pd.DataFrame([list(r) for r in rows], columns=["Weapon Used 1", "Weapon Used 2", "Weapon Used 3"],
                        dtype="str")


# ---------------------------------------------------------------------------------------- any_of

def test_any_of_over_several_columns_blank_takes_else_and_case_is_folded():
    frame = weapons(("WEAPONLESS", "firearm - rifle-enter # shots", None),   # case differs from the profile
                    ("WEAPONLESS", None, None),
                    (None, None, None),                                    # no weapon recorded
                    (None, None, "FIREARM - HANDGUN-ENTER  # SHOTS"))      # inner spaces differ
    assert values(any_of(frame, FIREARMS)) == ["YES", "NO", "NO", "YES"]


@pytest.mark.parametrize("options, expected", [
    ({}, ["YES", "NO", "NO"]),
    ({"case": "exact"}, ["NO", "NO", "NO"]),
    ({"if_blank": ""}, ["YES", "NO", None]),
    ({"if_blank": "UNKNOWN"}, ["YES", "NO", "UNKNOWN"]),
    ({"otherwise": ""}, ["YES", None, None]),  # New Orleans: then PENDING, else "" (if_blank follows else)
])
def test_any_of_result_for_blanks_and_case_is_explicit(options, expected):
    frame = weapons(("firearm - rifle-enter # shots", None, None), ("CANINE - BITE", None, None), (None, None, None))
    assert values(any_of(frame, FIREARMS, **options)) == expected


def test_any_of_through_run_parser_reads_the_columns_given():
    spec = ParserSpec(parser="any_of", inputs=("Weapon Used 1", "Weapon Used 2", "Weapon Used 3"),
                      into=("shots_fired",),
                      options={"values": FIREARMS, "then": "YES", "else": "NO", "separator": ";", "case": "fold",
                               "if_blank": None})
    out = run_parser(spec, weapons((" ", "OTHER", "Firearm - Rifle-Enter # Shots"), ("", None, None))).columns
    assert values(out["shots_fired"]) == ["YES", "NO"]


# ------------------------------------------------------------------------------ flags and one-hot

GENDER = {"Suspect Gender Female": "F", "Suspect Gender Male": "M"}


def genders(*rows):
    return pd.DataFrame([list(r) for r in rows], columns=list(GENDER), dtype="str")


def test_one_hot_columns_give_the_label_of_the_column_set():
    frame = genders((None, "1"), ("1", None), ("X", "0"), ("true", "no"), ("1", "1"), (None, None), ("2", None))
    # two columns set on a single-valued element: F;M, which the gender edit rejects naming both
    assert values(flags(frame, GENDER)) == ["M", "F", "F", "F", "F;M", None, "2"]
    assert values(flags(frame, GENDER, if_blank="U"))[5] == "U"
    assert values(flags(genders(("0", "no")), GENDER, none="U", if_blank="X")) == ["U"]


def test_flags_list_a_label_set_by_two_columns_once():
    frame = pd.DataFrame({"Tackle": s("Yes", "yes", "No"), "Strikes": s("YES", "No", "No")})
    assert values(flags(frame, {"Tackle": "PHYSICAL", "Strikes": "PHYSICAL"})) == ["PHYSICAL", "PHYSICAL", None]


# --------------------------------------------------------------------------------- positional split

@pytest.mark.parametrize("cell, expected", [
    ("13A, 90Z", ["13A", "90Z", None]),
    ("120", ["120", None, None]),
    ("120, , 13A", ["120", "13A", None]),               # empty entries are skipped
    ("120, 13A, 90Z", ["120", "13A", "90Z"]),
    ("120, 13A, 90Z, 23H, 26A", ["120", "13A", "90Z;23H;26A"]),  # the overflow stays visible in the last
    (None, [None, None, None]),
])
def test_split_into_several_elements_puts_entry_i_into_element_i(cell, expected):
    out = split_positions(s(cell), ",", 3)
    assert [values(o)[0] for o in out] == expected


# --------------------------------------------------------------------- when_blank on its own output

def test_when_blank_may_name_the_element_the_parser_writes(tmp_path, ref):
    path = write_profile(tmp_path, "layout: {kind: flat, incident_key: Case}\nparsers:\n  subjects:\n"
                         "    - parser: one_hot\n      into: gender\n      when_blank: {gender: UNKNOWN}\n"
                         "      columns: {Suspect Gender Female: F, Suspect Gender Male: M}\n")
    spec = load_profile(path, ref).parsers["subjects"][0]
    assert spec.writes == ("gender",)
    out = run_parser(spec, genders((None, "1"), (None, None), ("1", "1"))).columns
    assert values(out["gender"]) == ["M", "UNKNOWN", "F;M"]


def test_when_blank_on_its_own_output_fills_only_blank_inputs():
    spec = ParserSpec(parser="number_range", inputs=("Age",), into=("age1",), when_blank={"age1": "00"}, blank=("0",))
    out = run_parser(spec, pd.DataFrame({"Age": s("34", "0", None, "about 30")})).columns
    assert values(out["age1"]) == ["34", "00", "00", "about 30"]


# --------------------------------------------------------------------------------- real exports

AUSTIN = REAL_EXPORTS / "austin-pd-response-to-resistance-2017.csv"
BLOOMINGTON = REAL_EXPORTS / "bloomington-pd-use-of-force-2019-q3.xlsx"


@pytest.mark.skipif(not AUSTIN.exists(), reason="real export not available")
def test_austin_weapon_columns_give_every_row_a_shots_fired():
    frame = pd.read_csv(AUSTIN, dtype=str).astype("str")
    columns = [f"Weapon Used {i}" for i in range(1, 6)]
    out = any_of(frame[columns], ("FIREARM - RIFLE-ENTER # SHOTS", "FIREARM - HANDGUN-ENTER # SHOTS",
                                  "FIREARM - SHOTGUN-ENTER # SHOTS"))
    assert out.notna().all()
    blank_rows = frame[columns].isna().all(axis=1)
    assert blank_rows.sum() == 31 and (out[blank_rows] == "NO").all()
    firearm = frame[columns].apply(lambda c: c.str.startswith("FIREARM", na=False)).any(axis=1)
    assert (out == "YES").sum() == firearm.sum()


@pytest.mark.skipif(not BLOOMINGTON.exists(), reason="real export not available")
def test_bloomington_one_hot_gender_and_race_columns():
    frame = read_single(BLOOMINGTON, None, "utf-8")[0].frame
    gender = flags(frame[list(GENDER)], GENDER)
    assert gender.value_counts().to_dict() == {"M": 57, "F": 20}
    race_columns = {c: label for c, label in zip([c for c in frame.columns if c.startswith("Suspect Race")],
                                                 ["W", "W;H", "B", "B;H", "I", "I;H", "A", "A;H"])}
    race = flags(frame[list(race_columns)], race_columns)
    # one subject has two race columns set: a list element keeps both
    assert race.value_counts().to_dict() == {"W": 53, "B": 21, "W;H": 1, "A": 1, "W;B": 1}
