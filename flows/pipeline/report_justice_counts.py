"""`uof report justice-counts` wired: Justice Counts metric 1.11 (Use of Force Incidents) for a month or a
calendar year, from the use-of-force extract and the profile's `justice_counts.force_types` section.

The incidents and their dates are the FBI pipeline's (flows/io/extract.py:read_extract, one per incident
row, dated by incident_date); the local force types are read from the export's own columns, which the FBI
layout may drop (yes/no columns, weapon columns), by a second read of the same file; the computation is
transforms/reports_justice_counts.py and the files are published by flows/pipeline/reports.py.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flows.config.checked import located, validated
from flows.config.load import (TABLES, Crosswalk, Profile, Reference, confined_file, crosswalk_key, load_profile,
                               load_reference)
from flows.config.yamlio import load_yaml
from flows.errors import ConfigError, FatalInputError, UsageError
from flows.io.extract import Where, read_extract
from flows.io.read import did_you_mean, read_single, read_tables
from flows.io.source_options import code_columns, filter_sheet, filter_tables, with_null_values
from flows.io.write import csv_bytes
from flows.pipeline.engine import step
from flows.pipeline.reports import ReportResult, publish_report
from schemas import config_models as models
from transforms.coverage import extract_coverage, not_covered
from transforms.crosswalk_survey import CodedColumn
from transforms.layouts import header_repeats
from transforms.link import incident_month
from transforms.reports_justice_counts import (
    BREAKDOWNS,
    CATEGORIES,
    CODE_TABLE,
    DE_MINIMIS,
    ELEMENT,
    ELEMENT_ID,
    MULTI_TYPE_RULE,
    NO_FORCE_TYPE,
    SEVERITY,
    UNKNOWN,
    ForceLookup,
    classified,
    counts,
    metric_files,
    row_force_codes,
    summary_text,
    period_totals,
    with_year,
)

REPORT = "justice-counts"
SECTION = "justice_counts.force_types"
TABLE = "incidents"  # the coded column of `uof crosswalk`: force types are gathered per incident


# ------------------------------------------------------------------------------------------ configuration

def force_settings(profile: Profile):
    """The profile's `justice_counts.force_types` section, or a ConfigError saying how to add it."""
    section = profile.settings.get("justice_counts")
    force = getattr(section, "force_types", None)
    if force is None:
        raise ConfigError(profile.path, "has no justice_counts.force_types section: name the columns holding each "
                          "incident's force types (columns or flags) and their crosswalk (docs/reports.md)",
                          "justice_counts")
    return force


def load_force_crosswalk(profile: Profile, force) -> Crosswalk | None:
    """The section's crosswalk (element justice_counts_force_type), checked like the FBI crosswalks: inside the
    profile's folder or an allowed root, every local code mapped to one category, no code mapped twice."""
    if force.crosswalk is None:
        return None
    path = confined_file(profile.path, profile.settings["file_roots"], force.crosswalk, f"{SECTION}.crosswalk")
    if not path.is_file():
        raise ConfigError(profile.path, f"crosswalk '{force.crosswalk}' ({path}) does not exist",
                          f"{SECTION}.crosswalk")
    with located(path):
        data, digest = load_yaml(path, strings=True)
        spec = validated(models.Crosswalk, data, path)
        if spec.element != [ELEMENT]:
            raise ConfigError(path, f"must be the crosswalk of '{ELEMENT}' (element: {ELEMENT})", "element")
        mapping, seen = {}, {}
        for local, target in spec.map.items():
            value = target.strip() if isinstance(target, str) else None
            if value not in CATEGORIES:
                raise ConfigError(path, f"local code '{local}' must map to one of {', '.join(CATEGORIES)}", "map")
            folded = crosswalk_key(local.strip(), spec.trim, spec.case)
            if folded in seen and mapping[seen[folded]] != (value,):
                raise ConfigError(path, f"local codes '{seen[folded]}' and '{local.strip()}' are the same code but "
                                  "map to different categories", "map")
            seen.setdefault(folded, local.strip())
            mapping[local.strip()] = (value,)
        invalid = {local.strip(): " ".join(reason.split()) for local, reason in spec.invalid.items()}
        both = [v for v in invalid if crosswalk_key(v, spec.trim, spec.case) in seen]
        if both:
            raise ConfigError(path, f"local value '{both[0]}' is both mapped and marked invalid", "invalid")
    return Crosswalk(path=path, targets=((TABLE, ELEMENT),), mapping=mapping, sha256=digest, trim=spec.trim,
                     case=spec.case, invalid=invalid)


def force_lookup(crosswalk: Crosswalk | None) -> ForceLookup:
    if crosswalk is None:
        return ForceLookup(crosswalked=False)
    return ForceLookup(mapping={k: v[0] for k, v in crosswalk.mapping.items()}, trim=crosswalk.trim,
                       case=crosswalk.case, invalid=dict(crosswalk.invalid))


# ------------------------------------------------------------------------------------------ reading

def _case_column(profile: Profile, table: str) -> str:
    return next((rms for rms, c in profile.columns[table].items() if c == "agency_case_number"), "agency_case_number")


def force_rows(source: Path, profile: Profile, ref: Reference, force) -> tuple[pd.DataFrame, str]:
    """(`row`, `case`, `code`) of every local force type in the export, and where they were read."""
    wanted = [*force.columns, *force.flags]
    if profile.layout.kind == "tables":
        if force.table is None:
            raise ConfigError(profile.path, "needs 'table' (incidents, subjects or officers): the tables layout "
                              "reads three tables", SECTION)
        codes = {t: code_columns(profile, ref, t) | set(force.columns) for t in TABLES}
        raw, _ = read_tables(source, TABLES, profile.encoding, codes)
        where = {t: Where(raw[t].file, raw[t].sheet, raw[t].source) for t in TABLES}
        tables, _, _ = filter_tables({t: with_null_values(raw[t].frame, profile) for t in TABLES}, profile, where)
        frame, place, key = tables[force.table], where[force.table], _case_column(profile, force.table)
    else:
        codes = set().union(*(code_columns(profile, ref, t) for t in TABLES)) | set(force.columns)
        single, _ = read_single(source, profile.sheet, profile.encoding, codes)
        place = Where(single.file, single.sheet, single.source)
        frame = with_null_values(single.frame.reset_index(drop=True), profile)
        frame, _ = filter_sheet(frame[~header_repeats(frame).to_numpy()], profile, place)
        key = profile.layout.incident_key
    missing = [c for c in [key, *wanted] if c not in frame.columns]
    if missing:
        raise FatalInputError(place.file, f"column(s) named by the profile's {SECTION} are missing: "
                              f"{', '.join(repr(c) for c in missing)}{did_you_mean(missing[0], frame.columns)} "
                              "(the export has no such column; correct the name in the profile)",
                              sheet=place.sheet, column=missing[0], row=1)
    rows = row_force_codes(frame, key, force.columns, force.flags, force.separator)
    return rows, place.source


def coded_column() -> CodedColumn:
    """The Justice Counts force category as a coded column of `uof crosswalk scaffold|check`."""
    return CodedColumn(table=TABLE, column=ELEMENT, code_table=CODE_TABLE, element_id=ELEMENT_ID, multi=True,
                       codes=dict(CATEGORIES))


@dataclass
class ForceSurvey:
    """What `uof crosswalk` needs of the force types: the coded column, its codes per export row, its crosswalk
    and the RMS columns it comes from."""

    column: CodedColumn
    local: pd.DataFrame  # one row per export row holding force types: ELEMENT (`;`-joined local codes)
    crosswalk: Crosswalk | None
    rms_columns: str


def force_survey(profile: Profile, source: Path, ref: Reference) -> ForceSurvey | None:
    """None when the profile has no `justice_counts.force_types` section."""
    force = getattr(profile.settings.get("justice_counts"), "force_types", None)
    if force is None:
        return None
    crosswalk = load_force_crosswalk(profile, force)
    rows, _ = force_rows(Path(source), profile, ref, force)
    joined = rows.drop_duplicates(["row", "code"]).groupby("row")["code"].agg(";".join)
    return ForceSurvey(column=coded_column(), local=pd.DataFrame({ELEMENT: joined.to_numpy()}, dtype="str"),
                       crosswalk=crosswalk, rms_columns=", ".join([*force.columns, *force.flags]))


# ------------------------------------------------------------------------------------------ the report

def period_months(month: str | None, year: str | None) -> tuple[str, list[str]]:
    if bool(month) == bool(year):
        raise UsageError("give --month YYYY-MM or --year YYYY (one of them)")
    if month:
        return month, [month]
    return year, [f"{year}-{m:02d}" for m in range(1, 13)]


@dataclass
class Computed:
    table: pd.DataFrame  # counts() rows: the months (and, for a year, the year row last)
    incidents: pd.DataFrame  # classified incidents of the period
    codes: pd.DataFrame  # local codes of the period's incidents
    covered: list[str]
    undated: int


def compute(frames_incidents: pd.DataFrame, rows: pd.DataFrame, lookup: ForceLookup, months: list[str],
            coverage) -> Computed:
    covered = [m for m in months if coverage.covers(m)]
    if not covered:
        raise UsageError(not_covered(months[0], months[-1], coverage))
    dated = incident_month(frames_incidents).isin(covered).fillna(False).astype(bool)
    incidents, codes = classified(frames_incidents[dated], rows, lookup)
    table = counts(incidents, covered)
    if len(months) > 1 and len(covered) == len(months):  # a year row only for a year the extract covers whole
        table = with_year(table)
    return Computed(table=table, incidents=incidents, codes=codes, covered=covered,
                    undated=int(frames_incidents["incident_date"].isna().sum()))


def manifest_summary(c: Computed, period: str) -> dict:
    row = period_totals(c.table)
    unmapped = c.codes[c.codes["status"] != "mapped"]
    no_type = int((c.incidents["local_force_types"] == NO_FORCE_TYPE).sum())
    return {
        "metric": "1.11 Use of Force Incidents", "period": period, "months": c.covered,
        "incidents_in_period": int(row["incidents"]), "counted": int(row["total"]),
        "de_minimis_excluded": int(row["de_minimis"]), "unknown": int(row[UNKNOWN]),
        "incidents_without_force_type": no_type,
        "reconciliation": "incidents_in_period = counted + de_minimis_excluded; incidents without a force type "
                          "or with only unmapped local codes are counted under Unknown Force",
        "by_type": {label: int(row[code]) for code, label in BREAKDOWNS.items()},
        "by_month": {r.month: int(r.total) for r in c.table.itertuples(index=False) if isinstance(r.month, str)},
        "multi_type_rule": MULTI_TYPE_RULE, "severity_order": [BREAKDOWNS[s] for s in SEVERITY],
        "unmapped_local_codes": [{"code": r.code, "status": r.status, "incidents": int(r.incidents)}
                                 for r in unmapped.itertuples(index=False)],
        "undated_incidents": c.undated,
    }


def report_files(c: Computed, agency: str, period: str, months: list[str]) -> list[tuple[str, bytes]]:
    total, by_type = metric_files(c.table)
    inc = c.incidents.assign(force_type=c.incidents["category"].map(
        {**BREAKDOWNS, DE_MINIMIS: "not counted: de minimis"}))
    inc = inc.sort_values(["incident_date", "agency_case_number"], kind="stable")
    codes = c.codes.assign(force_type=c.codes["category"].map({**BREAKDOWNS, DE_MINIMIS: "not counted: de minimis"}))
    return [("use_of_force.csv", csv_bytes(total)), ("use_of_force_by_type.csv", csv_bytes(by_type)),
            ("summary.md", summary_text(agency, period, c.table, c.codes, c.undated, c.covered, months).encode()),
            ("force_types.csv", csv_bytes(codes[["code", "force_type", "status", "reason", "rows", "incidents"]]
                                          .rename(columns={"code": "local_force_type"}))),
            ("incidents.csv", csv_bytes(inc[["agency_case_number", "incident_date", "force_type",
                                             "local_force_types"]]))]


def justice_counts_report(profile_path: str, source: str, month: str | None, year: str | None, out: str,
                          as_of: str, state: str | None = None) -> ReportResult:
    period, months = period_months(month, year)
    ref = load_reference()
    profile = load_profile(Path(profile_path), ref)
    force = force_settings(profile)
    crosswalk = load_force_crosswalk(profile, force)
    extract = step(read_extract, Path(source), profile, ref)
    rows, _ = force_rows(Path(source), profile, ref, force)
    incidents = extract.frames["incidents"]
    coverage = extract_coverage(incidents, months, profile.settings.get("extract_period"))
    c = compute(incidents, rows, force_lookup(crosswalk), months, coverage)
    agency = profile.settings.get("agency_name") or profile.agency_ori
    summary = manifest_summary(c, period)
    notes = []
    if summary["unmapped_local_codes"]:
        notes.append(f"{len(summary['unmapped_local_codes'])} local force type(s) are not mapped by the crosswalk and "
                     "count under Unknown Force: see summary.md and force_types.csv")
    if len(c.covered) < len(months):
        notes.append(f"the extract covers {len(c.covered)} of the {len(months)} months of {period}: "
                     f"{c.covered[0]}..{c.covered[-1]}; only those are reported, with no calendar-year row")
    used = [*profile.crosswalks, *([crosswalk] if crosswalk else [])]
    inputs = {"source": [{"name": f.name, "sha256": f.sha256} for f in extract.files],
              "profile": {"name": profile.path.name, "sha256": profile.sha256},
              "crosswalks": [{"name": cw.path.name, "sha256": cw.sha256} for cw in used],
              "reference": [{"name": n, "sha256": h} for n, h in sorted(ref.files.items())]}
    files = report_files(c, agency, period, months)
    return publish_report(out, profile.agency_ori, REPORT, period, files, summary, inputs, as_of, state=state,
                          notes=notes, exit_code=1 if summary["unmapped_local_codes"] else 0)


def with_force_crosswalk(profile: Profile, crosswalk: Crosswalk | None) -> Profile:
    """The profile as `uof crosswalk` sees it: its crosswalks plus the force-type one."""
    return profile if crosswalk is None else dataclasses.replace(profile, crosswalks=(*profile.crosswalks, crosswalk))
