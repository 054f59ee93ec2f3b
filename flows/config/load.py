"""Agency profile, crosswalks and reference tables: loaded once, checked before any data is read."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.errors import ConfigError
from flows.config.yamlio import load_yaml
from mappings import MAPPINGS_DIR
from schemas import SCHEMAS_DIR
from transforms.deadlines import DEFAULT_PROGRAM, PROGRAMS
from transforms.layouts import COLLAPSE_POLICIES, LAYOUTS
from transforms.parsers import (COMMON_OPTIONS, EXCEL_FORMATS, PARSERS, ParserSpec, format_problem, stamps,
                                zone_problem)

TABLES = ("incidents", "subjects", "officers")
SEGMENT_OF = {"incidents": "incident", "subjects": "subject", "officers": "officer"}
OFFENSE_COLUMNS = ("offense1", "offense2", "offense3")
AGENCY_KINDS = ("local", "federal", "tribal")
ORI_PATTERN = re.compile(r"[A-Z0-9]{9}")
PROFILE_KEYS = {
    "agency_ori", "reporting_agency_ori", "agency_kind", "agency_name", "crosswalks", "columns",
    "defaults", "encoding", "reporting_start", "state_program", "justice_counts_robbery", "layout", "parsers", "source",
    "extract_period", "precedence", "when_blank", "additional_agency_oris",
}
CROSSWALK_KEYS = {"element", "table", "map", "invalid", "description", "notes", "trim", "case"}
CROSSWALK_CASES = ("exact", "fold")
SOURCE_KEYS = {"sheet", "null_values", "keep_rows"}
ROW_FILTER_KEYS = {"column", "in", "not_in", "table"}
LAYOUT_KEYS = {
    "tables": {"kind"},
    "flat": {"kind", "incident_key", "incidents", "subjects", "officers"},
    "incident-lists": {"kind", "incident_key", "separator", "incidents", "subjects", "officers"},
}
SEGMENT_KEYS = {
    "flat": {"incidents": {"collapse"}, "subjects": {"key", "collapse", "count", "must_agree"},
             "officers": {"key", "collapse", "count", "must_agree"}},
    "incident-lists": {"incidents": set(), "subjects": {"lists", "shared_when_several", "count"},
                       "officers": {"lists", "shared_when_several", "count"}},
}


@dataclass(frozen=True)
class Crosswalk:
    path: Path
    targets: tuple[tuple[str, str], ...]  # (table, column) pairs the map applies to
    mapping: dict[str, tuple[str, ...]]
    sha256: str
    trim: bool = True  # surrounding spaces ignored, inner runs of spaces count as one
    case: str = "exact"  # exact | fold (local codes looked up case-insensitively)
    # known-bad local values -> reason: configured, but rows holding them are rejected (XW-INVALID)
    invalid: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LayoutSegment:
    """Per-table layout options (see transforms/layouts.py)."""

    key: tuple[str, ...] = ()
    collapse: dict = field(default_factory=dict)
    lists: tuple[str, ...] = ()
    shared_when_several: dict = field(default_factory=dict)
    count: str | None = None  # subjects/officers: built from this incident column's count (no own columns)
    must_agree: tuple[str, ...] = ()  # flat: columns the rows of one subject/officer must agree on


@dataclass(frozen=True)
class Layout:
    """How the extract is organised: `tables` (three tables), `flat` or `incident-lists` (one sheet)."""

    kind: str = "tables"
    incident_key: str | None = None  # RMS column; for flat/incident-lists it also feeds agency_case_number
    separator: str = ";"
    segments: dict = field(default_factory=lambda: {t: LayoutSegment() for t in TABLES})


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
    layout: Layout = field(default_factory=Layout)
    parsers: dict = field(default_factory=lambda: {t: () for t in TABLES})  # table -> (ParserSpec, ...)
    sheet: str | None = None  # source.sheet: the workbook sheet of a one-sheet layout
    # table -> element -> ranks (each a tuple of FBI values): which value wins when rows or entries disagree
    precedence: dict = field(default_factory=lambda: {t: {} for t in TABLES})
    # table -> element -> FBI value written where the export's cell is blank (the column exists)
    when_blank: dict = field(default_factory=lambda: {t: {} for t in TABLES})
    null_values: tuple[str, ...] = ()  # source.null_values: cell texts that mean "empty" in this export
    keep_rows: tuple = ()  # source.keep_rows: (transforms.source_rows.RowFilter, ...), all must hold

    def source_columns(self, table: str) -> list[str]:
        """RMS columns that feed `table`: renamed by `columns`, read by a parser, or named by the layout."""
        names = list(self.columns[table])
        for spec in self.parsers[table]:
            names += list(spec.inputs)
        segment = self.layout.segments[table]
        names += list(segment.key) + list(segment.lists) + list(segment.must_agree)
        if table == "incidents":  # counts of the other segments are incident columns
            names += [self.layout.segments[t].count for t in TABLES if self.layout.segments[t].count]
        if self.layout.incident_key:
            names.insert(0, self.layout.incident_key)
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Reference:
    """The spec's data dictionary, code tables, offense table, remaps and rule catalog."""

    elements: dict[str, list[dict]]
    codes: dict[str, dict[str, str]]
    offenses: pd.DataFrame
    remaps: list[dict]
    catalog_data: dict
    files: dict[str, str]  # file name -> sha256
    catalog_path: Path = SCHEMAS_DIR / "catalog.yaml"  # named by a catalog error (UOF-CONFIG)

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
                     remaps=list(remaps_doc.get("remaps") or []), catalog_data=catalog, files=files,
                     catalog_path=schemas_dir / "catalog.yaml")


def _as_mapping(value, path, key) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(path, "must be a mapping", key)
    return value


def _additional_oris(value, path) -> tuple[str, ...]:
    """`additional_agency_oris: [ORI, ...]`: other agencies (I1) whose incidents this profile submits."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(path, "must be a list of nine-character ORIs, e.g. [\"IL0160100\"]", "additional_agency_oris")
    for i, ori in enumerate(value):
        if not isinstance(ori, str) or not ORI_PATTERN.fullmatch(ori):
            raise ConfigError(path, f"'{ori}' is not a nine-character ORI (capital letters and digits)",
                              f"additional_agency_oris[{i}]")
    return tuple(value)


def _extract_period(value, path) -> tuple[str, str] | None:
    """`extract_period: {from: YYYY-MM, to: YYYY-MM}`: the months the extract covers (zero reports)."""
    from transforms.coverage import period_problem

    if value is None:
        return None
    value = _as_mapping(value, path, "extract_period")
    if set(value) != {"from", "to"}:
        raise ConfigError(path, "must be a mapping with exactly 'from' and 'to', e.g. "
                          "{from: \"2019-07\", to: \"2019-09\"}", "extract_period")
    problem = period_problem(value["from"], value["to"])
    if problem:
        raise ConfigError(path, problem, "extract_period")
    return value["from"], value["to"]


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
    unknown = set(data) - CROSSWALK_KEYS
    if unknown:
        raise ConfigError(path, f"unknown key(s): {', '.join(sorted(unknown))} "
                          f"(a crosswalk has {', '.join(sorted(CROSSWALK_KEYS))})")
    trim = _flag(data.get("trim", "true"), path, "trim")
    case = data.get("case", "exact")
    if case not in CROSSWALK_CASES:
        raise ConfigError(path, f"must be {' or '.join(CROSSWALK_CASES)} (fold: local codes match whatever "
                          "their upper/lower case)", "case")
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
    mapping, seen = {}, {}
    all_lists = all(ref.element(t, c)["type"] == "list" for t, c in targets)
    for local, target in raw_map.items():
        values = target if isinstance(target, list) else [target]
        if not values and isinstance(target, list) and all_lists:
            values = []  # `[]`: the local code adds no FBI value to the list (e.g. a display of a weapon)
        elif not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise ConfigError(path, f"local code '{local}' must map to an FBI value or a list of them"
                              + (" ([] only for a multi-valued element)" if isinstance(target, list) else ""),
                              "map")
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
        folded = crosswalk_key(local.strip(), trim, case)
        if folded in seen and mapping[seen[folded]] != values:
            raise ConfigError(path, f"local codes '{seen[folded]}' and '{local.strip()}' are the same code once "
                              f"{'case is folded and ' if case == 'fold' else ''}spaces are trimmed, but map to "
                              "different FBI values", "map")
        seen.setdefault(folded, local.strip())
        mapping[local.strip()] = values
    invalid = _invalid_values(data.get("invalid"), seen, path, trim, case)
    return Crosswalk(path=path, targets=tuple(targets), mapping=mapping, sha256=digest, trim=trim, case=case,
                     invalid=invalid)


def _invalid_values(raw, mapped: dict[str, str], path, trim: bool, case: str) -> dict[str, str]:
    """`invalid: {LOCAL: REASON}`: known-bad local values (a typo, a shifted column). `mapped` holds the
    lookup form of every mapped code: a value may not be both mapped and invalid."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(path, "must be a mapping of local value -> reason it is invalid", "invalid")
    out, seen = {}, {}
    for local, reason in raw.items():
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(path, f"local value '{local}' needs a reason (why the value is invalid, shown to "
                              "the analyst with each rejected row)", "invalid")
        folded = crosswalk_key(local.strip(), trim, case)
        if folded in mapped:
            raise ConfigError(path, f"local value '{local.strip()}' is both mapped (as '{mapped[folded]}' in map) and "
                              "marked invalid: keep it in one of them", "invalid")
        if folded in seen:
            raise ConfigError(path, f"local values '{seen[folded]}' and '{local.strip()}' are the same value once "
                              f"{'case is folded and ' if case == 'fold' else ''}spaces are trimmed: list it once",
                              "invalid")
        seen[folded] = local.strip()
        out[local.strip()] = " ".join(reason.split())
    return out


def crosswalk_key(code: str, trim: bool, case: str) -> str:
    """The form in which a local code is looked up (same as transforms/crosswalk.py:lookup_keys)."""
    if trim:
        code = " ".join(code.split())
    return code.casefold() if case == "fold" else code


def _flag(value, path, key) -> bool:
    if value not in ("true", "false"):
        raise ConfigError(path, "must be true or false", key)
    return value == "true"


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
    robbery = data.get("justice_counts_robbery", "person")
    if robbery not in ("person", "property"):
        raise ConfigError(path, "must be person or property (how Justice Counts counts robbery, 120)",
                          "justice_counts_robbery")
    _check_program(data, path)
    settings = {k: v for k, v in data.items() if k in ("agency_name", "reporting_start", "state_program")}
    settings["justice_counts_robbery"] = robbery
    settings["extract_period"] = _extract_period(data.get("extract_period"), path)
    settings["additional_agency_oris"] = _additional_oris(data.get("additional_agency_oris"), path)
    layout = _layout(data.get("layout"), path, columns)
    if layout.kind != "tables":
        for table in TABLES:  # the incident key is the case number of every table
            if layout.incident_key not in columns[table] and "agency_case_number" not in columns[table].values():
                columns[table] = {layout.incident_key: "agency_case_number", **columns[table]}
    parsers = _parsers(data.get("parsers"), path, ref, columns, defaults)
    source = _source(data.get("source"), path, layout)
    precedence = _precedence(data.get("precedence"), path, ref)
    when_blank = _when_blank(data.get("when_blank"), path, ref)
    return Profile(path=path, agency_ori=ori, reporting_agency_ori=reporting, agency_kind=kind,
                   crosswalks=crosswalks, columns=columns, defaults=defaults, encoding=encoding,
                   sha256=digest, settings=settings, layout=layout, parsers=parsers, **source,
                   precedence=precedence, when_blank=when_blank)


def _check_program(data: dict, path: Path) -> None:
    """state_program and reporting_start (read by `uof status`) are checked when the profile loads, by every
    command, so a typo stops `uof run` too instead of surfacing months later in `status`."""
    state_programs = sorted(set(PROGRAMS) - {DEFAULT_PROGRAM})
    name = data.get("state_program")
    if name is not None and name not in state_programs:
        raise ConfigError(path, f"must be one of {', '.join(state_programs)} (leave it out for the federal rules)",
                          "state_program")
    start = data.get("reporting_start")
    if start is not None and not (isinstance(start, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", start, re.ASCII)):
        raise ConfigError(path, "must be a month written YYYY-MM", "reporting_start")


# ----------------------------------------------------------------------------- layout, parsers, source

def _text_list(value, path, key, minimum: int = 1) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or len(value) < minimum or not all(isinstance(v, str) and v.strip()
                                                                       for v in value):
        raise ConfigError(path, f"must be a list of {'at least ' + str(minimum) + ' ' if minimum > 1 else ''}"
                          "column names or values (text)", key)
    return tuple(v.strip() for v in value)


def _text_map(value, path, key) -> dict[str, str]:
    value = _as_mapping(value, path, key)
    for k, v in value.items():
        if not isinstance(v, str):
            raise ConfigError(path, "values must be single text values", f"{key}.{k}")
    return {k.strip(): v for k, v in value.items()}


def _layout(value, path, columns) -> Layout:
    if value is None:
        return Layout()
    if isinstance(value, str):
        value = {"kind": value}
    value = _as_mapping(value, path, "layout")
    kind = value.get("kind")
    if kind not in LAYOUTS:
        raise ConfigError(path, f"must name the layout of the extract: {', '.join(LAYOUTS)}", "layout.kind")
    unknown = set(value) - LAYOUT_KEYS[kind]
    if unknown:
        raise ConfigError(path, f"unknown option(s) for layout {kind}: {', '.join(sorted(unknown))} "
                          f"(allowed: {', '.join(sorted(LAYOUT_KEYS[kind]))})", "layout")
    if kind == "tables":
        return Layout()
    case_column = next((rms for rms, c in columns["incidents"].items() if c == "agency_case_number"), None)
    key = value.get("incident_key", case_column)
    if not isinstance(key, str) or not key.strip():
        raise ConfigError(path, "must name the RMS column that identifies an incident (its case number); "
                          "or map that column to agency_case_number under columns.incidents", "layout.incident_key")
    key = key.strip()
    if case_column is not None and case_column != key:
        raise ConfigError(path, f"'{key}' is not the column mapped to agency_case_number under columns.incidents "
                          f"('{case_column}'): the incident key is the case number", "layout.incident_key")
    separator = value.get("separator", ";")
    if not isinstance(separator, str) or not separator:
        raise ConfigError(path, "must be the character(s) separating the entries of a list cell",
                          "layout.separator")
    segments = {}
    for table in TABLES:
        where = f"layout.{table}"
        options = _as_mapping(value.get(table), path, where)
        unknown = set(options) - SEGMENT_KEYS[kind][table]
        if unknown:
            allowed = ", ".join(sorted(SEGMENT_KEYS[kind][table])) or "none"
            raise ConfigError(path, f"unknown option(s) for the {table} of layout {kind}: "
                              f"{', '.join(sorted(unknown))} (allowed: {allowed})", where)
        collapse = _text_map(options.get("collapse"), path, f"{where}.collapse")
        for column, policy in collapse.items():
            if policy not in COLLAPSE_POLICIES:
                raise ConfigError(path, f"must be one of {', '.join(COLLAPSE_POLICIES)}", f"{where}.collapse.{column}")
        seg_key = _text_list(options["key"], path, f"{where}.key") if "key" in options else ()
        lists = _text_list(options["lists"], path, f"{where}.lists") if "lists" in options else ()
        if kind == "incident-lists" and table != "incidents" and "lists" not in options and "count" not in options:
            raise ConfigError(path, "must list the columns holding one entry per "
                              f"{table[:-1]} (position-aligned lists), e.g. lists: [Officers Race, Officers Sex]",
                              f"{where}.lists")
        several = _text_map(options.get("shared_when_several"), path, f"{where}.shared_when_several")
        count = options.get("count")
        if count is not None and (not isinstance(count, str) or not count.strip()):
            raise ConfigError(path, f"must name the incident column holding the number of {table} (the export "
                              f"has no {table[:-1]} columns)", f"{where}.count")
        if count is not None and (seg_key or "lists" in options or "collapse" in options):
            raise ConfigError(path, f"the {table} are built from a count: they have no key, lists or collapse "
                              "of their own", f"{where}.count")
        clash = [c for c in several if c in lists]
        if clash:
            raise ConfigError(path, f"'{clash[0]}' is a list column, not a shared one", f"{where}.shared_when_several")
        agree = _text_list(options["must_agree"], path, f"{where}.must_agree") if "must_agree" in options else ()
        segments[table] = LayoutSegment(key=seg_key, collapse=collapse, lists=lists, shared_when_several=several,
                                        count=count.strip() if count else None, must_agree=agree)
    return Layout(kind=kind, incident_key=key, separator=separator, segments=segments)


def _check_format(fmt, path, key, parser: str):
    import datetime as dt

    if fmt in EXCEL_FORMATS:
        return
    if not isinstance(fmt, str) or "%" not in fmt:
        raise ConfigError(path, "must be a date/time format such as \"%m/%d/%Y %I:%M:%S %p\" "
                          "(codes: %Y year, %m month, %d day, %H hour 0-23, %I hour 1-12, %M minute, %S second, "
                          "%p AM/PM, %z UTC offset), or excel-serial for Excel serial numbers", key)
    problem = format_problem(fmt, parser)
    if problem:
        raise ConfigError(path, problem, key)
    zone = dt.timezone(dt.timedelta(hours=-6)) if "%z" in fmt else None
    sample = dt.datetime(2021, 11, 23, 21, 47, 35, tzinfo=zone)
    want = {"years_of_service": "date"}.get(parser, parser)
    try:
        text = sample.strftime(fmt)
        back, _ = stamps(pd.Series([text], dtype="str"), fmt, want, "America/Chicago")
    except (ValueError, TypeError) as exc:
        raise ConfigError(path, f"'{fmt}' is not a usable date/time format ({str(exc).splitlines()[0][:80]})",
                          key) from None
    if back.isna().any():
        raise ConfigError(path, f"'{fmt}' is not a usable date/time format", key)


def _parser(entry, path, key, table: str, ref: Reference) -> ParserSpec:
    entry = _as_mapping(entry, path, key)
    name = entry.get("parser")
    if name not in PARSERS:
        raise ConfigError(path, f"unknown parser '{name}' (parsers: {', '.join(sorted(PARSERS))})", f"{key}.parser")
    kind = PARSERS[name]
    if name in ("datetime", "date", "time") and table != "incidents":
        raise ConfigError(path, f"parser {name} writes the incident's date or time: put it under parsers.incidents",
                          f"{key}.parser")
    allowed = set(COMMON_OPTIONS) | set(kind.required) | set(kind.optional)
    unknown = set(entry) - allowed
    if unknown:
        raise ConfigError(path, f"unknown option(s) for parser {name}: {', '.join(sorted(unknown))} "
                          f"(allowed: {', '.join(sorted(allowed - {'parser'}))})", key)
    missing = [o for o in kind.required if o not in entry]
    if missing:
        raise ConfigError(path, f"parser {name} needs '{missing[0]}'", key)
    labels = {}
    if kind.inputs == "labels":
        if "column" in entry or "columns" not in entry:
            raise ConfigError(path, f"parser {name} reads 'columns': a mapping of RMS column -> value listed when "
                              "the column says yes", f"{key}.columns")
        labels = _text_map(entry["columns"], path, f"{key}.columns")
        if not labels:
            raise ConfigError(path, "must name at least one column", f"{key}.columns")
        inputs = tuple(labels)
    elif kind.inputs == "columns":
        if "column" in entry:
            raise ConfigError(path, f"parser {name} reads 'columns' (a list), not 'column'", f"{key}.column")
        inputs = _text_list(entry.get("columns"), path, f"{key}.columns", minimum=2)
    elif kind.inputs == "column_or_columns" and "columns" in entry:
        if "column" in entry:
            raise ConfigError(path, "give either 'column' (one cell) or 'columns' (several), not both", key)
        inputs = _text_list(entry["columns"], path, f"{key}.columns", minimum=2)
        if name == "coordinates" and len(inputs) != 2:
            raise ConfigError(path, "must name two columns: latitude, longitude", f"{key}.columns")
    else:
        if "columns" in entry:
            raise ConfigError(path, f"parser {name} reads one 'column'", f"{key}.columns")
        if not isinstance(entry.get("column"), str) or not entry["column"].strip():
            raise ConfigError(path, f"parser {name} needs 'column': the RMS column it reads", f"{key}.column")
        inputs = (entry["column"].strip(),)
    default = kind.default_into.get(table, kind.default_into.get("*"))
    into = _text_list(entry["into"], path, f"{key}.into") if "into" in entry else default
    if into is None:
        raise ConfigError(path, f"parser {name} needs 'into': the element(s) of {table} it writes", key)
    if len(into) not in kind.outputs:
        counts = (f"{kind.outputs[0]} to {kind.outputs[-1]}" if len(kind.outputs) > 2
                  else " or ".join(map(str, kind.outputs)))
        raise ConfigError(path, f"parser {name} writes {counts} element(s), {len(into)} given", f"{key}.into")
    known = set(ref.columns_of(table))
    when_blank = _text_map(entry.get("when_blank"), path, f"{key}.when_blank")
    for column in (*into, *when_blank):
        if column not in known:
            raise ConfigError(path, f"'{column}' is not a column of table {table}", f"{key}.into"
                              if column in into else f"{key}.when_blank")
    if "if_blank" in entry and set(when_blank) & set(into):
        raise ConfigError(path, "if_blank and when_blank both give the value for a blank input: keep one",
                          f"{key}.when_blank")
    if name == "split" and len(into) > 1:
        lists = [c for c in into if (ref.element(table, c) or {}).get("type") in ("list", "agencies")]
        if lists:
            raise ConfigError(path, f"'{lists[0]}' holds a list: split into several elements writes entry i into "
                              "single-valued element i (e.g. [offense1, offense2, offense3]); for a list element "
                              "write into it alone", f"{key}.into")
    blank = _text_list(entry["blank"], path, f"{key}.blank") if "blank" in entry else ()
    options = {o: entry.get(o, d) for o, d in kind.optional.items()}
    options.update({o: entry[o] for o in kind.required})
    for option, value in options.items():
        where = f"{key}.{option}"
        if option == "values":
            options[option] = _text_list(value, path, where)
        elif option == "format":
            if value is not None:
                _check_format(value, path, where, name)
        elif option == "timezone":
            problem = zone_problem(value) if value is not None else None
            if problem:
                raise ConfigError(path, problem, where)
        elif option == "trim":
            _flag(value, path, where)
        elif option in kind.choices:
            if value not in kind.choices[option]:
                raise ConfigError(path, f"must be one of {', '.join(kind.choices[option])}", where)
        elif value is not None and not isinstance(value, str):  # "" allowed: a blank result
            raise ConfigError(path, "must be a single text value", where)
        elif option == "separator" and not value:
            raise ConfigError(path, "must not be empty", where)
    return ParserSpec(parser=name, inputs=inputs, into=tuple(into), options=options, blank=blank,
                      when_blank=when_blank, labels=labels, key=key)


def _parsers(value, path, ref: Reference, columns, defaults) -> dict[str, tuple[ParserSpec, ...]]:
    out = {t: () for t in TABLES}
    for table, entries in _as_mapping(value, path, "parsers").items():
        if table not in TABLES:
            raise ConfigError(path, f"unknown table '{table}' (expected one of {', '.join(TABLES)})", "parsers")
        if not isinstance(entries, list):
            raise ConfigError(path, "must be a list of parser entries (- parser: NAME ...)", f"parsers.{table}")
        specs = tuple(_parser(e, path, f"parsers.{table}[{i}]", table, ref) for i, e in enumerate(entries))
        written = {}
        mapped = {canonical: rms for rms, canonical in columns[table].items()}
        for spec in specs:
            for column in spec.writes:
                if column in written:
                    raise ConfigError(path, f"'{column}' is written by both {written[column]} and {spec.key}", spec.key)
                if column in mapped:
                    raise ConfigError(path, f"'{column}' is written by this parser and also mapped from RMS column "
                                      f"'{mapped[column]}' under columns.{table}: keep one", spec.key)
                if column in defaults[table]:
                    raise ConfigError(path, f"'{column}' is written by this parser, so the default under "
                                      f"defaults.{table} would never apply: remove one", spec.key)
                written[column] = spec.key
        out[table] = specs
    return out


def _element_key(key: str, path, where: str, ref: Reference) -> list[tuple[str, str]]:
    """`element` (every table holding it) or `table.element` as (table, element) pairs."""
    table, _, element = key.rpartition(".")
    if table and table not in TABLES:
        raise ConfigError(path, f"unknown table '{table}' (expected one of {', '.join(TABLES)})", where)
    tables = [table] if table else list(TABLES)
    pairs = [(t, element) for t in tables if ref.element(t, element)]
    if not pairs:
        raise ConfigError(path, f"'{element}' is not a data element of the FBI spec"
                          + (f" in table {table}" if table else ""), where)
    return pairs


def _precedence(value, path, ref: Reference) -> dict:
    """`precedence: {element or table.element: [best, ..., worst]}`; a rank may list several values."""
    out = {t: {} for t in TABLES}
    for key, ranks in _as_mapping(value, path, "precedence").items():
        where = f"precedence.{key}"
        if not isinstance(ranks, list) or len(ranks) < 2:
            raise ConfigError(path, "must rank at least two FBI values, best first, e.g. [DEATH, OTHER_SERIOUS_INJURY, "
                              "NONE, PENDING] (a rank may be a list of values that win together)", where)
        parsed = tuple(_text_list(r, path, where) for r in ranks)
        flat = [v for r in parsed for v in r]
        if len(set(flat)) != len(flat):
            raise ConfigError(path, "names a value twice", where)
        for table, element in _element_key(str(key), path, where, ref):
            codes = ref.code_table_name(table, element)
            if codes is None:
                raise ConfigError(path, f"'{element}' has no FBI list of values to rank", where)
            bad = [v for v in flat if v not in ref.codes[codes]]
            if bad:
                raise ConfigError(path, f"'{bad[0]}' is not an FBI value of {table}.{element} "
                                  f"({ref.element(table, element)['id']})", where)
            out[table][element] = parsed
    return out


def _when_blank(value, path, ref: Reference) -> dict:
    """`when_blank: {table: {element: VALUE}}`: VALUE where the export's cell is blank (the column exists;
    `defaults` covers a column the export does not have). VALUE must be an FBI value of the element."""
    out = {t: {} for t in TABLES}
    for table, entries in _per_table(value, path, "when_blank", ref).items():
        for element, fill in entries.items():
            where = f"when_blank.{table}.{element}"
            info = ref.element(table, element)
            if info is None:
                raise ConfigError(path, f"'{element}' is not a column of table {table}", where)
            codes = ref.code_table_name(table, element)
            allowed = ref.codes.get(codes, {}) if codes else {}
            values = fill.split(";") if info["type"] == "list" else [fill]
            if not fill or (codes and any(v not in allowed for v in values)):
                hint = [v for v in ("PENDING", "UNKNOWN") if v in allowed]
                raise ConfigError(path, f"'{fill}' is not an FBI value of {table}.{element} ({info['id']})"
                                  + (f": use {' or '.join(hint)}" if hint else ""), where)
            out[table][element] = fill
    return out


def _source(value, path, layout: Layout) -> dict:
    value = _as_mapping(value, path, "source")
    unknown = set(value) - SOURCE_KEYS
    if unknown:
        raise ConfigError(path, f"unknown option(s): {', '.join(sorted(unknown))} "
                          f"(allowed: {', '.join(sorted(SOURCE_KEYS))})", "source")
    sheet = value.get("sheet")
    if sheet is not None:
        if not isinstance(sheet, str) or not sheet.strip():
            raise ConfigError(path, "must be the name of the workbook sheet holding the export", "source.sheet")
        if layout.kind == "tables":
            raise ConfigError(path, "applies to the one-sheet layouts (flat, incident-lists); the tables layout "
                              "reads the sheets incidents, subjects and officers", "source.sheet")
        sheet = sheet.strip()
    nulls = value.get("null_values", [])
    if (not isinstance(nulls, list) or not all(isinstance(v, str) and v.strip() for v in nulls)):
        raise ConfigError(path, "must be a list of cell texts that mean 'empty' in this export, e.g. "
                          "[\"NULL\", \"-\", \"N/A\"] (each non-blank; compared case-sensitively after "
                          "trimming spaces)", "source.null_values")
    return {"sheet": sheet, "null_values": tuple(dict.fromkeys(v.strip() for v in nulls)),
            "keep_rows": _row_filters(value.get("keep_rows"), path, layout)}


def _row_filters(value, path, layout: Layout) -> tuple:
    """`source.keep_rows`: one condition or a list of them, `{column: C, in: [..]}` or `{column: C,
    not_in: [..]}`, plus `table:` with the tables layout. A row is kept when every condition holds."""
    from transforms.source_rows import RowFilter

    if value is None:
        return ()
    entries = [value] if isinstance(value, dict) else value
    if not isinstance(entries, list) or not entries:
        raise ConfigError(path, "must be a condition {column: NAME, in: [VALUES]} (or not_in), or a list of "
                          "them", "source.keep_rows")
    out = []
    for i, entry in enumerate(entries):
        key = f"source.keep_rows[{i}]" if isinstance(value, list) else "source.keep_rows"
        entry = _as_mapping(entry, path, key)
        unknown = set(entry) - ROW_FILTER_KEYS
        if unknown:
            raise ConfigError(path, f"unknown option(s): {', '.join(sorted(unknown))} "
                              f"(allowed: {', '.join(sorted(ROW_FILTER_KEYS))})", key)
        column = entry.get("column")
        if not isinstance(column, str) or not column.strip():
            raise ConfigError(path, "needs 'column': the export column the condition reads", key)
        modes = [m for m in ("in", "not_in") if m in entry]
        if len(modes) != 1:
            raise ConfigError(path, "needs exactly one of 'in' (keep rows holding one of these values) or "
                              "'not_in' (keep rows holding none of them)", key)
        values = entry[modes[0]]
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise ConfigError(path, "must be a list of cell values (text; \"\" stands for a blank cell)",
                              f"{key}.{modes[0]}")
        table = entry.get("table")
        if layout.kind == "tables":
            if table not in TABLES:
                raise ConfigError(path, f"needs 'table' ({', '.join(TABLES)}): the tables layout reads three "
                                  "tables", key)
        elif table is not None:
            raise ConfigError(path, f"'table' applies to the tables layout only; the {layout.kind} layout "
                              "filters the rows of its one sheet", key)
        out.append(RowFilter(column=column.strip(), values=tuple(dict.fromkeys(v.strip() for v in values)),
                             keep=modes[0] == "in", table=table))
    return tuple(out)
