"""`uof verify`: are the files on disk, the archive and the ledger still what the runs produced?"""
from __future__ import annotations

import click
import pandas as pd

from flows.cli.options import MONTH_TYPE, existing_ledger, state_options, uof_command
from flows.cli.render import Output
from flows.errors import UsageError
from flows.pipeline.verify import verify


def _months(month: str | None, first: str | None, last: str | None) -> set[str] | None:
    if month and (first or last):
        raise UsageError("give --month, or --from and --to, not both")
    if month:
        return {month}
    if first or last:
        if not (first and last):
            raise UsageError("--from and --to go together")
        if first > last:
            raise UsageError(f"--from {first} is after --to {last}")
        return {p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")}
    return None


@uof_command("verify", "uof verify --out out/ --profile data/sample/agency.yaml",
             "uof verify --month 2025-10 --state out/PA0230100/ledger.sqlite --format json", options=[
                 click.option("--month", default=None, type=MONTH_TYPE, help="only the runs of this month, YYYY-MM"),
                 click.option("--from", "first", default=None, type=MONTH_TYPE, help="first month of a range"),
                 click.option("--to", "last", default=None, type=MONTH_TYPE, help="last month of a range"),
                 state_options])
def verify_command(ui: Output, month, first, last, out, state, profile, fmt) -> int:
    """Check the runs' files, the archive and the ledger against each other.

    Every run's files on disk are checked against its manifest and the ledger, the archive against its content
    hashes and the ledger against its hash chain. Exit 0 when everything matches, 1 when a file was edited, deleted or added, a month folder is not
    recorded, an archive file changed or a ledger record was rewritten; each difference is listed.
    """
    months = _months(month, first, last)
    path = existing_ledger(out, state, profile)
    # with --state the runs' folders are found where the ledger recorded them
    report = verify(path, None if state else path.parent, months)
    code = 0 if report.clean else 1
    if fmt == "json":
        ui.data({"command": "verify", "ledger": str(path), "months": sorted(months) if months else None,
                 "exit_code": code, "runs": report.runs, "files": report.files,
                 "archive_files": report.archive_files,
                 "problems": [{"kind": p.kind, "path": p.path, "detail": p.detail} for p in report.problems]})
        return code
    scope = f"{report.runs} run(s), {report.files} file(s), {report.archive_files} archive file(s)"
    if report.clean:
        ui.say(f"verified {scope}: everything matches the ledger")
        return 0
    ui.say(f"checked {scope}: {len(report.problems)} difference(s)")
    for problem in report.problems:
        ui.say(f"  {problem.line()}")
    return 1
