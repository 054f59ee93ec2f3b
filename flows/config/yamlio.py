"""YAML loading for configuration files.

User-written files (profiles, crosswalks) are read with every scalar as a string, so that
`NO`, `Y`, `01` or `1e3` stay the codes the IT person typed instead of becoming booleans or
numbers. Duplicate keys are an error in every file: PyYAML would silently keep the last one.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from flows.errors import ConfigError


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


# libyaml's parser when PyYAML has it (about 10x faster on the code tables); same semantics.
_StringLoader = _no_duplicates(getattr(yaml, "CBaseLoader", yaml.BaseLoader))
_SafeLoader = _no_duplicates(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


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
    """Parse a YAML file; return (data, sha256 of its bytes)."""
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"is not UTF-8 text (byte {exc.start})") from None
    try:
        data = yaml.load(text, Loader=_StringLoader if strings else _SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(path, f"is not valid YAML{where}: {problem}") from None
    return data, hashlib.sha256(raw).hexdigest()
