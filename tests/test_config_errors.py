"""Bad configuration fails at once, before any data is read, with exit code 2."""
import pytest

from flows.config.load import load_profile, load_reference
from flows.errors import ConfigError
from tests.conftest import AS_OF, incident, write_csv_extract, write_profile


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def profile_with_crosswalk(tmp_path, crosswalk: str, extra: str = ""):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "cw.yaml").write_text(crosswalk, encoding="utf-8")
    return write_profile(tmp_path, "crosswalks: [cw.yaml]\n" + extra)


def test_config_crosswalk_norway_problem_keys_stay_text(tmp_path, ref):
    path = profile_with_crosswalk(tmp_path, "element: ambushed\nmap:\n  NO: \"NO\"\n  Y: YES\n  01: UNKNOWN\n")
    profile = load_profile(path, ref)
    assert profile.crosswalks[0].mapping == {"NO": ("NO",), "Y": ("YES",), "01": ("UNKNOWN",)}


def test_config_crosswalk_applies_to_every_table_with_the_element(tmp_path, ref):
    profile = load_profile(profile_with_crosswalk(tmp_path, "element: gender\nmap: {MALE: M}\n"), ref)
    assert profile.crosswalks[0].targets == (("subjects", "gender"), ("officers", "gender"))
    profile = load_profile(profile_with_crosswalk(tmp_path, "element: gender\ntable: officers\nmap: {MALE: M}\n"), ref)
    assert profile.crosswalks[0].targets == (("officers", "gender"),)


@pytest.mark.parametrize("crosswalk, fragment", [
    ("element: location_type\nmap:\n  RES: \"99\"\n", "'99', which is not a valid FBI value for location_type (I7)"),
    ("element: location_typo\nmap: {RES: \"20\"}\n", "not a data element"),
    ("element: agency_case_number\nmap: {A: B}\n", "no FBI list of values"),
    ("element: location_type\nmap:\n  RES: \"20\"\n  RES: \"13\"\n", "duplicate key"),
    ("element: location_type\nmap: {RES: [\"20\", \"13\"]}\n", "holds a single value"),
    ("element: [offense1, offense2]\nmap: {THEFT: \"23Z\"}\n", "'23Z'"),
    ("element: location_type\n", "needs 'map': local code -> FBI value"),
    ("element: location_type\nmap: {RES: \"20\"\n", "not valid YAML"),
    ("element: gender\ntable: suspects\nmap: {M: M}\n", "key 'table': 'suspects' is not one of incidents, subjects, "
                                                       "officers"),
])
def test_config_bad_crosswalk_is_rejected(tmp_path, ref, crosswalk, fragment):
    with pytest.raises(ConfigError) as exc:
        load_profile(profile_with_crosswalk(tmp_path, crosswalk), ref)
    assert fragment in str(exc.value) and "cw.yaml" in str(exc.value)


@pytest.mark.parametrize("text, fragment", [
    ('agency_ori: "PA02301"\n', "agency_ori"),
    ('agency_ori: "PA0230100"\nagency_kind: county\n', "agency_kind"),
    ('agency_ori: "PA0230100"\ncolumns:\n  incidents:\n    CaseNo: case_no\n', "not a column of table incidents"),
    ('agency_ori: "PA0230100"\nagency_oir: x\n', "unknown key"),
    ('agency_ori: "PA0230100"\ncrosswalks: [missing.yaml]\n', "file not found"),
    ('agency_ori: "PA0230100"\nencoding: klingon\n', "encoding"),
])
def test_config_bad_profile_is_rejected(tmp_path, ref, text, fragment):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_profile(path, ref)
    assert fragment in str(exc.value)


def test_config_error_exits_2_before_reading_data(run_cli, tmp_path):
    profile = profile_with_crosswalk(tmp_path, "element: location_type\nmap: {RES: \"99\"}\n")
    missing_source = tmp_path / "not-there"  # would be an input error if the data were read first
    code, _, stderr = run_cli("run", "--profile", profile, "--source", missing_source, "--month", "2025-10",
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 2 and "configuration error" in stderr and "cw.yaml" in stderr


def test_config_crosswalk_unmapped_value_rejects_incident(run_cli, tmp_path):
    profile = profile_with_crosswalk(tmp_path / "cfg", "element: location_type\nmap: {HWY: \"13\", RES: \"20\"}\n")
    source = write_csv_extract(tmp_path / "x", incident(incidents__location_type="PARKLOT"))
    code, _, _ = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10",
                         "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 1
    text = (tmp_path / "out" / "PA0230100" / "2025-10" / "rejections.csv").read_text()
    assert "XW-UNMAPPED" in text and "PARKLOT" in text and "I7-LOV" not in text


def test_config_crosswalk_mapped_value_is_emitted(run_cli, tmp_path):
    profile = profile_with_crosswalk(tmp_path / "cfg", "element: location_type\nmap: {HWY: \"13\", RES: \"20\"}\n")
    source = write_csv_extract(tmp_path / "x", incident(incidents__location_type="RES"))
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10",
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 0, stderr
    import json
    msg = json.loads(next((tmp_path / "out" / "PA0230100" / "2025-10").glob("PA*_0001.json")).read_text())
    assert msg["Incident"]["location_type"] == "20"
