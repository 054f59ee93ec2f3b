"""Typed configuration (schemas/config_models.py): the shipped JSON Schemas and docs/settings-reference.md are
what the models generate; every shipped profile and crosswalk passes its JSON Schema (as an editor reads it)
and loads; a bad setting is a ConfigError naming the file, the key path and the line, before any data is read."""
import json
import re

import jsonschema
import pytest
import yaml
from pydantic import BaseModel

from flows.config.checked import ConfigLineError, line_of
from flows.config.load import load_profile, load_reference
from flows.errors import ConfigError
from mappings import MAPPINGS_DIR
from schemas import config_models
from schemas.generate import JSON_DIR, json_schema, outputs
from tests.conftest import AS_OF, REPO, write_profile

SAMPLES = REPO / "data" / "sample"
PROFILES = sorted([SAMPLES / "agency.yaml", *(SAMPLES / "real").glob("*.yaml")])
CROSSWALKS = sorted([*(SAMPLES / "crosswalks").glob("*.yaml"), *(SAMPLES / "real" / "crosswalks").rglob("*.yaml")])


@pytest.fixture(scope="module")
def ref():
    return load_reference()


# ----------------------------------------------------------------------------- generated files are current

@pytest.mark.parametrize("path", sorted(outputs()), ids=lambda p: p.name)
def test_committed_schema_and_reference_are_what_the_models_generate(path):
    assert path.exists() and path.read_text(encoding="utf-8") == outputs()[path], (
        f"{path.name} is out of date: run python -m schemas.generate --write")


def test_every_setting_is_described_in_its_model():
    seen, todo, undescribed = set(), [config_models.Profile, config_models.Crosswalk,
                                      *config_models.REFERENCE_MODELS.values()], []
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            if not (info.description or "").strip():
                undescribed.append(f"{model.__name__}.{name}")
            todo += [t for t in _models_in(info.annotation) if t not in seen]
    assert len(seen) > 20 and undescribed == []


def _models_in(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _models_in(arg)
    for arg in getattr(annotation, "__metadata__", ()) or ():
        yield from _models_in(arg)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and getattr(annotation, "__metadata__", None):
        yield from _models_in(origin)


# ----------------------------------------------------------------------------- shipped files, as an editor reads them

class Yaml12(yaml.SafeLoader):
    """YAML 1.2 core schema, as yaml-language-server reads a file: `NO` and `Y` are text, `true` a boolean,
    `01` a number, no dates."""


Yaml12.yaml_implicit_resolvers = {}
for tag, pattern, first in (
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
        ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                  r"|\.(?:nan|NaN|NAN))$", "-+0123456789."),
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])):
    Yaml12.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(pattern), list(first))
Yaml12.add_constructor("tag:yaml.org,2002:int", lambda loader, node: int(loader.construct_scalar(node), 0)
                       if loader.construct_scalar(node)[:2] in ("0o", "0x") else int(loader.construct_scalar(node)))


def as_json(value):
    """Mapping keys as text, as JSON (and yaml-language-server, which writes a key `true` as "true") has them."""
    if isinstance(value, dict):
        return {(str(k).lower() if isinstance(k, bool) else str(k)): as_json(v) for k, v in value.items()}
    return [as_json(v) for v in value] if isinstance(value, list) else value


def schema_errors(kind: str, document) -> list[str]:
    validator = jsonschema.Draft202012Validator(json_schema(kind))
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def editor_view(path):
    return as_json(yaml.load(path.read_text(encoding="utf-8"), Loader=Yaml12))


def test_the_shipped_files_are_all_found():
    assert len(PROFILES) == 5 and len(CROSSWALKS) >= 30


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.name)
def test_shipped_profile_passes_its_json_schema_and_loads(path, ref):
    assert schema_errors("profile", editor_view(path)) == []
    assert load_profile(path, ref).agency_ori


@pytest.mark.parametrize("path", CROSSWALKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_crosswalk_passes_its_json_schema(path):
    assert schema_errors("crosswalk", editor_view(path)) == []


@pytest.mark.parametrize("path, kind", [*((p, "profile") for p in PROFILES), *((p, "crosswalk") for p in CROSSWALKS)],
                         ids=lambda p: p if isinstance(p, str) else f"{p.parent.name}/{p.name}")
def test_shipped_files_name_their_schema_for_editors(path, kind):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    assert (path.parent / first.split("=", 1)[1]).resolve() == JSON_DIR / f"{kind}.schema.json"


@pytest.mark.parametrize("name", sorted(config_models.REFERENCE_MODELS))
def test_reference_file_passes_its_json_schema(name):
    document = yaml.safe_load((MAPPINGS_DIR / name).read_text(encoding="utf-8"))
    assert schema_errors(name.removesuffix(".yaml"), as_json(document)) == []


@pytest.mark.parametrize("text, wrong", [
    ("agency_ori: PA0230100\nagency_oir: PA0230100\n", "agency_oir"),
    ("agency_ori: pa0230100\n", "agency_ori"),
    ("agency_ori: PA0230100\nlayout: {kind: flat, officers: {lists: [A]}}\n", "layout"),
    ("agency_ori: PA0230100\nparsers: {incidents: [{parser: time, column: X, timezone: UTC}]}\n", "parsers"),
])
def test_the_json_schema_flags_what_uof_refuses(text, wrong):
    errors = schema_errors("profile", as_json(yaml.load(text, Loader=Yaml12)))
    assert errors and all(e.startswith(wrong) or wrong in e for e in errors), errors


# ----------------------------------------------------------------------------- errors: file, key path, line

@pytest.mark.parametrize("text, key, line, fragment", [
    # unknown key at depth
    ("layout:\n  kind: flat\n  incident_key: Case\n  subjects:\n    cout: N\n", "layout.subjects", 6,
     "unknown option(s): cout (allowed: collapse, count, key, must_agree)"),
    ("parsers:\n  incidents:\n    - parser: boolean\n      column: X\n      into: ambushed\n      colour: red\n",
     "parsers.incidents[0]", 7, "unknown option(s) for parser boolean: colour"),
    # wrong type
    ("columns:\n  incidents: [CaseNo]\n", "columns.incidents", 3, "must be a mapping"),
    ("source:\n  sheet: [A, B]\n", "source.sheet", 3, "must be a single text value"),
    # bad value of a closed list
    ("agency_kind: county\n", "agency_kind", 2, "'county' is not one of local, federal, tribal"),
    ("layout:\n  kind: flat\n  incident_key: Case\n  officers:\n    collapse:\n      Level: biggest\n",
     "layout.officers.collapse.Level", 7, "'biggest' is not one of distinct, first, max, min"),
    ("parsers:\n  incidents:\n    - {parser: datetimes, column: X}\n", "parsers.incidents[0].parser", 4,
     "unknown parser 'datetimes'"),
    # bad ORI
    ('additional_agency_oris:\n  - "PA0230200"\n  - "pa0230300"\n', "additional_agency_oris[1]", 4,
     "'pa0230300' is not a nine-character ORI"),
    ('reporting_agency_ori: "PA02302"\n', "reporting_agency_ori", 2, "'PA02302' is not a nine-character ORI"),
    # checks that need the reference carry the line too
    ("parsers:\n  incidents:\n    - parser: datetime\n      column: X\n      timezone: CST\n",
     "parsers.incidents[0].timezone", 6, "daylight saving"),
    ("precedence:\n  subjects.injury_type_ids: [DEATH, HURT]\n", "precedence.subjects.injury_type_ids", 3,
     "'HURT' is not an FBI value"),
])
def test_bad_profile_names_file_key_and_line(tmp_path, ref, text, key, line, fragment):
    path = write_profile(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_profile(path, ref)
    error = caught.value
    assert isinstance(error, ConfigLineError) and (error.file, error.key, error.line) == (str(path), key, line)
    assert f"configuration error in {path}, line {line}, key '{key}': " in str(error) and fragment in error.detail


@pytest.mark.parametrize("crosswalk, key, line, fragment", [
    ("element: gender\nmap:\n  MALE: M\ntrim: maybe\n", "trim", 4, "must be true or false"),
    ("element: gender\nmaps:\n  MALE: M\n", None, 2, "unknown key(s): maps"),
    ("element: gender\nmap:\n  MALE: M\n  FEMALE: {F: F}\n", "map", 2, "local code 'FEMALE' must map to an FBI value"),
    ("element: gender\nmap:\n  MALE: X\n", "map", 2, "'X', which is not a valid FBI value for gender"),
])
def test_bad_crosswalk_names_its_file_key_and_line(tmp_path, ref, crosswalk, key, line, fragment):
    (tmp_path / "cw.yaml").write_text(crosswalk, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profile(write_profile(tmp_path, "crosswalks: [cw.yaml]\n"), ref)
    error = caught.value
    assert error.file == str(tmp_path / "cw.yaml") and error.key == key and fragment in error.detail
    assert getattr(error, "line", None) == line


def test_a_missing_required_key_is_named(tmp_path, ref):
    path = tmp_path / "agency.yaml"
    path.write_text("agency_name: Somewhere PD\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs 'agency_ori': the agency's nine-character ORI"):
        load_profile(path, ref)


def test_line_of_falls_back_to_the_enclosing_key():
    lines = {"layout": 2, "layout.subjects": 5, "parsers.incidents[0]": 4}
    assert [line_of(k, lines) for k in ("layout.subjects.lists", "parsers.incidents[0].into", "encoding")] == [
        5, 4, None]


def test_a_broken_reference_file_names_its_key_and_line(tmp_path):
    for name in config_models.REFERENCE_MODELS:
        (tmp_path / name).write_bytes((MAPPINGS_DIR / name).read_bytes())
    text = (tmp_path / "elements.yaml").read_text(encoding="utf-8")
    (tmp_path / "elements.yaml").write_text(text.replace("type: date,", "type: datum,", 1), encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "type: date," in row)
    with pytest.raises(ConfigLineError) as caught:
        load_reference(mappings_dir=tmp_path)
    assert caught.value.key == "incident[2].type" and caught.value.line == line
    assert "'datum' is not one of string" in caught.value.detail


def test_a_bad_setting_stops_the_run_before_any_data_is_read(run_cli, tmp_path):
    profile = write_profile(tmp_path, "layout:\n  kind: flat\n  incident_key: Case\n  officer: {count: N}\n")
    code, _, stderr = run_cli("run", "--profile", profile, "--source", tmp_path / "not-there.xlsx",
                              "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 2 and "UOF-CONFIG" in stderr and "line 5, key 'layout': unknown option(s): officer" in stderr
    assert "not-there" not in stderr and not (tmp_path / "out").exists()


def test_schema_files_are_shipped_as_package_data():
    import tomllib

    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "json/*.schema.json" in data["tool"]["setuptools"]["package-data"]["schemas"]
    assert sorted(p.name for p in JSON_DIR.glob("*.schema.json")) == sorted(
        f"{k}.schema.json" for k in ("profile", "crosswalk", "state", "elements", "codes", "offenses", "remaps"))
    assert json.loads((JSON_DIR / "profile.schema.json").read_text())["properties"]["agency_ori"]["pattern"]
