"""`uof run`, `uof validate` and `uof backfill`: a month (or a range of months) from the RMS extract."""
from __future__ import annotations

import click

from flows.cli.options import (MONTH_TYPE, as_of_option, covers_option, month_options, now_arg, profile_option,
                               source_option, uof_command)
from flows.cli.render import Output, month_document, month_summary, templates_of, validate_document, validate_report
from flows.config.load import load_reference
from flows.pipeline.monthly import run_backfill, run_month
from transforms.submission import WARNING_PREFIX


@uof_command("run", "uof run --profile data/sample/agency.yaml --source data/sample/rms_extract.xlsx --month 2025-10 "
             "--out out/", options=[month_options(out_required=True)])
def run_command(ui: Output, profile, source, month, out, state, as_of, covers, fmt) -> int:
    """Produce the month's submission: JSON messages, zip, rejections, manifest.

    Exit 0 when every incident is emitted (or a zero report), 1 when some are rejected, 2 on an error.
    """
    with ui.progress():
        result = run_month(profile, source, month, out, as_of or now_arg(), state=state, covers=covers)
    if fmt == "json":
        ui.data({"command": "run", **month_document(result)})
        ui.notes([n for n in result.notes if n.startswith(WARNING_PREFIX)])
        return result.exit_code
    ui.say(month_summary(result))
    ui.notes(result.notes)
    return result.exit_code


@uof_command("validate", "uof validate --profile data/sample/agency.yaml --source data/sample/rms_extract.xlsx "
             "--month 2025-10", options=[month_options(out_required=False)])
def validate_command(ui: Output, profile, source, month, out, as_of, covers, fmt) -> int:
    """Check a month without writing anything: counts per rule, then every incident concerned.

    Lists each rejected, pending-review and not-reportable incident by case number, element and RMS column,
    never the value (`uof run` writes the values to rejections.csv, review.csv and not_reportable.csv).
    Exit 0 when the month is clean, 1 when some incident would be rejected, 2 on an error.
    """
    with ui.progress():
        result = run_month(profile, source, month, None, as_of or now_arg(), write=False, covers=covers)
    templates = templates_of(load_reference().catalog_data)
    if fmt == "json":
        ui.data({"command": "validate", **validate_document(result, templates)})
        ui.notes([n for n in result.notes if n.startswith(WARNING_PREFIX)])
        return result.exit_code
    ui.say(month_summary(result))
    report = validate_report(result.findings, result.listings, templates)
    if report:
        ui.say(report)
    ui.notes(result.notes)
    return result.exit_code


@uof_command("backfill", "uof backfill --profile data/sample/agency.yaml --source data/sample/rms_extract.xlsx "
             "--from 2025-07 --to 2025-10 --out out/", options=[
                 profile_option(), source_option,
                 click.option("--from", "first", required=True, type=MONTH_TYPE, help="first month, YYYY-MM"),
                 click.option("--to", "last", required=True, type=MONTH_TYPE, help="last month, YYYY-MM"),
                 click.option("--out", required=True, metavar="DIR", help="output folder"),
                 click.option("--state", default=None, metavar="LEDGER",
                              help="ledger file (default: OUT/<agency_ori>/ledger.sqlite)"),
                 as_of_option(), covers_option])
def backfill_command(ui: Output, profile, source, first, last, out, state, as_of, covers, fmt) -> int:
    """Process every month of a range from one extract, in one pass.

    A month the extract does not cover is left out (nothing written, it stays missing) and the backfill
    exits 1; otherwise the exit code is the worst of the months' (0 or 1), 2 on an error.
    """
    with ui.progress():
        results = run_backfill(profile, source, first, last, out, as_of or now_arg(), state=state, covers=covers)
    exit_code = max((r.exit_code for r in results), default=0)
    warnings = [n for r in results if not r.manifest.get("skipped") for n in r.notes if n.startswith(WARNING_PREFIX)]
    if fmt == "json":
        ui.data({"command": "backfill", "exit_code": exit_code, "months": [month_document(r) for r in results]})
        ui.notes(warnings)
        return exit_code
    for result in results:
        if result.manifest.get("skipped"):
            ui.say(f"{result.month}: left out, nothing written - {result.notes[0]}")
        else:
            ui.say(month_summary(result))
            ui.notes([n for n in result.notes if n.startswith(WARNING_PREFIX)])
    return exit_code
