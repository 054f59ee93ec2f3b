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

from pathlib import Path

import click
import pandas as pd

from flows.cli.options import CONTEXT, example, global_options, profile_option, source_option, uof_command
from flows.cli.render import Output, records
from flows.errors import UsageError
from flows.pipeline.crosswalk_tools import survey_extract, write_skeletons
from transforms.crosswalk_scaffold import Surveyed, column_listing, rms_name, selected_targets, skeletons, table_label

EXIT_UNMAPPED = 1
SCAFFOLD_DIR = "crosswalks.scaffold"


# ------------------------------------------------------------------------------------------- commands

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
        s = survey_extract(profile, source)
    try:
        chosen = selected_targets(s.columns, [*element, *more_elements] or None)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    rows = s.table[[t in chosen for t in zip(s.table["table"], s.table["column"])]]
    source_name = Path(source).name
    listing = column_listing(s, rows)
    if fmt != "json":
        _print_listing(ui, listing, source_name)
    planned = skeletons(s, chosen)
    folder = Path(out_dir) if out_dir else s.profile.path.parent / SCAFFOLD_DIR
    paths = write_skeletons(s, planned, folder, force, source_name) if planned else []
    if fmt == "json":
        ui.data({"command": "crosswalk scaffold", "source": source_name, "columns": listing,
                 "out_dir": str(folder) if paths else None,
                 "written": [{"file": str(path), "to_fill": len(sk.to_fill),
                              "completes": sk.crosswalk.path.name if sk.crosswalk is not None else None}
                             for sk, path in zip(planned, paths)]})
        return 0
    if not planned:
        ui.say("Nothing to fill in: every local code is mapped or already an FBI value; no file written.")
        return 0
    ui.say(f"Wrote {len(planned)} crosswalk skeleton(s) to {folder}:")
    for sk, path in zip(planned, paths):
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
        s = survey_extract(profile, source)
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
                         "rms_column": rms_name(s, row.table, row.column), "local_code": row.value,
                         "rows": int(row.count), "problem": problem})
    exit_code = EXIT_UNMAPPED if unmapped else 0
    if fmt == "json":
        ui.data({"command": "crosswalk check", "exit_code": exit_code, "coded_columns": n_columns,
                 "crosswalks": len(s.profile.crosswalks), "unmapped": unmapped,
                 "invalid": records(pd.DataFrame({
                     "table": invalid["table"], "column": invalid["column"],
                     "rms_column": [rms_name(s, t, c) for t, c in zip(invalid["table"], invalid["column"])],
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
    lines = [(table_label(s, u["table"]), u["column"], u["rms_column"], u["local_code"], str(u["rows"]), u["problem"])
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
        ui.say(f"  {row.table}.{row.column} (RMS column {rms_name(s, row.table, row.column)}) '{row.value}': "
               f"{row.count} row(s), {row.reason}")


crosswalk_group.add_command(scaffold_command)
crosswalk_group.add_command(check_command)
