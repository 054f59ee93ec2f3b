"""`uof crosswalk scaffold|check`: crosswalk tooling for the IT staff who configure an agency.

* `scaffold` lists every local code of every coded column the extract holds (with row counts, and
  whether it is mapped by a crosswalk or already an FBI value) and writes, per crosswalk to create or
  complete, a YAML skeleton with the codes left to translate as `"CODE": ""` entries.
* `check` lists the local codes the monthly run would not accept, without running a month.

A local value a crosswalk marks `invalid:` (known-bad, with a reason) counts as configured: `check`
passes and lists it, `scaffold` shows it and carries it over into a completed crosswalk; the monthly
run rejects the rows holding it (XW-INVALID) with the reason.

Only coded columns (elements with an FBI list of values) are ever listed: their local codes and
counts, never the values of free-text or personal columns. See docs/crosswalk-tooling.md.
"""
from __future__ import annotations

import dataclasses

import os
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from flows.errors import UsageError
from flows.io.write import check_output_folder
from transforms.crosswalk_survey import CodedColumn, coded_columns, crosswalk_maps, survey

EXIT_UNMAPPED = 1
SCAFFOLD_DIR = "crosswalks.scaffold"


# --------------------------------------------------------------------------------------------- loading

@dataclass
class Surveyed:
    profile: object
    columns: list[CodedColumn]
    table: pd.DataFrame  # transforms.crosswalk_survey.survey() rows
    sources: dict[str, str]  # table -> display name of where it was read from
    rms_names: dict[tuple[str, str], str]  # (table, column) -> RMS column name
    owner: dict[tuple[str, str], object]  # (table, column) -> Crosswalk covering it


def _survey(args) -> Surveyed:
    from flows.config.load import load_profile, load_reference
    from flows.io.extract import read_extract

    ref = load_reference()
    profile = load_profile(Path(args.profile), ref)  # invalid crosswalk targets stop here (exit 2)
    extract = read_extract(Path(args.source), profile, ref)
    # an element with a precedence is crosswalked entry by entry (rows that disagree, list cells)
    columns = [dataclasses.replace(c, multi=True) if c.column in profile.precedence.get(c.table, {}) else c
               for c in coded_columns(ref)]
    rows = survey(extract.local, columns, crosswalk_maps(profile.crosswalks))
    rms = {}
    for table, renames in (profile.columns or {}).items():
        for rms_name, canonical in (renames or {}).items():
            rms[(table, canonical)] = rms_name
    sources = {t: str(s) for t, s in (getattr(extract, "sources", None) or {}).items()}
    owner = {target: cw for cw in profile.crosswalks for target in cw.targets}
    return Surveyed(profile=profile, columns=columns, table=rows, sources=sources, rms_names=rms, owner=owner)


def _selected(columns: list[CodedColumn], names: list[str] | None) -> set[tuple[str, str]]:
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
            raise UsageError(f"--element {name}: not a coded element (one with an FBI list of values); "
                             f"coded elements: {', '.join(known)}")
        chosen |= hits
    return chosen


def _table_label(s: Surveyed, table: str) -> str:
    source = s.sources.get(table)
    return f"{table} ({source})" if source and source != table else table


def _rms(s: Surveyed, table: str, column: str) -> str:
    return s.rms_names.get((table, column), column)


# ------------------------------------------------------------------------------------------- skeletons

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


def _aggregate(rows: pd.DataFrame) -> pd.DataFrame:
    grouped = rows.groupby("value", sort=False).agg(count=("count", "sum"), fbi_value=("fbi_value", "all"),
                                                    unmapped=("unmapped", "any"), mapped=("mapped", "all"),
                                                    invalid=("invalid", "all"))
    return grouped.reset_index().sort_values(["count", "value"], ascending=[False, True], kind="stable")


def _skeletons(s: Surveyed, chosen: set[tuple[str, str]]) -> list[Skeleton]:
    from flows.config.yamlio import load_yaml

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
        original, _ = load_yaml(cw.path, strings=True)
        out.append(Skeleton(file_name=unique(cw.path.name), targets=[by_target[t] for t in cw.targets],
                            values=_aggregate(mine), crosswalk=cw, original=dict(original)))
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
        out.append(Skeleton(file_name=unique(f"{table}.{element}.yaml"), targets=cols, values=_aggregate(mine)))
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
        per_table.setdefault(t.table, []).append(_rms(s, t.table, t.column))
    return "; ".join(f"{table}: {', '.join(dict.fromkeys(cols))}" for table, cols in per_table.items())


def _render(sk: Skeleton, s: Surveyed, source_name: str) -> str:
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


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the current user only (0600), replacing it atomically."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------------- commands

def _status(row) -> str:
    if getattr(row, "invalid", False):
        return f"invalid (rows rejected, XW-INVALID: {row.reason})"
    if row.crosswalked:
        if row.mapped:
            return "mapped"
        return "UNMAPPED (missing from the crosswalk" + ("; also an FBI value)" if row.fbi_value else ")")
    return "FBI value" if row.fbi_value else "UNMAPPED (no crosswalk; not an FBI value)"


def _cmd_scaffold(args) -> int:
    s = _survey(args)
    chosen = _selected(s.columns, args.element)
    rows = s.table[[t in chosen for t in zip(s.table["table"], s.table["column"])]]
    source_name = Path(args.source).name
    by_target = {(c.table, c.column): c for c in s.columns}
    print(f"Local codes of the coded columns in {source_name} (counts are rows):")
    if rows.empty:
        print("  (no coded column of the extract holds a value)")
    for (table, column), mine in rows.groupby(["table", "column"], sort=False):
        col = by_target[(table, column)]
        cw = s.owner.get((table, column))
        cover = f"crosswalk {cw.path.name}" if cw is not None else "no crosswalk"
        where = s.sources.get(table)
        print(f"{table}.{column} ({col.element_id}, RMS column {_rms(s, table, column)}"
              + (f" of {where}" if where else "") + f"), {cover}: {len(mine)} distinct code(s)")
        width = max(len(v) for v in mine["value"])
        for row in mine.itertuples(index=False):
            target = f" -> {row.target or '(no FBI value)'}" if row.mapped else ""
            print(f"  {row.count:>7}  {row.value.ljust(width)}  {_status(row)}{target}")
    skeletons = _skeletons(s, chosen)
    if not skeletons:
        print("Nothing to fill in: every local code is mapped or already an FBI value; no file written.")
        return 0
    out_dir = Path(args.out_dir) if args.out_dir else s.profile.path.parent / SCAFFOLD_DIR
    paths = [out_dir / sk.file_name for sk in skeletons]
    live = {cw.path.resolve() for cw in s.profile.crosswalks}
    in_use = [p for p in paths if p.resolve() in live]
    if in_use:
        raise UsageError(f"{in_use[0]} is one of the profile's crosswalks: scaffold never writes over a crosswalk "
                         "in use; give another --out-dir")
    existing = [p for p in paths if p.exists()]
    if existing and not args.force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise UsageError(f"{existing[0]} already exists{more}: scaffold never overwrites a skeleton that may "
                         "hold your edits; move it away, choose another --out-dir, or add --force to replace it")
    check_output_folder(out_dir, "--out-dir")
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for sk, path in zip(skeletons, paths):
        _write_private(path, _render(sk, s, source_name))
    print(f"Wrote {len(skeletons)} crosswalk skeleton(s) to {out_dir}:")
    for sk, path in zip(skeletons, paths):
        what = f"completes {sk.crosswalk.path.name}" if sk.crosswalk is not None else "new crosswalk"
        print(f"  {path.name}: {len(sk.to_fill)} local code(s) to fill in ({what})")
    print('Fill in every "" (an entry left "" is an error when the profile loads), add the files to the '
          "profile's crosswalks, then run `uof crosswalk check`.")
    return 0


def _cmd_check(args) -> int:
    s = _survey(args)
    rows = s.table
    bad = rows[rows["unmapped"]]
    n_columns = rows.groupby(["table", "column"]).ngroups
    invalid = rows[rows["invalid"]]
    if bad.empty:
        print(f"crosswalk check: every local code of the {n_columns} coded column(s) holding values is mapped "
              f"by a crosswalk, marked invalid or already an FBI value ({len(s.profile.crosswalks)} crosswalk(s) "
              "in the profile)")
        _print_invalid(s, invalid)
        return 0
    header = ("table", "column", "RMS column", "local code", "rows", "problem")
    lines = []
    for row in bad.itertuples(index=False):
        cw = s.owner.get((row.table, row.column))
        if cw is not None:
            problem = f"missing from crosswalk {cw.path.name}" + (" (also an FBI value)" if row.fbi_value else "")
        else:
            problem = "no crosswalk and not an FBI value"
        lines.append((_table_label(s, row.table), row.column, _rms(s, row.table, row.column), row.value,
                      str(row.count), problem))
    widths = [max(len(x[i]) for x in [header, *lines]) for i in range(len(header))]
    print(f"crosswalk check: {len(bad)} unmapped local code(s) in {bad.groupby(['table', 'column']).ngroups} "
          f"of {n_columns} coded column(s); the monthly run would reject the rows holding them:")
    for line in [header, *lines]:
        print("  " + "  ".join(v.rjust(w) if i == 4 else v.ljust(w) for i, (v, w) in enumerate(zip(line, widths)))
              .rstrip())
    print("Add them to the crosswalks (`uof crosswalk scaffold` writes the entries to fill in).")
    _print_invalid(s, invalid)
    return EXIT_UNMAPPED


def _print_invalid(s: Surveyed, invalid: pd.DataFrame) -> None:
    """The known-bad values found: configured, but the run rejects the rows holding them."""
    if invalid.empty:
        return
    print(f"{len(invalid)} local value(s) marked invalid by a crosswalk; the monthly run rejects the "
          f"{int(invalid['count'].sum())} row(s) holding them (XW-INVALID) until they are corrected in the RMS:")
    for row in invalid.itertuples(index=False):
        print(f"  {row.table}.{row.column} (RMS column {_rms(s, row.table, row.column)}) '{row.value}': "
              f"{row.count} row(s), {row.reason}")


def _cmd_crosswalk(args) -> int:
    return {"scaffold": _cmd_scaffold, "check": _cmd_check}[args.crosswalk_command](args)


def register(sub) -> dict:
    cw = sub.add_parser("crosswalk", help="list local codes, write crosswalk skeletons, check crosswalk coverage")
    cw_sub = cw.add_subparsers(dest="crosswalk_command", required=True, metavar="{scaffold,check}")
    sc = cw_sub.add_parser("scaffold", help="list the local codes of every coded column and write YAML "
                                            "skeletons for the codes left to map")
    sc.add_argument("--profile", required=True, help="agency profile YAML")
    sc.add_argument("--source", required=True, help="RMS extract")
    sc.add_argument("--out-dir", default=None,
                    help=f"folder for the skeletons (default: <profile folder>/{SCAFFOLD_DIR}/)")
    sc.add_argument("--element", nargs="+", action="extend", default=None, metavar="NAME",
                    help="only these elements (gender, subjects.gender, offense, ...)")
    sc.add_argument("--force", action="store_true", help="replace skeleton files that already exist")
    ck = cw_sub.add_parser("check", help="list local codes no crosswalk maps (exit 1 if any), without running a month")
    ck.add_argument("--profile", required=True, help="agency profile YAML")
    ck.add_argument("--source", required=True, help="RMS extract")
    return {"crosswalk": _cmd_crosswalk}
