"""`uof status`: per month, what the FBI holds, what waits for upload, what the latest run rejected and left
pending review, what is missing, and the deadlines.

Counts only, never case numbers or other incident values. Exit code 3 when a month is overdue; exit 2 when
there is no ledger where the command looks (a mistyped --out must not read as "every month missing").
"""
from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from flows.cli.options import as_of_option, ledger_path, now_arg, profile_option, uof_command
from flows.cli.render import Output
from flows.config.load import load_profile, load_reference
from flows.errors import UsageError
from flows.io.ledger import agency_history, agency_ledger
from transforms.deadlines import month_status, reporting_months, reporting_program, review_summary, status_summary

EXIT_OVERDUE = 3


def _yes(flags: pd.Series) -> pd.Series:
    return flags.map({True: "yes", False: "no"})


def status_table(frame: pd.DataFrame, with_final_due: bool) -> str:
    """Fixed-width text table, one line per month."""
    shown = pd.DataFrame({
        "month": frame["month"],
        "runs": frame["runs"].astype(str),
        "incidents": frame["incidents"].astype(str),
        "zero report": _yes(frame["zero_report"]),
        "pending": frame["pending"].astype(str),
        "rejected": frame["rejected"].astype(str),
        "review": frame["review"].astype(str),
        "missing": _yes(frame["missing"]),
        "due": frame["due"].dt.strftime("%Y-%m-%d"),
        "final due": frame["final_due"].dt.strftime("%Y-%m-%d"),
        "status": frame["status"],
    })
    if not with_final_due:
        shown = shown.drop(columns="final due")
    numeric = {"runs", "incidents", "pending", "rejected", "review"}
    widths = {c: max(len(c), int(shown[c].str.len().max()) if len(shown) else 0) for c in shown.columns}
    header = "  ".join(c.rjust(widths[c]) if c in numeric else c.ljust(widths[c]) for c in shown.columns)
    cells = [shown[c].str.rjust(widths[c]) if c in numeric else shown[c].str.ljust(widths[c]) for c in shown.columns]
    body = pd.concat(cells, axis=1).agg("  ".join, axis=1).str.rstrip() if len(shown) else pd.Series([], dtype=str)
    return "\n".join([header.rstrip(), "  ".join("-" * widths[c] for c in shown.columns), *body])


def summary_line(summary: dict) -> str:
    return (f"{summary['months']} month(s): {summary['submitted']} submitted, {summary['open']} open, "
            f"{summary['late']} late, {summary['overdue']} overdue; {summary['missing']} missing, "
            f"{summary['with_pending_uploads']} with uploads pending ({summary['pending_messages']} message(s)); "
            f"{summary['rejected']} incident(s) rejected in the latest runs, {summary['pending_review']} of them "
            "pending review")


def status_document(frame: pd.DataFrame, summary: dict, head: dict) -> dict:
    months = frame.assign(due=frame["due"].dt.strftime("%Y-%m-%d"),
                          final_due=frame["final_due"].dt.strftime("%Y-%m-%d"))
    return {**head, "months": months.to_dict("records"), "summary": summary}


def no_ledger(path: Path, out: str | None, agency_ori: str) -> str:
    """Why status stops when the ledger is not there: a mistyped folder, or an agency that never ran."""
    where = (f"output folder {out} does not exist" if out and not Path(out).is_dir()
             else f"there is no ledger at {path}")
    return (f"{where}: no run of agency {agency_ori} was ever recorded there, so no month can be reported as "
            f"submitted or missing. Check --out (a run keeps its ledger in OUT/{agency_ori}/ledger.sqlite) or "
            "--state; an agency that has never run `uof run` has nothing to show yet")


@uof_command("status", "uof status --profile data/sample/agency.yaml --out out/",
             "uof status --profile data/sample/agency.yaml --state out/PA0230100/ledger.sqlite --format json",
             formats=("table", "text", "json"), default_format="table", options=[
                 profile_option(help_text="agency profile YAML (reporting_start, state_program)"),
                 click.option("--out", default=None, metavar="DIR",
                              help="output folder of the runs (ledger OUT/<agency_ori>/ledger.sqlite)"),
                 click.option("--state", default=None, metavar="LEDGER", help="ledger file (instead of --out)"),
                 as_of_option("moment to judge the deadlines at, YYYY-MM-DDTHH:MM:SS (default: now)")])
def status_command(ui: Output, profile, out, state, as_of, fmt) -> int:
    """Per month: incidents at the FBI, zero report, uploads pending, rejected, missing months, due dates.

    Counts only, never case numbers. Exit 0 when nothing is overdue, 3 when some month is overdue, 2 on an
    error (among them: no ledger where the command looks).
    """
    if out and state:
        raise click.UsageError("--out and --state exclude each other: give one")
    loaded = load_profile(Path(profile), load_reference())
    program, first_month = reporting_program(loaded.settings.get("state_program"),
                                             loaded.settings.get("reporting_start"))
    path = agency_ledger(out, loaded.agency_ori) if out else ledger_path(None, state, None)
    as_of = as_of or now_arg()
    if not path.exists():
        raise UsageError(no_ledger(path, out, loaded.agency_ori))
    runs, messages = agency_history(path, loaded.agency_ori)
    months = reporting_months(first_month, pd.Timestamp(as_of))
    frame = month_status(months, runs, messages, program, pd.Timestamp(as_of))
    summary = {**status_summary(frame), **review_summary(frame)}
    exit_code = EXIT_OVERDUE if summary["overdue"] else 0
    if fmt == "json":
        head = {"agency_ori": loaded.agency_ori, "program": program.name, "as_of": as_of,
                "first_month": first_month, "exit_code": exit_code}
        ui.data(status_document(frame, summary, head))
        return exit_code
    span = (f"months {frame['month'].iloc[0]} to {frame['month'].iloc[-1]}" if len(frame)
            else f"no complete month since {first_month}")
    ui.say(f"{loaded.agency_ori}: {program.name} rules, {span}, as of {as_of}"
           + ("" if len(runs) else f" (ledger {path} holds no run yet)"))
    if len(frame):
        ui.say(status_table(frame, with_final_due=program.arrears_until_april))
    ui.say(summary_line(summary))
    return exit_code
