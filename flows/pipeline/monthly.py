"""The monthly run (and the backfill of many months in one pass) from the RMS extract to the submission."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flows.config.load import load_profile, load_reference
from flows.errors import ConfigError, UsageError
from flows.io.archive import archive_inputs
from flows.io.extract import Extract, read_extract
from flows.io.ledger import agency_ledger, check_state, run_ledgers
from flows.io.month_folder import finish_month
from flows.io.recovery import recover, settle
from flows.io.write import StagedFolder, check_output_folder, private_temp_folder
from flows.pipeline import progress
from flows.pipeline.artifacts import publish_run_summary
from flows.pipeline.engine import run_flow, step
from flows.pipeline.month_files import month_files
from flows.pipeline.results import MonthResult
from schemas.build import CheckContext, build_schemas
from schemas.catalog import CatalogError, parse_catalog
from transforms.aggregate import with_cross_segment_columns
from transforms.coverage import Coverage, extract_coverage, not_covered, parse_period, refusal
from transforms.derive import derived_incidents, with_sequential_ids
from transforms.link import incident_month
from transforms.outcome import (
    engine_findings,
    month_scope,
    rejected_incident_rows,
    with_build_errors,
    with_incident_rows,
    without_shadowed,
)
from transforms.remap import remapped
from transforms.submission import WARNING_PREFIX
from transforms.validate import message_frame, validation_findings
from transforms.zero_reports import FIRST_ZERO_REPORT_MONTH, month_year, zero_report_rule

log = logging.getLogger("uof")

@dataclass
class Configuration:
    ref: object
    profile: object
    catalog: object


def load_configuration(profile_path: str, mappings_dir=None, schemas_dir=None, extra_roots=()) -> Configuration:
    ref = load_reference(**{k: Path(v) for k, v in (("mappings_dir", mappings_dir), ("schemas_dir", schemas_dir))
                            if v is not None})
    profile = load_profile(Path(profile_path), ref, extra_roots)
    try:
        catalog = parse_catalog(ref.catalog_data, elements=ref.elements, codes=ref.codes)
    except CatalogError as exc:
        raise ConfigError(ref.catalog_path, exc.detail, rule=exc.rule) from None
    return Configuration(ref=ref, profile=profile, catalog=catalog)


def check_zero_report_month(month: str, as_of: pd.Timestamp, catalog) -> None:
    """Z2: never the current or a future month, never before 2017 (transforms/zero_reports.py decides)."""
    rule_id = zero_report_rule(month, as_of)
    if rule_id is not None:
        message = next(r.message for r in catalog.rules if r.id == rule_id).replace("{value}", month_year(month))
        raise UsageError(f"no incident in {month}, so a zero report would be due, but {message} [{rule_id}]; "
                         "nothing was written")


def derive_and_screen(scoped):
    """Derive blank ids, counts and ticklers; split off the incidents that are not reportable."""
    subjects, n_subject_ids = with_sequential_ids(scoped.subjects, "subject_id")
    officers, n_officer_ids = with_sequential_ids(scoped.officers, "officer_id")
    dated = scoped.incidents["incident_date"].notna()
    incidents, not_reportable, counts = derived_incidents(scoped.incidents, subjects, officers)
    not_reportable = not_reportable & dated & ~with_build_errors(scoped.incidents)
    counts.update(subject_id=n_subject_ids, officer_id=n_officer_ids)
    excluded = incidents.loc[not_reportable, "_row"]
    scoped.incidents = incidents[~not_reportable]
    scoped.subjects = subjects[~subjects["_incident_row"].isin(excluded)]
    scoped.officers = officers[~officers["_incident_row"].isin(excluded)]
    return scoped, incidents[not_reportable], counts


def validate_scope(scoped, config: Configuration, as_of: pd.Timestamp, unmapped) -> pd.DataFrame:
    ref, catalog = config.ref, config.catalog
    ctx = CheckContext(as_of=as_of, agency_kind=config.profile.agency_kind,
                       codes={name: frozenset(values) for name, values in ref.codes.items()},
                       offenses=ref.offenses,
                       agency_oris=frozenset((config.profile.agency_ori,
                                              *config.profile.settings.get("additional_agency_oris", ()))),
                       reporting_agency_ori=config.profile.reporting_agency_ori)
    schemas = build_schemas(catalog, ctx)
    incidents = with_cross_segment_columns(scoped.incidents, scoped.subjects, scoped.officers)
    found = validation_findings(incidents, scoped.subjects, scoped.officers, schemas, catalog,
                                messages=message_frame(incidents, "AddOnly", as_of))
    rules = {rule.id: rule for rule in catalog.rules}
    element_ids = {t: {e["name"]: e["id"] for e in ref.elements[s]}
                   for t, s in (("incidents", "incident"), ("subjects", "subject"), ("officers", "officer"))}
    engine = engine_findings(scoped, unmapped, rules, element_ids)
    parts = [f for f in (engine, found) if len(f)]
    combined = pd.concat(parts, ignore_index=True) if parts else found
    return with_incident_rows(without_shadowed(combined, scoped.incidents), scoped)


@dataclass
class Prepared:
    """Everything decided about the months before anything is written."""

    config: Configuration
    extract: Extract
    scoped: object
    excluded: pd.DataFrame
    findings: pd.DataFrame
    rejected: pd.Index
    remap_counts: pd.DataFrame  # per incident row and remap id: cells remapped (transforms/remap.py)
    derived_counts: dict
    coverage: Coverage | None = None  # the months the extract covers (zero reports only there)


def prepare(config: Configuration, extract: Extract, months: list[str], as_of: pd.Timestamp) -> Prepared:
    progress.report("read", rows=dict(extract.rows_read))
    frames = dict(extract.frames)
    frames["incidents"], remap_counts = step(remapped, frames["incidents"], config.ref.remaps)
    scoped = step(month_scope, frames, months)
    scoped, excluded, derived_counts = step(derive_and_screen, scoped)
    findings = step(validate_scope, scoped, config, as_of, extract.unmapped)
    progress.report("checked", incidents=len(scoped.incidents), findings=len(findings))
    return Prepared(config=config, extract=extract, scoped=scoped, excluded=excluded, findings=findings,
                    rejected=rejected_incident_rows(findings), remap_counts=remap_counts,
                    derived_counts=derived_counts)


def superseded_warnings(unsubmitted: pd.DataFrame) -> list[str]:
    """A rerun over runs never marked submitted: their files go to history/, yet this run's actions count on
    the FBI holding what they sent (an unchanged incident is not sent again), so the analyst must be told."""
    return [f"{WARNING_PREFIX}run {r.run_id} of {r.month} was never marked submitted: its {r.messages} message "
            f"file(s) are now in {r.month}/history/{r.run_id}/ and this run's actions assume the FBI holds them "
            f"(what they sent is not sent again); upload them before this run's files and record it with "
            f"`uof mark-submitted {r.run_id}`" for r in unsubmitted.itertuples(index=False)]


def month_runs(prepared: Prepared, months: list[str], as_of: pd.Timestamp, out: str | None,
               state: str | None, kind: str, write: bool) -> list[MonthResult]:
    """Per month: actions against the ledger, files, ledger records; all under the agency's lock (and the
    lock of the output folder's file-number counter of the submitting ORI: flows/io/ledger.py:run_ledgers).

    Crash consistency (flows/io/recovery.py): what an earlier killed run left is settled first; each month is
    recorded as 'writing' before its folder is swapped in and 'complete' after, so the ledger and the disk
    never disagree in a way the next start cannot recognise.
    """
    profile = prepared.config.profile
    if not write:
        return [month_files(prepared, month, as_of, None, None, kind, history=None).result
                for month in progress.months(months)]
    ledger_path = agency_ledger(out, profile.agency_ori, state)
    agency_folder = Path(out) / profile.agency_ori
    submitter = profile.reporting_agency_ori
    results = []
    with run_ledgers(ledger_path, out, submitter) as (ledger, numbers):
        recovered = recover(ledger, agency_folder, ledger_path.parent)
        with private_temp_folder(agency_folder):  # after recover(), which removes temp folders left
            history = {
                "incidents": ledger.incident_history(profile.agency_ori, months),
                "zero_reports": ledger.zero_report_history(profile.agency_ori, months),
            }
            archived = archive_inputs(prepared, ledger_path.parent / "archive")
            for month in progress.months(months):
                run_id, run_seq = ledger.next_run(month)
                numbers.taken()
                warnings = recovered + superseded_warnings(ledger.unsubmitted_runs(profile.agency_ori, month))
                recovered = []
                folder = agency_folder / month
                # The messages are written into the month's staging folder as they are made; a run killed
                # before the ledger's 'writing' record leaves only that folder, which recover() removes.
                with StagedFolder(folder) as staged:
                    built = month_files(prepared, month, as_of, run_id, run_seq, kind, history=history,
                                        archived=archived, numbering=numbers, warnings=warnings, folder=staged)
                    built.ledger_run.update(reporting_ori=submitter, first_number=numbers.taken(),
                                            folder=str(folder))
                    ledger.record(built.ledger_run, built.ledger_messages, state="writing")
                    try:
                        built.result.folder = finish_month(staged, built.files)
                    except BaseException:
                        settle(ledger, ledger.run(run_id), agency_folder)  # abandoned unless the swap happened
                        raise
                ledger.set_state(run_id, "complete")
                results.append(built.result)
    return results


def check_months(months: list[str], prepared: Prepared, as_of: pd.Timestamp, before_2017_fatal: bool = True) -> dict:
    """Refuse, before writing anything, a zero report the FBI would reject (Z2) or the extract cannot support.

    A backfill may start before 2017: its early empty months simply get no zero report (see month_files).
    Returns {month: reason} for the months that would need a zero report but that the extract does not
    cover (see transforms/coverage.py): a monthly run refuses them, a backfill leaves them out.
    """
    inc = prepared.scoped.incidents
    months_with_incidents = set(incident_month(inc).dropna())
    undated = bool(inc["incident_date"].isna().any())
    uncovered = {}
    for month in months:
        if month in months_with_incidents or undated:
            continue  # incidents to send, or the zero report is withheld for the undated ones
        if before_2017_fatal or month >= FIRST_ZERO_REPORT_MONTH:
            check_zero_report_month(month, as_of, prepared.config.catalog)
        if prepared.coverage is not None and not prepared.coverage.covers(month):
            uncovered[month] = refusal(month, prepared.coverage)
    return uncovered


def declared_period(covers: str | None, config: Configuration) -> tuple[str, str] | None:
    """The period declared for the extract: the command line's, else the profile's; checked before any read."""
    if covers:
        try:
            return parse_period(covers)
        except ValueError as exc:
            raise UsageError(f"--covers {exc}") from None
    return config.profile.settings.get("extract_period")


def check_destinations(out: str, state: str | None) -> None:
    """--out, and the folder of --state's ledger, must be folders uof may write in: checked before any read."""
    check_output_folder(out)
    if state:
        check_output_folder(check_state(state).parent, "--state")


def monthly_run(profile: str, source: str, month: str, out: str | None, as_of: str,
                write: bool = True, state: str | None = None, covers: str | None = None) -> MonthResult:
    as_of_ts = pd.Timestamp(as_of)
    if write and out is not None:
        check_destinations(out, state)
    config = step(load_configuration, profile)
    declared = declared_period(covers, config)
    extract = step(read_extract, Path(source), config.profile, config.ref)
    prepared = prepare(config, extract, [month], as_of_ts)
    prepared.coverage = extract_coverage(extract.frames["incidents"], [month], declared)
    uncovered = check_months([month], prepared, as_of_ts)
    if uncovered:
        raise UsageError(uncovered[month] + "; nothing was written")
    result = month_runs(prepared, [month], as_of_ts, out, state, "run", write)[0]
    publish_run_summary(result)
    return result


def skipped_month(month: str, reason: str, coverage: Coverage) -> MonthResult:
    """A backfill month left out: no zero report, nothing written, nothing recorded (it stays missing)."""
    return MonthResult(month=month, exit_code=1, folder=None, notes=[reason],
                       manifest={"month": month, "skipped": True, "coverage": coverage.manifest(month)})


def backfill_run(profile: str, source: str, first: str, last: str, out: str, as_of: str,
                 state: str | None = None, covers: str | None = None) -> list[MonthResult]:
    as_of_ts = pd.Timestamp(as_of)
    months = backfill_months(first, last)
    check_destinations(out, state)
    config = step(load_configuration, profile)
    return backfill_configured(config, Path(source), months, out, as_of_ts, state, covers)


def backfill_months(first: str, last: str) -> list[str]:
    months = [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]
    if not months:
        raise UsageError(f"--from {first} is after --to {last}")
    return months


def backfill_configured(config: Configuration, source, months: list[str], out: str, as_of_ts: pd.Timestamp,
                        state: str | None = None, covers: str | None = None, kind: str = "backfill"
                        ) -> list[MonthResult]:
    """The backfill of `months` once the configuration is loaded; `source` is a path or one agency's rows of a
    staged state extract (flows/io/staging.py:AgencySource)."""
    declared = declared_period(covers, config)
    extract = step(read_extract, source, config.profile, config.ref)
    prepared = prepare(config, extract, months, as_of_ts)
    prepared.coverage = extract_coverage(extract.frames["incidents"], months, declared)
    uncovered = check_months(months, prepared, as_of_ts, before_2017_fatal=False)
    if len(uncovered) == len(months):
        raise UsageError("no incident and no zero report to send: " + not_covered(months[0], months[-1],
                                                                                   prepared.coverage)
                         + "; nothing was written")
    written = [m for m in months if m not in uncovered]
    results = {r.month: r for r in month_runs(prepared, written, as_of_ts, out, state, kind, True)}
    for result in results.values():
        publish_run_summary(result)
    return [results[m] if m in results else skipped_month(m, uncovered[m], prepared.coverage) for m in months]


def run_month(profile, source, month, out, as_of, write=True, state=None, covers=None) -> MonthResult:
    return run_flow(monthly_run, "uof-monthly-run", profile=str(profile), source=str(source), month=month,
                    out=None if out is None else str(out), as_of=as_of, write=write,
                    state=None if state is None else str(state), covers=covers)


def run_backfill(profile, source, first, last, out, as_of, state=None, covers=None) -> list[MonthResult]:
    return run_flow(backfill_run, "uof-backfill", profile=str(profile), source=str(source), first=first,
                    last=last, out=str(out), as_of=as_of, state=None if state is None else str(state),
                    covers=covers)
