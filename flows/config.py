"""Agency profile, crosswalks and reference tables: loaded once, checked before any data is read."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.errors import ConfigError
from flows.yamlio import load_yaml
from mappings import MAPPINGS_DIR

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"

TABLES = ("incidents", "subjects", "officers")
SEGMENT_OF = {"incidents": "incident", "subjects": "subject", "officers": "officer"}
OFFENSE_COLUMNS = ("offense1", "offense2", "offense3")
AGENCY_KINDS = ("local", "federal", "tribal")
ORI_PATTERN = re.compile(r"[A-Z0-9]{9}")
PROFILE_KEYS = {
    "agency_ori", "reporting_agency_ori", "agency_kind", "agency_name", "crosswalks", "columns",
    "defaults", "encoding", "reporting_start", "state_program",
}


@dataclass(frozen=True)
class Crosswalk:
    path: Path
    targets: tuple[tuple[str, str], ...]  # (table, column) pairs the map applies to
    mapping: dict[str, tuple[str, ...]]
    sha256: str


@dataclass(frozen=True)
class Profile:
    path: Path
    agency_ori: str
    reporting_agency_ori: str
    agency_kind: str
    crosswalks: tuple[Crosswalk, ...]
    columns: dict[str, dict[str, str]]
    defaults: dict[str, dict[str, str]]
    encoding: str
    sha256: str
    settings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reference:
    """The spec's data dictionary, code tables, offense table, remaps and rule catalog."""

    elements: dict[str, list[dict]]
    codes: dict[str, dict[str, str]]
    offenses: pd.DataFrame
    remaps: list[dict]
    catalog_data: dict
    files: dict[str, str]  # file name -> sha256

    def columns_of(self, table: str) -> list[str]:
        names = [e["name"] for e in self.elements[SEGMENT_OF[table]]]
        return names if table == "incidents" else ["agency_case_number", *names]

    def element(self, table: str, column: str) -> dict | None:
        for e in self.elements[SEGMENT_OF[table]]:
            if e["name"] == column:
                return e
        return None

    def code_table_name(self, table: str, column: str) -> str | None:
        segment = SEGMENT_OF[table]
        name = f"{segment}.offense" if column in OFFENSE_COLUMNS else f"{segment}.{column}"
        return name if name in self.codes else None


def load_reference(mappings_dir: Path = MAPPINGS_DIR, schemas_dir: Path = SCHEMAS_DIR) -> Reference:
    files = {}

    def load(path: Path):
        data, digest = load_yaml(path, strings=False)
        files[path.name] = digest
        if not isinstance(data, dict):
            raise ConfigError(path, "must be a YAML mapping")
        return data

    elements = load(mappings_dir / "elements.yaml")
    codes_doc = load(mappings_dir / "codes.yaml")
    offenses_doc = load(mappings_dir / "offenses.yaml")
    remaps_doc = load(mappings_dir / "remaps.yaml")
    catalog = load(schemas_dir / "catalog.yaml")
    codes = {name: {str(k): str(v) for k, v in (table.get("values") or {}).items()}
             for name, table in (codes_doc.get("tables") or {}).items()}
    offenses = pd.DataFrame(offenses_doc.get("offenses") or [])
    if offenses.empty or "code" not in offenses:
        raise ConfigError(mappings_dir / "offenses.yaml", "has no offenses")
    offenses["code"] = offenses["code"].astype(str)
    return Reference(elements=elements, codes=codes, offenses=offenses,
                     remaps=list(remaps_doc.get("remaps") or []), catalog_data=catalog, files=files)


def _as_mapping(value, path, key) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(path, "must be a mapping", key)
    return value


def _per_table(value, path, key, ref: Reference) -> dict[str, dict[str, str]]:
    out = {t: {} for t in TABLES}
    for table, entries in _as_mapping(value, path, key).items():
        if table not in TABLES:
            raise ConfigError(path, f"unknown table '{table}' (expected one of {', '.join(TABLES)})", key)
        entries = _as_mapping(entries, path, f"{key}.{table}")
        for k, v in entries.items():
            if not isinstance(v, str):
                raise ConfigError(path, "values must be single text values", f"{key}.{table}.{k}")
        out[table] = dict(entries)
    return out


def load_crosswalk(path: Path, ref: Reference) -> Crosswalk:
    data, digest = load_yaml(path, strings=True)
    if not isinstance(data, dict):
        raise ConfigError(path, "must be a mapping with 'element' and 'map'")
    unknown = set(data) - {"element", "table", "map", "description", "notes"}
    if unknown:
        raise ConfigError(path, f"unknown key(s): {', '.join(sorted(unknown))}")
    elements = data.get("element")
    if isinstance(elements, str):
        elements = [elements]
    if not elements or not isinstance(elements, list) or not all(isinstance(e, str) for e in elements):
        raise ConfigError(path, "must name the element (a column name or a list of them)", "element")
    only = data.get("table")
    if only is not None and only not in TABLES:
        raise ConfigError(path, f"unknown table '{only}' (expected one of {', '.join(TABLES)})", "table")
    targets = []
    for column in elements:
        tables = [t for t in TABLES if (only in (None, t)) and ref.element(t, column)]
        if not tables:
            raise ConfigError(path, f"'{column}' is not a data element of the FBI spec"
                              + (f" in table {only}" if only else ""), "element")
        for table in tables:
            if ref.code_table_name(table, column) is None:
                raise ConfigError(path, f"'{column}' has no FBI list of values, so it cannot be crosswalked", "element")
            targets.append((table, column))
    raw_map = data.get("map")
    if not isinstance(raw_map, dict) or not raw_map:
        raise ConfigError(path, "must have a non-empty 'map' of local code -> FBI value", "map")
    mapping = {}
    for local, target in raw_map.items():
        values = target if isinstance(target, list) else [target]
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise ConfigError(path, f"local code '{local}' must map to an FBI value or a list of them", "map")
        values = tuple(v.strip() for v in values)
        for table, column in targets:
            element = ref.element(table, column)
            allowed = ref.codes[ref.code_table_name(table, column)]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ConfigError(path, f"local code '{local}' maps to '{bad[0]}', which is not a valid FBI value "
                                  f"for {column} ({element['id']})", "map")
            if len(values) > 1 and element["type"] != "list":
                raise ConfigError(path, f"local code '{local}' maps to several values but {column} "
                                  f"({element['id']}) holds a single value", "map")
        mapping[local.strip()] = values
    return Crosswalk(path=path, targets=tuple(targets), mapping=mapping, sha256=digest)


def load_profile(path: Path, ref: Reference) -> Profile:
    path = Path(path)
    data, digest = load_yaml(path, strings=True)
    if not isinstance(data, dict):
        raise ConfigError(path, "must be a YAML mapping with at least 'agency_ori'")
    unknown = set(data) - PROFILE_KEYS
    if unknown:
        raise ConfigError(path, f"unknown key(s): {', '.join(sorted(unknown))}")
    ori = data.get("agency_ori")
    if not isinstance(ori, str) or not ORI_PATTERN.fullmatch(ori):
        raise ConfigError(path, "must be the agency's nine-character ORI (letters and digits)", "agency_ori")
    reporting = data.get("reporting_agency_ori", ori)
    if not isinstance(reporting, str) or not ORI_PATTERN.fullmatch(reporting):
        raise ConfigError(path, "must be a nine-character ORI (letters and digits)", "reporting_agency_ori")
    kind = data.get("agency_kind", "local")
    if kind not in AGENCY_KINDS:
        raise ConfigError(path, f"must be one of {', '.join(AGENCY_KINDS)}", "agency_kind")
    columns = _per_table(data.get("columns"), path, "columns", ref)
    defaults = _per_table(data.get("defaults"), path, "defaults", ref)
    for key, per_table, check_values in (("columns", columns, True), ("defaults", defaults, False)):
        for table, entries in per_table.items():
            known = set(ref.columns_of(table))
            for k, v in entries.items():
                canonical = v if check_values else k
                if canonical not in known:
                    raise ConfigError(path, f"'{canonical}' is not a column of table {table}", f"{key}.{table}.{k}")
    for table, entries in columns.items():
        seen = {}
        for rms, canonical in entries.items():
            if canonical in seen:
                raise ConfigError(path, f"both '{seen[canonical]}' and '{rms}' map to '{canonical}'",
                                  f"columns.{table}")
            seen[canonical] = rms
    paths = data.get("crosswalks") or []
    if not isinstance(paths, list):
        raise ConfigError(path, "must be a list of crosswalk file paths", "crosswalks")
    crosswalks = tuple(load_crosswalk((path.parent / p).resolve(), ref) for p in paths)
    claimed = {}
    for cw in crosswalks:
        for target in cw.targets:
            if target in claimed:
                raise ConfigError(cw.path, f"column {target[0]}.{target[1]} is already mapped by {claimed[target].name}")
            claimed[target] = cw.path
    encoding = data.get("encoding", "utf-8")
    try:
        "".encode(encoding)
    except LookupError:
        raise ConfigError(path, f"unknown text encoding '{encoding}'", "encoding") from None
    settings = {k: v for k, v in data.items() if k in ("agency_name", "reporting_start", "state_program")}
    return Profile(path=path, agency_ori=ori, reporting_agency_ori=reporting, agency_kind=kind,
                   crosswalks=crosswalks, columns=columns, defaults=defaults, encoding=encoding,
                   sha256=digest, settings=settings)
