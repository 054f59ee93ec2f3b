"""`uof crosswalk scaffold|check` and the survey behind them.

The CLI tests walk the path an IT person takes: scaffold on an extract holding local codes, fill the
skeletons in, check (exit 0), run the month (exit 0).
"""
import re
import stat

import pandas as pd
import pytest

from flows.config.load import load_crosswalk, load_profile, load_reference
from flows.errors import ConfigError
from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile
from transforms.crosswalk_survey import CodedColumn, coded_columns, crosswalk_maps, local_codes, survey


@pytest.fixture(scope="module")
def ref():
    return load_reference()


# ---------------------------------------------------------------------------------------- the survey

RACE = CodedColumn("subjects", "race_ethnicity_ids", "subject.race_ethnicity_ids", "S2", True,
                   {"W": "White", "H": "Hispanic", "B": "Black"})
GENDER = CodedColumn("subjects", "gender", "subject.gender", "S3", False, {"M": "Male", "F": "Female"})
LOCATION = CodedColumn("incidents", "location_type", "incident.location_type", "I7", False,
                       {"13": "Street", "20": "Residence"})


def frames(**tables):
    return {t: pd.DataFrame({c: pd.Series(v, dtype="str") for c, v in cols.items()}) for t, cols in tables.items()}


def as_rows(table, *columns):
    return [tuple(r) for r in table[list(columns)].itertuples(index=False)]


def test_survey_splits_multi_valued_cells_and_counts_rows(ref):
    local = frames(subjects={"race_ethnicity_ids": ["WHT;HSP", "WHT", "WHT;WHT", None, "W", "BLK;W"]})
    table = survey(local, [RACE], {("subjects", "race_ethnicity_ids"): {"WHT": ("W",), "HSP": ("H",)}})
    # a code counts once per row; W is an FBI value, but the column has a crosswalk that lacks it
    assert as_rows(table, "value", "count", "mapped", "fbi_value", "unmapped") == [
        ("WHT", 3, True, False, False), ("W", 2, False, True, True), ("BLK", 1, False, False, True),
        ("HSP", 1, True, False, False)]
    assert set(table["table"]) == {"subjects"} and set(table["code_table"]) == {"subject.race_ethnicity_ids"}


def test_survey_without_crosswalk_marks_fbi_values_valid_and_the_rest_unmapped():
    local = frames(subjects={"gender": ["M", "MALE", "M", None, "F", "MALE", "MALE"]})
    table = survey(local, [GENDER], {})
    assert as_rows(table, "value", "count", "crosswalked", "fbi_value", "unmapped") == [
        ("MALE", 3, False, False, True), ("M", 2, False, True, False), ("F", 1, False, True, False)]


def test_survey_does_not_split_single_valued_columns():
    local = frames(incidents={"location_type": ["RES;APT", "RES", "13"]})
    table = survey(local, [LOCATION], {("incidents", "location_type"): {"RES": ("20",)}})
    assert as_rows(table, "value", "count", "mapped", "unmapped") == [
        ("13", 1, False, True), ("RES", 1, True, False), ("RES;APT", 1, False, True)]


def test_survey_skips_blank_and_absent_columns_and_lists_only_coded_columns(ref):
    local = frames(incidents={"location_type": [None, None], "address_1": ["100 Main St", "2 Oak Rd"],
                              "agency_case_number": ["CASE-1", "CASE-2"]},
                   subjects={"gender": ["M", "M"]})
    table = survey(local, coded_columns(ref), {})
    assert as_rows(table, "table", "column", "value", "count") == [("subjects", "gender", "M", 2)]
    empty = survey(frames(subjects={"gender": [None]}), [GENDER], {})
    assert empty.empty and list(empty.columns) == list(table.columns)


def test_coded_columns_follow_the_code_tables(ref):
    columns = {(c.table, c.column): c for c in coded_columns(ref)}
    assert columns[("incidents", "offense2")].code_table == "incident.offense"
    assert columns[("subjects", "race_ethnicity_ids")].multi and not columns[("officers", "gender")].multi
    assert "M" in columns[("officers", "gender")].codes
    for free_text in ("agency_case_number", "address_1", "address_city", "incident_date", "nibrs_incident_number"):
        assert ("incidents", free_text) not in columns
    assert ("subjects", "weight1") not in columns


def test_survey_gives_the_fbi_target_of_mapped_codes():
    local = frames(subjects={"race_ethnicity_ids": ["WHH", "WHT;WHH", "X"]})
    table = survey(local, [RACE], {("subjects", "race_ethnicity_ids"): {"WHT": ("W",), "WHH": ("W", "H")}})
    assert [(v, None if pd.isna(t) else t) for v, t in zip(table["value"], table["target"])] == [
        ("WHH", "W;H"), ("WHT", "W"), ("X", None)]


@pytest.mark.skipif(not hasattr(__import__("transforms.crosswalk").crosswalk, "lookup_keys"),
                    reason="crosswalk lookup options (trim/case) not available")
def test_survey_looks_codes_up_as_the_run_does():
    from transforms.crosswalk_survey import Lookup

    local = frames(subjects={"gender": ["Male", "MALE", "male", "Female"]})
    table = survey(local, [GENDER], {("subjects", "gender"): Lookup({"MALE": ("M",)}, case="fold")})
    assert as_rows(table, "value", "mapped") == [("Female", False), ("MALE", True), ("Male", True), ("male", True)]
    assert table["target"].iloc[1:].tolist() == ["M", "M", "M"] and pd.isna(table["target"].iloc[0])
    exact = survey(local, [GENDER], {("subjects", "gender"): Lookup({"MALE": ("M",)})})
    assert exact.loc[exact["mapped"], "value"].tolist() == ["MALE"]


def test_local_codes_ignores_repeated_index_labels():
    s = pd.Series(["A;B", "A"], index=[7, 7], dtype="str")
    assert as_rows(local_codes(s, True), "value", "count") == [("A", 2), ("B", 1)]


def test_crosswalk_maps_cover_every_target(tmp_path, ref):
    (tmp_path / "g.yaml").write_text("element: gender\nmap: {MALE: M}\n", encoding="utf-8")
    profile = load_profile(write_profile(tmp_path, "crosswalks: [g.yaml]\n"), ref)
    maps = crosswalk_maps(profile.crosswalks)
    assert set(maps) == {("subjects", "gender"), ("officers", "gender")}
    assert maps[("subjects", "gender")].mapping == {"MALE": ("M",)}


# -------------------------------------------------------------------------------------------- the CLI

def local_extract():
    """Two incidents in local RMS codes, with a few values that are already FBI values."""
    first = incident("KP-1", incidents__location_type="RES", incidents__initial_contact_id="CFS",
                     incidents__offense1="DUI", incidents__offense2="THEFT",
                     incidents__nibrs_incident_number_pu_ids="PND",
                     subjects__gender="MALE", subjects__race_ethnicity_ids="WHT;HSP",
                     subjects__force_type_ids="HANDS;TASER", officers__gender="MALE",
                     officers__race_ethnicity_ids="WHH")
    second = incident("KP-2", incidents__location_type="STR",
                      incidents__initial_contact_id="CRIMINAL_SUSPICIOUS_ACTIVITY",
                      incidents__offense1="THEFT", incidents__nibrs_incident_number_pu_ids="PENDING",
                      subjects__gender="M", subjects__race_ethnicity_ids="W;BLK", subjects__force_type_ids="PHYSICAL",
                      officers__gender="FEMALE", officers__race_ethnicity_ids="W")
    return combined(first, second)


ANSWERS = {
    "incidents.location_type.yaml": {"RES": '"20"', "STR": '"13"'},
    "incidents.initial_contact_id.yaml": {"CFS": '"CRIMINAL_SUSPICIOUS_ACTIVITY"'},
    "incidents.offense.yaml": {"DUI": '"90D"', "THEFT": '"23H"'},
    "incidents.nibrs_incident_number_pu_ids.yaml": {"PND": '"PENDING"'},
    "subjects.gender.yaml": {"MALE": '"M"'},
    "officers.gender.yaml": {"MALE": '"M"', "FEMALE": '"F"'},
    "subjects.race_ethnicity_ids.yaml": {"WHT": '"W"', "HSP": '"H"', "BLK": '"B"'},
    "officers.race_ethnicity_ids.yaml": {"WHH": '["W", "H"]'},
    "subjects.force_type_ids.yaml": {"HANDS": '"PHYSICAL"', "TASER": '"ELECTRONIC"'},
}
PERSONAL = ("KP-1", "KP-2", "100 Main St", "Springfield", "15445")


def fill(path, answers):
    """What the IT person does in an editor: replace each "" with the FBI value."""
    text = path.read_text(encoding="utf-8")
    for local, target in answers.items():
        line = f'"{local}": ""'
        assert line in text, (path.name, local)
        text = text.replace(line, f'"{local}": {target}')
    assert not re.search(r'^\s*"[^"]*": ""', text, re.M), path.name
    path.write_text(text, encoding="utf-8")


def test_scaffold_fill_check_run(run_cli, tmp_path, ref):
    source = write_csv_extract(tmp_path / "extract", local_extract())
    cfg = tmp_path / "cfg"
    profile = write_profile(cfg)
    # 1. check: the local codes are reported, with counts, and nothing personal
    code, out, err = run_cli("crosswalk", "check", "--profile", profile, "--source", source)
    assert code == 1, err
    assert re.search(r"incidents.*location_type.*RES\s+1\s+no crosswalk and not an FBI value", out)
    assert re.search(r"subjects.*race_ethnicity_ids.*WHT\s+1", out)
    assert "  M " not in out and not any(p in out + err for p in PERSONAL)
    # 2. scaffold: one skeleton per element to map, into <profile folder>/crosswalks.scaffold, 0600
    code, out, err = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source)
    assert code == 0, err
    assert not any(p in out + err for p in PERSONAL)
    assert re.search(r"MALE\s+UNMAPPED", out) and re.search(r"\n\s+1\s+M\s+FBI value", out)
    folder = cfg / "crosswalks.scaffold"
    written = sorted(p.name for p in folder.iterdir())
    assert written == sorted(ANSWERS)
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not any(p in path.read_text(encoding="utf-8") for p in PERSONAL)
    gender = (folder / "subjects.gender.yaml").read_text(encoding="utf-8")
    assert '"M": "M"  # 1 row(s)' in gender and '"MALE": ""  # 1 row(s)' in gender  # FBI value kept as is
    assert '#   "F"' in gender and "Female" in gender  # the FBI codes and their descriptions
    offense = (folder / "incidents.offense.yaml").read_text(encoding="utf-8")
    assert 'element: ["offense1", "offense2", "offense3"]' in offense and '"THEFT": ""  # 2 row(s)' in offense
    race = (folder / "subjects.race_ethnicity_ids.yaml").read_text(encoding="utf-8")
    assert all(f'"{c}": ""' in race for c in ("WHT", "HSP", "BLK")) and '"W": "W"' in race
    # 3. an unfilled skeleton in the profile is an error (exit 2), naming the file and the code
    listed = "".join(f"  - crosswalks.scaffold/{name}\n" for name in sorted(ANSWERS))
    profile = write_profile(cfg, "crosswalks:\n" + listed)
    code, _, err = run_cli("crosswalk", "check", "--profile", profile, "--source", source)
    assert code == 2 and "must map to an FBI value" in err and "crosswalks.scaffold" in err
    # 4. fill in the blanks: every skeleton is now a valid crosswalk
    for name, answers in ANSWERS.items():
        fill(folder / name, answers)
        load_crosswalk(folder / name, ref)
    code, out, err = run_cli("crosswalk", "check", "--profile", profile, "--source", source)
    assert code == 0, out + err
    assert "every local code" in out
    # 5. the month runs clean
    code, out, err = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10",
                             "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 0, out + err
    assert "2 valid, 0 rejected" in out
    # 6. a new scaffold finds nothing left to fill and writes nothing
    code, out, _ = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source,
                           "--out-dir", tmp_path / "again")
    assert code == 0 and "Nothing to fill in" in out and not (tmp_path / "again").exists()


def test_scaffold_completes_an_existing_crosswalk(run_cli, tmp_path, ref):
    source = write_csv_extract(tmp_path / "extract", combined(
        incident("KP-1", incidents__location_type="RES"), incident("KP-2", incidents__location_type="WHSE"),
        incident("KP-3", incidents__location_type="13")))
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "premise.yaml").write_text('# local premises\nelement: location_type\ndescription: "Premise codes"\n'
                                      'map:\n  RES: "20"   # residence\n  APT: "20"\n', encoding="utf-8")
    profile = write_profile(cfg, "crosswalks: [premise.yaml]\n")
    code, out, _ = run_cli("crosswalk", "check", "--profile", profile, "--source", source)
    assert code == 1
    assert re.search(r"WHSE\s+1\s+missing from crosswalk premise.yaml", out)
    assert re.search(r"13\s+1\s+missing from crosswalk premise.yaml \(also an FBI value\)", out)
    code, out, err = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source,
                             "--out-dir", tmp_path / "sk")
    assert code == 0, err
    assert re.search(r"RES\s+mapped -> 20", out)
    skeleton = tmp_path / "sk" / "premise.yaml"
    text = skeleton.read_text(encoding="utf-8")
    assert '"RES": "20"' in text and '"APT": "20"' in text and 'description: "Premise codes"' in text
    assert '"13": ""  # 1 row(s); also an FBI value' in text and '"WHSE": ""  # 1 row(s)' in text
    fill(skeleton, {"WHSE": '"48"', "13": '"13"'})
    (cfg / "premise.yaml").write_text(skeleton.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_profile(profile, ref).crosswalks[0].mapping == {
        "RES": ("20",), "APT": ("20",), "WHSE": ("48",), "13": ("13",)}
    code, out, err = run_cli("crosswalk", "check", "--profile", profile, "--source", source)
    assert code == 0, out + err


def test_scaffold_never_overwrites_without_force(run_cli, tmp_path):
    source = write_csv_extract(tmp_path / "extract", incident(subjects__gender="MALE"))
    profile = write_profile(tmp_path / "cfg")
    args = ("crosswalk", "scaffold", "--profile", profile, "--source", source)
    assert run_cli(*args)[0] == 0
    skeleton = tmp_path / "cfg" / "crosswalks.scaffold" / "subjects.gender.yaml"
    skeleton.write_text("my edits\n", encoding="utf-8")
    code, _, err = run_cli(*args)
    assert code == 2 and "already exists" in err and "--force" in err and len(err.strip().splitlines()) == 1
    assert skeleton.read_text(encoding="utf-8") == "my edits\n"
    code, _, err = run_cli(*args, "--force")
    assert code == 0, err
    assert '"MALE": ""' in skeleton.read_text(encoding="utf-8")
    assert stat.S_IMODE(skeleton.stat().st_mode) == 0o600


def test_scaffold_element_filter(run_cli, tmp_path):
    source = write_csv_extract(tmp_path / "extract", incident(subjects__gender="MALE", officers__gender="MALE",
                                                              incidents__location_type="RES"))
    profile = write_profile(tmp_path / "cfg")
    out_dir = tmp_path / "sk"
    code, out, err = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source,
                             "--out-dir", out_dir, "--element", "gender")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["officers.gender.yaml", "subjects.gender.yaml"]
    assert "location_type" not in out
    code, _, _ = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source,
                         "--out-dir", out_dir, "--element", "incidents.location_type", "--force")
    assert code == 0 and (out_dir / "incidents.location_type.yaml").exists()
    code, _, err = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source,
                           "--element", "address_1")
    assert code == 2 and "not a coded element" in err


def test_check_keeps_failing_on_invalid_crosswalk_targets(run_cli, tmp_path):
    source = write_csv_extract(tmp_path / "extract", incident(incidents__location_type="RES"))
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "cw.yaml").write_text('element: location_type\nmap:\n  RES: "99"\n', encoding="utf-8")
    code, out, err = run_cli("crosswalk", "check", "--profile", write_profile(cfg, "crosswalks: [cw.yaml]\n"),
                             "--source", source)
    assert code == 2 and out == "" and "'99', which is not a valid FBI value" in err


def test_check_is_clean_on_fbi_coded_extract(run_cli, tmp_path):
    source = write_csv_extract(tmp_path / "extract", incident())
    code, out, _ = run_cli("crosswalk", "check", "--profile", write_profile(tmp_path / "cfg"), "--source", source)
    assert code == 0 and "every local code" in out


def test_skeleton_is_not_a_valid_crosswalk_until_filled(run_cli, tmp_path, ref):
    source = write_csv_extract(tmp_path / "extract", incident(subjects__gender="MALE"))
    profile = write_profile(tmp_path / "cfg")
    assert run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source)[0] == 0
    with pytest.raises(ConfigError, match="'MALE' must map to an FBI value"):
        load_crosswalk(tmp_path / "cfg" / "crosswalks.scaffold" / "subjects.gender.yaml", ref)


def test_scaffold_never_writes_over_a_crosswalk_in_use(run_cli, tmp_path):
    source = write_csv_extract(tmp_path / "extract", incident(subjects__gender="FEMALE"))
    live = tmp_path / "cfg" / "crosswalks.scaffold" / "subjects.gender.yaml"
    live.parent.mkdir(parents=True)
    live.write_text('element: gender\ntable: subjects\nmap:\n  MALE: "M"\n', encoding="utf-8")
    profile = write_profile(tmp_path / "cfg", "crosswalks: [crosswalks.scaffold/subjects.gender.yaml]\n")
    code, _, err = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source, "--force")
    assert code == 2 and "crosswalk in use" in err
    assert live.read_text(encoding="utf-8").endswith('MALE: "M"\n')
