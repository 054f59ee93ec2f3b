"""`uof report illinois-mh`: the Illinois mental-health-crisis dispatch report of a month (20 Ill. Adm. Code 1244,
Subpart B), wired.

Reads the CAD (dispatch) export the profile's `illinois_mh:` section describes (one CSV file or a workbook sheet,
flows/io/read.py), checks that the export covers the month (transforms/coverage.py: its declared period or its
date span, so a month without incidents is reported as none only when the export covers it), applies the rules
(transforms/reports_illinois_mh.py) and publishes the CSVs and a workbook through flows/pipeline/reports.py
(manifest, ledger kind `report:illinois-mh`, `uof verify`, `uof status`).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from flows.errors import FatalInputError, UsageError
from flows.io.read import did_you_mean, read_single
from flows.io.workbook import BOLD, _filtered_table, _fixed_timestamps, _text_cell
from flows.io.write import csv_bytes
from flows.pipeline.engine import run_flow, step
from flows.pipeline.monthly import check_destinations, load_configuration
from flows.pipeline.reports import ReportResult, publish_report
from transforms.coverage import not_covered, parse_period
from transforms.reports_illinois_mh import (MULTI_SELECT_NOTE, REPORT, MhMonth, cad_coverage,
                                            dispatch_rows, month_report)

FILES = ("mh_counts.csv", "mh_incidents.csv", "mh_excluded.csv", "mh_findings.csv")
FORM_NOTE = ("ISP prescribes the form and manner of submission (20 Ill. Adm. Code 1244.300(e)); these files are the "
             "data for it: the monthly counts and, per incident, its levels of response and outcomes")


@dataclass
class MhRun:
    result: ReportResult
    report: MhMonth


def cad_table(source: Path, settings, encoding: str):
    """The CAD export as read (text cells), every column the section names present."""
    columns = {k: v for k, v in settings.columns.model_dump().items() if v}
    table, files = read_single(source, settings.sheet, encoding, code_columns=frozenset(columns.values()))
    absent = [(k, c) for k, c in columns.items() if c not in table.frame.columns]
    if absent:
        key, column = absent[0]
        raise FatalInputError(table.file, f"has no column '{column}' (named by illinois_mh.columns.{key})"
                              f"{did_you_mean(column, table.frame.columns)}: correct the name in the profile",
                              sheet=table.sheet, column=column, row=1)
    return table, files


def workbook(report: MhMonth, agency_ori: str, as_of: pd.Timestamp) -> bytes:
    """One workbook for the analyst: the counts (with what they mean), the incidents, the exclusions, the findings."""
    book = Workbook()
    sheet = book.active
    sheet.title = "counts"
    lines = [f"Illinois mental health crisis dispatch report, agency {agency_ori}, month {report.month}",
             FORM_NOTE + ".", MULTI_SELECT_NOTE,
             f"Findings to resolve before entering the data: {len(report.findings)} (see the findings sheet)."]
    for row, text in enumerate(lines, start=1):
        _text_cell(sheet, row, 1, text)
    sheet.cell(row=1, column=1).font = BOLD
    _filtered_table(sheet, report.counts, header_row=len(lines) + 2)
    sheet.freeze_panes = None
    for name, frame in (("incidents", report.incidents), ("excluded", report.excluded),
                        ("findings", report.findings)):
        _filtered_table(book.create_sheet(name), frame)
    moment = as_of.to_pydatetime()
    book.properties.created = book.properties.modified = moment
    book.properties.creator = "uof"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_timestamps(buffer.getvalue(), as_of)


def report_files(report: MhMonth, agency_ori: str, as_of: pd.Timestamp) -> list[tuple[str, bytes]]:
    frames = (report.counts, report.incidents, report.excluded, report.findings)
    return [*((name, csv_bytes(frame)) for name, frame in zip(FILES, frames)),
            (f"illinois_mh_{agency_ori}_{report.month}.xlsx", workbook(report, agency_ori, as_of))]


def _declared(covers: str | None, settings) -> tuple[str, str] | None:
    if covers:
        return parse_period(covers)
    period = settings.extract_period
    return (period.from_, period.to) if period else None


def _illinois_mh(profile: str, source: str, month: str, out: str, as_of: str, state: str | None,
                 covers: str | None) -> MhRun:
    check_destinations(out, state)
    config = step(load_configuration, profile)
    loaded = config.profile
    settings = loaded.settings.get("illinois_mh")
    if settings is None:
        raise UsageError(f"profile {profile} has no illinois_mh: section: it names the CAD export's columns and "
                         "code maps the report needs (docs/reports.md)")
    if pd.Period(month, freq="M") >= pd.Timestamp(as_of).to_period("M"):
        raise UsageError(f"{month} is not over at {as_of}: its report would leave out the rest of the month")
    table, files = step(cad_table, Path(source), settings, loaded.encoding)
    rows = step(dispatch_rows, table.frame, settings, loaded.agency_ori)
    coverage = cad_coverage(rows, month, _declared(covers, settings))
    if not coverage.covers(month):
        raise UsageError(f"no report for {month}: " + not_covered(month, month, coverage).replace(
            "extract_period in the profile", "illinois_mh.extract_period in the profile"))
    report = step(month_report, rows, month, settings, coverage)
    inputs = {"source": [{"name": f.name, "sha256": f.sha256} for f in files],
              "profile": {"name": loaded.path.name, "sha256": loaded.sha256}}
    result = publish_report(out, loaded.agency_ori, REPORT, month,
                            report_files(report, loaded.agency_ori, pd.Timestamp(as_of)), report.summary, inputs,
                            as_of, state=state, notes=[FORM_NOTE], exit_code=report.exit_code)
    return MhRun(result=result, report=report)


def run_illinois_mh(profile: str, source: str, month: str, out: str, as_of: str, state: str | None = None,
                    covers: str | None = None) -> MhRun:
    return run_flow(_illinois_mh, "uof-report-illinois-mh", profile=profile, source=source, month=month, out=out,
                    as_of=as_of, state=state, covers=covers)
