"""Configuration files checked by their models (schemas/config_models.py).

A pydantic ValidationError becomes a ConfigError naming the file and the key path as the user wrote it
(`layout.subjects.count`, `parsers.incidents[0].format`); `located` adds the line of that key, which the
YAML loader knows, to every ConfigError raised while a file is loaded.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ValidationError

from flows.config.yamlio import key_lines
from flows.errors import ConfigError


class ConfigLineError(ConfigError):
    """A ConfigError that also names the line of its key: `configuration error in agency.yaml, line 12, key
    'layout.subjects.count': ...`."""

    def __init__(self, file, message: str, key: str | None = None, line: int | None = None):
        super().__init__(file, message, key)
        self.line = line
        if line is not None:
            where = f"{self.file}, line {line}" + (f", key '{key}'" if key else "")
            self.args = (f"configuration error in {where}: {message}",)


def key_path(loc: tuple, data) -> str | None:
    """Pydantic's location of an error as the key path of the file (`a.b[0].c`): steps that are not in the
    file (a union member, a single condition read as a list of one) are left out."""
    path, node = "", data
    for step in loc:
        if isinstance(node, dict) and step in node:
            path, node = (f"{path}.{step}" if path else str(step)), node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            path, node = f"{path}[{step}]", node[step]
    return path or None


_TYPES = {"string_type": "must be a single text value", "list_type": "must be a list",
          "dict_type": "must be a mapping", "model_type": "must be a mapping",
          "model_attributes_type": "must be a mapping", "bool_type": "must be true or false",
          "bool_parsing": "must be true or false", "string_too_short": "must not be empty"}


def _quoted(text: str) -> list[str]:
    """The names pydantic lists as `'a', 'b' or 'c'`."""
    return re.findall(r"'([^']*)'", text)


def _message(error: dict) -> tuple[str, str | None]:
    """(message, a key to add to the path) of one pydantic error."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "config":
        return ctx["message"], None
    if kind == "literal_error":
        given = f"'{error['input']}' is not" if isinstance(error["input"], str) else "must be"
        return f"{given} one of {', '.join(_quoted(ctx['expected']))}", None
    if kind == "union_tag_invalid":
        name = _quoted(ctx["discriminator"])[0]
        return f"unknown {name} '{ctx['tag']}' (expected one of {', '.join(_quoted(ctx['expected_tags']))})", name
    if kind == "union_tag_not_found":
        return f"needs '{_quoted(ctx['discriminator'])[0]}'", None
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} entries", None
    if kind in _TYPES:
        return _TYPES[kind], None
    return error["msg"][:1].lower() + error["msg"][1:], None


def validated(model: type[BaseModel], data, path: Path):
    """`data` (a file's YAML) as `model`, or a ConfigError naming the file and the key of the first problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        message, more = _message(error)
        key = key_path(error["loc"], data)
        if more:
            key = f"{key}.{more}" if key else more
        failure = ConfigError(path, message, key)
        unknown = (error.get("ctx") or {}).get("unknown")
        if unknown is not None:  # named at the mapping holding it, located at the unknown key itself
            failure.line_key = f"{key}.{unknown}" if key else unknown
        raise failure from None


def line_of(key: str, lines: dict[str, int]) -> int | None:
    """The line of `key`, or of the nearest enclosing key the file has."""
    while key:
        if key in lines:
            return lines[key]
        key = re.sub(r"(\[\d+\]|\.[^.\[]*|^[^.\[]*)$", "", key)
    return None


@contextmanager
def located(path: Path):
    """Add the line of its key to a ConfigError about `path` raised inside the block."""
    try:
        yield
    except ConfigError as exc:
        where = getattr(exc, "line_key", exc.key)
        if type(exc) is not ConfigError or exc.file != str(path) or not where:
            raise
        line = line_of(where, key_lines(path))
        if line is None:
            raise
        raise ConfigLineError(exc.file, exc.detail, exc.key, line) from None
