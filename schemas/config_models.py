"""Typed configuration: the agency profile, crosswalk and reference files as pydantic models.

The models are the single description of every setting: `flows/config/load.py` validates each file with
them before any data is read, `python -m schemas.generate --write` turns them into the JSON Schemas shipped
in `schemas/json/` (for editors) and into docs/settings-reference.md.

They check the STRUCTURE of a file: which keys exist, their types, allowed values, ORIs, months. What
needs the FBI reference (is `gender` an element? is `M` one of its values?) or several settings at once
(the incident key is the column mapped to agency_case_number) is checked by flows/config/load.py.

Profiles and crosswalks are read with every scalar as text (`NO`, `01` stay what the IT person typed), so
the models validate text; their JSON Schemas accept numbers where the loader reads them as text. An unquoted
scalar that YAML itself reads as a number, true/false, a date or null arrives as a `Typed` string: settings
that must be text (`agency_name`, a crosswalk's `description` and `notes`) refuse it, and the one number
setting (`archive_retention_months`) accepts only such an unquoted whole number.
"""
from __future__ import annotations

import codecs
import re
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, create_model,
                      field_validator, model_validator)
from pydantic_core import PydanticCustomError

from schemas.custom_checks import ORI_PATTERN as CHECKED_ORI
from schemas.report_settings_justice_counts import JusticeCountsSettings
from schemas.report_settings_illinois_mh import IllinoisMhSettings
from schemas.report_settings_justice_counts_crime import JusticeCountsOffenses
from schemas.report_settings_colorado import ColoradoSettings
from transforms.coverage import period_problem
from transforms.deadlines import DEFAULT_PROGRAM, PROGRAMS
from transforms.layouts import COLLAPSE_POLICIES, LAYOUTS
from transforms.parsers import PARSERS, ParserKind

TABLES = ("incidents", "subjects", "officers")
ORI_PATTERN = rf"^{CHECKED_ORI}$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
STATE_PROGRAMS = tuple(sorted(set(PROGRAMS) - {DEFAULT_PROGRAM}))


def problem(message: str, **context) -> PydanticCustomError:
    """A validation error whose text is `message` as written (braces included); `context` travels with it
    (`unknown`: the first unknown key, whose line the error names)."""
    return PydanticCustomError("config", "{message}", {"message": message, **context})


# ----------------------------------------------------------------------------------- value types

class Typed(str):
    """An unquoted scalar of a file read as text (flows/config/yamlio.py) that YAML would read as something
    else: `kind` says what (a number, true/false, a date, empty). Elsewhere it is just the text typed."""

    kind: str

    def __new__(cls, value: str, kind: str):
        text = super().__new__(cls, value)
        text.kind = kind
        return text


def _scalar_schema(schema: dict) -> None:
    """Profiles are read as text: a number the editor sees (`20`, `0`) is the text uof reads."""
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        schema["type"] = ["string", "number"]


def _one_or_list_schema(schema: dict) -> None:
    """`x` or `[x, ...]`: the single form is accepted wherever a list is."""
    items = schema.pop("items", {"type": "string"})
    schema.pop("type", None)
    low = schema.pop("minItems", None)
    listed = {"type": "array", "items": items} | ({"minItems": low} if low is not None else {})
    schema["anyOf"] = [items, listed]


class SchemaHook:
    """Annotated metadata adjusting a type's JSON Schema (`fn(schema)` edits it in place)."""

    def __init__(self, fn):
        self.fn = fn

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = dict(handler(core_schema))
        self.fn(schema)
        return schema


def _checked(check, message):
    """A before-validator raising `message` (formatted with the value) where `check(value)` is false."""
    def run(value):
        if not check(value):
            raise problem(message.format(value=value))
        return value
    return BeforeValidator(run)


def _text_list(message: str, minimum: int = 1, blank_ok: bool = False):
    """One text value or a list of them (stripped; non-blank unless blank_ok) -> list."""
    def run(value):
        if isinstance(value, str):
            value = [value]
        if (not isinstance(value, (list, tuple)) or len(value) < minimum
                or not all(isinstance(v, str) and (blank_ok or v.strip()) for v in value)):
            raise problem(message)
        return [v.strip() for v in value]
    return BeforeValidator(run)


Text = Annotated[str, SchemaHook(_scalar_schema)]


def _text_only(value):
    """Prose (a name, a description): `agency_name: 123` or `yes` is a slip, not a name."""
    kind = value.kind if isinstance(value, Typed) else None
    if kind == "empty":
        raise problem("is empty: write the text, or leave the key out")
    if kind is not None:
        raise problem(f"must be text: YAML reads {value} unquoted as {kind}; write \"{value}\" in quotes if that "
                      "is the text meant")
    if not isinstance(value, str):
        raise problem("must be a single text value")
    return value


StrictText = Annotated[str, BeforeValidator(_text_only)]  # JSON Schema: a string, never a number
ORI = Annotated[str, StringConstraints(pattern=ORI_PATTERN),
                _checked(lambda v: isinstance(v, str) and re.fullmatch(ORI_PATTERN, v) is not None,
                         "'{value}' is not a nine-character ORI (capital letters and digits)")]
Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN),
                  _checked(lambda v: isinstance(v, str) and re.fullmatch(MONTH_PATTERN, v, re.ASCII),
                           "must be a month written YYYY-MM")]
Table = Literal["incidents", "subjects", "officers"]


def _flag(value):
    if isinstance(value, bool):
        return value
    if value not in ("true", "false"):
        raise problem("must be true or false")
    return value == "true"


Flag = Annotated[bool, BeforeValidator(_flag)]
NAMES = "must be a list of column names or values (text)"
Names = Annotated[list[str], _text_list(NAMES), SchemaHook(_one_or_list_schema)]
TextMap = dict[str, Text]


# ----------------------------------------------------------------------------------- base model

class Strict(BaseModel):
    """A mapping of a configuration file: unknown keys and missing required keys are errors, named."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=True)
    noun: ClassVar[str] = "option"  # "unknown option(s): ..."
    owner: ClassVar[str] = ""  # " for parser boolean"

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise problem(f"must be a mapping ({cls.noun}: value)")
        allowed = {f.alias or name: f for name, f in cls.model_fields.items()}
        unknown = [str(k) for k in data if k not in allowed]
        if unknown:
            raise problem(f"unknown {cls.noun}(s){cls.owner}: {', '.join(unknown)} "
                          f"(allowed: {', '.join(sorted(allowed))})", unknown=unknown[0])
        for key, info in allowed.items():
            if info.is_required() and key not in data:
                return cls._missing(key, info)
        return data

    @classmethod
    def _missing(cls, key: str, info) -> None:
        about = (info.description or "").split(". ")[0].rstrip(".")
        raise problem(f"needs '{key}'" + (f": {about[0].lower()}{about[1:]}" if about else ""))


class PerTable(Strict):
    """Per-table settings: `incidents`, `subjects`, `officers`."""

    noun: ClassVar[str] = "table"

    def as_dict(self) -> dict:
        return {t: dict(getattr(self, t)) for t in TABLES}


def per_table(value_type, what: str, model_name: str) -> type[PerTable]:
    return create_model(model_name, __base__=PerTable, __doc__=f"{what}, per table.", **{
        t: (value_type, Field(default_factory=dict, description=f"{what} of the {t} table."))
        for t in TABLES})


Columns = per_table(TextMap, "RMS column -> FBI element name (as in mappings/elements.yaml)", "Columns")
Defaults = per_table(TextMap, "FBI element -> constant written when the export has no such column "
                              "(\"\" keeps it blank)", "Defaults")
WhenBlank = per_table(TextMap, "FBI element -> FBI value written where the export's cell is blank "
                               "(the column exists)", "WhenBlank")


# ----------------------------------------------------------------------------------- layout

Collapse = dict[str, Literal[COLLAPSE_POLICIES]]


class TablesLayout(Strict):
    """Three tables (sheets or CSV files) incidents, subjects, officers joined by the case number."""

    kind: Literal["tables"] = Field(description="tables: three sheets or CSV files joined by the case number.")


class FlatIncidents(Strict):
    """The incident rows of a flat export."""

    collapse: Collapse = Field(default_factory=dict, description=(
        "RMS column -> which value to keep when the rows of one incident disagree: distinct (every "
        "different value, joined by ;), first, max, min."))


class People(Strict):
    """The subjects (or officers) of a one-sheet export."""

    count: str | None = Field(None, description=(
        "An incident column holding the number of subjects (officers), for an export without their "
        "columns: each gets only defaults and when_blank values (no key, lists or collapse then)."))


class FlatPeople(People):
    """The subjects (or officers) of a flat export."""

    key: Names | None = Field(None, description=(
        "RMS columns telling two subjects (officers) of one incident apart; default: every column "
        "feeding the table."))
    collapse: Collapse = Field(default_factory=dict, description=(
        "RMS column -> which value to keep when the rows of one subject (officer) disagree: distinct, "
        "first, max, min."))
    must_agree: Names | None = Field(None, description=(
        "RMS columns the rows merged into one subject (officer) must agree on (a LAYOUT-CONFLICT otherwise)."))


class FlatLayout(Strict):
    """One sheet; an incident takes several rows, its own values repeated on each."""

    kind: Literal["flat"] = Field(description="flat: one sheet, several rows per incident.")
    incident_key: str | None = Field(None, description=(
        "The RMS column holding the case number: rows with the same value are one incident; default: the "
        "column mapped to agency_case_number under columns.incidents."))
    incidents: FlatIncidents = Field(default_factory=FlatIncidents, description="Options for the incidents.")
    subjects: FlatPeople = Field(default_factory=FlatPeople, description="Options for the subjects.")
    officers: FlatPeople = Field(default_factory=FlatPeople, description="Options for the officers.")


class ListIncidents(Strict):
    """The incidents of an incident-lists export (one row each): no options."""


class ListPeople(People):
    """The subjects (or officers) of an incident-lists export."""

    lists: Names | None = Field(None, description=(
        "RMS columns holding one entry per subject (officer), position-aligned: entry i of each is "
        "subject (officer) i. Required unless count is given."))
    shared_when_several: TextMap = Field(default_factory=dict, description=(
        "RMS column holding one value per incident -> the value written instead when the incident has "
        "several subjects (officers), since the cell cannot say which of them it concerns."))


class ListsLayout(Strict):
    """One sheet; one row per incident, several subjects or officers as position-aligned lists."""

    kind: Literal["incident-lists"] = Field(description="incident-lists: one row per incident, people as lists.")
    incident_key: str | None = Field(None, description=(
        "The RMS column holding the case number; default: the column mapped to agency_case_number."))
    separator: str = Field(";", min_length=1, description="The character(s) separating the entries of a list cell.")
    incidents: ListIncidents = Field(default_factory=ListIncidents, description="No options.")
    subjects: ListPeople = Field(default_factory=ListPeople, description="Options for the subjects.")
    officers: ListPeople = Field(default_factory=ListPeople, description="Options for the officers.")


Layout = Annotated[Union[TablesLayout, FlatLayout, ListsLayout], Field(discriminator="kind")]


def _layout_shorthand(schema: dict) -> None:
    schema["anyOf"] = [{"type": "string", "enum": list(LAYOUTS)}, *schema.get("anyOf", [])]


# ----------------------------------------------------------------------------------- parsers

OPTION_DOCS = {
    "parser": "The parser: what it reads and writes (see the table of parsers).",
    "column": "The RMS column the parser reads (parsers reading one cell).",
    "columns": "The RMS columns the parser reads: a list, or for flags/one_hot a mapping RMS column -> value "
               "listed when the column is set.",
    "into": "The FBI element(s) written; default depends on the parser (required for some).",
    "blank": "Values meaning 'not recorded' in this column, treated as empty (e.g. [\"0\", \"-1\"]).",
    "when_blank": "FBI element -> value written where every column the parser reads is empty.",
    "format": "A strict date/time format such as \"%m/%d/%Y %I:%M:%S %p\", or excel-serial / "
              "excel-serial-1904 for Excel serial numbers; default: ISO or US month-first.",
    "timezone": "An IANA time zone (America/Chicago): date-times with a UTC offset are converted to it.",
    "true": "The value written for yes (Yes, Y, true, 1 in any case).",
    "false": "The value written for no (No, N, false, 0 in any case).",
    "separator": "split/any_of: the separator between the entries of a cell; join: placed between the values.",
    "trim": "Remove surrounding spaces and squeeze inner runs of spaces.",
    "case": "Case handling: text keep/upper/lower/fold; any_of fold (ignore case) or exact.",
    "values": "The values that make the result `then` (one of them in a cell, or in an entry of a list).",
    "then": "The value written when a cell holds one of `values`.",
    "else": "The value written otherwise.",
    "if_blank": "The value written when every column read is blank.",
    "none": "flags/one_hot: the value written when no column is set but some says no.",
}
NonEmpty = Annotated[str, StringConstraints(min_length=1),
                     _checked(lambda v: isinstance(v, str) and v != "", "must not be empty")]


def _option(kind: ParserKind, name: str, required: bool):
    """(type, Field) of a parser option: its choices, or text; `trim` is true/false."""
    value_type = {"values": Names, "trim": Flag, "format": str, "separator": NonEmpty}.get(name, Text)
    if name in kind.choices:
        value_type = Literal[kind.choices[name]]
    default = ... if required else kind.optional.get(name)
    if name == "trim":
        default = _flag(default)
    return (value_type if required else value_type | None), Field(default, alias=name,
                                                                  description=OPTION_DOCS[name])


def _drop_unread_input(schema: dict, model) -> None:
    """A parser reading `column` accepts `columns` (and the other way round) only so that load.py can explain
    the mistake; the editor is not offered it."""
    unread = {"column": "columns", "columns": "column", "labels": "column"}.get(PARSERS[model.parser_name].inputs)
    schema["properties"].pop(unread, None)


class ParserEntry(Strict):
    """One entry of `parsers.<table>`."""

    model_config = ConfigDict(json_schema_extra=_drop_unread_input)
    parser_name: ClassVar[str] = ""


def _parser_model(kind: ParserKind) -> type[ParserEntry]:
    columns_type = dict[str, Text] if kind.inputs == "labels" else Names
    fields = {
        "parser": (Literal[kind.name], Field(description=kind.summary)),
        "column": (str | None, Field(None, description=OPTION_DOCS["column"])),
        "columns": (columns_type | None, Field(None, description=OPTION_DOCS["columns"])),
        "into": (Names | None, Field(None, description=OPTION_DOCS["into"])),
        "blank": (Names | None, Field(None, description=OPTION_DOCS["blank"])),
        "when_blank": (TextMap, Field(default_factory=dict, description=OPTION_DOCS["when_blank"])),
    }
    for name in kind.required:
        fields[name.replace("else", "else_")] = _option(kind, name, True)
    for name in kind.optional:
        fields[name.replace("else", "else_")] = _option(kind, name, False)
    title = "".join(part.title() for part in kind.name.split("_")) + "Parser"
    model = create_model(title, __base__=ParserEntry, __doc__=kind.summary, **fields)
    model.parser_name, model.owner = kind.name, f" for parser {kind.name}"
    return model


PARSER_MODELS = {name: _parser_model(kind) for name, kind in PARSERS.items()}
Parser = Annotated[Union[tuple(PARSER_MODELS.values())], Field(discriminator="parser")]

Parsers = per_table(list[Parser], "Parsers reading RMS columns and writing FBI elements (after the layout, "
                                  "before the crosswalks)", "Parsers")


# ----------------------------------------------------------------------------------- source

CELL_VALUES = "must be a list of cell values (text; \"\" stands for a blank cell)"
CellValues = Annotated[list[str], _text_list(CELL_VALUES, blank_ok=True), SchemaHook(_one_or_list_schema)]


class RowFilter(Strict):
    """One condition of source.keep_rows: a row is kept when every condition holds."""

    table: Table | None = Field(None, description=(
        "The table the condition reads (tables layout only; required there)."))
    column: Annotated[str, _checked(lambda v: isinstance(v, str) and v.strip(),
                                    "needs 'column': the export column the condition reads")] = Field(
        description="The export column the condition reads.")
    in_: CellValues | None = Field(None, alias="in", description=(
        "Keep rows holding one of these values (\"\" is a blank cell)."))
    not_in: CellValues | None = Field(None, description="Keep rows holding none of these values.")

    @model_validator(mode="after")
    def _one_mode(self):
        if (self.in_ is None) == (self.not_in is None):
            raise problem("needs exactly one of 'in' (keep rows holding one of these values) or 'not_in' (keep "
                          "rows holding none of them)")
        return self


# (before-validators run last first: a single condition becomes a list of one, then the list is checked)
RowFilters = Annotated[list[RowFilter],
                       _checked(lambda v: isinstance(v, list) and v,
                                "must be a condition {{column: NAME, in: [VALUES]}} (or not_in), or a list of them"),
                       BeforeValidator(lambda v: [v] if isinstance(v, dict) else v), SchemaHook(_one_or_list_schema)]
NULL_VALUES = ("must be a list of cell texts that mean 'empty' in this export, e.g. [\"NULL\", \"-\", \"N/A\"] "
               "(each non-blank; compared case-sensitively after trimming spaces)")


class Source(Strict):
    """How the export's cells and rows are read, before the layout, the parsers and the crosswalks."""

    sheet: str | None = Field(None, description=(
        "The workbook sheet holding the export (one-sheet layouts flat and incident-lists; default: the first)."))
    null_values: Annotated[list[str], _checked(
        lambda v: isinstance(v, list) and all(isinstance(t, str) and t.strip() for t in v), NULL_VALUES)] = Field(
        default_factory=list, description=(
            "Cell texts that mean 'empty' in this export, e.g. [\"NULL\", \"-\", \"N/A\"] (case-sensitive, "
            "spaces trimmed)."))
    keep_rows: RowFilters | None = Field(None, description=(
        "One condition or a list of them ({column: C, in: [..]} or {column: C, not_in: [..]}); a row is kept "
        "when every condition holds."))


# ----------------------------------------------------------------------------------- profile

PERIOD = "must be a mapping with exactly 'from' and 'to', e.g. {from: \"2019-07\", to: \"2019-09\"}"
MonthText = Annotated[str, SchemaHook(lambda schema: schema.update(pattern=MONTH_PATTERN))]  # checked below


class ExtractPeriod(Strict):
    """The months the extract covers (a zero report is sent only for a covered month)."""

    from_: MonthText = Field(alias="from", description="The first month covered, YYYY-MM.")
    to: MonthText = Field(description="The last month covered, YYYY-MM.")

    @classmethod
    def _missing(cls, key: str, info) -> None:
        raise problem(PERIOD)

    @model_validator(mode="after")
    def _ordered(self):
        reason = period_problem(self.from_, self.to)  # names the month at fault, as --covers does
        if reason:
            raise problem(reason)
        return self


Rank = Names
RANKS = ("must rank at least two FBI values, best first, e.g. [DEATH, OTHER_SERIOUS_INJURY, NONE, PENDING] "
         "(a rank may be a list of values that win together)")
Ranking = Annotated[list[Rank], Field(min_length=2), _checked(lambda v: isinstance(v, list) and len(v) >= 2, RANKS)]


ROOTS = ("must be a list of folders crosswalks may be read from, e.g. [/srv/uof/shared-crosswalks] (a relative "
         "folder is read from the profile's folder)")
MONTHS = "must be a whole number of months, at least 1 (e.g. 24); leave it out to keep the archive for ever"


def _whole_months(value):
    """A number of months written as a number: `24`, not `"24"`, `0`, `-1` or `1.5`."""
    if isinstance(value, str):
        whole = re.fullmatch(r"[1-9][0-9]*", value.strip()) is not None
        if whole and not isinstance(value, Typed):
            raise problem(f"must be a number of months, not text: write {value.strip()} without quotes")
        value = int(value) if whole else value  # unquoted digits: YAML reads them as a number too
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise problem(MONTHS)
    return value


RetentionMonths = Annotated[int, Field(ge=1), BeforeValidator(_whole_months)]


class Profile(Strict):
    """An agency profile: who reports, how the RMS export is laid out and how its columns become FBI elements."""

    noun: ClassVar[str] = "key"

    agency_ori: ORI = Field(description="The agency's nine-character ORI (I1), e.g. PA0230100.")
    reporting_agency_ori: ORI | None = Field(None, description=(
        "The ORI of the agency submitting the reports (I4); default: agency_ori."))
    agency_kind: Literal["local", "federal", "tribal"] = Field("local", description=(
        "local, federal or tribal: federal and tribal agencies may report the federal/tribal-only offenses."))
    agency_name: StrictText | None = Field(None, description="The agency's name (shown in reports).")
    additional_agency_oris: Annotated[list[ORI], _checked(
        lambda v: isinstance(v, list), "must be a list of nine-character ORIs, e.g. [\"IL0160100\"]")] = Field(
        default_factory=list, description=(
            "Other agencies (I1) whose incidents this profile submits; rows of any other agency are rejected."))
    reporting_start: Month | None = Field(None, description=(
        "The first month `uof status` tracks, YYYY-MM (default 2019-01, when the FBI collection began)."))
    state_program: Literal[STATE_PROGRAMS] | None = Field(None, description=(
        "A state program whose deadlines apply; leave it out for the federal rules."))
    justice_counts_robbery: Literal["person", "property"] = Field("person", description=(
        "How Justice Counts counts robbery (120): person (its recommendation) or property (NIBRS)."))
    justice_counts: JusticeCountsSettings | None = Field(None, description=(
        "Justice Counts metrics from this profile's extract: metric 1.11's force types and their crosswalk."))
    justice_counts_offenses: JusticeCountsOffenses | None = Field(None, description=(
        "Justice Counts 1.10 and 1.7-1.9 from an offense/arrest extract (uof report justice-counts-crime)."))
    colorado: ColoradoSettings | None = Field(None, description=(
        "The Colorado use-of-force report (uof report colorado): the officer columns for name, POST number and "
        "weapon display, and their code maps."))
    encoding: str = Field("utf-8", description="The text encoding of a CSV export (utf-8, cp1252, latin-1, ...).")
    extract_period: ExtractPeriod | None = Field(None, description=(
        "The months the extract covers, {from: YYYY-MM, to: YYYY-MM}; default: its first to its last incident "
        "date."))
    layout: Layout | None = Field(None, description=(
        "How the export is organised: tables (default), flat or incident-lists (a name or {kind: ...})."),
        json_schema_extra=_layout_shorthand)
    source: Source = Field(default_factory=Source, description="How cells and rows are read.")
    columns: Columns = Field(default_factory=Columns, description=(
        "Per table, RMS column -> FBI element name (mappings/elements.yaml)."))
    parsers: Parsers = Field(default_factory=Parsers, description="Per table, the parsers reading odd values.")
    defaults: Defaults = Field(default_factory=Defaults, description=(
        "Per table, constants for elements the export has no column for."))
    when_blank: WhenBlank = Field(default_factory=WhenBlank, description=(
        "Per table, FBI values written where the export's cell is blank (after the crosswalks)."))
    precedence: dict[str, Ranking] = Field(default_factory=dict, description=(
        "element or table.element -> FBI values best first: which value wins when rows or list entries "
        "disagree (a rank may be a list of values that win together)."))
    crosswalks: list[str] = Field(default_factory=list, description=(
        "Crosswalk files (paths relative to the profile) mapping local codes to FBI values. Each must lie "
        "inside the profile's folder (symbolic links followed) or inside a folder listed under allowed_roots."))
    allowed_roots: Annotated[list[str], _text_list(ROOTS), SchemaHook(_one_or_list_schema)] = Field(
        default_factory=list, description=(
            "Folders outside the profile's folder that crosswalks may be read from, e.g. "
            "[/srv/uof/shared-crosswalks]; a relative folder is read from the profile's folder. Default: none, "
            "every crosswalk lies inside the profile's folder."))
    archive_retention_months: RetentionMonths | None = Field(None, description=(
        "How many months the archive keeps a run's inputs: `uof archive prune` removes the archived inputs "
        "(the Parquet copies of the extract and the configuration files) of runs older than that many months, "
        "and keeps the ledger's audit trail (runs, messages, manifests and their hashes) intact. Leave it out "
        "to keep the archive for ever."))
    illinois_mh: IllinoisMhSettings | None = Field(None, description=(
        "The Illinois mental-health-crisis dispatch report (`uof report illinois-mh`): the CAD export's columns and "
        "code maps (docs/reports.md)."))

    @field_validator("layout", mode="before")
    @classmethod
    def _layout_name(cls, value):
        return {"kind": value} if isinstance(value, str) else value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value):
        try:
            codecs.lookup(value)
        except LookupError:
            raise problem(f"unknown text encoding '{value}'") from None
        return value

    @field_validator("crosswalks", mode="before")
    @classmethod
    def _no_crosswalks(cls, value):
        return [] if value == "" else value  # `crosswalks:` left empty


# ----------------------------------------------------------------------------------- crosswalk

ELEMENT = "must name the element (a column name or a list of them)"
TARGET = "must map to an FBI value or a list of them"


class Crosswalk(Strict):
    """A crosswalk: one element's local codes -> FBI values."""

    noun: ClassVar[str] = "key"

    element: Annotated[list[str], _text_list(ELEMENT), SchemaHook(_one_or_list_schema)] = Field(description=(
        "The FBI element (or a list of elements) whose local codes this file maps, e.g. gender."))
    table: Table | None = Field(None, description=(
        "Only this table (incidents, subjects, officers); default: every table holding the element."))
    description: StrictText | None = Field(None, description="What the file maps (for people).")
    notes: StrictText | None = Field(None, description="Notes (for people).")
    trim: Flag = Field(True, description=(
        "true: spaces around a code are ignored and inner runs of spaces count as one; false: compared exactly."))
    case: Literal["exact", "fold"] = Field("exact", description=(
        "exact, or fold: local codes match whatever their upper/lower case."))
    map: dict[str, Text | list[Text]] = Field(description=(
        "Local code -> FBI value; a list element may take a list of values, or [] for a code adding none."))
    invalid: dict[str, str] = Field(default_factory=dict, description=(
        "Known-bad local values -> the reason: configured, but rows holding them are rejected (XW-INVALID)."))

    @field_validator("case", mode="before")
    @classmethod
    def _case(cls, value):
        if value not in ("exact", "fold"):
            raise problem("must be exact or fold (fold: local codes match whatever their upper/lower case)")
        return value

    @field_validator("map", mode="before")
    @classmethod
    def _map(cls, value):
        if not isinstance(value, dict) or not value:
            raise problem("must have a non-empty 'map' of local code -> FBI value")
        for local, target in value.items():
            if not isinstance(target, (str, list)) or (isinstance(target, list)
                                                      and not all(isinstance(v, str) for v in target)):
                raise problem(f"local code '{local}' {TARGET}")
        return value

    @field_validator("invalid", mode="before")
    @classmethod
    def _invalid(cls, value):
        if not isinstance(value, dict):
            raise problem("must be a mapping of local value -> reason it is invalid")
        for local, reason in value.items():
            if not isinstance(reason, str) or not reason.strip():
                raise problem(f"local value '{local}' needs a reason (why the value is invalid, shown to the "
                              "analyst with each rejected row)")
        return value


# ----------------------------------------------------------------------------------- reference files

class Element(Strict):
    """A data element of the FBI flat file (spec v4.7 §3.2)."""

    id: str = Field(pattern=r"^[IOSZ]\d+$", description="The spec's id, e.g. I7.")
    name: str = Field(description="The element (JSON key) name, e.g. location_type.")
    type: Literal["string", "integer", "boolean", "date", "list", "agencies", "age1"] = Field(
        description="The value type.")
    column: Literal["required", "optional", "derived", "profile"] | None = Field(None, description=(
        "required: the extract must have it (or a default); optional; derived from the segments; profile: "
        "supplied by the agency profile."))


class ElementsFile(Strict):
    """mappings/elements.yaml: the data dictionary, one list per segment in data element order."""

    noun: ClassVar[str] = "segment"

    incident: list[Element] = Field(description="The incident segment's elements.")
    subject: list[Element] = Field(description="The subject segment's elements.")
    officer: list[Element] = Field(description="The officer segment's elements.")
    zero_report: list[Element] = Field(description="The zero report's elements.")


class CodeTable(Strict):
    """One FBI code table."""

    section: str = Field(description="The spec section printing the table.")
    values: dict[str, str] = Field(description="Code -> description, as printed.")


class CodesFile(Strict):
    """mappings/codes.yaml: the FBI code tables, named <segment>.<element>."""

    noun: ClassVar[str] = "key"

    tables: dict[str, CodeTable] = Field(description="Table name -> table.")


class Offense(Strict):
    """One NIBRS offense code valid in I15-I17."""

    code: str = Field(description="The NIBRS code, e.g. 13A.")
    description: str = Field(description="As printed.")
    notes: str | None = Field(description="The spec's notes, verbatim.")
    federal_tribal_only: bool = Field(description="Valid only for federal or tribal agencies.")
    valid_before: str | None = Field(description="incident_date must be before this date (YYYY-MM-DD).")
    crimes_against: Literal["Person", "Property", "Society"] = Field(description="The NIBRS category.")
    justice_counts: Literal["person", "property", "public_order", "drug", "other"] = Field(
        description="The Justice Counts offense category.")


class OffensesFile(Strict):
    """mappings/offenses.yaml: the offense table."""

    noun: ClassVar[str] = "key"

    justice_counts_note: str = Field(description="How the Justice Counts categories were assigned.")
    offenses: list[Offense] = Field(min_length=1, description="The offenses, in the spec's order.")


class Remap(Strict):
    """An effective-dated code remap applied before validation."""

    id: str = Field(description="The remap's id.")
    columns: list[str] = Field(min_length=1, description="Element columns the remap applies to.")
    from_: list[str] = Field(alias="from", min_length=1, description="The codes replaced.")
    to: str = Field(description="The replacement code.")
    effective_from: str = Field(description="Incidents on or after this date (YYYY-MM-DD) are remapped.")
    section: str = Field(description="The spec section.")
    reason: str = Field(description="Why.")


class RemapsFile(Strict):
    """mappings/remaps.yaml."""

    noun: ClassVar[str] = "key"

    remaps: list[Remap] = Field(default_factory=list, description="The remaps, applied in order.")


REFERENCE_MODELS = {"elements.yaml": ElementsFile, "codes.yaml": CodesFile, "offenses.yaml": OffensesFile,
                    "remaps.yaml": RemapsFile}
