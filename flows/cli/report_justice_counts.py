"""`uof report justice-counts`: Justice Counts metric 1.11 Use of Force Incidents for a month or a year."""
from __future__ import annotations

from flows.cli.options import (as_of_option, now_arg, profile_option, report_destination_options, report_period,
                               report_period_options, source_option, uof_command)
from flows.cli.render import Output, report_document
from flows.pipeline.report_justice_counts import justice_counts_report
from transforms.reports_justice_counts import BREAKDOWNS


@uof_command("justice-counts",
             "uof report justice-counts --profile data/sample/agency-justice-counts.yaml --source data/sample/rms_extract.xlsx "
             "--year 2025 --out out/",
             "uof report justice-counts --profile data/sample/agency-justice-counts.yaml --source data/sample/rms_extract.xlsx "
             "--month 2025-08 --out out/ --format json", options=[
                 profile_option(), source_option, report_period_options, report_destination_options, as_of_option()])
def justice_counts_command(ui: Output, profile, source, month, year, out, state, as_of, fmt) -> int:
    """Justice Counts 1.11 Use of Force Incidents, with its force-type breakdowns.

    Counts every incident of the use-of-force extract (not only those the FBI collects), once each: its force
    types go through the profile's justice_counts.force_types crosswalk, the most severe category decides (Firearm
    > Other Weapon > Restraint > Physical Force > Other Force > Unknown), de minimis force is not counted. Writes
    OUT/<ORI>/reports/justice-counts/<period>/ (Publisher bulk-upload CSVs, summary.md, force_types.csv,
    incidents.csv, manifest.json). Exit 0; 1 when a local force type is not mapped (counted as Unknown, listed);
    2 on an error.
    """
    report_period(month, year)
    with ui.progress():
        result = justice_counts_report(profile, source, month, year, out, as_of or now_arg(), state)
    summary = result.manifest["summary"]
    if fmt == "json":
        ui.data(report_document("report justice-counts", result))
        return result.exit_code
    ui.say(f"{result.period}: {summary['counted']} use-of-force incident(s) counted of "
           f"{summary['incidents_in_period']} in the extract ({summary['de_minimis_excluded']} de minimis, not "
           f"counted); run {result.run_id}")
    ui.say("  " + ", ".join(f"{label} {summary['by_type'][label]}" for label in BREAKDOWNS.values()))
    for code in summary["unmapped_local_codes"]:
        ui.say(f"  not mapped ({code['status']}): '{code['code']}' in {code['incidents']} incident(s), "
               "counted as Unknown Force")
    ui.say(f"written to {result.folder}")
    ui.notes(result.notes)
    return result.exit_code
