"""YAML loading for configuration files.

User-written files (profiles, crosswalks) are read with every scalar as a string, so that
`NO`, `Y`, `01` or `1e3` stay the codes the IT person typed instead of becoming booleans or
numbers; an unquoted one that YAML itself would read as a number, true/false, a date or null
is a `Typed` string, so that a setting that must be text (`agency_name`) or a number
(`archive_retention_months`) can tell `123` from `"123"`. Duplicate keys are an error in every
file: PyYAML would silently keep the last one. YAML tags (`!!python/object`, `!!binary`,
`!custom`, `!!str` too) are refused in every file: configuration is plain text, numbers, lists
and mappings.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

from flows.errors import ConfigError
from schemas.config_models import Typed


def _no_duplicates(loader_cls):
    class Strict(loader_cls):
        pass

    def construct_mapping(loader, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {seen[key]})", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return loader_cls.construct_mapping(loader, node, deep=deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return Strict


_KINDS = {"tag:yaml.org,2002:int": "a number", "tag:yaml.org,2002:float": "a number",
          "tag:yaml.org,2002:bool": "true/false", "tag:yaml.org,2002:null": "empty",
          "tag:yaml.org,2002:timestamp": "a date"}
_RESOLVER = yaml.resolver.Resolver()  # how YAML (the safe loader) reads an unquoted scalar


def _text(loader, node) -> str:
    value = loader.construct_scalar(node)
    plain_style = not node.style  # None from PyYAML, "" from libyaml
    kind = _KINDS.get(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False))) if plain_style else None
    return Typed(value, kind) if kind else value


def plain(data):
    """`data` with every Typed string as a plain one (once the settings are checked)."""
    if isinstance(data, dict):
        return {plain(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return str(data) if isinstance(data, Typed) else data


# libyaml's parser when PyYAML has it (about 10x faster on the code tables); same semantics.
_StringLoader = _no_duplicates(getattr(yaml, "CBaseLoader", yaml.BaseLoader))
_StringLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG, _text)
_SafeLoader = _no_duplicates(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
_TAG_AS_WRITTEN = re.compile(r"!(?:<[^>]*>|[^\s,\[\]{}]*)")


def _no_tags(text: str, path: Path) -> None:
    """Refuse any YAML tag: the safe loader would build `!!binary` or `!!set` values and the text loader
    would silently drop `!!python/object/apply:...`; neither belongs in a configuration file."""
    if "!" not in text:  # no tag without one (the shipped files have none): no second parse
        return
    for event in yaml.parse(text, Loader=_StringLoader):
        tag = getattr(event, "tag", None)
        if tag is None:
            continue
        mark = event.start_mark
        written = _TAG_AS_WRITTEN.search(text, mark.index)
        shown = written.group(0) if written else tag
        raise ConfigError(path, f"YAML tags are not allowed (line {mark.line + 1}): remove '{shown}' (configuration "
                          "files hold plain text, numbers, lists and mappings)")


def read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "file not found") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot be read ({exc.strerror})") from None


def key_lines(path: Path) -> dict[str, int]:
    """Key path (`a.b[0].c`, as ConfigError names keys) -> line number, for each key and list entry of a
    YAML file; empty when the file cannot be parsed. Read again only to locate an error."""
    try:
        root = yaml.compose(read_bytes(path).decode("utf-8-sig"), Loader=_StringLoader)
    except (ConfigError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    lines: dict[str, int] = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value in node.value:
                key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
                lines.setdefault(key, key_node.start_mark.line + 1)
                walk(value, key)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault(f"{prefix}[{i}]", item.start_mark.line + 1)
                walk(item, f"{prefix}[{i}]")

    walk(root, "")
    return lines


def load_yaml(path: Path, *, strings: bool) -> tuple[object, str]:
    """Parse a YAML file; return (data, sha256 of its bytes). With `strings`, every scalar is text (a Typed
    one where YAML would read something else)."""
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"is not UTF-8 text (byte {exc.start})") from None
    try:
        _no_tags(text, path)
        data = yaml.load(text, Loader=_StringLoader if strings else _SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(path, f"is not valid YAML{where}: {problem}") from None
    return data, hashlib.sha256(raw).hexdigest()
