"""JSON Schemas and the settings reference, generated from the configuration models.

    python -m schemas.generate --write    # rewrite schemas/json/*.schema.json and docs/settings-reference.md
    python -m schemas.generate --check    # exit 1 when a committed file differs from what the models give

tests/test_config_models.py fails when the committed files are not what the models generate.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from schemas import SCHEMAS_DIR
from schemas.config_models import REFERENCE_MODELS, TABLES, Crosswalk, Profile
from schemas.state_models import StateProfile

JSON_DIR = SCHEMAS_DIR / "json"
DOCS = SCHEMAS_DIR.parent / "docs" / "settings-reference.md"
KINDS: dict[str, type[BaseModel]] = {
    "profile": Profile, "crosswalk": Crosswalk, "state": StateProfile,
    **{name.removesuffix(".yaml"): model for name, model in REFERENCE_MODELS.items()},
}


def _tidy(node, text_only: bool):
    """Drop what only adds noise for an editor: the titles pydantic derives from field names and, in files
    read as text (profiles, crosswalks: an empty value is "", not null), the `null` alternatives."""
    if isinstance(node, list):
        return [_tidy(n, text_only) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties":
            value = {name: {k: v for k, v in prop.items() if k != "title"} for name, prop in value.items()}
        out[key] = _tidy(value, text_only)
    for union in ("anyOf", "oneOf"):
        if union in out and text_only:
            out[union] = [s for s in out[union] if s != {"type": "null"}]
            if len(out[union]) == 1:
                out |= out.pop(union)[0]
    if out.get("default", 0) is None:
        del out["default"]
    return out


def json_schema(kind: str) -> dict:
    model = KINDS[kind]
    schema = _tidy(model.model_json_schema(by_alias=True), text_only=kind in ("profile", "crosswalk", "state"))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://uof-reporting.invalid/schemas/{kind}.schema.json", **schema}


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


# ----------------------------------------------------------------------------------- the reference

def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _type(schema: dict, node: dict) -> str:
    node = _resolve(schema, node)
    if "anyOf" in node:
        return " or ".join(dict.fromkeys(_type(schema, n) for n in node["anyOf"]))
    if "oneOf" in node:
        return f"mapping, by `{node['discriminator']['propertyName']}`"
    kind = node.get("type")
    if kind == "array":
        items = _type(schema, node.get("items", {}))
        return f"list of ({items})" if " or " in items else f"list of {items}"
    if kind == "object":
        if "properties" in node:
            return "mapping"
        return f"mapping: name -> {_type(schema, node.get('additionalProperties', {}))}"
    if kind == "boolean":
        return "true/false"
    if kind == "integer":
        return "whole number"
    return "text"


def _allowed(node: dict) -> str:
    if node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict):
        return _allowed(node["additionalProperties"])
    if node.get("type") == "array" and "minItems" not in node:
        return _allowed(node.get("items", {}))
    if node.get("minLength") == 1:
        return "not empty"
    if "const" in node:
        return f"`{node['const']}`"
    if "enum" in node:
        return ", ".join(f"`{v}`" for v in node["enum"])
    if "pattern" in node:
        return f"matches `{node['pattern']}`"
    if "minimum" in node:
        return f"at least {node['minimum']}"
    for key, what in (("minItems", "entries"), ("minLength", "characters")):
        if key in node:
            return f"at least {node[key]} {what}"
    return ""


def _default(node: dict) -> str:
    if "default" not in node:
        return ""
    value = node["default"]
    if value in ({}, []):
        return "none"
    return f"`{json.dumps(value) if isinstance(value, bool) else value}`"


def _variants(schema: dict, union: dict, key: str, sections: list) -> None:
    """A union of mappings told apart by one key (layout kinds, parsers): one section per member."""
    tag = union["discriminator"]["propertyName"]
    for variant in map(lambda v: _resolve(schema, v), union["oneOf"]):
        sections.append((f"`{key}` with `{tag}: {variant['properties'][tag]['const']}`",
                         variant.get("description", ""), variant, key))


def _same_per_table(node: dict) -> bool:
    """incidents, subjects and officers holding the same kind of setting: described once, as <table>."""
    props = node.get("properties", {})
    shapes = [{k: v for k, v in props.get(t, {}).items() if k != "description"} for t in TABLES]
    return set(props) == set(TABLES) and all(shape == shapes[0] for shape in shapes)


def _rows(schema: dict, node: dict, path: str, rows: list, sections: list) -> None:
    """Rows (key, type, allowed, default, description) for the properties of `node`, nested mappings
    included; a union of mappings becomes one section per member."""
    node = _resolve(schema, node)
    required = set(node.get("required", ()))
    props = node.get("properties", {})
    if _same_per_table(node):
        about = props["incidents"].get("description", "").replace(" of the incidents table.", "")
        props = {"<table>": props["incidents"] | {"description": f"{about} (per table: incidents, subjects, "
                                                                 "officers)."}}
    for name, prop in props.items():
        key = f"{path}.{name}" if path else name
        target = _resolve(schema, prop)
        members = [_resolve(schema, m) for m in target.get("anyOf", [target])]
        listed = [_resolve(schema, m.get("items", {})) for m in members if m.get("type") == "array"]
        members = [m for m in members if m not in listed]  # `x` or `[x, ...]`: described once, as the list
        allowed = "; ".join(dict.fromkeys(a for a in map(_allowed, members) if a))
        default = "required" if name in required else _default(prop)
        rows.append((key, _type(schema, prop), allowed, default, prop.get("description", "")))
        for member in members:
            if "properties" in member:
                _rows(schema, member, key, rows, sections)
            elif "oneOf" in member:
                _variants(schema, member, key, sections)
            elif member.get("type") == "array":
                _items(schema, member.get("items", {}), f"{key}[]", rows, sections)
            elif member.get("type") == "object" and "additionalProperties" in member:
                _items(schema, member["additionalProperties"], f"{key}.<name>", rows, sections)


def _items(schema, items, key, rows, sections):
    items = _resolve(schema, items)
    if "properties" in items:
        _rows(schema, items, key, rows, sections)
    elif "oneOf" in items:
        _variants(schema, items, key, sections)


def _table(rows) -> list[str]:
    out = ["| key | type | allowed | default | description |", "| --- | --- | --- | --- | --- |"]
    for key, kind, allowed, default, about in rows:
        cells = [f"`{key}`", kind, allowed, default, about]
        out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return out


def _section(schema: dict, title: str, about: str, node: dict, path: str, level: int = 2) -> list[str]:
    rows, sections = [], []
    _rows(schema, node, path, rows, sections)
    out = ["#" * level + f" {title}", "", *([about, ""] if about else []), *_table(rows), ""]
    for sub_title, sub_about, sub_node, sub_path in sections:
        out += _section(schema, sub_title, sub_about, sub_node, sub_path, level + 1)
    return out


HEADER = """# Settings reference

<!-- Generated by `python -m schemas.generate --write` from schemas/config_models.py: do not edit by hand.
     tests/test_config_models.py fails when this file is not what the models give. -->

Every setting of the agency profile, the crosswalk files and the reference files, with its type, allowed
values, default and meaning. How to use them, with worked examples:
[configuring-rms-export.md](configuring-rms-export.md).

**Editor support.** The same models give the JSON Schemas in [`schemas/json/`](../schemas/json/) (also
installed with the package, in `schemas/json/`). An editor using
[yaml-language-server](https://github.com/redhat-developer/yaml-language-server) - VS Code with the
*YAML* extension by Red Hat, or Neovim, Emacs, JetBrains and others through it - completes keys, shows these
descriptions on hover and underlines unknown keys and wrong values while you type, when the first line of the
file names its schema:

```yaml
# yaml-language-server: $schema=../../schemas/json/profile.schema.json
```

(the path is relative to the YAML file, here `data/sample/agency.yaml`; a crosswalk names
`crosswalk.schema.json`). Set-up per editor:
[configuring-rms-export.md](configuring-rms-export.md#let-your-editor-check-the-yaml-as-you-type). `uof`
itself checks the same rules, and the ones that need the FBI reference (element names, FBI values), when it
loads the profile.

Paths: `a.b` is key `b` inside `a`; `a[]` an entry of the list `a`; `<name>` a key you choose (an RMS column, a
local code). Profiles and crosswalks are read as text: quote values such as `"NO"`, `"YES"`, `"01"` as shown.
A name or description (`agency_name`, `description`, `notes`) refuses an unquoted number, true/false, date or
empty value; a whole number (`archive_retention_months`) is written without quotes; YAML tags (`!!binary`,
`!custom`, ...) are refused in every file.
"""


def reference_text() -> str:
    out = [HEADER]
    for kind, title in (("profile", "Agency profile (`agency.yaml`)"), ("crosswalk", "Crosswalk files"),
                        ("state", "State profile (`state.yaml`, `uof state`)")):
        schema = json_schema(kind)
        out += _section(schema, title, schema.get("description", ""), schema, "")
    out += ["## Reference files (`mappings/`)", "",
            "Maintained with the program (the FBI specification as data), not by agencies.", ""]
    for name, model in REFERENCE_MODELS.items():
        schema = json_schema(name.removesuffix(".yaml"))
        out += _section(schema, f"`mappings/{name}`", schema.get("description", ""), schema, "", level=3)
    return "\n".join(out).rstrip() + "\n"


def outputs() -> dict[Path, str]:
    """Every generated file -> its text."""
    files = {JSON_DIR / f"{kind}.schema.json": schema_text(kind) for kind in KINDS}
    files[DOCS] = reference_text()
    return files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas.generate", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the files")
    mode.add_argument("--check", action="store_true", help="exit 1 when a committed file is out of date")
    args = parser.parse_args(argv)
    stale = [path for path, text in outputs().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.write:
        JSON_DIR.mkdir(exist_ok=True)
        for path in stale:
            path.write_text(outputs()[path], encoding="utf-8")
            print(f"wrote {path.relative_to(SCHEMAS_DIR.parent)}")
        return 0
    for path in stale:
        print(f"out of date: {path.relative_to(SCHEMAS_DIR.parent)} (run python -m schemas.generate --write)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
