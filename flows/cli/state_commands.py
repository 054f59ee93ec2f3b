"""`uof state ...`: a state program's many agencies from one extract, fanned out over Dask."""
from __future__ import annotations

import click
import pandas as pd

from flows.cli.options import CONTEXT, MONTH_TYPE, as_of_option, covers_option, example, now_arg, uof_command
from flows.cli.render import Output
from flows.cli.status_command import fixed_width
from flows.io.state_workbook import compliance_workbook
from flows.pipeline.state import state_backfill
from flows.pipeline.state_status import state_compliance, state_verify

EXIT_OVERDUE = 3
STATE_SAMPLE = "data/sample/state/state.yaml"
STATE_SOURCE = "data/sample/state/extract_csv"


@click.group("state", context_settings=CONTEXT, epilog=example(
    f"uof state backfill --profile {STATE_SAMPLE} --source {STATE_SOURCE} --from 2025-07 --to 2025-10 --out out/",
    f"uof state status --profile {STATE_SAMPLE} --out out/"))
def state_group() -> None:
    """A state program: many agencies in one extract, per-agency ledgers, the compliance table."""


def _profile(fn):
    return click.option("--profile", required=True, metavar="STATE_YAML", help="state profile YAML")(fn)


def fan_out_options(fn):
    fn = click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
                      help="address of a running Dask scheduler (default: a local cluster)")(fn)
    return click.option("--workers", type=click.IntRange(min=1), default=None,
                        help="worker processes of the local cluster (default: CPUs, at most 4)")(fn)


def _agency_line(a: dict) -> str:
    if a["error"]:
        return f"{a['ori']}: not run - {a['error']['code']}: {a['error']['message']}"
    if a.get("note"):
        return f"{a['ori']}: nothing written - {a['note']}"
    months = a["months"]
    written = [m for m in months if not m["skipped"]]
    return (f"{a['ori']}: {len(written)} month(s) written, {len(months) - len(written)} left out; "
            f"{sum(m['emitted'] for m in months)} emitted, {sum(m['rejected'] for m in months)} rejected, "
            f"{sum(bool(m['zero_report']) for m in written)} zero report(s)")


def _render_run(ui: Output, result, fmt: str, command: str) -> int:
    if fmt == "json":
        ui.data({"command": command, **result.summary, "summary_file": str(result.path)})
        return result.exit_code
    s = result.summary
    ui.say(f"{s['state']}: {len(s['agencies'])} agencies, {s['from']} to {s['to']}")
    for a in result.agencies:
        ui.say("  " + _agency_line(a))
    for table, rows in s["rows"].items():
        ui.say(f"{table}: {rows['read']} row(s) read = {rows['staged']} for the agencies + {rows['blank']} blank + "
               f"{rows['unassigned']} of no listed agency")
    unbalanced = [t for t, rows in s["rows"].items() if not rows["balanced"]]
    if unbalanced:
        ui.say(f"ERROR: the rows of {', '.join(unbalanced)} do not add up (a bug in uof: rows were lost between "
               "the extract and the agencies); do not submit this run's files, report it")
    if s["unassigned"]:
        ui.say(f"{len(s['unassigned'])} row(s) belong to no agency of the state profile (listed in "
               f"{result.path}): add the agency to the profile or correct the agency column")
    ui.say(f"summary: {result.path}")
    return result.exit_code


@uof_command("backfill", f"uof state backfill --profile {STATE_SAMPLE} --source {STATE_SOURCE} --from 2025-07 "
             "--to 2025-10 --out out/", f"uof state backfill --profile {STATE_SAMPLE} --source {STATE_SOURCE} "
             "--from 2025-07 --to 2025-10 --out out/ --scheduler tcp://10.0.0.5:8786", options=[
                 _profile, click.option("--source", required=True, metavar="PATH", help="the state extract"),
                 click.option("--from", "first", required=True, type=MONTH_TYPE, help="first month, YYYY-MM"),
                 click.option("--to", "last", required=True, type=MONTH_TYPE, help="last month, YYYY-MM"),
                 click.option("--out", required=True, metavar="DIR", help="output folder (OUT/<ORI>/ per agency)"),
                 as_of_option(), covers_option, fan_out_options])
def state_backfill_command(ui: Output, profile, source, first, last, out, as_of, covers, scheduler, workers,
                           fmt) -> int:
    """Every agency of a state extract, every month of a range, in one pass on Dask.

    Each agency gets what `uof backfill` gives it, in OUT/<ORI>/ with its own ledger. Rows of no listed agency
    are counted and listed, never dropped. Exit 0 when all is emitted, 1 with rejections, months left out or
    unassigned rows, 2 when an agency could not run at all (its reason is in the summary) or on an error.
    """
    with ui.progress():
        result = state_backfill(profile, source, first, last, out, as_of or now_arg(), covers, scheduler, workers)
    return _render_run(ui, result, fmt, "state backfill")


@uof_command("run", f"uof state run --profile {STATE_SAMPLE} --source {STATE_SOURCE} --month 2025-10 --out out/",
             options=[_profile, click.option("--source", required=True, metavar="PATH", help="the state extract"),
                      click.option("--month", required=True, type=MONTH_TYPE, help="the month, YYYY-MM"),
                      click.option("--out", required=True, metavar="DIR", help="output folder"),
                      as_of_option(), covers_option, fan_out_options])
def state_run_command(ui: Output, profile, source, month, out, as_of, covers, scheduler, workers, fmt) -> int:
    """One month of every agency of a state extract (as `uof run` per agency), on Dask.

    An agency whose rows do not cover the month gets nothing (no zero report) and is listed. Exit codes as for
    `uof state backfill`.
    """
    with ui.progress():
        result = state_backfill(profile, source, month, month, out, as_of or now_arg(), covers, scheduler, workers,
                                kind="run")
    return _render_run(ui, result, fmt, "state run")


@uof_command("status", f"uof state status --profile {STATE_SAMPLE} --out out/",
             f"uof state status --profile {STATE_SAMPLE} --out out/ --workbook out/compliance.xlsx",
             formats=("table", "json"), default_format="table", options=[
                 _profile, click.option("--out", required=True, metavar="DIR", help="output folder of the runs"),
                 click.option("--workbook", default=None, metavar="FILE.xlsx",
                              help="also write the table as a workbook (sheets agencies, months, run)"),
                 click.option("--months", "show_months", is_flag=True, help="list every agency's months too"),
                 click.option("--agency", "only", multiple=True, metavar="ORI",
                              help="only this agency (repeatable); its months are listed"),
                 as_of_option("moment to judge the deadlines at, YYYY-MM-DDTHH:MM:SS (default: now)")])
def state_status_command(ui: Output, profile, out, workbook, show_months, only, as_of, fmt) -> int:
    """The compliance table: every agency's months submitted, zero reports, missing, late, overdue, rejected.

    Built from each agency's ledger as `uof status` builds one; an agency that never ran counts every month
    missing. Counts only, never case numbers. Exit 0 when nothing is overdue, 3 when some agency's month is.
    """
    as_of = as_of or now_arg()
    moment = pd.Timestamp(as_of)
    agencies, months, totals, state = state_compliance(profile, out, moment, only)
    show_months = show_months or bool(only)
    code = EXIT_OVERDUE if totals["agencies_overdue"] else 0
    if workbook:
        compliance_workbook(workbook, agencies, months, [("state", state.name), ("state profile", str(profile)),
                                                         ("state profile sha256", state.sha256), ("as of", as_of)],
                            moment)
    if fmt == "json":
        shown = months.assign(due=months["due"].dt.strftime("%Y-%m-%d"),
                              final_due=months["final_due"].dt.strftime("%Y-%m-%d"))
        ui.data({"command": "state status", "state": state.name, "as_of": as_of, "exit_code": code,
                 "totals": totals, "agencies": agencies.to_dict("records"), "months": shown.to_dict("records")})
        return code
    ui.say(f"{state.name}: {totals['agencies']} agencies as of {as_of}")
    numeric = {c for c in agencies.columns if c not in ("agency_ori", "agency_name", "ledger")}
    ui.say(fixed_width(agencies.astype(str), numeric))
    ui.say(f"{totals['agencies_overdue']} agenc(ies) with an overdue month, {totals['agencies_without_ledger']} "
           f"without any run; {totals['missing']} month(s) missing, {totals['late']} late, {totals['overdue']} "
           f"overdue; {totals['rejected']} incident(s) rejected in the latest runs")
    if show_months:
        shown = months.assign(due=months["due"].dt.strftime("%Y-%m-%d"),
                              zero_report=months["zero_report"].map({True: "yes", False: "no"}),
                              missing=months["missing"].map({True: "yes", False: "no"})).drop(columns="final_due")
        ui.say(fixed_width(shown.astype(str), {"incidents", "pending", "rejected", "review", "runs"}))
    if workbook:
        ui.say(f"workbook: {workbook}")
    return code


@uof_command("verify", f"uof state verify --profile {STATE_SAMPLE} --out out/", options=[
    _profile, click.option("--out", required=True, metavar="DIR", help="output folder of the runs")])
def state_verify_command(ui: Output, profile, out, fmt) -> int:
    """`uof verify` for every agency of the state: files, archive and ledger against each other."""
    reports = state_verify(profile, out)
    code = 0 if all(r.clean for _, r in reports) else 1
    if fmt == "json":
        ui.data({"command": "state verify", "exit_code": code, "agencies": [
            {"agency_ori": ori, "runs": r.runs, "files": r.files, "clean": r.clean,
             "problems": [{"kind": p.kind, "path": p.path, "detail": p.detail} for p in r.problems]}
            for ori, r in reports]})
        return code
    for ori, r in reports:
        ui.say(f"{ori}: {r.runs} run(s), {r.files} file(s): " + ("everything matches" if r.clean else
                                                                   f"{len(r.problems)} difference(s)"))
        for p in r.problems:
            ui.say(f"  {p.line()}")
    ui.say(f"{len(reports)} agenc(ies) with a ledger checked: " + ("clean" if code == 0 else "differences found"))
    return code


for command in (state_backfill_command, state_run_command, state_status_command, state_verify_command):
    state_group.add_command(command)
