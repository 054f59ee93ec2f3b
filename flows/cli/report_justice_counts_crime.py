"""`uof report justice-counts-crime`: Justice Counts 1.10 Reported Crime and 1.7-1.9 Arrests."""
from __future__ import annotations

import re

import click

from flows.cli.options import MONTH_TYPE, as_of_option, now_arg, profile_option, source_option, uof_command
from flows.cli.render import Output
from flows.errors import UsageError
from flows.pipeline.report_justice_counts_crime import run_justice_counts_crime


class Year(click.ParamType):
    name = "YYYY"

    def convert(self, value, param, ctx):
        if not re.fullmatch(r"[12][0-9]{3}", str(value)):
            self.fail(f"'{value}' is not a year written YYYY", param, ctx)
        return str(value)


@uof_command("justice-counts-crime",
             "uof report justice-counts-crime --profile data/sample/justice-counts/agency-jc.yaml "
             "--source data/sample/justice-counts --year 2025 --out out/", options=[
                 profile_option(), source_option,
                 click.option("--month", default=None, type=MONTH_TYPE, help="one month, YYYY-MM"),
                 click.option("--year", default=None, type=Year(), help="a calendar year, YYYY: its twelve months "
                                                                        "and the year's totals"),
                 click.option("--out", required=True, metavar="DIR", help="output folder"),
                 click.option("--state", default=None, metavar="LEDGER",
                              help="ledger file (default: OUT/<agency_ori>/ledger.sqlite)"),
                 as_of_option()])
def justice_counts_crime_command(ui: Output, profile, source, month, year, out, state, as_of, fmt) -> int:
    """Justice Counts 1.10 Reported Crime and 1.7 Arrests (1.8 race and ethnicity, 1.9 biological sex).

    Reads the offense/arrest extract the profile's justice_counts_offenses section describes (--source: a
    folder holding offenses.csv and arrests.csv, or a workbook with those sheets) and writes the Justice
    Counts Publisher bulk-upload files, unmapped.csv and a one-page summary.md to
    OUT/<ORI>/reports/justice-counts-crime/<period>/. Exit 0 when every code is mapped, 1 when some local
    code is unmapped (counted as Unknown and listed) or an incident or arrest has no readable date, 2 on an error.
    """
    if bool(month) == bool(year):
        raise UsageError("give --month YYYY-MM or --year YYYY (one of them)")
    report = run_justice_counts_crime(profile, source, out, as_of or now_arg(), month=month, year=year, state=state)
    result = report.result
    facts = result.manifest["summary"]
    if fmt == "json":
        ui.data({"command": "report justice-counts-crime", "period": result.period, "run_id": result.run_id,
                 "folder": str(result.folder), "exit_code": result.exit_code, "files": report.files,
                 "summary": facts, "notes": result.notes})
        return result.exit_code
    ui.say(f"Justice Counts reported crime and arrests, {result.period}: run {result.run_id} -> {result.folder}")
    for metric, label in (("reported_crime", "reported crime incidents (1.10)"), ("arrests", "arrests (1.7)")):
        if metric in facts:
            ui.say(f"  {label}: {facts[metric]['total']}")
    for item in facts["unmapped"]:
        ui.say(f"  unmapped: {item['table']} column {item['column']} code '{item['local_code']}': {item['count']} "
               f"{item['unit']}, counted as {item['counted_as']}")
    ui.notes(result.notes)
    return result.exit_code
