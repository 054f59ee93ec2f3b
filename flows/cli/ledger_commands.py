"""Ledger commands: mark-submitted, history, replay."""
from __future__ import annotations

from datetime import datetime

import click

from flows.cli.options import MONTH_TYPE, existing_ledger, state_options, uof_command
from flows.cli.render import Output, records
from flows.errors import UsageError
from flows.io.ledger import Ledger, exclusive
from flows.pipeline.replay import replay

MESSAGE_FIELDS = ["action", "kind", "incident_date", "agency_case_number", "file_name", "status"]
RUN_FIELDS = ["run_id", "month", "as_of", "kind", "exit_code", "status", "submitted_at", "folder"]


@uof_command("mark-submitted", "uof mark-submitted 2025-10-001 --out out/ --profile data/sample/agency.yaml",
             options=[click.argument("run_id"), state_options])
def mark_submitted_command(ui: Output, run_id, out, state, profile, fmt) -> int:
    """Record that a run's files were uploaded to the FBI.

    RUN_ID is printed by `uof run` (`uof history --status generated` lists the runs not marked yet). Marking
    a run twice is refused (exit 2): it is a mix-up of run ids more often than not.
    """
    path = existing_ledger(out, state, profile)
    submitted_at = datetime.now().replace(microsecond=0).isoformat()
    with exclusive(path), Ledger(path) as ledger:
        record = ledger.run(run_id)
        if record.status == "submitted":
            raise UsageError(f"run {run_id} was already marked submitted on {record.submitted_at}; "
                             "nothing changed. If another run's files were uploaded, mark that run: "
                             f"`uof history --status generated` lists the runs not marked yet")
        n = ledger.mark_submitted(run_id, submitted_at)
    if fmt == "json":
        ui.data({"command": "mark-submitted", "run_id": run_id, "month": record.month, "messages_marked": n,
                 "submitted_at": submitted_at, "ledger": str(path)})
    else:
        ui.say(f"run {run_id}: {n} message(s) marked submitted")
    return 0


@uof_command("history", "uof history --month 2025-10 --out out/ --profile data/sample/agency.yaml",
             "uof history --status generated --state out/PA0230100/ledger.sqlite --format json", options=[
                 click.option("--month", default=None, type=MONTH_TYPE, help="only the runs of this month, YYYY-MM"),
                 click.option("--status", default=None, type=click.Choice(("generated", "submitted")),
                              help="only the runs not yet marked submitted (generated) or marked submitted"),
                 state_options])
def history_command(ui: Output, month, status, out, state, profile, fmt) -> int:
    """List the runs, their actions and statuses, of every month or of one."""
    path = existing_ledger(out, state, profile)
    with Ledger(path) as ledger:
        runs, messages = ledger.runs(month), ledger.messages(month)
    if status:
        runs = runs[runs["status"] == status]
    if fmt == "json":
        ui.data({"command": "history", "ledger": str(path), "month": month, "status": status,
                 "runs": [{**run, "messages": records(messages.loc[messages["run_id"] == run["run_id"], MESSAGE_FIELDS])}
                          for run in records(runs[RUN_FIELDS])]})
        return 0
    if runs.empty:
        which = " ".join(filter(None, [month, status and f"marked {status}"]))
        ui.say(f"no run recorded{' (' + which + ')' if which else ''}")
        return 0
    for run in runs.itertuples(index=False):
        mine = messages[messages["run_id"] == run.run_id]
        counts = mine.groupby(["kind", "action"]).size()
        summary = ", ".join(f"{n} {a}{' zero report' if k == 'zero_report' else ''}" for (k, a), n in counts.items())
        ui.say(f"{run.run_id}  as of {run.as_of}  {run.kind:<8} exit {run.exit_code}  {run.status:<9} "
               f"{summary or 'no message'}")
        for m in mine.itertuples(index=False):
            what = "zero report" if m.kind == "zero_report" else f"{m.incident_date} {m.agency_case_number}"
            ui.say(f"    {m.action:<8} {what:<34} {m.file_name}  {m.status}")
    return 0


@uof_command("replay", "uof replay 2025-10-001 --out out/ --profile data/sample/agency.yaml",
             options=[click.argument("run_id"), state_options])
def replay_command(ui: Output, run_id, out, state, profile, fmt) -> int:
    """Re-run a recorded run from its archive and compare the files byte for byte.

    Exit 0 when every regenerated file is identical to the one produced then, 1 when some differ.
    """
    path = existing_ledger(out, state, profile)
    with ui.progress():
        report = replay(path, run_id)
    exit_code = 0 if report.identical else 1
    if fmt == "json":
        ui.data({"command": "replay", "run_id": report.run_id, "exit_code": exit_code,
                 "identical": report.identical, "compared": list(report.compared),
                 "differences": list(report.differences)})
        return exit_code
    if report.identical:
        ui.say(f"run {report.run_id}: regenerated from the archive; all {len(report.compared)} file(s) are "
               "byte-identical to those produced then")
        return 0
    ui.say(f"run {report.run_id}: regenerated files DIFFER from those produced then:")
    for line in report.differences:
        ui.say(f"  {line}")
    return 1
