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

import click
import pandas as pd
import yaml

from flows.cli.options import CONTEXT, example, global_options, profile_option, source_option, uof_command
from flows.cli.render import Output, records
from flows.config.load import load_profile, load_reference
from flows.config.yamlio import load_yaml
from flows.errors import UsageError
from flows.io.extract import read_extract
from flows.io.write import check_output_folder
from flows.pipeline.engine import step
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


def _survey(profile_path: str, source: str) -> Surveyed:
    ref = load_reference()
    profile = load_profile(Path(profile_path), ref)  # invalid crosswalk targets stop here (exit 2)
    extract = step(read_extract, Path(source), profile, ref)
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


def _column_listing(s: Surveyed, rows: pd.DataFrame) -> list[dict]:
    """Per coded column holding values: where it comes from, its crosswalk, and its local codes with counts."""
    by_target = {(c.table, c.column): c for c in s.columns}
    listing = []
    for (table, column), mine in rows.groupby(["table", "column"], sort=False):
        cw = s.owner.get((table, column))
        listing.append({
            "table": table, "column": column, "element_id": by_target[(table, column)].element_id,
            "rms_column": _rms(s, table, column), "source": s.sources.get(table),
            "crosswalk": None if cw is None else cw.path.name,
            "codes": [{"local_code": row.value, "rows": int(row.count), "status": _status(row),
                       "mapped": bool(row.mapped), "target": (row.target or None) if row.mapped else None}
                      for row in mine.itertuples(index=False)]})
    return listing


def _print_listing(ui: Output, listing: list[dict], source_name: str) -> None:
    ui.say(f"Local codes of the coded columns in {source_name} (counts are rows):")
    if not listing:
        ui.say("  (no coded column of the extract holds a value)")
    for col in listing:
        cover = f"crosswalk {col['crosswalk']}" if col["crosswalk"] else "no crosswalk"
        ui.say(f"{col['table']}.{col['column']} ({col['element_id']}, RMS column {col['rms_column']}"
               + (f" of {col['source']}" if col["source"] else "") + f"), {cover}: {len(col['codes'])} distinct code(s)")
        width = max(len(code["local_code"]) for code in col["codes"])
        for code in col["codes"]:
            target = f" -> {code['target'] or '(no FBI value)'}" if code["mapped"] else ""
            ui.say(f"  {code['rows']:>7}  {code['local_code'].ljust(width)}  {code['status']}{target}")


def _write_skeletons(s: Surveyed, skeletons: list[Skeleton], out_dir: Path, force: bool, source_name: str) -> list[Path]:
    """Write the skeletons to `out_dir`: never over a crosswalk in use, nor (without --force) over a skeleton."""
    paths = [out_dir / sk.file_name for sk in skeletons]
    live = {cw.path.resolve() for cw in s.profile.crosswalks}
    in_use = [p for p in paths if p.resolve() in live]
    if in_use:
        raise UsageError(f"{in_use[0]} is one of the profile's crosswalks: scaffold never writes over a crosswalk "
                         "in use; give another --out-dir")
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise UsageError(f"{existing[0]} already exists{more}: scaffold never overwrites a skeleton that may "
                         "hold your edits; move it away, choose another --out-dir, or add --force to replace it")
    check_output_folder(out_dir, "--out-dir")
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for sk, path in zip(skeletons, paths):
        _write_private(path, _render(sk, s, source_name))
    return paths


@click.group("crosswalk", context_settings=CONTEXT, epilog=example(
    "uof crosswalk check --profile data/sample/agency.yaml --source data/sample/rms_extract.xlsx"))
@global_options
def crosswalk_group() -> None:
    """List local codes, write crosswalk skeletons, check crosswalk coverage (see docs/crosswalk-tooling.md)."""


@uof_command("scaffold", "uof crosswalk scaffold --profile data/sample/agency.yaml --source "
             "data/sample/rms_extract.xlsx --element gender location_type", options=[
                 profile_option(), source_option,
                 click.option("--out-dir", default=None, metavar="DIR",
                              help=f"folder for the skeletons (default: <profile folder>/{SCAFFOLD_DIR}/)"),
                 click.option("--element", multiple=True, metavar="NAME",
                              help="only these elements (gender, subjects.gender, offense, ...): several may "
                                   "follow one --element"),
                 click.option("--force", is_flag=True, help="replace skeleton files that already exist"),
                 click.argument("more_elements", nargs=-1, metavar="")])
def scaffold_command(ui: Output, profile, source, out_dir, element, force, more_elements, fmt) -> int:
    """List the local codes of every coded column and write YAML skeletons for the codes left to map.

    Only coded columns are listed (their local codes and row counts), never free-text or personal columns.
    Exit 0, or 2 on an error (a skeleton that exists already needs --force).
    """
    if more_elements and not element:
        raise click.UsageError(f"unexpected argument '{more_elements[0]}' (elements follow --element)")
    with ui.progress():
        s = _survey(profile, source)
    chosen = _selected(s.columns, [*element, *more_elements] or None)
    rows = s.table[[t in chosen for t in zip(s.table["table"], s.table["column"])]]
    source_name = Path(source).name
    listing = _column_listing(s, rows)
    if fmt != "json":
        _print_listing(ui, listing, source_name)
    skeletons = _skeletons(s, chosen)
    folder = Path(out_dir) if out_dir else s.profile.path.parent / SCAFFOLD_DIR
    paths = _write_skeletons(s, skeletons, folder, force, source_name) if skeletons else []
    if fmt == "json":
        ui.data({"command": "crosswalk scaffold", "source": source_name, "columns": listing,
                 "out_dir": str(folder) if paths else None,
                 "written": [{"file": str(path), "to_fill": len(sk.to_fill),
                              "completes": sk.crosswalk.path.name if sk.crosswalk is not None else None}
                             for sk, path in zip(skeletons, paths)]})
        return 0
    if not skeletons:
        ui.say("Nothing to fill in: every local code is mapped or already an FBI value; no file written.")
        return 0
    ui.say(f"Wrote {len(skeletons)} crosswalk skeleton(s) to {folder}:")
    for sk, path in zip(skeletons, paths):
        what = f"completes {sk.crosswalk.path.name}" if sk.crosswalk is not None else "new crosswalk"
        ui.say(f"  {path.name}: {len(sk.to_fill)} local code(s) to fill in ({what})")
    ui.say('Fill in every "" (an entry left "" is an error when the profile loads), add the files to the '
           "profile's crosswalks, then run `uof crosswalk check`.")
    return 0


@uof_command("check", "uof crosswalk check --profile data/sample/agency.yaml --source data/sample/rms_extract.xlsx",
             options=[profile_option(), source_option])
def check_command(ui: Output, profile, source, fmt) -> int:
    """List the local codes no crosswalk maps, without running a month.

    Exit 0 when every local code is mapped, marked invalid or already an FBI value; 1 when some is unmapped
    (the monthly run would reject the rows holding it); 2 on an error.
    """
    with ui.progress():
        s = _survey(profile, source)
    rows = s.table
    bad = rows[rows["unmapped"]]
    n_columns = rows.groupby(["table", "column"]).ngroups
    invalid = rows[rows["invalid"]]
    unmapped = []
    for row in bad.itertuples(index=False):
        cw = s.owner.get((row.table, row.column))
        if cw is not None:
            problem = f"missing from crosswalk {cw.path.name}" + (" (also an FBI value)" if row.fbi_value else "")
        else:
            problem = "no crosswalk and not an FBI value"
        unmapped.append({"table": row.table, "source": s.sources.get(row.table), "column": row.column,
                         "rms_column": _rms(s, row.table, row.column), "local_code": row.value,
                         "rows": int(row.count), "problem": problem})
    exit_code = EXIT_UNMAPPED if unmapped else 0
    if fmt == "json":
        ui.data({"command": "crosswalk check", "exit_code": exit_code, "coded_columns": n_columns,
                 "crosswalks": len(s.profile.crosswalks), "unmapped": unmapped,
                 "invalid": records(pd.DataFrame({
                     "table": invalid["table"], "column": invalid["column"],
                     "rms_column": [_rms(s, t, c) for t, c in zip(invalid["table"], invalid["column"])],
                     "local_code": invalid["value"], "rows": invalid["count"].astype(int),
                     "reason": invalid["reason"]}))})
        return exit_code
    if not unmapped:
        ui.say(f"crosswalk check: every local code of the {n_columns} coded column(s) holding values is mapped "
               f"by a crosswalk, marked invalid or already an FBI value ({len(s.profile.crosswalks)} crosswalk(s) "
               "in the profile)")
        _print_invalid(ui, s, invalid)
        return 0
    header = ("table", "column", "RMS column", "local code", "rows", "problem")
    lines = [(_table_label(s, u["table"]), u["column"], u["rms_column"], u["local_code"], str(u["rows"]), u["problem"])
             for u in unmapped]
    widths = [max(len(x[i]) for x in [header, *lines]) for i in range(len(header))]
    ui.say(f"crosswalk check: {len(bad)} unmapped local code(s) in {bad.groupby(['table', 'column']).ngroups} "
           f"of {n_columns} coded column(s); the monthly run would reject the rows holding them:")
    for line in [header, *lines]:
        ui.say("  " + "  ".join(v.rjust(w) if i == 4 else v.ljust(w) for i, (v, w) in enumerate(zip(line, widths)))
               .rstrip())
    ui.say("Add them to the crosswalks (`uof crosswalk scaffold` writes the entries to fill in).")
    _print_invalid(ui, s, invalid)
    return exit_code


def _print_invalid(ui: Output, s: Surveyed, invalid: pd.DataFrame) -> None:
    """The known-bad values found: configured, but the run rejects the rows holding them."""
    if invalid.empty:
        return
    ui.say(f"{len(invalid)} local value(s) marked invalid by a crosswalk; the monthly run rejects the "
           f"{int(invalid['count'].sum())} row(s) holding them (XW-INVALID) until they are corrected in the RMS:")
    for row in invalid.itertuples(index=False):
        ui.say(f"  {row.table}.{row.column} (RMS column {_rms(s, row.table, row.column)}) '{row.value}': "
               f"{row.count} row(s), {row.reason}")


crosswalk_group.add_command(scaffold_command)
crosswalk_group.add_command(check_command)
