"""`uof report colorado`: the C.R.S. 24-31-903 use-of-force report of a month or a year, wired.

Reads the use-of-force extract as the FBI run does (profile, layout, crosswalks), adds the officer columns the
profile's `colorado:` section names (read from the export's officers table: the FBI file does not use them),
classifies the period's incidents (transforms/reports_colorado.py) and publishes the CSVs and the summary through
flows/pipeline/reports.py (manifest, ledger, `uof verify`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from flows.config.load import Profile, Reference
from flows.errors import ConfigError, FatalInputError
from flows.io.extract import read_extract
from flows.io.read import did_you_mean, read_tables
from flows.io.source_options import code_columns, with_null_values
from flows.io.write import csv_bytes
from flows.pipeline.engine import run_flow, step
from flows.pipeline.monthly import load_configuration
from flows.pipeline.reports import ReportResult, publish_report
from transforms.normalize import trimmed
from transforms.reports_colorado import COLLECTION_START, DISPLAY, KIND, NAME, POST, USED, Classified, Rules, classify

REPORT = "colorado"
FILES = ("colorado_reportable.csv", "colorado_officers.csv", "colorado_open.csv", "summary.txt")
JSON_NOTE = ("the DCJ LEI JSON is not produced: the Division's field dictionary (DCJ_LEI_Technical_Specifications.zip) "
             "is not available to this program; the CSVs carry the data for entry in Sidearm or for a vendor "
             "(docs/reports.md)")


def rules_of(settings) -> Rules:
    """The profile's `colorado:` section (None: no section) as the transform's Rules."""
    if settings is None:
        return Rules()
    return Rules(officer_name=settings.officer_name, post_number=settings.post_number,
                 weapon_display=settings.weapon_display,
                 display_map={k: (v.action, v.weapon) for k, v in settings.weapon_display_map.items()},
                 weapon_kind=settings.weapon_kind, kind_map=dict(settings.weapon_kind_map),
                 used_force=settings.used_force, used_force_map=dict(settings.used_force_map))


def check_layout(profile: Profile, rules: Rules) -> None:
    """The `colorado:` columns are read from the officers table of a `tables` export (a flat layout collapses an
    officer's rows, and the first row's value could hide a disagreement): refused before anything is read."""
    named = [rules.officer_name, rules.post_number, rules.weapon_display, rules.weapon_kind, rules.used_force]
    if any(named) and profile.layout.kind != "tables":
        raise ConfigError(profile.path, f"the Colorado report reads its officer columns from a 'tables' export; this "
                          f"profile's layout is '{profile.layout.kind}' (leave the colorado: columns out to classify "
                          "from the FBI elements only)", "colorado")


def with_officer_columns(officers: pd.DataFrame, source: Path, profile: Profile, ref: Reference,
                         rules: Rules) -> pd.DataFrame:
    """The extract's officers with the `colorado:` columns (`_co_*`, trimmed text, NA where blank or absent),
    matched on the source file and row of each officer row."""
    named = {NAME: rules.officer_name, POST: rules.post_number, DISPLAY: rules.weapon_display,
             KIND: rules.weapon_kind, USED: rules.used_force}
    wanted = {meta: column for meta, column in named.items() if column}
    blank = {meta: pd.Series(pd.NA, index=officers.index, dtype="str") for meta in named if meta not in wanted}
    if not wanted:
        return officers.assign(**blank)
    codes = code_columns(profile, ref, "officers") | set(wanted.values())
    raw, _ = read_tables(source, ("officers",), profile.encoding, {"officers": codes})
    table = raw["officers"]
    frame = with_null_values(table.frame, profile)
    absent = [c for c in wanted.values() if c not in frame.columns]
    if absent:
        raise FatalInputError(table.file, f"column(s) named by the profile's colorado: section are missing: "
                              f"{', '.join(repr(c) for c in absent)}{did_you_mean(absent[0], frame.columns)} (the "
                              "export has no such column; correct the name in the profile)", sheet=table.sheet,
                              column=absent[0], row=1)
    columns = pd.DataFrame({meta: trimmed(frame[column]) for meta, column in wanted.items()})
    columns[["_source_file", "_source_row"]] = frame[["_source_file", "_source_row"]]
    merged = officers.drop(columns=list(wanted), errors="ignore").merge(
        columns, on=["_source_file", "_source_row"], how="left", sort=False)
    merged.index = officers.index
    return merged.assign(**blank)


def inputs_of(extract, profile: Profile, ref: Reference) -> dict:
    return {"source": [{"name": f.name, "sha256": f.sha256} for f in extract.files],
            "profile": {"name": profile.path.name, "sha256": profile.sha256},
            "crosswalks": [{"name": cw.path.name, "sha256": cw.sha256} for cw in profile.crosswalks],
            "reference": [{"name": n, "sha256": h} for n, h in sorted(ref.files.items())]}


def summary_text(agency_ori: str, period: str, counts: dict, rules: Rules) -> str:
    by, officers = counts["by_reason"], counts["officers"]
    lines = [
        f"Colorado use-of-force report (C.R.S. 24-31-903), agency {agency_ori}, period {period}",
        "",
        f"Incidents dated in the period: {counts['incidents_in_period']}",
        f"  before the collection began ({COLLECTION_START}), not submitted: {counts['before_collection']}",
        (f"  reportable to the state: {counts['reportable']} (death {by['death']}, serious bodily injury "
         f"{by['serious_bodily_injury']}, use of a weapon {by['weapon']}; an incident may have several reasons)"),
        f"  not reportable (every fact settled, none meets the threshold): {counts['not_reportable']}",
        f"  cannot be decided from the export: {counts['undecided']}"
        + (f" (of them {counts['undated']} without a readable date, listed in every period)" if counts["undated"]
           else ""),
        f"Reportable incidents with elements the export lacks: {counts['reportable_with_missing_elements']}",
        (f"Officers in reportable incidents: {officers['used_reportable_force']} used reportable force, "
         f"{officers['present']} present, {officers['undetermined']} undetermined"),
        "",
        ("colorado_reportable.csv: the reportable incidents and why; colorado_officers.csv: their officers (name "
         "for those who used reportable force, POST number for all); colorado_open.csv: what cannot be decided and "
         "the missing elements, per incident."),
    ]
    if not rules.weapon_display:
        lines.append("The profile names no weapon-display column (colorado.weapon_display): drawing, pointing and "
                     "brandishing cannot be read from this export.")
    lines += [f"Note: {JSON_NOTE}.", ""]
    return "\n".join(lines)


def report_files(result: Classified, agency_ori: str, period: str, rules: Rules) -> list[tuple[str, bytes]]:
    return [(FILES[0], csv_bytes(result.reportable)), (FILES[1], csv_bytes(result.officers)),
            (FILES[2], csv_bytes(result.open)),
            (FILES[3], summary_text(agency_ori, period, result.counts, rules).encode("utf-8"))]


def _colorado(profile: str, source: str, period: str, out: str, as_of: str, state: str | None) -> ReportResult:
    config = step(load_configuration, profile)
    loaded, ref = config.profile, config.ref
    rules = rules_of(loaded.settings.get("colorado"))
    check_layout(loaded, rules)
    extract = step(read_extract, Path(source), loaded, ref)
    frames = dict(extract.frames)
    frames["officers"] = step(with_officer_columns, frames["officers"], Path(source), loaded, ref, rules)
    result = step(classify, frames, rules, period)
    counts = result.counts
    exit_code = 1 if counts["undecided"] or counts["reportable_with_missing_elements"] else 0
    files = report_files(result, loaded.agency_ori, period, rules)
    return publish_report(out, loaded.agency_ori, REPORT, period, files, counts, inputs_of(extract, loaded, ref),
                          as_of, state=state, notes=[JSON_NOTE], exit_code=exit_code)


def run_colorado(profile: str, source: str, period: str, out: str, as_of: str, state: str | None = None
                 ) -> ReportResult:
    return run_flow(_colorado, "uof-report-colorado", profile=profile, source=source, period=period, out=out,
                    as_of=as_of, state=state)
