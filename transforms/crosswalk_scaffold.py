"""Planning for `uof crosswalk scaffold|check`: which local codes are listed, which YAML skeletons are written
and their text. Pure: the survey of an extract (transforms/crosswalk_survey.py) in, listings and text out;
reading the extract and writing the files is flows/pipeline/crosswalk_tools.py.

A skeleton is YAML with the comments an IT person needs (the FBI values to choose from, what "" means), so it
is written as text, every scalar quoted by yaml.safe_dump.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pandas as pd
import yaml

from transforms.crosswalk_survey import CodedColumn


@dataclass
class Surveyed:
    profile: object
    columns: list[CodedColumn]
    table: pd.DataFrame  # transforms.crosswalk_survey.survey() rows
    sources: dict[str, str]  # table -> display name of where it was read from
    rms_names: dict[tuple[str, str], str]  # (table, column) -> RMS column name
    owner: dict[tuple[str, str], object]  # (table, column) -> Crosswalk covering it
    originals: dict = field(default_factory=dict)  # crosswalk path -> its file's keys (element, table, ...)


def selected_targets(columns: list[CodedColumn], names: list[str] | None) -> set[tuple[str, str]]:
    """(table, column) pairs chosen by --element: `gender`, `subjects.gender`, `offense` or `offense1`."""
    everything = {(c.table, c.column) for c in columns}
    if not names:
        return everything
    chosen = set()
    for name in names:
        hits = {(c.table, c.column) for c in columns
                if name in (c.column, f"{c.table}.{c.column}", c.code_table.split(".", 1)[1],
                            f"{c.table}.{c.code_table.split('.', 1)[1]}")}
        if not hits:
            known = sorted({c.column for c in columns})
            raise ValueError(f"--element {name}: not a coded element (one with an FBI list of values); "
                             f"coded elements: {', '.join(known)}")
        chosen |= hits
    return chosen


def table_label(s: Surveyed, table: str) -> str:
    source = s.sources.get(table)
    return f"{table} ({source})" if source and source != table else table


def rms_name(s: Surveyed, table: str, column: str) -> str:
    return s.rms_names.get((table, column), column)


@dataclass
class Skeleton:
    """One YAML file to write: a new crosswalk, or an existing one completed with its missing codes."""

    file_name: str
    targets: list[CodedColumn]
    values: pd.DataFrame  # value, count, fbi_value, unmapped, invalid (summed over the targets)
    crosswalk: object | None = None  # the existing Crosswalk this one completes
    original: dict = field(default_factory=dict)  # the existing file's keys (element, table, ...)

    @property
    def to_fill(self) -> pd.DataFrame:
        """The local codes the run would not accept: left as "" for the IT person to translate."""
        return self.values[self.values["unmapped"]]

    @property
    def kept(self) -> pd.DataFrame:
        """FBI values found in a column without a crosswalk: they pass through today, and once the column
        has a crosswalk they must be listed in it, so the skeleton maps each to itself."""
        if self.crosswalk is not None:
            return self.values.iloc[:0]
        return self.values[self.values["fbi_value"] & ~self.values["unmapped"]]


def aggregated(rows: pd.DataFrame) -> pd.DataFrame:
    grouped = rows.groupby("value", sort=False).agg(count=("count", "sum"), fbi_value=("fbi_value", "all"),
                                                    unmapped=("unmapped", "any"), mapped=("mapped", "all"),
                                                    invalid=("invalid", "all"))
    return grouped.reset_index().sort_values(["count", "value"], ascending=[False, True], kind="stable")


def skeletons(s: Surveyed, chosen: set[tuple[str, str]]) -> list[Skeleton]:
    by_target = {(c.table, c.column): c for c in s.columns}
    rows = s.table
    key = list(zip(rows["table"], rows["column"]))
    rows = rows.assign(_target=key)
    out, names = [], set()

    def unique(name: str) -> str:
        stem, n = name[:-5], 2
        while name in names:
            name, n = f"{stem}.{n}.yaml", n + 1
        names.add(name)
        return name

    # Existing crosswalks with local codes they miss: the whole file, completed.
    seen = set()
    for cw in s.profile.crosswalks:
        if id(cw) in seen or not any(t in chosen for t in cw.targets):
            continue
        seen.add(id(cw))
        mine = rows[rows["_target"].isin(list(cw.targets))]
        if not mine["unmapped"].any():
            continue
        out.append(Skeleton(file_name=unique(cw.path.name), targets=[by_target[t] for t in cw.targets],
                            values=aggregated(mine), crosswalk=cw, original=dict(s.originals.get(cw.path, {}))))
    # Columns without a crosswalk: one new crosswalk per table and FBI code table (offense1-3 share one).
    groups: dict[tuple[str, str], list[CodedColumn]] = {}
    for c in s.columns:
        if (c.table, c.column) in chosen and (c.table, c.column) not in s.owner:
            groups.setdefault((c.table, c.code_table), []).append(c)
    for (table, code_table), cols in groups.items():
        mine = rows[rows["_target"].isin([(c.table, c.column) for c in cols])]
        if not mine["unmapped"].any():
            continue
        element = code_table.split(".", 1)[1]
        out.append(Skeleton(file_name=unique(f"{table}.{element}.yaml"), targets=cols, values=aggregated(mine)))
    return out


def _q(text: str) -> str:
    """A YAML double-quoted scalar (every value in a crosswalk is text)."""
    dumped = yaml.safe_dump(str(text), default_style='"', allow_unicode=True, width=1 << 20)
    return dumped.rstrip("\n").removesuffix("\n...").rstrip("\n")


def _one_line(text: str, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def _yaml_value(values) -> str:
    values = list(values)
    return _q(values[0]) if len(values) == 1 else "[" + ", ".join(_q(v) for v in values) + "]"  # [] too


def _allowed(sk: Skeleton) -> dict[str, str]:
    """FBI values valid for every target of the skeleton (what load_crosswalk accepts), spec order."""
    first = sk.targets[0].codes
    return {code: desc for code, desc in first.items() if all(code in t.codes for t in sk.targets[1:])}


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, width=98, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False,
                         break_long_words=False) or ["#"]


def _rms_columns(s: Surveyed, targets: list[CodedColumn]) -> str:
    per_table: dict[str, list[str]] = {}
    for t in targets:
        per_table.setdefault(t.table, []).append(rms_name(s, t.table, t.column))
    return "; ".join(f"{table}: {', '.join(dict.fromkeys(cols))}" for table, cols in per_table.items())


def skeleton_yaml(sk: Skeleton, s: Surveyed, source_name: str) -> str:
    targets = sk.targets
    tables = sorted({t.table for t in targets})
    what = ", ".join(f"{t.table}.{t.column} ({t.element_id})" for t in targets)
    multi = any(t.multi for t in targets)
    rms_cols = _rms_columns(s, targets)
    lines = _comment(f"Crosswalk skeleton written by `uof crosswalk scaffold` for {what}, from the local codes "
                     f"found in {source_name} (RMS columns {rms_cols}).") + ["#"]
    if sk.crosswalk is not None:
        lines += ["# It completes the profile's crosswalk", f"#   {sk.crosswalk.path}"]
        lines += _comment("whose entries are copied below, followed by the local codes it is missing. Once filled "
                          "in, copy this file over that one (its comments are not carried over) or point the "
                          "profile's `crosswalks:` entry at this file instead (not both: a column takes one "
                          "crosswalk).")
    else:
        lines += _comment("No crosswalk covers these local codes yet. Once filled in, move this file next to the "
                          "profile's other crosswalks and add it to the profile's `crosswalks:` list.")
    lines.append("#")
    lines += _comment("Replace every \"\" with the FBI value the local code means, taken from the list below"
                      + (' (a local code may become several values: ["W", "H"]).' if multi else "."))
    lines += _comment("An entry left \"\" is an ERROR: the profile will not load (\"must map to an FBI value\"). "
                      "Delete the line instead to keep rejecting the rows holding that code (rule XW-UNMAPPED).")
    lines += _comment("A local code that is wrong in the RMS (a typo, a value shifted from another column) goes "
                      "under `invalid:` with the reason instead (`\"Pursuit\": \"shifted column: a contact type in "
                      "the race column\"`): it then counts as configured, and the run rejects the rows holding it "
                      "with that reason (rule XW-INVALID).")
    lines += _comment("Then run `uof crosswalk check`: exit code 0 means every local code is covered.")
    lines += ["#", f"# FBI values of {', '.join(dict.fromkeys(t.column for t in targets))}"
              + (" (valid for every element of this crosswalk)" if len({t.code_table for t in targets}) > 1
                 else "") + ":"]
    allowed = _allowed(sk)
    width = max((len(_q(c)) for c in allowed), default=0)
    lines += [f"#   {_q(code).ljust(width)}  {_one_line(desc)}" for code, desc in allowed.items()]
    lines.append("")
    if sk.crosswalk is not None:
        element = sk.original.get("element")
        table = sk.original.get("table")
        description = sk.original.get("description")
        notes = sk.original.get("notes")
    else:
        columns = [t.column for t in targets]
        element = columns[0] if len(columns) == 1 else columns
        table = tables[0]
        description = f"Local RMS codes ({rms_cols})"
        notes = None
    elements = [element] if isinstance(element, str) else list(element)
    lines.append("element: " + (_q(elements[0]) if isinstance(element, str)
                                else "[" + ", ".join(_q(e) for e in elements) + "]"))
    if table:
        lines.append(f"table: {_q(table)}")
    if description:
        lines.append(f"description: {_q(description)}")
    if notes:
        lines.append(f"notes: {_q(notes)}")
    for option in ("trim", "case"):  # lookup options of the crosswalk being completed
        if isinstance(sk.original.get(option), str):
            lines.append(f"{option}: {sk.original[option]}")
    lines.append("map:")
    if sk.crosswalk is not None:
        lines.append(f"  # entries of {sk.crosswalk.path.name}")
        lines += [f"  {_q(local)}: {_yaml_value(target)}" for local, target in sk.crosswalk.mapping.items()]
    keep = sk.kept
    if not keep.empty:
        lines.append("  # already FBI values: kept as they are (a crosswalk must list every code of its column)")
        lines += [f"  {_q(v)}: {_q(v)}  # {n} row(s)" for v, n in zip(keep["value"], keep["count"])]
    blank = sk.to_fill
    if not blank.empty:
        lines.append("  # local codes to translate: fill in every \"\"")
        lines += [f"  {_q(v)}: \"\"  # {n} row(s)" + ("; also an FBI value" if fbi else "")
                  for v, n, fbi in zip(blank["value"], blank["count"], blank["fbi_value"])]
    invalid = getattr(sk.crosswalk, "invalid", None) or {}
    if invalid:
        lines.append("invalid:")
        lines.append(f"  # known-bad local values of {sk.crosswalk.path.name}: the run rejects their rows (XW-INVALID)")
        lines += [f"  {_q(local)}: {_q(reason)}" for local, reason in invalid.items()]
    return "\n".join(lines) + "\n"


def code_status(row) -> str:
    """How the monthly run treats one local code of the survey."""
    if getattr(row, "invalid", False):
        return f"invalid (rows rejected, XW-INVALID: {row.reason})"
    if row.crosswalked:
        if row.mapped:
            return "mapped"
        return "UNMAPPED (missing from the crosswalk" + ("; also an FBI value)" if row.fbi_value else ")")
    return "FBI value" if row.fbi_value else "UNMAPPED (no crosswalk; not an FBI value)"


def column_listing(s: Surveyed, rows: pd.DataFrame) -> list[dict]:
    """Per coded column holding values: where it comes from, its crosswalk, and its local codes with counts."""
    by_target = {(c.table, c.column): c for c in s.columns}
    listing = []
    for (table, column), mine in rows.groupby(["table", "column"], sort=False):
        cw = s.owner.get((table, column))
        listing.append({
            "table": table, "column": column, "element_id": by_target[(table, column)].element_id,
            "rms_column": rms_name(s, table, column), "source": s.sources.get(table),
            "crosswalk": None if cw is None else cw.path.name,
            "codes": [{"local_code": row.value, "rows": int(row.count), "status": code_status(row),
                       "mapped": bool(row.mapped), "target": (row.target or None) if row.mapped else None}
                      for row in mine.itertuples(index=False)]})
    return listing
