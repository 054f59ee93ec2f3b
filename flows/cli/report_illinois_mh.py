"""`uof report illinois-mh`: the Illinois mental-health-crisis dispatch report of a month (20 Ill. Adm. Code 1244,
Subpart B) from a CAD export."""
from __future__ import annotations

import click

from flows.cli.options import (MONTH_TYPE, as_of_option, covers_option, now_arg, profile_option,
                               report_destination_options, uof_command)
from flows.cli.render import Output
from flows.pipeline.report_illinois_mh import run_illinois_mh


def summary_lines(run) -> list[str]:
    """Counts only: never an incident number or a code (those are in the files)."""
    summary, result = run.report.summary, run.result
    excluded = summary["excluded"]
    lines = [f"{result.manifest['agency_ori']} illinois-mh {result.period}: {summary['incidents']} incident(s) where "
             f"an officer was dispatched to a mental health crisis (run {result.run_id})",
             "  levels of response (incidents): " + ", ".join(f"{k} {v}" for k, v in summary["levels"].items()),
             "  outcomes (incidents): " + ", ".join(f"{k} {v}" for k, v in summary["outcomes"].items()),
             f"  {summary['counts_note']}",
             f"  not reported: {excluded['broadcast']} answered a broadcast without dispatch, "
             f"{excluded['other_agency']} requested by another agency only, {excluded['reclassified']} reclassified "
             "as a crisis after dispatch"]
    if summary["findings"]:
        lines.append(f"  {summary['findings']} finding(s) to resolve (unmapped or blank codes, undated incidents): "
                     "see mh_findings.csv")
    lines.append(f"  written to {result.folder}")
    return lines


@uof_command("illinois-mh",
             "uof report illinois-mh --profile data/sample/illinois/agency-il.yaml "
             "--source data/sample/illinois/cad_dispatch.csv --month 2025-10 --out out/",
             "uof report illinois-mh --profile data/sample/illinois/agency-il.yaml "
             "--source data/sample/illinois/cad_dispatch.csv --month 2025-09 --out out/ --covers 2025-09..2025-10 "
             "--format json", options=[
                 profile_option(help_text="agency profile YAML (its illinois_mh: section describes the CAD export)"),
                 click.option("--source", required=True, metavar="PATH",
                              help="CAD dispatch export: a CSV file or a workbook (sheet: illinois_mh.sheet)"),
                 click.option("--month", required=True, type=MONTH_TYPE, help="month to report, YYYY-MM"),
                 report_destination_options, as_of_option(), covers_option])
def illinois_mh_command(ui: Output, profile, source, month, out, state, as_of, covers, fmt) -> int:
    """The month's Illinois mental-health-crisis dispatch report: counts and incident list.

    Incidents where an officer was dispatched to a person in mental-health crisis (decided by the call type at
    dispatch), with every level of response and every outcome; written as CSVs and a workbook under
    OUT/<ORI>/reports/illinois-mh/<month>/ and recorded in the ledger (uof status shows its deadline, the 15th of
    the following month). Exit 0 when every code is mapped, 1 when some call type, unit type or disposition is
    unmapped or blank (listed in mh_findings.csv), 2 on an error (among them: a month the export does not cover).
    """
    with ui.progress():
        run = run_illinois_mh(profile, source, month, out, as_of or now_arg(), state=state, covers=covers)
    result = run.result
    if fmt == "json":
        ui.data({"command": "report illinois-mh", "agency_ori": result.manifest["agency_ori"], "month": month,
                 "run_id": result.run_id, "folder": str(result.folder), "exit_code": result.exit_code,
                 "files": [f["name"] for f in result.manifest["files"]], "summary": run.report.summary,
                 "findings": run.report.findings[["finding", "column", "rows", "incidents"]].to_dict("records")})
        return result.exit_code
    for line in summary_lines(run):
        ui.say(line)
    ui.notes(result.notes)
    return result.exit_code
