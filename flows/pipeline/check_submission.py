"""`uof check-submission`: FBI service-message files from any vendor, checked with the project's rule catalog.

Wiring only: read the inputs (flows/io/submission_files.py), turn the messages into the canonical frames
(transforms/submission_frames.py), run the catalog and the Appendix B, submission and ledger rules
(transforms/submission_check.py), and write the rejection workbook and the JSON report when asked. What is
checked and what is not: docs/check-submission.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.config.load import load_profile, load_reference
from flows.config.state import load_state
from flows.errors import ConfigError, UsageError
from flows.io.submission_files import Inputs, ledger_messages, read_inputs, write_report_files
from flows.io.workbook import workbook_bytes
from flows.io.write import check_output_folder, json_bytes, private_temp_folder
from flows.version import tool_version
from schemas.build import CheckContext, build_schemas
from schemas.catalog import CatalogError, parse_catalog
from transforms.findings import findings_counts
from transforms.submission_check import message_outcomes, submission_findings
from transforms.submission_frames import SubmissionFrames, submission_frames

REPORT_JSON, REPORT_XLSX = "check-submission.json", "check-submission.xlsx"
# Rules left out, and why, when no profile or no ledger is given (the report lists them).
WITHOUT_PROFILE = {
    "I1-NOT-PROFILE": "no --profile: the agencies the submitter may report for are not known",
    "I4-NOT-PROFILE": "no --profile: the submitting agency is not known",
    "FILE-NAME-ORI": "no --profile: checked for incidents sent in full (against their I4) only; a Remove or a "
                     "zero report carries no reporting ORI",
    "I15-FEDERAL-TRIBAL-ONLY": "no --profile: the agency is taken as local (agency_kind), so federal- and "
                               "tribal-only offenses are errors (also I16, I17)",
}
WITHOUT_LEDGER = {
    "LEDGER-ADDONLY-SENT": "no ledger (--state or --out): what was sent before is not known",
    "LEDGER-REMOVE-NOT-SENT": "no ledger (--state or --out): what was sent before is not known",
    "Z2-WITH-INCIDENTS": "no ledger (--state or --out): checked against the incidents of the inputs only",
}


@dataclass(frozen=True)
class Submitter:
    """What a profile tells the checks: the agencies reported for, the submitting ORI, the kind of agency."""

    agency_oris: tuple[str, ...]
    reporting_agency_ori: str
    agency_kind: str = "local"


@dataclass
class CheckResult:
    exit_code: int
    as_of: str
    inputs: list[dict]
    ignored: list[str]
    profile: str | None
    ledger: str | None
    skipped: dict[str, str]
    findings: pd.DataFrame = field(repr=False)
    outcomes: pd.DataFrame = field(repr=False)
    report_files: list[str] = field(default_factory=list)


def submitter_of(profile_path: str, ref, agency: str | None = None) -> Submitter:
    """From an agency profile, or with `agency` from a state profile's agency of that ORI."""
    if agency:
        state = load_state(Path(profile_path), ref)
        chosen = state.agency(agency)
        if chosen is None:
            raise UsageError(f"--agency {agency} is not an agency of the state profile {Path(profile_path).name}")
        profile = chosen.profile
    else:
        profile = load_profile(Path(profile_path), ref)
    return Submitter(agency_oris=(profile.agency_ori, *profile.settings.get("additional_agency_oris", ())),
                     reporting_agency_ori=profile.reporting_agency_ori, agency_kind=profile.agency_kind)


def _catalog(ref):
    try:
        return parse_catalog(ref.catalog_data, elements=ref.elements, codes=ref.codes)
    except CatalogError as exc:
        raise ConfigError(ref.catalog_path, exc.detail, rule=exc.rule) from None


def checked(inputs: Inputs, as_of: pd.Timestamp, submitter: Submitter | None, history: pd.DataFrame | None,
            ref=None) -> tuple[SubmissionFrames, pd.DataFrame, object]:
    """(frames, findings, catalog) of the inputs: the one path from parsed files to findings."""
    ref = ref or load_reference()
    catalog = _catalog(ref)
    ctx = CheckContext(as_of=as_of, agency_kind=submitter.agency_kind if submitter else "local",
                       codes={name: frozenset(values) for name, values in ref.codes.items()}, offenses=ref.offenses,
                       agency_oris=frozenset(submitter.agency_oris) if submitter else frozenset(),
                       reporting_agency_ori=submitter.reporting_agency_ori if submitter else None)
    frames = submission_frames(inputs.files, ref.elements, catalog.by_id)
    findings = submission_findings(inputs.files, frames, inputs.zips, build_schemas(catalog, ctx), catalog, as_of,
                                   reporting_ori=ctx.reporting_agency_ori, history=history)
    return frames, findings, catalog


def report_document(result: CheckResult, values: bool) -> dict:
    """The JSON report (docs/check-submission.md). Without `values` (stdout), no finding carries the offending
    value or the message rendered with it: values are personal data."""
    columns = ["rule_id", "severity", "segment", "element", "column", "source_file", "source_row",
               "agency_case_number", "subject_id", "officer_id"] + (["value", "message"] if values else [])
    findings = result.findings.reindex(columns=columns).rename(columns={"source_file": "file",
                                                                       "source_row": "message_index"})
    outcomes = result.outcomes
    counts = findings_counts(result.findings)
    return {
        "command": "check-submission", "tool_version": tool_version(), "as_of": result.as_of,
        "exit_code": result.exit_code, "profile": result.profile, "ledger": result.ledger,
        "inputs": result.inputs, "ignored": result.ignored,
        "skipped_rules": [{"rule_id": k, "reason": v} for k, v in result.skipped.items()],
        "messages": {"read": int(len(outcomes)),
                     "incidents": int((outcomes["kind"] == "incident").sum()),
                     "zero_reports": int((outcomes["kind"] == "zero_report").sum()),
                     "valid": int((outcomes["status"] == "valid").sum()),
                     "rejected": int((outcomes["status"] == "rejected").sum())},
        "errors": int((result.findings["severity"] == "error").sum()),
        "warnings": int((result.findings["severity"] == "warning").sum()),
        "counts": [{"element": _plain(r.element), "rule_id": r.rule_id, "severity": r.severity, "count": int(r.count)}
                   for r in counts.itertuples(index=False)],
        "files": [{"file": r.file, "message_index": _plain(r.message), "kind": _plain(r.kind),
                   "action": _plain(r.action), "errors": int(r.errors), "warnings": int(r.warnings),
                   "status": r.status} for r in outcomes.itertuples(index=False)],
        "findings": [{k: _plain(v) for k, v in row.items()} for row in findings.to_dict("records")],
        "report_files": result.report_files,
    }


def _plain(value):
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _report_files(result: CheckResult, frames: SubmissionFrames, folder: Path, as_of: pd.Timestamp) -> None:
    context = [("command", "uof check-submission"), ("as of", result.as_of), ("tool", f"uof {tool_version()}"),
               ("profile", result.profile or "none"), ("ledger", result.ledger or "none")]
    for item in result.inputs:
        context += [("input", item["path"]), (f"sha256 of {item['path']}", item["sha256"])]
    local = {"incidents": frames.incidents, "subjects": frames.subjects, "officers": frames.officers}
    result.report_files = [str(folder / REPORT_JSON), str(folder / REPORT_XLSX)]
    with private_temp_folder(folder):  # openpyxl's temporary files stay in the private report folder
        book = workbook_bytes(result.findings, local, {}, as_of, context=context)
    write_report_files(folder, [(REPORT_JSON, json_bytes(report_document(result, values=True))),
                                (REPORT_XLSX, book)])


def check_submission(paths: list[str], as_of: str, profile: str | None = None, ledger: Path | None = None,
                     report_dir: str | None = None, agency: str | None = None) -> CheckResult:
    """Check every path (JSON files, zips, folders); exit code 0 when no message is rejected, 1 otherwise.

    Unreadable inputs, a bad profile or ledger raise (exit 2) before anything is written.
    """
    moment = pd.Timestamp(as_of)
    if report_dir:
        check_output_folder(report_dir, "--report-dir")
    ref = load_reference()
    submitter = submitter_of(profile, ref, agency) if profile else None
    history = ledger_messages(ledger) if ledger else None
    inputs = read_inputs(paths)
    frames, findings, _ = checked(inputs, moment, submitter, history, ref)
    outcomes = message_outcomes(frames, findings)
    skipped = {} if submitter else dict(WITHOUT_PROFILE)
    if history is None:
        skipped.update(WITHOUT_LEDGER)
    code = 1 if (findings["severity"] == "error").any() else 0
    result = CheckResult(exit_code=code, as_of=moment.isoformat(), inputs=inputs.read, ignored=inputs.ignored,
                         profile=profile, ledger=str(ledger) if ledger else None, skipped=skipped,
                         findings=findings, outcomes=outcomes)
    if report_dir:
        _report_files(result, frames, Path(report_dir).expanduser(), moment)
    return result
