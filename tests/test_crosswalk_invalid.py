"""Known-bad source values: a crosswalk's `invalid:` entries (a typo, a shifted column) with a reason.

They count as configured (`uof crosswalk check` is clean, scaffold lists them and keeps them), and the
monthly run rejects the rows holding them with rule XW-INVALID, whose message gives the value and the
reason (issue 9, "Known-bad source values").
"""
import csv
import re

import pandas as pd
import pytest

from flows.config.load import load_crosswalk, load_reference
from flows.errors import ConfigError
from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile
from transforms.crosswalk_survey import CodedColumn, Lookup, survey

RACE = CodedColumn("subjects", "race_ethnicity_ids", "subject.race_ethnicity_ids", "S2", True,
                   {"W": "White", "B": "Black"})
REASON = "shifted column: a contact type in the race column"
CROSSWALK = ('element: race_ethnicity_ids\ntable: subjects\nmap:\n  WHT: W\n  BLK: B\n'
             f'invalid:\n  "Pursuit": "{REASON}"\n')


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def load(tmp_path, ref, text):
    path = tmp_path / "cw.yaml"
    path.write_text(text, encoding="utf-8")
    return load_crosswalk(path, ref)


def test_invalid_values_load_with_their_reason(tmp_path, ref):
    cw = load(tmp_path, ref, CROSSWALK.replace(f'"{REASON}"', f'"  {REASON}\\n "'))
    assert cw.invalid == {"Pursuit": REASON} and cw.mapping == {"WHT": ("W",), "BLK": ("B",)}


@pytest.mark.parametrize("invalid, error", [
    ('invalid:\n  WHT: "a typo"\n', "'WHT' is both mapped (as 'WHT' in map) and marked invalid"),
    ('invalid:\n  " WHT ": "a typo"\n', "'WHT' is both mapped"),                        # trim applies
    ('case: fold\ninvalid:\n  wht: "a typo"\n', "'wht' is both mapped (as 'WHT' in map)"),  # case: fold applies
    ('invalid:\n  Pursuit: ""\n', "'Pursuit' needs a reason"),
    ('invalid:\n  Pursuit: [a, b]\n', "'Pursuit' needs a reason"),
    ('invalid: [Pursuit]\n', "must be a mapping of local value -> reason"),
    ('case: fold\ninvalid:\n  Pursuit: "x"\n  PURSUIT: "y"\n', "'Pursuit' and 'PURSUIT' are the same value"),
])
def test_invalid_values_config_errors(tmp_path, ref, invalid, error):
    with pytest.raises(ConfigError, match=re.escape(error)) as info:
        load(tmp_path, ref, 'element: race_ethnicity_ids\ntable: subjects\nmap:\n  WHT: W\n' + invalid)
    assert "cw.yaml" in str(info.value) and "invalid" in str(info.value)


def test_case_exact_keeps_differently_cased_values_apart(tmp_path, ref):
    cw = load(tmp_path, ref, 'element: race_ethnicity_ids\ntable: subjects\nmap:\n  WHT: W\n'
                             'invalid:\n  wht: "lower case is a typo here"\n')
    assert cw.invalid == {"wht": "lower case is a typo here"}


def test_survey_counts_invalid_values_as_configured():
    local = {"subjects": pd.DataFrame({"race_ethnicity_ids": pd.Series(["WHT", "Pursuit", "pursuit", "XX", "W;Pursuit"],
                                                                        dtype="str")})}
    lookup = Lookup({"WHT": ("W",)}, case="fold", invalid={"Pursuit": REASON})
    table = survey(local, [RACE], {("subjects", "race_ethnicity_ids"): lookup})
    assert [tuple(r) for r in table[["value", "count", "mapped", "invalid", "unmapped"]].itertuples(index=False)] == [
        ("Pursuit", 2, False, True, False), ("W", 1, False, False, True),
        ("WHT", 1, True, False, False), ("XX", 1, False, False, True), ("pursuit", 1, False, True, False)]
    assert set(table.loc[table["invalid"], "reason"]) == {REASON}


# ------------------------------------------------------------------------------ the CLI and the run

def extract(tmp_path):
    tables = combined(incident("OK-1", subjects__race_ethnicity_ids="WHT"),
                      incident("BAD-1", subjects__race_ethnicity_ids="Pursuit"))
    for row in tables["subjects"]:
        row["Race"] = row.pop("race_ethnicity_ids")
    return write_csv_extract(tmp_path / "x", tables)


def profile(tmp_path, text=CROSSWALK):
    cfg = tmp_path / "cfg"
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "race.yaml").write_text(text, encoding="utf-8")
    return write_profile(cfg, "crosswalks: [race.yaml]\ncolumns:\n  subjects: {Race: race_ethnicity_ids}\n")


def test_check_is_clean_and_lists_the_invalid_values(run_cli, tmp_path):
    code, out, err = run_cli("crosswalk", "check", "--profile", profile(tmp_path), "--source", extract(tmp_path))
    assert code == 0, out + err
    assert "every local code" in out
    assert f"subjects.race_ethnicity_ids (RMS column Race) 'Pursuit': 1 row(s), {REASON}" in out


def test_check_without_the_invalid_entry_reports_the_value_unmapped(run_cli, tmp_path):
    text = CROSSWALK.split("invalid:")[0]
    code, out, _ = run_cli("crosswalk", "check", "--profile", profile(tmp_path, text), "--source", extract(tmp_path))
    assert code == 1 and re.search(r"Pursuit\s+1\s+missing from crosswalk race.yaml", out)


def test_scaffold_lists_invalid_values_as_configured_and_keeps_them(run_cli, tmp_path, ref):
    tables = combined(incident("OK-1", subjects__race_ethnicity_ids="WHT"),
                      incident("BAD-1", subjects__race_ethnicity_ids="Pursuit"),
                      incident("NEW-1", subjects__race_ethnicity_ids="HSP"))
    source = write_csv_extract(tmp_path / "x", tables)
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "race.yaml").write_text(CROSSWALK, encoding="utf-8")
    prof = write_profile(cfg, "crosswalks: [race.yaml]\n")
    code, out, err = run_cli("crosswalk", "scaffold", "--profile", prof, "--source", source, "--out-dir", tmp_path / "sk")
    assert code == 0, err
    assert re.search(rf"1\s+Pursuit\s+invalid \(rows rejected, XW-INVALID: {re.escape(REASON)}\)", out)
    text = (tmp_path / "sk" / "race.yaml").read_text(encoding="utf-8")
    assert '"HSP": ""' in text and '"Pursuit": ""' not in text  # only the unmapped code is left to fill
    (tmp_path / "sk" / "race.yaml").write_text(text.replace('"HSP": ""', '"HSP": "H"'), encoding="utf-8")
    completed = load_crosswalk(tmp_path / "sk" / "race.yaml", ref)
    assert completed.invalid == {"Pursuit": REASON} and completed.mapping["HSP"] == ("H",)


def test_run_rejects_the_row_with_the_value_and_the_reason(run_cli, tmp_path):
    code, out, err = run_cli("run", "--profile", profile(tmp_path), "--source", extract(tmp_path),
                             "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 1, err
    assert "1 valid, 1 rejected" in out
    folder = tmp_path / "out" / "PA0230100" / "2025-10"
    rows = list(csv.DictReader(open(folder / "rejections.csv", encoding="utf-8")))
    assert [(r["agency_case_number"], r["rule_id"], r["element"], r["value"], r["rms_column"], r["local_value"])
            for r in rows] == [("BAD-1", "XW-INVALID", "S2", "Pursuit", "Race", "Pursuit")]  # no S2-LOV beside it
    message = rows[0]["message"]
    assert "'Pursuit' is marked invalid" in message and message.endswith(REASON)
