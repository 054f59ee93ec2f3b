"""`uof status`: per month, what the FBI holds, what waits for upload, what the latest run rejected and left
pending review, what is missing, and the deadlines; for a profile with an `illinois_mh:` section, also whether
the month's Illinois mental-health-crisis report was produced, and its deadline.

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
from flows.io.ledger import agency_history, agency_ledger, report_runs
from transforms.deadlines import (ILLINOIS_MH_FIRST_MONTH, mh_report_status, mh_status_summary, month_status,
                                  reporting_months, reporting_program, review_summary, status_summary)
from transforms.reports_illinois_mh import REPORT

EXIT_OVERDUE = 3


def _yes(flags: pd.Series) -> pd.Series:
    return flags.map({True: "yes", False: "no"})


def fixed_width(shown: pd.DataFrame, numeric: set[str]) -> str:
    """Text columns left-aligned and `numeric` ones right-aligned, a header and a rule; one line per row."""
    widths = {c: max(len(c), int(shown[c].str.len().max()) if len(shown) else 0) for c in shown.columns}
    header = "  ".join(c.rjust(widths[c]) if c in numeric else c.ljust(widths[c]) for c in shown.columns)
    cells = [shown[c].str.rjust(widths[c]) if c in numeric else shown[c].str.ljust(widths[c]) for c in shown.columns]
    body = pd.concat(cells, axis=1).agg("  ".join, axis=1).str.rstrip() if len(shown) else pd.Series([], dtype=str)
    return "\n".join([header.rstrip(), "  ".join("-" * widths[c] for c in shown.columns), *body])


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
    return fixed_width(shown, {"runs", "incidents", "pending", "rejected", "review"})


def mh_table(frame: pd.DataFrame) -> str:
    """The Illinois mental-health-crisis report per month, fixed-width."""
    shown = pd.DataFrame({
        "month": frame["month"], "runs": frame["runs"].astype(str), "produced": _yes(frame["produced"]),
        "findings": _yes(frame["findings"]),
        "produced at": frame["produced_at"].dt.strftime("%Y-%m-%d %H:%M").fillna("-"),
        "due": frame["due"].dt.strftime("%Y-%m-%d"), "status": frame["status"]})
    return fixed_width(shown, {"runs"})


def mh_document(frame: pd.DataFrame, summary: dict, first_month: str) -> dict:
    months = frame.assign(produced_at=frame["produced_at"].dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object)
                          .where(frame["produced_at"].notna(), None),
                          due=frame["due"].dt.strftime("%Y-%m-%d"))
    return {"report": "illinois-mh", "first_month": first_month, "months": months.to_dict("records"),
            "summary": summary}


def mh_summary_line(summary: dict) -> str:
    return (f"{summary['months']} month(s): {summary['produced']} produced, {summary['late']} produced late, "
            f"{summary['open']} open, {summary['overdue']} overdue; {summary['with_findings']} whose latest run has "
            "findings")


def mental_health_status(path: Path, first_month: str, as_of: pd.Timestamp) -> tuple[pd.DataFrame, dict, str]:
    """(per-month frame, summary, first month) of the Illinois mental-health-crisis report."""
    first = max(first_month, ILLINOIS_MH_FIRST_MONTH)
    frame = mh_report_status(reporting_months(first, as_of), report_runs(path, REPORT), as_of)
    return frame, mh_status_summary(frame), first


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

    Counts only, never case numbers. With an illinois_mh: section in the profile, also the Illinois mental-health
    crisis report of each month (produced, late, open, overdue). Exit 0 when nothing is overdue, 3 when some month
    (or its mental-health report) is overdue, 2 on an error (among them: no ledger where the command looks).
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
    mental_health = (mental_health_status(path, first_month, pd.Timestamp(as_of))
                     if loaded.settings.get("illinois_mh") else None)
    overdue = summary["overdue"] + (mental_health[1]["overdue"] if mental_health else 0)
    exit_code = EXIT_OVERDUE if overdue else 0
    if fmt == "json":
        head = {"agency_ori": loaded.agency_ori, "program": program.name, "as_of": as_of,
                "first_month": first_month, "exit_code": exit_code}
        document = status_document(frame, summary, head)
        if mental_health:
            document["illinois_mh"] = mh_document(*mental_health)
        ui.data(document)
        return exit_code
    span = (f"months {frame['month'].iloc[0]} to {frame['month'].iloc[-1]}" if len(frame)
            else f"no complete month since {first_month}")
    any_run = len(runs) or (mental_health is not None and mental_health[0]["runs"].sum())
    ui.say(f"{loaded.agency_ori}: {program.name} rules, {span}, as of {as_of}"
           + ("" if any_run else f" (ledger {path} holds no run yet)"))
    if len(frame):
        ui.say(status_table(frame, with_final_due=program.arrears_until_april))
    ui.say(summary_line(summary))
    if mental_health:
        mh_frame, mh_summary, mh_first = mental_health
        ui.say("")
        ui.say("Illinois mental health crisis report (uof report illinois-mh; due the 15th of the following month, "
               "20 Ill. Adm. Code 1244.300(f))" + ("" if len(mh_frame) else f": no complete month since {mh_first}"))
        if len(mh_frame):
            ui.say(mh_table(mh_frame))
        ui.say(mh_summary_line(mh_summary))
    return exit_code
