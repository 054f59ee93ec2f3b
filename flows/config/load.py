"""Agency profile, crosswalks and reference tables: loaded once, checked before any data is read.

Each file is first validated by its model in schemas/config_models.py (keys, types, allowed values); the
checks here are those that need the FBI reference (element names, code values) or several settings at once.
Every error names the file, the key and its line (flows/config/checked.py). The crosswalks a profile names
must lie inside its folder or a folder it lists under allowed_roots: checked before any of them is opened."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.config.checked import located, validated
from flows.config.yamlio import load_yaml, plain
from flows.errors import ConfigError
from mappings import MAPPINGS_DIR
from schemas import SCHEMAS_DIR
from schemas import config_models as models
from schemas.config_models import TABLES
from transforms.parsers import EXCEL_FORMATS, PARSERS, ParserSpec, format_problem, stamps, zone_problem
from transforms.source_rows import RowFilter

SEGMENT_OF = {"incidents": "incident", "subjects": "subject", "officers": "officer"}
OFFENSE_COLUMNS = ("offense1", "offense2", "offense3")


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

    def load(path: Path, model=None) -> dict:
        with located(path):
            data, digest = load_yaml(path, strings=False)
            files[path.name] = digest
            if model is not None:
                validated(model, data, path)
            elif not isinstance(data, dict):
                raise ConfigError(path, "must be a YAML mapping")
        return data

    docs = {name: load(mappings_dir / name, model) for name, model in models.REFERENCE_MODELS.items()}
    catalog = load(schemas_dir / "catalog.yaml")  # checked rule by rule by schemas/catalog.py
    codes = {name: {str(k): str(v) for k, v in table["values"].items()}
             for name, table in docs["codes.yaml"]["tables"].items()}
    offenses = pd.DataFrame(docs["offenses.yaml"]["offenses"])
    offenses["code"] = offenses["code"].astype(str)
    return Reference(elements=docs["elements.yaml"], codes=codes, offenses=offenses,
                     remaps=list(docs["remaps.yaml"].get("remaps") or []), catalog_data=catalog, files=files,
                     catalog_path=schemas_dir / "catalog.yaml")


def load_crosswalk(path: Path, ref: Reference) -> Crosswalk:
    with located(path):
        return _crosswalk(path, ref)


def _crosswalk(path: Path, ref: Reference) -> Crosswalk:
    data, digest = load_yaml(path, strings=True)
    spec = validated(models.Crosswalk, data, path)
    only, trim, case = spec.table, spec.trim, spec.case
    targets = []
    for column in spec.element:
        tables = [t for t in TABLES if (only in (None, t)) and ref.element(t, column)]
        if not tables:
            raise ConfigError(path, f"'{column}' is not a data element of the FBI spec"
                              + (f" in table {only}" if only else ""), "element")
        for table in tables:
            if ref.code_table_name(table, column) is None:
                raise ConfigError(path, f"'{column}' has no FBI list of values, so it cannot be crosswalked", "element")
            targets.append((table, column))
    mapping, seen = {}, {}
    all_lists = all(ref.element(t, c)["type"] == "list" for t, c in targets)
    for local, target in spec.map.items():
        values = target if isinstance(target, list) else [target]
        if not values and isinstance(target, list) and all_lists:
            values = []  # `[]`: the local code adds no FBI value to the list (e.g. a display of a weapon)
        elif not values or not all(v.strip() for v in values):
            raise ConfigError(path, f"local code '{local}' {models.TARGET}"
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
    invalid = _invalid_values(spec.invalid, seen, path, trim, case)
    return Crosswalk(path=path, targets=tuple(targets), mapping=mapping, sha256=digest, trim=trim, case=case,
                     invalid=invalid)


def _invalid_values(raw: dict[str, str], mapped: dict[str, str], path, trim: bool, case: str) -> dict[str, str]:
    """`invalid: {LOCAL: REASON}`: known-bad local values (a typo, a shifted column). `mapped` holds the
    lookup form of every mapped code: a value may not be both mapped and invalid."""
    out, seen = {}, {}
    for local, reason in raw.items():
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


def load_profile(path: Path, ref: Reference, extra_roots: tuple[Path, ...] = ()) -> Profile:
    """`extra_roots`: folders the program itself allows besides the profile's (a replay's work folder, where the
    archived crosswalks are laid out as they lay around the profile then)."""
    path = Path(path)
    with located(path):
        return _profile(path, ref, tuple(Path(r).resolve() for r in extra_roots))


def confined_file(profile_path: Path, roots: tuple[Path, ...], entry: str, key: str, what: str = "crosswalk") -> Path:
    """A crosswalk file the profile names (in `crosswalks:` or a report's section), resolved (symbolic links followed) and refused unless inside one of `roots` (the
    profile's folder first, then its allowed_roots): nothing is opened, so an escaping path is never read."""
    folder = roots[0]
    target = (folder / entry).resolve()
    if not any(target.is_relative_to(root) for root in roots):
        listed = ", ".join(map(str, roots[1:]))
        where = f"the profile's folder {folder}" + (f" or the folders listed under allowed_roots ({listed})"
                                                    if listed else "")
        raise ConfigError(profile_path, f"{what} '{entry}' ({target}) is outside {where}: move the file into the "
                          "profile's folder, or allow the folder holding it by listing it under allowed_roots, "
                          f"e.g. allowed_roots: [{target.parent}]", key)
    return target


def _roots(spec: models.Profile, path: Path, extra_roots: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    folder = path.parent.resolve()
    return (folder, *((folder / root).resolve() for root in spec.allowed_roots), *extra_roots)


def _confined(spec: models.Profile, path: Path, extra_roots: tuple[Path, ...] = ()) -> list[Path]:
    """The profile's crosswalk files, each inside the profile's folder or an allowed root (confined_file)."""
    roots = _roots(spec, path, extra_roots)
    return [confined_file(path, roots, entry, f"crosswalks[{i}]") for i, entry in enumerate(spec.crosswalks)]


def _profile(path: Path, ref: Reference, extra_roots: tuple[Path, ...] = ()) -> Profile:
    data, digest = load_yaml(path, strings=True)
    spec = validated(models.Profile, data, path)
    crosswalk_files = _confined(spec, path, extra_roots)
    data = plain(data)
    columns, defaults = spec.columns.as_dict(), spec.defaults.as_dict()
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
    crosswalks = tuple(load_crosswalk(file, ref) for file in crosswalk_files)
    claimed = {}
    for cw in crosswalks:
        for target in cw.targets:
            if target in claimed:
                raise ConfigError(cw.path, f"column {target[0]}.{target[1]} is already mapped by {claimed[target].name}")
            claimed[target] = cw.path
    settings = {k: getattr(spec, k) for k in ("agency_name", "reporting_start", "state_program")
                if k in spec.model_fields_set}
    settings["justice_counts_robbery"] = spec.justice_counts_robbery
    settings["justice_counts"] = spec.justice_counts  # report settings (None when absent)
    settings["justice_counts_offenses"] = spec.justice_counts_offenses  # None: no offense/arrest extract
    settings["colorado"] = spec.colorado  # None: no colorado: section (uof report colorado)
    settings["illinois_mh"] = spec.illinois_mh  # None: no illinois_mh: section (uof report illinois-mh)
    period = spec.extract_period
    settings["extract_period"] = (period.from_, period.to) if period else None
    settings["additional_agency_oris"] = tuple(spec.additional_agency_oris)
    settings["file_roots"] = _roots(spec, path, extra_roots)  # where files the profile names may lie
    settings["archive_retention_months"] = spec.archive_retention_months  # None: the archive is kept for ever
    layout = _layout(spec.layout, path, columns)
    if layout.kind != "tables":
        for table in TABLES:  # the incident key is the case number of every table
            if layout.incident_key not in columns[table] and "agency_case_number" not in columns[table].values():
                columns[table] = {layout.incident_key: "agency_case_number", **columns[table]}
    parsers = _parsers(data.get("parsers") or {}, path, ref, columns, defaults)
    single_filter = not isinstance((data.get("source") or {}).get("keep_rows"), list)
    source = _source(spec.source, path, layout, single_filter)
    precedence = _precedence(spec.precedence, path, ref)
    when_blank = _when_blank(spec.when_blank.as_dict(), path, ref)
    return Profile(path=path, agency_ori=spec.agency_ori,
                   reporting_agency_ori=spec.reporting_agency_ori or spec.agency_ori, agency_kind=spec.agency_kind,
                   crosswalks=crosswalks, columns=columns, defaults=defaults, encoding=spec.encoding, sha256=digest,
                   settings=settings, layout=layout, parsers=parsers, **source, precedence=precedence,
                   when_blank=when_blank)


# ----------------------------------------------------------------------------- layout, parsers, source

def _names(value) -> tuple[str, ...]:
    """A setting the model checked as one name or a list of names, as a tuple of stripped names."""
    return tuple(v.strip() for v in ([value] if isinstance(value, str) else value))


def _layout(spec, path, columns) -> Layout:
    if spec is None or spec.kind == "tables":
        return Layout()
    kind = spec.kind
    case_column = next((rms for rms, c in columns["incidents"].items() if c == "agency_case_number"), None)
    key = spec.incident_key if spec.incident_key is not None else case_column
    if not isinstance(key, str) or not key.strip():
        raise ConfigError(path, "must name the RMS column that identifies an incident (its case number); "
                          "or map that column to agency_case_number under columns.incidents", "layout.incident_key")
    key = key.strip()
    if case_column is not None and case_column != key:
        raise ConfigError(path, f"'{key}' is not the column mapped to agency_case_number under columns.incidents "
                          f"('{case_column}'): the incident key is the case number", "layout.incident_key")
    segments = {}
    for table in TABLES:
        where = f"layout.{table}"
        options = getattr(spec, table)
        given = options.model_fields_set
        collapse = {k.strip(): v for k, v in getattr(options, "collapse", {}).items()}
        seg_key = tuple(getattr(options, "key", None) or ())
        lists = tuple(getattr(options, "lists", None) or ())
        if kind == "incident-lists" and table != "incidents" and not given & {"lists", "count"}:
            raise ConfigError(path, "must list the columns holding one entry per "
                              f"{table[:-1]} (position-aligned lists), e.g. lists: [Officers Race, Officers Sex]",
                              f"{where}.lists")
        several = {k.strip(): v for k, v in getattr(options, "shared_when_several", {}).items()}
        count = getattr(options, "count", None)
        if count is not None and not count.strip():
            raise ConfigError(path, f"must name the incident column holding the number of {table} (the export "
                              f"has no {table[:-1]} columns)", f"{where}.count")
        if count is not None and given & {"key", "lists", "collapse"}:
            raise ConfigError(path, f"the {table} are built from a count: they have no key, lists or collapse "
                              "of their own", f"{where}.count")
        clash = [c for c in several if c in lists]
        if clash:
            raise ConfigError(path, f"'{clash[0]}' is a list column, not a shared one", f"{where}.shared_when_several")
        agree = tuple(getattr(options, "must_agree", None) or ())
        segments[table] = LayoutSegment(key=seg_key, collapse=collapse, lists=lists, shared_when_several=several,
                                        count=count.strip() if count else None, must_agree=agree)
    return Layout(kind=kind, incident_key=key, separator=getattr(spec, "separator", ";"), segments=segments)


def _check_format(fmt, path, key, parser: str):
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


def _parser(entry: dict, path, key, table: str, ref: Reference) -> ParserSpec:
    """One `parsers:` entry, its structure checked by the model: what needs the reference or the table."""
    name = entry["parser"]
    kind = PARSERS[name]
    if name in ("datetime", "date", "time") and table != "incidents":
        raise ConfigError(path, f"parser {name} writes the incident's date or time: put it under parsers.incidents",
                          f"{key}.parser")
    labels = {}
    if kind.inputs == "labels":
        if "column" in entry or "columns" not in entry:
            raise ConfigError(path, f"parser {name} reads 'columns': a mapping of RMS column -> value listed when "
                              "the column says yes", f"{key}.columns")
        labels = {k.strip(): v for k, v in entry["columns"].items()}
        if not labels:
            raise ConfigError(path, "must name at least one column", f"{key}.columns")
        inputs = tuple(labels)
    elif kind.inputs == "columns":
        if "column" in entry:
            raise ConfigError(path, f"parser {name} reads 'columns' (a list), not 'column'", f"{key}.column")
        inputs = _at_least_two(entry.get("columns"), path, f"{key}.columns")
    elif kind.inputs == "column_or_columns" and "columns" in entry:
        if "column" in entry:
            raise ConfigError(path, "give either 'column' (one cell) or 'columns' (several), not both", key)
        inputs = _at_least_two(entry["columns"], path, f"{key}.columns")
        if name == "coordinates" and len(inputs) != 2:
            raise ConfigError(path, "must name two columns: latitude, longitude", f"{key}.columns")
    else:
        if "columns" in entry:
            raise ConfigError(path, f"parser {name} reads one 'column'", f"{key}.columns")
        if not entry.get("column", "").strip():
            raise ConfigError(path, f"parser {name} needs 'column': the RMS column it reads", f"{key}.column")
        inputs = (entry["column"].strip(),)
    default = kind.default_into.get(table, kind.default_into.get("*"))
    into = _names(entry["into"]) if "into" in entry else default
    if into is None:
        raise ConfigError(path, f"parser {name} needs 'into': the element(s) of {table} it writes", key)
    if len(into) not in kind.outputs:
        counts = (f"{kind.outputs[0]} to {kind.outputs[-1]}" if len(kind.outputs) > 2
                  else " or ".join(map(str, kind.outputs)))
        raise ConfigError(path, f"parser {name} writes {counts} element(s), {len(into)} given", f"{key}.into")
    known = set(ref.columns_of(table))
    when_blank = {k.strip(): v for k, v in (entry.get("when_blank") or {}).items()}
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
    blank = _names(entry["blank"]) if "blank" in entry else ()
    options = {o: entry.get(o, d) for o, d in kind.optional.items()}
    options.update({o: entry[o] for o in kind.required})
    if "values" in options:
        options["values"] = _names(options["values"])
    if options.get("format") is not None:
        _check_format(options["format"], path, f"{key}.format", name)
    problem = zone_problem(options["timezone"]) if options.get("timezone") is not None else None
    if problem:
        raise ConfigError(path, problem, f"{key}.timezone")
    return ParserSpec(parser=name, inputs=inputs, into=tuple(into), options=options, blank=blank,
                      when_blank=when_blank, labels=labels, key=key)


def _at_least_two(value, path, key) -> tuple[str, ...]:
    names = _names(value or ())
    if len(names) < 2:
        raise ConfigError(path, "must be a list of at least 2 column names or values (text)", key)
    return names


def _parsers(value: dict, path, ref: Reference, columns, defaults) -> dict[str, tuple[ParserSpec, ...]]:
    out = {t: () for t in TABLES}
    for table, entries in value.items():
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


def _precedence(value: dict, path, ref: Reference) -> dict:
    """`precedence: {element or table.element: [best, ..., worst]}`; a rank may list several values."""
    out = {t: {} for t in TABLES}
    for key, ranks in value.items():
        where = f"precedence.{key}"
        parsed = tuple(tuple(rank) for rank in ranks)
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


def _when_blank(value: dict, path, ref: Reference) -> dict:
    """`when_blank: {table: {element: VALUE}}`: VALUE where the export's cell is blank (the column exists;
    `defaults` covers a column the export does not have). VALUE must be an FBI value of the element."""
    out = {t: {} for t in TABLES}
    for table, entries in value.items():
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


def _source(spec, path, layout: Layout, single_filter: bool) -> dict:
    sheet = spec.sheet
    if sheet is not None:
        if not sheet.strip():
            raise ConfigError(path, "must be the name of the workbook sheet holding the export", "source.sheet")
        if layout.kind == "tables":
            raise ConfigError(path, "applies to the one-sheet layouts (flat, incident-lists); the tables layout "
                              "reads the sheets incidents, subjects and officers", "source.sheet")
        sheet = sheet.strip()
    return {"sheet": sheet, "null_values": tuple(dict.fromkeys(v.strip() for v in spec.null_values)),
            "keep_rows": _row_filters(spec.keep_rows or [], path, layout, single_filter)}


def _row_filters(entries: list, path, layout: Layout, single: bool) -> tuple:
    """`source.keep_rows`: conditions `{column: C, in: [..]}` or `{column: C, not_in: [..]}`, plus `table:` with
    the tables layout (the model checked their form). A row is kept when every condition holds."""
    out = []
    for i, entry in enumerate(entries):
        key = "source.keep_rows" if single else f"source.keep_rows[{i}]"
        if layout.kind == "tables":
            if entry.table is None:
                raise ConfigError(path, f"needs 'table' ({', '.join(TABLES)}): the tables layout reads three "
                                  "tables", key)
        elif entry.table is not None:
            raise ConfigError(path, f"'table' applies to the tables layout only; the {layout.kind} layout "
                              "filters the rows of its one sheet", key)
        values = entry.in_ if entry.in_ is not None else entry.not_in
        out.append(RowFilter(column=entry.column.strip(), values=tuple(dict.fromkeys(values)),
                             keep=entry.in_ is not None, table=entry.table))
    return tuple(out)
