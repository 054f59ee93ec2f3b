"""`uof report colorado`: the state's use-of-force report (C.R.S. 24-31-903) of a month or a year."""
from __future__ import annotations

from flows.cli.options import (as_of_option, now_arg, profile_option, report_destination_options, report_period,
                               report_period_options, source_option, uof_command)
from flows.cli.render import Output, report_document
from flows.pipeline.report_colorado import run_colorado


@uof_command("colorado",
             "uof report colorado --profile data/sample/colorado/agency-co.yaml --source data/sample/colorado/extract "
             "--month 2025-10 --out out/",
             "uof report colorado --profile data/sample/colorado/agency-co.yaml --source data/sample/colorado/extract "
             "--year 2025 --out out/ --format json", options=[
                 profile_option(help_text="agency profile YAML (its colorado: section names the officer columns)"),
                 source_option, report_period_options, report_destination_options, as_of_option()])
def colorado_command(ui: Output, profile, source, month, year, out, state, as_of, fmt) -> int:
    """Colorado's use-of-force report (C.R.S. 24-31-903) of a month or a year.

    Classifies every incident against the state threshold (death or serious bodily injury from any force, or a
    weapon used, discharged, drawn or pointed) and lists the reportable ones with their officers (name of those who
    used reportable force, POST number of all). Incidents before August 2022 are not submitted. Exit 0 when every
    incident is decided and nothing is missing, 1 when some cannot be decided or lack an element the state
    requires (colorado_open.csv), 2 on an error.
    """
    period = report_period(month, year)
    with ui.progress():
        result = run_colorado(profile, source, period, out, as_of or now_arg(), state)
    counts = result.manifest["summary"]
    if fmt == "json":
        ui.data(report_document("report colorado", result))
        return result.exit_code
    ui.say(f"{result.run_id}: {counts['reportable']} reportable, {counts['not_reportable']} not reportable, "
           f"{counts['undecided']} cannot be decided, {counts['before_collection']} before the collection began; "
           f"{counts['reportable_with_missing_elements']} reportable incident(s) lack an element the state requires")
    ui.say(f"written to {result.folder}")
    ui.notes(result.notes)
    return result.exit_code
