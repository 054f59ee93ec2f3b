"""The monthly run: one agency, one month, from the RMS extract to the submission folder."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from flows.config import TABLES, load_profile, load_reference
from flows.engine import engine_name, run_flow, step
from flows.errors import UsageError
from flows.extract import read_extract
from flows.write import StagedFolder, csv_bytes, json_bytes, sha256, zip_bytes
from schemas.build import CheckContext, build_schemas
from schemas.catalog import parse_catalog
from transforms.aggregate import with_cross_segment_columns
from transforms.derive import derived_incidents, with_sequential_ids
from transforms.messages import incident_messages, zero_report_message
from transforms.outcome import engine_findings, month_scope, rejected_incident_rows, without_shadowed
from transforms.remap import remapped
from transforms.validate import validation_findings

log = logging.getLogger("uof")

REJECTION_COLUMNS = ["agency_case_number", "segment", "element", "subject_id", "officer_id", "value", "message",
                     "rule_id", "severity", "column", "source_file", "source_row"]
FIRST_ZERO_REPORT_MONTH = "2017-01"


def tool_version() -> str:
    try:
        return version("uof-reporting")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass
class RunResult:
    exit_code: int
    folder: Path | None
    manifest: dict
    findings: pd.DataFrame = field(repr=False, default=None)
    notes: list[str] = field(default_factory=list)


def load_configuration(profile_path: str):
    ref = load_reference()
    profile = load_profile(Path(profile_path), ref)
    catalog = parse_catalog(ref.catalog_data)
    return ref, profile, catalog


def validate_month(scoped, ref, catalog, profile, as_of: pd.Timestamp, unmapped) -> pd.DataFrame:
    ctx = CheckContext(as_of=as_of, agency_kind=profile.agency_kind,
                       codes={name: frozenset(values) for name, values in ref.codes.items()},
                       offenses=ref.offenses)
    schemas = build_schemas(catalog, ctx)
    incidents = with_cross_segment_columns(scoped.incidents, scoped.subjects, scoped.officers)
    found = validation_findings(incidents, scoped.subjects, scoped.officers, schemas, catalog)
    rules = {rule.id: rule for rule in catalog.rules}
    element_ids = {t: {e["name"]: e["id"] for e in ref.elements[s]}
                   for t, s in (("incidents", "incident"), ("subjects", "subject"), ("officers", "officer"))}
    engine = engine_findings(scoped, unmapped, rules, element_ids)
    parts = [f for f in (engine, found) if len(f)]
    combined = pd.concat(parts, ignore_index=True) if parts else found
    return without_shadowed(combined)


def sorted_findings(findings: pd.DataFrame) -> pd.DataFrame:
    order = findings.assign(_seg=findings["segment"].map({"incident": 0, "subject": 1, "officer": 2}).fillna(3))
    order = order.sort_values(["agency_case_number", "_seg", "subject_id", "officer_id", "source_row", "rule_id"],
                              kind="stable", na_position="last")
    return order.drop(columns="_seg").reset_index(drop=True)


def file_stem(profile, as_of: pd.Timestamp) -> str:
    """Appendix B: ORI of the submitting agency, creation date YYYYMMDD and time HHMM."""
    return f"{profile.reporting_agency_ori}_{as_of.strftime('%Y%m%d')}_{as_of.strftime('%H%M')}"


def check_zero_report_month(month: str, as_of: pd.Timestamp) -> None:
    """Z2: never the current or a future month, never before 2017."""
    current = as_of.strftime("%Y-%m")
    if month >= current:
        raise UsageError(f"no incident in {month}, but a zero report cannot be sent for the current or a future "
                         f"month (as of {as_of.strftime('%Y-%m-%d')}); run it once the month is over (Z2)")
    if month < FIRST_ZERO_REPORT_MONTH:
        raise UsageError(f"no incident in {month}, but zero reports start with January 2017 (Z2)")


NOT_REPORTABLE_REASON = ("meets none of the FBI criteria (§2): no subject died or was seriously injured "
                         "and no officer discharged a firearm at or toward a subject with no injury")
NOT_REPORTABLE_COLUMNS = ["agency_case_number", "incident_date", "reason", "source_file", "source_row"]


def derive_and_screen(scoped):
    """Derive blank ids, counts and ticklers; split off the incidents that are not reportable."""
    subjects, n_subject_ids = with_sequential_ids(scoped.subjects, "subject_id")
    officers, n_officer_ids = with_sequential_ids(scoped.officers, "officer_id")
    in_month = scoped.incidents["incident_date"].notna()
    incidents, not_reportable, counts = derived_incidents(scoped.incidents, subjects, officers)
    not_reportable = not_reportable & in_month
    counts.update(subject_id=n_subject_ids, officer_id=n_officer_ids)
    excluded = incidents.loc[not_reportable, "_row"]
    scoped.incidents = incidents[~not_reportable]
    scoped.subjects = subjects[~subjects["_incident_row"].isin(excluded)]
    scoped.officers = officers[~officers["_incident_row"].isin(excluded)]
    return scoped, incidents[not_reportable], counts


def _accounting(extract, scoped, emitted_rows, rejected_rows, excluded_rows) -> dict:
    rows = {}
    incident_status = scoped.status["incidents"]
    inc = extract.frames["incidents"]
    state = incident_status.copy()
    state[inc["_row"].isin(emitted_rows).to_numpy()] = "emitted"
    state[inc["_row"].isin(rejected_rows).to_numpy()] = "rejected"
    state[inc["_row"].isin(excluded_rows).to_numpy()] = "not_reportable"
    states = {"incidents": state}
    for table in ("subjects", "officers"):
        frame = extract.frames[table]
        parent = frame.merge(inc[["agency_case_number", "_row"]].drop_duplicates("agency_case_number"),
                             on="agency_case_number", how="left", suffixes=("", "_inc"))["_row_inc"]
        child = scoped.status[table].copy()
        child[parent.isin(emitted_rows).to_numpy()] = "emitted"
        child[parent.isin(rejected_rows).to_numpy() & (child == "scope").to_numpy()] = "rejected"
        child[parent.isin(excluded_rows).to_numpy() & (child == "scope").to_numpy()] = "not_reportable"
        states[table] = child
    for table in TABLES:
        counts = states[table].value_counts()
        entry = {"read": extract.rows_read[table], "blank": extract.blank_rows[table]}
        for key in ("emitted", "rejected", "not_reportable", "other_months", "orphaned"):
            entry[key] = int(counts.get(key, 0))
        if table == "incidents":
            entry.pop("orphaned")
        leftover = int(counts.get("scope", 0))
        if leftover:
            raise RuntimeError(f"{leftover} {table} rows were not accounted for")  # a bug, never user data
        rows[table] = entry
    return rows


def not_reportable_frame(excluded: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"agency_case_number": excluded["agency_case_number"],
                         "incident_date": excluded["incident_date"],
                         "reason": NOT_REPORTABLE_REASON,
                         "source_file": excluded["_source_file"],
                         "source_row": excluded["_source_row"]}, columns=NOT_REPORTABLE_COLUMNS)


def monthly_run(profile: str, source: str, month: str, out: str | None, as_of: str,
                write: bool = True) -> RunResult:
    as_of_ts = pd.Timestamp(as_of)
    ref, prof, catalog = step(load_configuration, profile)
    extract = step(read_extract, Path(source), prof, ref)
    frames = dict(extract.frames)
    frames["incidents"], remap_counts = step(remapped, frames["incidents"], ref.remaps)
    scoped = step(month_scope, frames, month)
    scoped, excluded, derived_counts = step(derive_and_screen, scoped)
    findings = step(validate_month, scoped, ref, catalog, prof, as_of_ts, extract.unmapped)
    findings = sorted_findings(findings)
    rejected = rejected_incident_rows(findings, scoped)
    incidents = scoped.incidents
    in_month = incidents["incident_date"].str.startswith(month + "-").fillna(False).astype(bool)
    good = incidents[in_month & ~incidents["_row"].isin(rejected)]
    good = good.sort_values(["incident_date", "agency_case_number", "_row"], kind="stable")
    undated = int(incidents["incident_date"].isna().sum())
    reportable_in_month = int(in_month.sum())
    notes = []
    if len(excluded):
        notes.append(f"{len(excluded)} incident(s) of the month are not reportable to the FBI: see not_reportable.csv")
    zero_report = reportable_in_month == 0 and undated == 0
    if reportable_in_month == 0 and undated:
        notes.append(f"zero report withheld: {undated} incident(s) have no readable incident_date (I3) "
                     "and may belong to this month; fix them and run again")
    if zero_report:
        check_zero_report_month(month, as_of_ts)
    subjects = scoped.subjects[scoped.subjects["_incident_row"].isin(good["_row"])]
    officers = scoped.officers[scoped.officers["_incident_row"].isin(good["_row"])]
    messages = incident_messages(good, subjects, officers, ref.elements, "Add", as_of_ts)
    if zero_report:
        messages = [zero_report_message(prof.agency_ori, month, "Add", as_of_ts)]
    stem = file_stem(prof, as_of_ts)
    payloads = [(f"{stem}_{i:04d}.json", json_bytes(m)) for i, m in enumerate(messages, start=1)]
    errors = findings[findings["severity"] == "error"]
    rows = _accounting(extract, scoped, good["_row"], rejected, excluded["_row"])
    exit_code = 1 if len(errors) else 0
    manifest = {
        "tool": {"name": "uof-reporting", "version": tool_version()},
        "engine": engine_name(),
        "agency_ori": prof.agency_ori,
        "reporting_agency_ori": prof.reporting_agency_ori,
        "month": month,
        "as_of": as_of_ts.strftime("%Y-%m-%dT%H:%M:%S"),
        "exit_code": exit_code,
        "incidents": {
            "in_month": reportable_in_month + len(excluded),
            "reportable": reportable_in_month,
            "not_reportable": len(excluded),
            "emitted": len(good),
            "rejected": int(len(rejected)),
            "rejected_undated": undated,
            "zero_report": zero_report,
        },
        "rows": rows,
        "findings": {
            "errors": int(len(errors)),
            "warnings": int((findings["severity"] == "warning").sum()),
            "by_rule": {k: int(v) for k, v in findings["rule_id"].value_counts().sort_index().items()},
        },
        "remapped_codes": remap_counts,
        "derived_values": derived_counts,
        "extra_columns_ignored": {t: sorted(extract.extra_columns[t]) for t in TABLES},
        "inputs": {
            "source": [{"name": f.name, "sha256": f.sha256} for f in extract.files],
            "profile": {"name": prof.path.name, "sha256": prof.sha256},
            "crosswalks": [{"name": cw.path.name, "sha256": cw.sha256} for cw in prof.crosswalks],
            "reference": [{"name": n, "sha256": h} for n, h in sorted(ref.files.items())],
        },
        "notes": notes,
    }
    folder = None
    if write:
        folder = Path(out) / prof.agency_ori / month
        rejections = findings.reindex(columns=REJECTION_COLUMNS)
        files = list(payloads)
        if payloads:
            files.append((f"{stem}.zip", zip_bytes(payloads, as_of_ts)))
        manifest["files"] = [{"name": n, "sha256": sha256(d)} for n, d in files]
        with StagedFolder(folder) as staged:
            for name, data in files:
                staged.write(name, data)
            staged.write("rejections.csv", csv_bytes(rejections))
            staged.write("not_reportable.csv", csv_bytes(not_reportable_frame(excluded)))
            staged.write("manifest.json", json_bytes(manifest))
            staged.commit()
    return RunResult(exit_code=exit_code, folder=folder, manifest=manifest, findings=findings, notes=notes)


def run_month(profile: str, source: str, month: str, out: str | None, as_of: str, write: bool = True) -> RunResult:
    return run_flow(monthly_run, "uof-monthly-run", profile=str(profile), source=str(source), month=month,
                    out=None if out is None else str(out), as_of=as_of, write=write)
