"""`uof report justice-counts-crime`: Justice Counts 1.10 Reported Crime and 1.7-1.9 Arrests from the agency's
offense/arrest extract, configured by the profile's `justice_counts_offenses:` section; counted by
transforms/reports_justice_counts_crime.py and published like any report (flows/pipeline/reports.py).

The extract is a folder holding offenses.csv and/or arrests.csv, or a workbook with sheets offenses and/or
arrests (flows/io/read.py:read_tables), whichever tables the section names. The offense crosswalk is an FBI
offense crosswalk file (local code -> NIBRS code), checked by flows/config/load.py:load_crosswalk.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flows.config.load import (OFFENSE_COLUMNS, Crosswalk, Profile, confined_file, crosswalk_key, load_crosswalk,
                               load_profile, load_reference)
from flows.errors import ConfigError, FatalInputError, UsageError
from flows.io.read import did_you_mean, read_tables
from flows.io.write import csv_bytes
from flows.pipeline.reports import ReportResult, publish_report
from transforms.coverage import extract_coverage, not_covered
from transforms import reports_justice_counts_crime as jc
from transforms.offense_categories import justice_counts_categories
from transforms.parsers import date_only
from transforms.source_rows import RowFilter, filtered_rows, without_null_tokens

REPORT = "justice-counts-crime"
SECTION = "justice_counts_offenses"
KEYS = {"offenses": ("incident", "date", "code"), "arrests": ("arrest", "date", "charge", "race", "ethnicity", "sex")}
SUMMARY_FILE, UNMAPPED_FILE, YEAR_FILE = "summary.md", "unmapped.csv", "calendar_year.csv"


@dataclass
class CrimeReport:
    result: ReportResult
    files: list[str]


def months_of(month: str | None, year: str | None) -> tuple[str, list[str]]:
    """(period folder name, the months counted): one month, or the calendar year's twelve."""
    if month:
        return month, [month]
    return year, [f"{year}-{m:02d}" for m in range(1, 13)]


def _offense_crosswalk(profile: Profile, entry: str, ref) -> Crosswalk:
    key = f"{SECTION}.offense_crosswalk"
    path = confined_file(profile.path, profile.settings["file_roots"], entry, key)
    if not path.is_file():
        raise ConfigError(profile.path, f"'{entry}' ({path}) does not exist", key)
    crosswalk = load_crosswalk(path, ref)
    if not any(column in OFFENSE_COLUMNS for _, column in crosswalk.targets):
        raise ConfigError(path, "must map local offense codes to NIBRS offense codes (element: [offense1, offense2, "
                                "offense3]) to serve as the Justice Counts offense crosswalk", "element")
    return crosswalk


def robbery_as(profile: Profile) -> str:
    """person (Justice Counts' recommendation) or property (the NIBRS grouping): the profile's choice."""
    return profile.settings.get("justice_counts_robbery", "person")


def code_maps(profile: Profile, section, ref) -> tuple[jc.CodeMaps, Crosswalk | None]:
    crosswalk = _offense_crosswalk(profile, section.offense_crosswalk, ref) if section.offense_crosswalk else None
    lookup = None if crosswalk is None else {
        crosswalk_key(local, crosswalk.trim, crosswalk.case): values[0]
        for local, values in crosswalk.mapping.items() if values}
    maps = jc.CodeMaps(nibrs=justice_counts_categories(ref.offenses, robbery_as(profile)).to_dict(),
                       categories=jc.folded_map(section.categories), crosswalk=lookup,
                       crosswalk_trim=crosswalk.trim if crosswalk else True,
                       crosswalk_case=crosswalk.case if crosswalk else "exact",
                       race=jc.folded_map(section.race), ethnicity=jc.folded_map(section.ethnicity),
                       sex=jc.folded_map(section.sex))
    return maps, crosswalk


def _canonical(table: str, raw, spec, null_values: tuple[str, ...]) -> tuple[pd.DataFrame, dict, list[str], dict]:
    """One table as read -> (rows with canonical columns, canonical -> export column, notes, rows excluded)."""
    frame = raw.frame
    named = {k: getattr(spec, k) for k in KEYS[table] if getattr(spec, k, None)}
    wanted = [*named.items(), *((f"exclude[{i}].column", e.column) for i, e in enumerate(spec.exclude))]
    for key, column in wanted:
        if column not in frame.columns:
            columns = [c for c in frame.columns if not str(c).startswith("_")]
            raise FatalInputError(raw.file, f"has no column '{column}' (named by {SECTION}.{table}.{key})"
                                  + did_you_mean(column, columns), raw.sheet, column)
    frame = without_null_tokens(frame, null_values)
    rules = tuple(RowFilter(e.column, tuple(e.values), keep=False) for e in spec.exclude)
    kept, excluded = filtered_rows(frame, rules)
    frame = frame[kept]
    notes = []
    iso, _ = date_only(frame[named["date"]].astype("str"), spec.date_format)
    undated = iso.isna()
    if undated.any():
        rows = ", ".join(str(r) for r in frame.loc[undated, "_source_row"].head(20))
        notes.append(f"{raw.source}: {int(undated.sum())} row(s) whose date in column '{named['date']}' is blank or "
                     f"cannot be read (rows {rows}{', ...' if undated.sum() > 20 else ''}); an incident or arrest "
                     "with no readable date is not counted")
    rows = pd.DataFrame({k: frame[c].astype("str") for k, c in named.items() if k != "date"}, index=frame.index)
    key = KEYS[table][0]
    ids = rows[key].str.strip()
    missing = ids.isna() | (ids == "")
    if missing.any():
        notes.append(f"{raw.source}: {int(missing.sum())} row(s) with a blank '{named[key]}', each counted as an "
                     f"{key} of its own")
    rows[key] = ids.mask(missing, "row " + frame["_source_row"].astype("str"))
    rows["month"] = iso.str[:7]
    counts = {f"{r.column} in {list(r.values)}": n for r, n in zip(rules, excluded)}  # rows left out
    return rows.reset_index(drop=True), named, notes, counts


def _covered(rows: dict[str, pd.DataFrame], period: str, months: list[str]) -> tuple[list[str], str | None]:
    """The months of the period the offense/arrest extract covers (the span of its dates: a month outside it
    was not seen, so it is never reported as zero), and a note when that is not every month of the period."""
    dated = pd.concat([frame["month"] for frame in rows.values()], ignore_index=True).dropna()
    coverage = extract_coverage(pd.DataFrame({"incident_date": dated + "-01"}), months, None)
    covered = [m for m in months if coverage.covers(m)]
    if not covered:
        raise UsageError(f"no report for {period}: " + not_covered(months[0], months[-1], coverage)
                         + "; nothing was written")
    if len(covered) == len(months):
        return months, None
    return covered, (f"the extract's dates cover {len(covered)} of the {len(months)} months of {period} "
                     f"({covered[0]}..{covered[-1]}): only those are reported, and no calendar-year file is written")


def run_justice_counts_crime(profile_path, source, out, as_of: str, month: str | None = None,
                             year: str | None = None, state=None) -> CrimeReport:
    ref = load_reference()
    profile = load_profile(Path(profile_path), ref)
    section = profile.settings.get(SECTION)
    if section is None:
        raise ConfigError(profile.path, f"has no '{SECTION}' section: name the offense/arrest extract's columns "
                                        "there (docs/reports.md)", SECTION)
    maps, crosswalk = code_maps(profile, section, ref)
    tables = tuple(t for t in KEYS if getattr(section, t) is not None)
    code_columns = {t: {c for k in KEYS[t] if k != "date" and (c := getattr(getattr(section, t), k, None))}
                    for t in tables}
    raw, source_files = read_tables(Path(source), tables, profile.encoding, code_columns)
    rows, columns, notes, excluded, read = {}, {}, [], {}, {}
    for table in tables:
        rows[table], columns[table], more, excluded[table] = _canonical(
            table, raw[table], getattr(section, table), profile.null_values)
        notes += more
        read[table] = len(raw[table].frame)
    period, months = months_of(month, year)
    months, partial = _covered(rows, period, months)
    if partial:
        notes.append(partial)
    counted = jc.count_extract(rows.get("offenses"), rows.get("arrests"), columns, maps, months)
    metrics = jc.metric_files(counted, months)
    if section.arrests is not None:
        notes += [f"{metric} ({name}.csv) not written: {SECTION}.arrests names no {column} column"
                  for metric, name, column in (("1.8", "arrests_by_race", "race"),
                                               ("1.9", "arrests_by_biological_sex", "sex"))
                  if getattr(section.arrests, column) is None]
    files = [(f"{name}.csv", csv_bytes(frame)) for name, frame in metrics.items()]
    if year and not partial:  # a calendar-year row only for a year the extract covers whole
        files.append((YEAR_FILE, csv_bytes(jc.calendar_year(metrics))))
    facts = {"period": period, "months": months, "rows_read": read, "rows_excluded": excluded,
             **jc.summary(metrics, counted, robbery_as(profile))}
    names = [name for name, _ in files]
    page = jc.summary_page(profile.settings.get("agency_name") or profile.agency_ori, period, facts, names)
    files += [(UNMAPPED_FILE, csv_bytes(counted.unmapped)), (SUMMARY_FILE, page.encode("utf-8"))]
    inputs = {"source": [{"name": f.name, "sha256": f.sha256} for f in source_files],
              "profile": {"name": profile.path.name, "sha256": profile.sha256},
              "crosswalks": [{"name": crosswalk.path.name, "sha256": crosswalk.sha256}] if crosswalk else [],
              "reference": [{"name": "offenses.yaml", "sha256": ref.files["offenses.yaml"]}]}
    result = publish_report(out, profile.agency_ori, REPORT, period, files, facts, inputs, as_of, state=state,
                            notes=notes, exit_code=jc.exit_code(counted))
    return CrimeReport(result=result, files=[name for name, _ in files])
