"""The rule catalog (`schemas/catalog.yaml`) as typed, validated objects.

Pure functions: the caller reads the YAML and passes the parsed dict in. `parse_catalog` rejects a
malformed entry with a `ValueError` that names the rule id, so a typo in the catalog stops the run
before any data is read (docs/architecture.md, "Rule catalog").
"""
from __future__ import annotations

import datetime as _dt
import re
import string
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Iterator, Mapping

SEGMENTS = ("message", "incident", "subject", "officer", "zero_report")
# Engine rules whose findings can land in several segments (the finding carries the real one).
ANY_SEGMENT = "any"
SEVERITIES = ("error", "warning")
MESSAGE_FIELDS = frozenset({"value", "column", "element"})
COMPARE_OPS = ("lt", "le", "gt", "ge", "eq", "ne")

# Service message data elements (spec §3.2.1) have no id in the data dictionary.
MESSAGE_ELEMENTS = {"Action": "Action", "ActionTime": "ActionTime"}

# Columns every segment frame carries besides its data elements (docs/architecture.md, frame contract).
META_COLUMNS = {
    "incident": ("_row", "_source_file", "_source_row", "_incident_date_raw"),
    "subject": ("_row", "_source_file", "_source_row", "_incident_row", "_incident_date", "agency_case_number"),
    "officer": ("_row", "_source_file", "_source_row", "_incident_row", "_incident_date", "agency_case_number"),
    "message": ("_row", "_source_file", "_source_row", "_incident_date_raw"),
    "zero_report": ("_row", "_source_file", "_source_row"),
}
# Added to the incident frame by transforms/aggregate.py before validation.
HELPER_COLUMNS = (
    "_n_subject_rows", "_n_officer_rows", "_subj_any_firearm", "_off_any_shots_yes",
    "_subj_any_injury_pu", "_subj_any_death", "_subj_any_none", "_subj_any_serious",
)

# kind -> (required parameters, optional parameters). Every kind but engine also takes `when`
# and `value_column` (the column whose cell is reported as {value}; default: the primary column).
_COMMON = {"when", "value_column"}
KINDS: dict[str, tuple[frozenset, frozenset]] = {
    "required": (frozenset({"column"}), frozenset(_COMMON)),
    "forbidden": (frozenset({"column"}), frozenset(_COMMON)),
    "lov": (frozenset({"column", "table"}), frozenset(_COMMON)),
    "lov_each": (frozenset({"column", "table"}), frozenset(_COMMON)),
    "max_values": (frozenset({"column", "max"}), frozenset(_COMMON)),
    "min_values": (frozenset({"column", "min"}), frozenset(_COMMON)),
    "alone": (frozenset({"column", "values"}), frozenset(_COMMON)),
    "unique_values": (frozenset({"column"}), frozenset(_COMMON)),
    "regex": (frozenset({"column", "pattern"}), frozenset(_COMMON)),
    "int_range": (frozenset({"column", "min", "max"}), frozenset(_COMMON)),
    "max_length": (frozenset({"column", "max"}), frozenset(_COMMON)),
    "compare": (frozenset({"left", "op"}), frozenset(_COMMON | {"right", "value", "add"})),
    "custom": (frozenset({"function", "column"}), frozenset(_COMMON)),
    "engine": (frozenset(), frozenset()),
}

# `when` leaf operators -> expected value type.
WHEN_OPS = {
    "eq": "scalar", "ne": "scalar", "blank": "bool", "has_any": "strings", "in": "strings",
    "not_in": "strings", "on_or_after": "date", "before": "date",
    "gt": "int", "ge": "int", "lt": "int", "le": "int", "matches": "pattern",
}
WHEN_GROUPS = ("all", "any", "not")

_ID = re.compile(r"[A-Z][A-Za-z0-9]*(?:-[A-Z0-9][A-Za-z0-9]*)*")
_ELEMENT_ID = re.compile(r"(?:[ISOZ][0-9]{1,2}|Action|ActionTime)")
_SECTION = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_COLUMN = re.compile(r"_?[A-Za-z][A-Za-z0-9_]*")
_RULE_KEYS = {"id", "segment", "elements", "section", "severity", "message", "check"}


def _freeze(value):
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Rule:
    id: str
    segment: str
    elements: tuple[str, ...]
    section: str
    severity: str
    message: str
    check: Mapping = field(repr=False, compare=False)

    @property
    def kind(self) -> str:
        return self.check["kind"]

    @property
    def is_engine(self) -> bool:
        return self.kind == "engine"

    @property
    def element(self) -> str | None:
        """The primary data element (its value is the one reported)."""
        return self.elements[0] if self.elements else None

    @property
    def column(self) -> str | None:
        """The primary column: the one the finding points at."""
        return self.check.get("column", self.check.get("left"))

    @property
    def value_column(self) -> str | None:
        """The column whose cell is reported as {value}."""
        return self.check.get("value_column", self.column)

    @cached_property
    def columns(self) -> frozenset[str]:
        """Every column the check reads (check parameters and `when` conditions)."""
        found = {self.check[k] for k in ("column", "left", "right", "value_column") if k in self.check}
        if "when" in self.check:
            found |= _when_columns(self.check["when"])
        return frozenset(found)


def _when_columns(cond) -> set[str]:
    if "all" in cond or "any" in cond:
        out = set()
        for sub in cond.get("all", cond.get("any")):
            out |= _when_columns(sub)
        return out
    if "not" in cond:
        return _when_columns(cond["not"])
    return {cond["column"]}


@dataclass(frozen=True)
class Catalog:
    rules: tuple[Rule, ...]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @cached_property
    def by_id(self) -> Mapping[str, Rule]:
        return MappingProxyType({r.id: r for r in self.rules})

    def for_segment(self, segment: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.segment == segment)

    def schema_rules(self, segment: str) -> tuple[Rule, ...]:
        """Rules turned into pandera checks for `segment` (everything but engine rules)."""
        return tuple(r for r in self.rules if r.segment == segment and not r.is_engine)

    @property
    def engine_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.is_engine)

    def columns(self, segment: str) -> frozenset[str]:
        """Every column the schema rules of `segment` read."""
        out: set[str] = set()
        for rule in self.schema_rules(segment):
            out |= rule.columns
        return frozenset(out)


class CatalogError(ValueError):
    """A rule catalog that cannot be used: `rule` is the id of the offending rule (None for the whole file).

    A ValueError so pure callers need nothing else; flows/ reports it as a configuration error (UOF-CONFIG)
    naming the catalog file and the rule.
    """

    def __init__(self, message: str, rule: str | None = None):
        self.rule, self.detail = rule, message
        super().__init__(f"rule {rule}: {message}" if rule else message)


class _Problem(ValueError):
    pass


def _fail(msg: str):
    raise _Problem(msg)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_pattern(pattern, what: str) -> None:
    if not isinstance(pattern, str) or not pattern:
        _fail(f"{what} must be a non-empty regular expression")
    if "\\d" in pattern:
        _fail(f"{what} uses \\d: write [0-9] (\\d also matches non-ASCII digits)")
    try:
        re.compile(pattern)
    except re.error as exc:
        _fail(f"{what} is not a valid regular expression ({exc})")
    import pyarrow as pa
    import pyarrow.compute as pc

    try:  # the checks run the pattern with Arrow's RE2 engine: no look-arounds, no back-references
        pc.match_substring_regex(pa.array([""], pa.string()), f"^(?:{pattern})$")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        _fail(f"{what} is not supported by the RE2 regex engine ({exc})")


def _check_column(column, known: frozenset[str] | None, what: str) -> None:
    if not isinstance(column, str) or not _COLUMN.fullmatch(column):
        _fail(f"{what} must be a column name, got {column!r}")
    if known is not None and column not in known:
        _fail(f"{what} names unknown column '{column}'")


def _check_when(cond, known, depth: int = 0) -> None:
    if depth > 10:
        _fail("`when` is nested too deeply")
    if not isinstance(cond, dict) or not cond:
        _fail(f"`when` must be a mapping, got {cond!r}")
    groups = [k for k in WHEN_GROUPS if k in cond]
    if groups:
        if len(cond) != 1:
            _fail(f"`when` group '{groups[0]}' must be the only key, got {sorted(cond)}")
        key = groups[0]
        if key == "not":
            _check_when(cond["not"], known, depth + 1)
            return
        subs = cond[key]
        if not isinstance(subs, list) or not subs:
            _fail(f"`when` '{key}' must be a non-empty list of conditions")
        for sub in subs:
            _check_when(sub, known, depth + 1)
        return
    if "column" not in cond:
        _fail(f"`when` condition needs 'column' (or all/any/not), got {sorted(cond)}")
    _check_column(cond["column"], known, "`when` column")
    ops = [k for k in cond if k != "column"]
    if len(ops) != 1 or ops[0] not in WHEN_OPS:
        _fail(f"`when` condition on '{cond['column']}' needs exactly one operator of "
              f"{', '.join(WHEN_OPS)}, got {ops}")
    op = ops[0]
    value = cond[op]
    expected = WHEN_OPS[op]
    if expected == "scalar" and not (isinstance(value, (str, bool))):
        _fail(f"`when` {op} must be a quoted text value or true/false, got {value!r}")
    if expected == "bool" and not isinstance(value, bool):
        _fail(f"`when` {op} must be true or false, got {value!r}")
    if expected == "strings" and not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
        _fail(f"`when` {op} must be a non-empty list of quoted values, got {value!r}")
    if expected == "int" and not _is_int(value):
        _fail(f"`when` {op} must be an integer, got {value!r}")
    if expected == "pattern":
        _check_pattern(value, f"`when` {op}")
    if expected == "date":
        try:
            _dt.date.fromisoformat(str(value))
        except ValueError:
            _fail(f"`when` {op} must be an ISO date YYYY-MM-DD, got {value!r}")


def _check_message(message) -> None:
    if not isinstance(message, str) or not message.strip():
        _fail("has no message")
    try:
        fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(message) if f is not None]
    except ValueError as exc:
        _fail(f"message is not a valid template ({exc})")
    for f, spec, conv in fields:
        if f not in MESSAGE_FIELDS:
            _fail(f"message uses {{{f}}}; only {{value}}, {{column}} and {{element}} are available")
        if spec or conv:
            _fail(f"message field {{{f}}} cannot carry a conversion or format spec")


def _check_params(check, known) -> None:
    if not isinstance(check, dict) or "kind" not in check:
        _fail("check must be a mapping with a 'kind'")
    kind = check["kind"]
    if kind not in KINDS:
        _fail(f"unknown check kind '{kind}' (expected one of {', '.join(KINDS)})")
    required, optional = KINDS[kind]
    params = set(check) - {"kind"}
    missing = required - params
    if missing:
        _fail(f"check kind '{kind}' needs {', '.join(sorted(missing))}")
    unknown = params - required - optional
    if unknown:
        _fail(f"check kind '{kind}' does not take {', '.join(sorted(unknown))}")
    for key in ("column", "left", "right", "value_column"):
        if key in check:
            _check_column(check[key], known, f"check {key}")
    for key in ("min", "max", "add"):
        if key in check and not _is_int(check[key]):
            _fail(f"check {key} must be an integer, got {check[key]!r}")
    if kind in ("int_range",) and check["min"] > check["max"]:
        _fail(f"check min {check['min']} is greater than max {check['max']}")
    if kind in ("max_values", "max_length", "min_values") and check.get("max", check.get("min")) < 0:
        _fail("check bound must not be negative")
    if kind in ("lov", "lov_each") and not (isinstance(check["table"], str) and check["table"]):
        _fail("check table must name a code table")
    if kind == "alone":
        values = check["values"]
        if not (isinstance(values, list) and values and all(isinstance(v, str) for v in values)):
            _fail("check values must be a non-empty list of quoted codes")
    if kind == "regex":
        _check_pattern(check["pattern"], "check pattern")
    if kind == "compare":
        if check["op"] not in COMPARE_OPS:
            _fail(f"compare op must be one of {', '.join(COMPARE_OPS)}, got {check['op']!r}")
        if ("right" in check) == ("value" in check):
            _fail("compare needs exactly one of 'right' (a column) or 'value' (an integer)")
        if "value" in check and not _is_int(check["value"]):
            _fail(f"compare value must be an integer, got {check['value']!r}")
    if kind == "custom":
        from schemas import custom_checks

        name = check["function"]
        fn = getattr(custom_checks, name, None) if isinstance(name, str) and not name.startswith("_") else None
        if not callable(fn) or getattr(fn, "__module__", None) != custom_checks.__name__:
            _fail(f"custom function '{name}' does not exist in schemas/custom_checks.py")
    if "when" in check:
        _check_when(check["when"], known)


def _known_columns(elements: Mapping | None) -> dict[str, frozenset[str]] | None:
    if elements is None:
        return None
    names = {seg: [e["name"] for e in elements.get(seg, [])] for seg in ("incident", "subject", "officer", "zero_report")}
    out = {
        "incident": frozenset(names["incident"]) | frozenset(META_COLUMNS["incident"]) | frozenset(HELPER_COLUMNS),
        "subject": frozenset(names["subject"]) | frozenset(META_COLUMNS["subject"]),
        "officer": frozenset(names["officer"]) | frozenset(META_COLUMNS["officer"]),
        "zero_report": frozenset(names["zero_report"]) | frozenset(META_COLUMNS["zero_report"]),
    }
    out["message"] = out["incident"] | frozenset(MESSAGE_ELEMENTS)
    return out


def _known_element_ids(elements: Mapping | None) -> frozenset[str] | None:
    if elements is None:
        return None
    ids = {e["id"] for seg in elements.values() if isinstance(seg, list) for e in seg}
    return frozenset(ids) | frozenset(MESSAGE_ELEMENTS)


def parse_rule(entry, known_columns=None, known_elements=None) -> Rule:
    if not isinstance(entry, dict):
        raise CatalogError(f"an entry of the rules list is not a mapping (it is a {type(entry).__name__})")
    rule_id = entry.get("id")
    label = rule_id if isinstance(rule_id, str) else repr(rule_id)
    try:
        if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
            _fail("id must look like I7-LOV (capital letters, digits and hyphens)")
        unknown = set(entry) - _RULE_KEYS
        if unknown:
            _fail(f"unknown key(s) {', '.join(sorted(unknown))}")
        missing = [k for k in ("segment", "elements", "section", "severity", "message", "check") if k not in entry]
        if missing:
            _fail(f"missing {', '.join(missing)}")
        check = entry["check"]
        if not isinstance(check, dict):
            _fail("check must be a mapping with a 'kind'")
        segment = entry["segment"]
        is_engine = check.get("kind") == "engine"
        if segment not in SEGMENTS and not (is_engine and segment == ANY_SEGMENT):
            _fail(f"unknown segment '{segment}' (expected one of {', '.join(SEGMENTS)})")
        elements = entry["elements"]
        if not isinstance(elements, list) or not all(isinstance(e, str) for e in elements):
            _fail("elements must be a list of data element ids")
        if not elements and not is_engine:
            _fail("elements must name at least one data element")
        for e in elements:
            if not _ELEMENT_ID.fullmatch(e) or (known_elements is not None and e not in known_elements):
                _fail(f"unknown data element id '{e}'")
        section = entry["section"]
        if not isinstance(section, str) or not _SECTION.fullmatch(section):
            _fail(f"section must be a quoted spec section like \"3.2.2.7\", got {section!r}")
        if entry["severity"] not in SEVERITIES:
            _fail(f"severity must be one of {', '.join(SEVERITIES)}, got {entry['severity']!r}")
        _check_message(entry["message"])
        known = None
        if known_columns is not None and segment in known_columns:
            known = known_columns[segment]
        _check_params(check, known)
        if not is_engine and "{value}" in entry["message"] and check.get("kind") == "required" \
                and "value_column" not in check:
            _fail("a required-value message cannot show {value} (the cell is blank)")
    except _Problem as exc:
        raise CatalogError(str(exc), rule=label) from None
    return Rule(id=rule_id, segment=segment, elements=tuple(elements), section=section,
                severity=entry["severity"], message=entry["message"], check=_freeze(check))


def parse_catalog(data: dict, elements: Mapping | None = None, codes: Mapping | None = None) -> Catalog:
    """Validate the parsed catalog.yaml and return it as a `Catalog`; a problem is a `CatalogError`.

    `elements` (the parsed mappings/elements.yaml) is optional; when given, every column and data
    element id a rule names must exist in its segment (plus the meta and helper columns). `codes` (code
    table name -> values, from mappings/codes.yaml) is optional; when given, every code table a rule
    names must exist, so a misspelt table stops the run before any data is read.
    """
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise CatalogError("the rule catalog must be a mapping with a 'rules' list")
    unknown = set(data) - {"rules"}
    if unknown:
        raise CatalogError(f"the rule catalog has unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}")
    known_columns = _known_columns(elements)
    known_elements = _known_element_ids(elements)
    rules = []
    seen = set()
    for entry in data["rules"]:
        rule = parse_rule(entry, known_columns, known_elements)
        if rule.id in seen:
            raise CatalogError("duplicate id", rule=rule.id)
        seen.add(rule.id)
        if codes is not None and rule.check.get("kind") in ("lov", "lov_each") and rule.check["table"] not in codes:
            raise CatalogError(f"unknown code table '{rule.check['table']}' (see mappings/codes.yaml)", rule=rule.id)
        rules.append(rule)
    if not rules:
        raise CatalogError("the rule catalog has no rules")
    return Catalog(rules=tuple(rules))
