"""Configuration confinement (issue 11 item 4): the crosswalks a profile names stay inside its folder unless it
lists an allowed root, checked before any of them is opened; YAML tags are refused in every configuration file;
text settings refuse numbers, true/false, dates and empty values; archive_retention_months is a positive whole
number (item 3's setting). The generator writes profiles and crosswalks that name their JSON Schema."""
import importlib.util
import os
import pathlib
import sys
import threading

import pytest

from flows.config.checked import ConfigLineError
from flows.config.load import load_profile, load_reference
from flows.errors import ConfigError
from mappings import MAPPINGS_DIR
from schemas import config_models
from schemas.generate import JSON_DIR
from tests.conftest import AS_OF, REPO, SAMPLE, combined, incident, write_csv_extract, write_profile

CROSSWALK = 'element: location_type\nmap: {HWY: "13", RES: "20"}\n'


@pytest.fixture(scope="module")
def ref():
    return load_reference()


@pytest.fixture
def opened(monkeypatch):
    """Every file the configuration loader reads, resolved."""
    seen, read = [], pathlib.Path.read_bytes

    def spy(self):
        seen.append(self.resolve())
        return read(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", spy)
    return seen


def refused(path, ref) -> ConfigLineError:
    with pytest.raises(ConfigLineError) as caught:
        load_profile(path, ref)
    return caught.value


def setting_refused(tmp_path, ref, key: str, value: str) -> str:
    """The message refusing `key: value` in a profile, which names that key and its line."""
    error = refused(write_profile(tmp_path, f"{key}: {value}\n"), ref)
    assert (error.key, error.line) == (key, 2)
    return error.detail


# ----------------------------------------------------------------------------- crosswalk paths

@pytest.mark.parametrize("entry", ["../outside/cw.yaml", "{outside}/cw.yaml", "sub/../../outside/cw.yaml"])
def test_a_crosswalk_outside_the_profile_folder_is_refused_unread(tmp_path, ref, opened, entry):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "cw.yaml").write_text(CROSSWALK, encoding="utf-8")
    (tmp_path / "cfg" / "ok.yaml").parent.mkdir()
    (tmp_path / "cfg" / "ok.yaml").write_text(CROSSWALK.replace("location_type", "gender").replace(
        '{HWY: "13", RES: "20"}', "{M: M}"), encoding="utf-8")
    entry = entry.format(outside=tmp_path / "outside")
    profile = write_profile(tmp_path / "cfg", f"agency_name: Somewhere PD\ncrosswalks:\n  - ok.yaml\n  - {entry}\n")
    error = refused(profile, ref)
    assert (error.file, error.key, error.line) == (str(profile), "crosswalks[1]", 5)
    assert f"crosswalk '{entry}' ({tmp_path / 'outside' / 'cw.yaml'}) is outside the profile's folder " \
           f"{tmp_path / 'cfg'}" in error.detail
    assert f"listing it under allowed_roots, e.g. allowed_roots: [{tmp_path / 'outside'}]" in error.detail
    assert tmp_path / "outside" / "cw.yaml" not in opened and tmp_path / "cfg" / "ok.yaml" not in opened


def test_a_system_file_named_by_a_crosswalk_path_is_never_read(tmp_path, ref, opened):
    profile = write_profile(tmp_path / "a" / "b", "crosswalks: [../../../../../../../../etc/passwd]\n")
    error = refused(profile, ref)
    assert error.key == "crosswalks[0]" and "(/etc/passwd) is outside the profile's folder" in error.detail
    assert set(opened) == {profile.resolve()}  # read, then read again for the line of the key


def test_a_fifo_outside_the_profile_folder_is_never_opened(tmp_path, ref):
    """Opening a FIFO for reading blocks until a writer comes: the watchdog lets a reader go (it would then read
    nothing and fail differently), so the confinement message proves the FIFO was left alone."""
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    profile = write_profile(tmp_path / "cfg", f"crosswalks: [{fifo}]\n")

    def release_a_reader():
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:  # no reader: nothing was opened
            pass

    watchdog = threading.Timer(5, release_a_reader)
    watchdog.daemon = True
    watchdog.start()
    try:
        error = refused(profile, ref)
    finally:
        watchdog.cancel()
    assert error.key == "crosswalks[0]" and f"({fifo}) is outside the profile's folder" in error.detail


def test_a_symbolic_link_out_of_the_profile_folder_is_refused(tmp_path, ref, opened):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "cw.yaml").write_text(CROSSWALK, encoding="utf-8")
    (tmp_path / "cfg" / "crosswalks").mkdir(parents=True)
    (tmp_path / "cfg" / "crosswalks" / "location.yaml").symlink_to(tmp_path / "elsewhere" / "cw.yaml")
    (tmp_path / "cfg" / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    for entry in ("crosswalks/location.yaml", "linked/cw.yaml"):
        error = refused(write_profile(tmp_path / "cfg", f"crosswalks: [{entry}]\n"), ref)
        assert f"crosswalk '{entry}' ({tmp_path / 'elsewhere' / 'cw.yaml'}) is outside" in error.detail
    assert tmp_path / "elsewhere" / "cw.yaml" not in opened


def test_a_symbolic_link_inside_the_profile_folder_is_followed(tmp_path, ref):
    (tmp_path / "cfg" / "real").mkdir(parents=True)
    (tmp_path / "cfg" / "real" / "cw.yaml").write_text(CROSSWALK, encoding="utf-8")
    (tmp_path / "cfg" / "cw.yaml").symlink_to(tmp_path / "cfg" / "real" / "cw.yaml")
    profile = load_profile(write_profile(tmp_path / "cfg", "crosswalks: [cw.yaml]\n"), ref)
    assert [cw.path for cw in profile.crosswalks] == [tmp_path / "cfg" / "real" / "cw.yaml"]


@pytest.mark.parametrize("roots", ["[../shared]", "../shared", "[{shared}]", "\n  - /nowhere\n  - ../shared/"])
def test_allowed_roots_let_a_profile_read_shared_crosswalks(tmp_path, ref, roots):
    (tmp_path / "shared" / "deep").mkdir(parents=True)
    (tmp_path / "shared" / "deep" / "cw.yaml").write_text(CROSSWALK, encoding="utf-8")
    text = f"allowed_roots: {roots.format(shared=tmp_path / 'shared')}\ncrosswalks: [../shared/deep/cw.yaml]\n"
    profile = load_profile(write_profile(tmp_path / "cfg", text), ref)
    assert [cw.path for cw in profile.crosswalks] == [tmp_path / "shared" / "deep" / "cw.yaml"]


def test_an_allowed_root_does_not_allow_a_folder_whose_name_starts_the_same(tmp_path, ref):
    (tmp_path / "shared-not").mkdir()
    (tmp_path / "shared-not" / "cw.yaml").write_text(CROSSWALK, encoding="utf-8")
    profile = write_profile(tmp_path / "cfg", "allowed_roots: [../shared]\ncrosswalks: [../shared-not/cw.yaml]\n")
    error = refused(profile, ref)
    assert error.key == "crosswalks[0]" and error.line == 3
    assert f"or the folders listed under allowed_roots ({tmp_path / 'shared'})" in error.detail


@pytest.mark.parametrize("value", ['[""]', "{a: b}", "[[a]]", "[/srv, 1: 2]"])
def test_allowed_roots_must_be_folders(tmp_path, ref, value):
    assert "must be a list of folders crosswalks may be read from" in setting_refused(tmp_path, ref, "allowed_roots",
                                                                                      value)


def test_an_escaping_crosswalk_stops_a_run_with_exit_2(run_cli, tmp_path):
    (tmp_path / "cw.yaml").write_text(CROSSWALK, encoding="utf-8")
    profile = write_profile(tmp_path / "cfg", "crosswalks: [../cw.yaml]\n")
    source = write_csv_extract(tmp_path / "x", incident("A-1"))
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10",
                              "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 2 and "UOF-CONFIG" in stderr and "line 2, key 'crosswalks[0]'" in stderr
    assert "allowed_roots" in stderr and not (tmp_path / "out" / "PA0230100" / "2025-10").exists()


def test_replay_of_a_run_reading_an_allowed_root_is_byte_identical(run_cli, tmp_path):
    """The replay lays the archived profile and crosswalks out in its work folder: a relative allowed root
    still holds the crosswalk there."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "location.yaml").write_text(CROSSWALK, encoding="utf-8")
    profile = write_profile(tmp_path / "cfg" / "agency", "allowed_roots: [../../shared]\n"
                                                         "crosswalks: [../../shared/location.yaml]\n")
    tables = combined(incident("A-1", incidents__location_type="HWY"), incident("B-2", incidents__location_type="RES"))
    source = write_csv_extract(tmp_path / "x", tables)
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10", "--out", out,
                              "--as-of", AS_OF)
    assert code == 0, stderr
    code, stdout, stderr = run_cli("replay", "2025-10-001", "--out", out)
    assert code == 0 and "byte-identical" in stdout, stdout + stderr


# ----------------------------------------------------------------------------- YAML tags

TAGS = [("!!python/object:os.system", "echo"), ("!!python/object/apply:os.system", "[echo]"),
        ("!!binary", "S2V5c3RvbmU="), ("!custom", "x"), ("!!str", "x"), ("!<tag:example.org,2024:x>", "x"),
        ("!!set", "{a, b}")]


@pytest.mark.parametrize("tag, value", TAGS)
def test_a_yaml_tag_in_a_profile_is_refused(tmp_path, ref, tag, value):
    path = write_profile(tmp_path, f"agency_kind: local\nagency_name: {tag} {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_profile(path, ref)
    assert str(caught.value) == (f"configuration error in {path}: YAML tags are not allowed (line 3): remove "
                                 f"'{tag}' (configuration files hold plain text, numbers, lists and mappings)")


@pytest.mark.parametrize("tag, value", TAGS[:4])
def test_a_yaml_tag_in_a_crosswalk_is_refused(tmp_path, ref, tag, value):
    (tmp_path / "cw.yaml").write_text(f"element: gender\nmap:\n  MALE: M\n  FEMALE: {tag} {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profile(write_profile(tmp_path, "crosswalks: [cw.yaml]\n"), ref)
    assert caught.value.file == str(tmp_path / "cw.yaml")
    assert f"YAML tags are not allowed (line 4): remove '{tag}'" in caught.value.detail


@pytest.mark.parametrize("tag, value", [("!!python/object/apply:os.system", "[echo]"), ("!!binary", "aGk="),
                                        ("!custom", "x"), ("!!int", '"1"')])
def test_a_yaml_tag_in_a_reference_file_is_refused(tmp_path, tag, value):
    for name in config_models.REFERENCE_MODELS:
        (tmp_path / name).write_bytes((MAPPINGS_DIR / name).read_bytes())
    lines = (tmp_path / "remaps.yaml").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("reason:"))
    lines[at] = lines[at].split(":")[0] + f": {tag} {value}"
    (tmp_path / "remaps.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_reference(mappings_dir=tmp_path)
    assert caught.value.file == str(tmp_path / "remaps.yaml")
    assert f"YAML tags are not allowed (line {at + 1}): remove '{tag}'" in caught.value.detail


def test_an_exclamation_mark_that_is_no_tag_is_text(tmp_path, ref):
    (tmp_path / "cw.yaml").write_text('element: gender\ndescription: "Sex codes!"  # not a tag!\nmap:\n  "M!": M\n',
                                      encoding="utf-8")
    profile = load_profile(write_profile(tmp_path, "agency_name: 'Somewhere PD!'\ncrosswalks: [cw.yaml]\n"), ref)
    assert profile.settings["agency_name"] == "Somewhere PD!" and profile.crosswalks[0].mapping == {"M!": ("M",)}


# ----------------------------------------------------------------------------- text settings

@pytest.mark.parametrize("value, fragment", [
    ("123", "must be text: YAML reads 123 unquoted as a number; write \"123\" in quotes if that is the text meant"),
    ("1.5", "must be text: YAML reads 1.5 unquoted as a number"),
    ("0x1F", "must be text: YAML reads 0x1F unquoted as a number"),
    ("yes", "must be text: YAML reads yes unquoted as true/false"),
    ("false", "must be text: YAML reads false unquoted as true/false"),
    ("2019-07-01", "must be text: YAML reads 2019-07-01 unquoted as a date"),
    ("", "is empty: write the text, or leave the key out"),
    ("~", "is empty"),
    ("[Somewhere, PD]", "must be a single text value"),
    ("{name: Somewhere}", "must be a single text value"),
])
def test_agency_name_must_be_text(tmp_path, ref, value, fragment):
    assert fragment in setting_refused(tmp_path, ref, "agency_name", value)


@pytest.mark.parametrize("value", ['"123"', "'2019-07-01'", "Somewhere PD", '"yes"'])
def test_agency_name_quoted_or_plain_text_is_kept(tmp_path, ref, value):
    profile = load_profile(write_profile(tmp_path, f"agency_name: {value}\n"), ref)
    assert profile.settings["agency_name"] == value.strip("'\"") and type(profile.settings["agency_name"]) is str


@pytest.mark.parametrize("key, value, fragment", [
    ("description", "123", "must be text: YAML reads 123 unquoted as a number"),
    ("notes", "no", "must be text: YAML reads no unquoted as true/false"),
])
def test_crosswalk_prose_must_be_text(tmp_path, ref, key, value, fragment):
    (tmp_path / "cw.yaml").write_text(f"element: gender\n{key}: {value}\nmap: {{M: M}}\n", encoding="utf-8")
    error = refused(write_profile(tmp_path, "crosswalks: [cw.yaml]\n"), ref)
    assert (error.file, error.key, error.line) == (str(tmp_path / "cw.yaml"), key, 2) and fragment in error.detail


def test_codes_and_names_that_look_like_numbers_stay_text(tmp_path, ref):
    """Cell values, codes, column names and encodings are what the export holds: `0`, `01`, `1252` are read as
    typed, never refused and never turned into numbers."""
    (tmp_path / "cw.yaml").write_text("element: gender\ntable: subjects\nmap:\n  01: M\n  1: F\n  NO: UNKNOWN\n",
                                      encoding="utf-8")
    profile = load_profile(write_profile(tmp_path, (
        "encoding: 1252\ncrosswalks: [cw.yaml]\nsource: {null_values: [0, -1, NULL]}\n"
        "parsers:\n  incidents:\n    - {parser: boolean, column: 2019, into: ambushed, blank: [0, -1]}\n")), ref)
    assert profile.encoding == "1252" and profile.null_values == ("0", "-1", "NULL")
    assert profile.crosswalks[0].mapping == {"01": ("M",), "1": ("F",), "NO": ("UNKNOWN",)}
    spec = profile.parsers["incidents"][0]
    assert spec.inputs == ("2019",) and spec.blank == ("0", "-1")
    texts = [*profile.null_values, *spec.inputs, *spec.blank, *profile.crosswalks[0].mapping]
    assert {type(t) for t in texts} == {str}  # plain text: nothing of the loader's marking leaks out


# ----------------------------------------------------------------------------- archive_retention_months

def test_archive_retention_months_loads_as_a_whole_number(tmp_path, ref):
    profile = load_profile(write_profile(tmp_path, "archive_retention_months: 84\n"), ref)
    assert profile.settings["archive_retention_months"] == 84
    assert load_profile(write_profile(tmp_path / "none"), ref).settings["archive_retention_months"] is None
    assert "uof archive prune" in config_models.Profile.model_fields["archive_retention_months"].description


@pytest.mark.parametrize("value, fragment", [
    ("0", "must be a whole number of months, at least 1 (e.g. 24); leave it out to keep the archive for ever"),
    ("-1", "must be a whole number of months, at least 1"),
    ('"12"', "must be a number of months, not text: write 12 without quotes"),
    ("'12'", "not text: write 12 without quotes"),
    ("1.5", "must be a whole number of months, at least 1"),
    ("012", "must be a whole number of months"),
    ("true", "must be a whole number of months"),
    ("twelve", "must be a whole number of months"),
    ("[12]", "must be a whole number of months"),
    ("", "must be a whole number of months"),
])
def test_archive_retention_months_refuses_what_is_not_a_positive_whole_number(tmp_path, ref, value, fragment):
    assert fragment in setting_refused(tmp_path, ref, "archive_retention_months", value)


@pytest.mark.parametrize("value, ok", [(12, True), (1, True), (0, False), (True, False), ("12", False), (1.5, False)])
def test_archive_retention_months_in_the_model(value, ok):
    data = {"agency_ori": "PA0230100", "archive_retention_months": value}
    if ok:
        assert config_models.Profile.model_validate(data).archive_retention_months == value
    else:
        with pytest.raises(ValueError):
            config_models.Profile.model_validate(data)


# ----------------------------------------------------------------------------- the generator's profile

def test_the_generator_writes_files_that_name_their_schema(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("generate_extract", REPO / "scripts" / "generate_extract.py")
    generator = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, generator)  # its dataclasses look their module up
    spec.loader.exec_module(generator)
    profile = generator.write_profile(tmp_path / "written")
    files = [(profile, "profile"), *((p, "crosswalk") for p in sorted((profile.parent / "crosswalks").glob("*.yaml")))]
    assert len(files) == 1 + len(generator.CROSSWALK_FILES)
    for path, kind in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        assert (path.parent / first.split("=", 1)[1]).resolve() == JSON_DIR / f"{kind}.schema.json"
    # written into data/sample, the generator gives the shipped files byte for byte
    assert generator.schema_line("profile", SAMPLE) + generator.profile_text() == (
        SAMPLE / "agency.yaml").read_text(encoding="utf-8")
    for name, make in generator.CROSSWALK_FILES.items():
        assert generator.schema_line("crosswalk", SAMPLE / "crosswalks") + make() == (
            SAMPLE / "crosswalks" / name).read_text(encoding="utf-8")
