"""`uof report justice-counts-crime`: Justice Counts 1.10 Reported Crime and 1.7-1.9 Arrests."""
from __future__ import annotations

from flows.cli.options import (as_of_option, now_arg, profile_option, report_destination_options, report_period,
                               report_period_options, source_option, uof_command)
from flows.cli.render import Output, report_document
from flows.pipeline.report_justice_counts_crime import run_justice_counts_crime


@uof_command("justice-counts-crime",
             "uof report justice-counts-crime --profile data/sample/justice-counts/agency-jc.yaml "
             "--source data/sample/justice-counts --year 2025 --out out/", options=[
                 profile_option(), source_option, report_period_options, report_destination_options, as_of_option()])
def justice_counts_crime_command(ui: Output, profile, source, month, year, out, state, as_of, fmt) -> int:
    """Justice Counts 1.10 Reported Crime and 1.7 Arrests (1.8 race and ethnicity, 1.9 biological sex).

    Reads the offense/arrest extract the profile's justice_counts_offenses section describes (--source: a
    folder holding offenses.csv and arrests.csv, or a workbook with those sheets) and writes the Justice
    Counts Publisher bulk-upload files, unmapped.csv and a one-page summary.md to
    OUT/<ORI>/reports/justice-counts-crime/<period>/. Exit 0 when every code is mapped, 1 when some local
    code is unmapped (counted as Unknown and listed) or an incident or arrest has no readable date, 2 on an error.
    """
    report_period(month, year)
    report = run_justice_counts_crime(profile, source, out, as_of or now_arg(), month=month, year=year, state=state)
    result = report.result
    facts = result.manifest["summary"]
    if fmt == "json":
        ui.data(report_document("report justice-counts-crime", result))
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
