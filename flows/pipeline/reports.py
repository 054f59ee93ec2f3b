"""Publishing a state or Justice Counts report (issue 12): the same folder, manifest, ledger and verify
behaviour as the FBI month.

A report is planned by a transform (transforms/reports/...) as named files and a summary; `publish_report`
writes them to `OUT/<ORI>/reports/<report>/<period>/` (a previous run's files move to `history/<run id>/`),
with a `manifest.json` listing each file's SHA-256 and the inputs' hashes, and records the run in the agency's
ledger as kind `report:<report>` ('writing' before the folder is swapped in, 'complete' after; sealed in the
hash chain), so `uof verify` checks it like any month. `uof status`, `history` and the FBI actions ignore these
runs (flows/io/ledger.py:Ledger.runs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.io.ledger import REPORT_KIND, Ledger, agency_ledger, exclusive
from flows.io.month_folder import write_month
from flows.io.recovery import recover, settle
from flows.io.write import check_output_folder, json_bytes, private_temp_folder, sha256
from flows.version import tool_version

REPORTS_FOLDER = "reports"


@dataclass
class ReportResult:
    report: str
    period: str
    run_id: str | None
    folder: Path | None
    manifest: dict
    notes: list[str] = field(default_factory=list)
    exit_code: int = 0


def report_folder(out, agency_ori: str, report: str, period: str) -> Path:
    return Path(out) / agency_ori / REPORTS_FOLDER / report / period


def publish_report(out, agency_ori: str, report: str, period: str, files: list[tuple[str, bytes]], summary: dict,
                   inputs: dict, as_of: str, state=None, notes: list[str] | None = None,
                   exit_code: int = 0) -> ReportResult:
    """Write the report's files and record the run; `files` are (name, bytes) in the order listed."""
    check_output_folder(out)
    ledger_path = agency_ledger(out, agency_ori, state)
    folder = report_folder(out, agency_ori, report, period)
    with exclusive(ledger_path), Ledger(ledger_path) as ledger:
        notes = recover(ledger, Path(out) / agency_ori, ledger_path.parent) + list(notes or [])
        run_id, run_seq = ledger.next_report_run(report, period)
        manifest = {"tool": {"name": "uof-reporting", "version": tool_version()}, "report": report,
                    "period": period, "run_id": run_id, "agency_ori": agency_ori,
                    "as_of": pd.Timestamp(as_of).strftime("%Y-%m-%dT%H:%M:%S"), "exit_code": exit_code,
                    "summary": summary, "inputs": inputs, "notes": notes,
                    "files": [{"name": n, "sha256": sha256(d)} for n, d in files]}
        record = {"run_id": run_id, "run_seq": run_seq, "agency_ori": agency_ori, "month": period,
                  "as_of": manifest["as_of"], "kind": REPORT_KIND + report, "tool_version": tool_version(),
                  "exit_code": exit_code, "manifest": manifest, "folder": str(folder)}
        ledger.record(record, pd.DataFrame(), state="writing")
        try:
            with private_temp_folder(Path(out) / agency_ori):
                write_month(folder, [*files, ("manifest.json", json_bytes(manifest))])
        except BaseException:
            settle(ledger, ledger.run(run_id), folder.parent)
            raise
        ledger.set_state(run_id, "complete")
    return ReportResult(report=report, period=period, run_id=run_id, folder=folder, manifest=manifest,
                        notes=notes, exit_code=exit_code)
