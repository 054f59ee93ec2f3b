"""`uof check-submission`: check FBI service-message files (JSON, zips, folders) from any vendor."""
from __future__ import annotations

import click

from flows.cli.options import as_of_option, existing_ledger, now_arg, profile_option, uof_command
from flows.cli.render import Output
from flows.errors import UsageError
from flows.io.ledger import agency_ledger
from flows.pipeline.check_submission import check_submission, report_document


@uof_command("check-submission",
             "uof check-submission out/PA0230100/2025-10/PA0230100_20251105_0930_0021-0029.zip",
             "uof check-submission vendor/ --profile data/sample/agency.yaml --out out/ --report-dir checks/",
             "uof check-submission received/PA1000300/ --profile data/sample/state/state.yaml --agency PA1000300 "
             "--out out/",
             options=[
                 click.argument("paths", nargs=-1, required=True, metavar="PATH..."),
                 profile_option(required=False, help_text="agency profile: the agencies reported for, the submitting "
                                                          "ORI and agency_kind (without it the rules that need them "
                                                          "are skipped, and the report says so)"),
                 click.option("--agency", default=None, metavar="ORI",
                              help="with a state profile as --profile: the agency of the state whose files these "
                                   "are (its ledger under --out is OUT/<ORI>/ledger.sqlite)"),
                 click.option("--state", default=None, metavar="LEDGER",
                              help="ledger of the runs: what was sent before (AddOnly/Remove/zero report rules)"),
                 click.option("--out", default=None, metavar="DIR",
                              help="output folder of the runs, to find the agency's ledger (with --profile)"),
                 as_of_option("moment the files are checked, YYYY-MM-DDTHH:MM:SS (default: now): the 'not in the "
                              "future' and zero-report month rules use it"),
                 click.option("--report-dir", default=None, metavar="DIR",
                              help="write check-submission.xlsx (the rejection workbook) and check-submission.json "
                                   "there, 0600 (default: print only; the printout never shows a value)")])
def check_submission_command(ui: Output, paths, profile, agency, state, out, as_of, report_dir, fmt) -> int:
    """Check FBI Use-of-Force JSON submissions from any source with the project's rule catalog.

    Each PATH is a JSON service-message file, a zip of them (Appendix B) or a folder holding either. Every edit
    of the rule catalog, the file-name and zip rules of Appendix B, one message per incident, and with a ledger
    (--state, or --out) the AddOnly/Remove/zero-report rules. Exit 0 when every message is valid, 1 when some
    message is rejected (or a file or zip breaks a rule), 2 when an input cannot be read (nothing written).
    """
    if agency and not profile:
        raise UsageError("--agency needs --profile naming the state profile")
    if agency and out and not state:
        ledger = existing_ledger(None, str(agency_ledger(out, agency)), None)
    else:
        ledger = existing_ledger(out, state, profile) if (state or out) else None
    result = check_submission(list(paths), as_of or now_arg(), profile=profile, ledger=ledger, report_dir=report_dir,
                              agency=agency)
    if fmt == "json":
        ui.data(report_document(result, values=False))
        return result.exit_code
    doc = report_document(result, values=False)
    counts = doc["messages"]
    ui.say(f"checked {counts['read']} message(s) in {len(result.inputs)} input file(s): {counts['valid']} valid, "
           f"{counts['rejected']} rejected; {doc['errors']} error(s), {doc['warnings']} warning(s)")
    for item in doc["counts"]:
        ui.say(f"  {item['rule_id']} ({item['element'] or '-'}, {item['severity']}): {item['count']}")
    found = result.findings
    for file, group in found.groupby("source_file", sort=False):
        rules = ", ".join(dict.fromkeys(group["rule_id"]))
        ui.say(f"  {file}: {rules}")
    for rule_id, reason in result.skipped.items():
        ui.say(f"  not checked: {rule_id} ({reason})")
    for path in result.report_files:
        ui.say(f"  -> {path}")
    return result.exit_code
