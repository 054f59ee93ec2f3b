#!/usr/bin/env python
"""Regenerate the shipped sample in data/sample/ (byte-identical on every run).

    python scripts/make_sample.py [--out data/sample]

Writes agency.yaml, crosswalks/*.yaml, rms_extract.xlsx, rms_extract_csv/*.csv and README.md
from scripts/generate_extract.py with a fixed seed: a few dozen Keystone RMS incidents in 2025-07,
2025-09 and 2025-10 (none in 2025-08, which therefore gives a zero report), six deliberate
errors (most in 2025-10) and three force incidents that do not meet the FBI criteria.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_extract as g  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEED = 3
MONTHS = ["2025-07", "2025-09", "2025-10"]
COUNTS = [11, 9, 13]  # reportable incidents per month, before the errors are injected
# An unreadable incident_date is left out on purpose: the pipeline withholds every zero report
# while an incident has no readable date (it could belong to that month), and 2025-08 must give one.
ERROR_TYPES = ["unmapped_location", "discharge_without_firearm", "age_range_too_wide",
               "years_of_service_too_high", "federal_only_offense", "orphan_subject"]
ERRORS = len(ERROR_TYPES)
NOT_REPORTABLE = 3

EXPECTED = {  # error id -> expected outcome of `uof run` (rule ids of schemas/catalog.yaml)
    "unmapped_location": "rejected, `XW-UNMAPPED`: local code 'WHSE' has no entry in crosswalks/location_type.yaml",
    "discharge_without_firearm": "rejected, `I32-DISCHARGE-NEEDS-FIREARM`",
    "age_range_too_wide": "rejected, `S5-RANGE-WIDTH`",
    "years_of_service_too_high": "rejected, `O11-VS-AGE`",
    "unreadable_date": "rejected, `I3-VALID-DATE` (belongs to no month; withholds every zero report)",
    "federal_only_offense": "rejected, `I15-FEDERAL-TRIBAL-ONLY` (agency_kind is local)",
    "orphan_subject": "reported in every month's rejections.csv, `S-ORPHAN`; no incident is affected",
}


def _fmt_cases(cases) -> str:
    cases = list(cases)
    return ", ".join(f"`{c}`" for c in cases) if cases else "-"


def _features(ex: g.Extract) -> list[tuple[str, list[str]]]:
    inc, sub, off = ex.incidents, ex.subjects, ex.officers
    valid = inc["_kind"] == "valid"
    v = inc[valid]
    vs = sub[sub["agency_case_number"].isin(v["agency_case_number"])]
    vo = off[off["agency_case_number"].isin(v["agency_case_number"])]

    def cases_of(frame, mask):
        return sorted(set(frame.loc[mask, "agency_case_number"]))

    tick = v["incident_tickler_ids"]
    return [
        ("DEATH (a subject `DEC`)", cases_of(v, tick.str.contains("DEATH"))),
        ("DISCHARGE (a subject `NONE`, force `FA`, an officer shots `Y`)", cases_of(v, tick.str.contains("DISCHARGE"))),
        ("more than one tickler value", cases_of(v, tick.str.contains(";"))),
        ("subject injury pending/unknown (`PND`/`UNK`: tickler edits skipped)",
         cases_of(vs, vs["injury_type_ids"].isin(["PND", "UNK"]))),
        ("several subjects", cases_of(v, v["total_number_subjects"].astype(int) > 1)),
        ("other agencies involved (`ORI:CASE` pairs)", cases_of(v, v["other_agencies_involved"] != "")),
        ("offense `PEEP` -> 90H, remapped to 90Z (incident after 2021-01-01)",
         cases_of(v, v[["offense1", "offense2", "offense3"]].eq("PEEP").any(axis=1))),
        ("offenses with NIBRS number PENDING", cases_of(v, v["nibrs_incident_number_pu_ids"] != "")),
        ("CRIMINAL_SUSPICIOUS_ACTIVITY with offense_pu_ids", cases_of(v, v["offense_pu_ids"] != "")),
        ("coordinates with 6 decimals (rounded to 4)", cases_of(v, v["address_latitude"] != "")),
        ("address_pu_ids instead of an address", cases_of(v, v["address_pu_ids"] != "")),
        ("subject age as a range (age1/age2)", cases_of(vs, vs["age2"] != "")),
        ("subject height as a range", cases_of(vs, vs["height2_feet"] != "")),
        ("subject weight as a range", cases_of(vs, vs["weight2"] != "")),
        ("multi-code race cell (`WHH`, `BLH`, `BLK;AMI`, ...)",
         cases_of(vs, vs["race_ethnicity_ids"].isin(["WHH", "BLH"]) | vs["race_ethnicity_ids"].str.contains(";"))),
        ("officer injured (`MINOR`, `SBI`, ... with NIBRS number or PENDING)", cases_of(vo, vo["officer_injured"] == "Y")),
    ]


def readme(ex: g.Extract) -> str:
    inc = ex.incidents
    err = {e["case_number"]: e for e in ex.errors}
    lines = [
        "# Sample extract: Keystone RMS (synthetic)",
        "",
        "Synthetic use-of-force records of a fictional agency, *Keystone Regional Police Department*",
        f"(ORI `{g.AGENCY_ORI}`, local), exported by the imaginary vendor *Keystone RMS* with its own local",
        "codes and column names. No real person or incident is described.",
        "",
        "| file | content |",
        "| --- | --- |",
        "| `agency.yaml` | agency profile: ORI, column renames (`CaseNo`, `IncDate`, `Premise`, `ContactReason`, `State`, `SubjNo`, `OfcNo`), crosswalk list |",
        "| `crosswalks/*.yaml` | Keystone local codes -> FBI values, one file per coded element (the Y/N/P/U answers: one file per table) |",
        "| `rms_extract.xlsx` | sheets `incidents`, `subjects`, `officers`; `IncDate` is a real Excel date for about half the rows, `MM/DD/YYYY` text for the rest |",
        "| `rms_extract_csv/` | the same rows as CSV (`IncDate` mixes `YYYY-MM-DD` and `MM/DD/YYYY`); Excel and CSV must give identical JSON |",
        "",
        "The extract has an extra column `ReportStatus` that is not an FBI element (ignored), leaves out",
        "the optional `*_pu_ids` columns it never fills, and writes `age_estimated` as `Y`/`N`,",
        "`height_estimated` as `true`/`false`, `weight_estimated` as `1`/`0`.",
        "",
        "Run, for example:",
        "",
        "```",
        "uof run --profile data/sample/agency.yaml --source data/sample/rms_extract.xlsx --month 2025-10 --out out/",
        "uof run --profile data/sample/agency.yaml --source data/sample/rms_extract_csv --month 2025-10 --out out-csv/",
        "```",
        "",
        "## Contents per month",
        "",
        "| month | incidents | expected emitted | expected rejected | not reportable |",
        "| --- | --- | --- | --- | --- |",
    ]
    dated = inc[inc["_date_raw"] == ""]
    for month in ["2025-07", "2025-08", "2025-09", "2025-10"]:
        m = dated[dated["_month"] == month]
        valid = m.loc[m["_kind"] == "valid", "agency_case_number"]
        rejected = m.loc[m["_kind"] == "error", "agency_case_number"]
        nr = m.loc[m["_kind"] == "not_reportable", "agency_case_number"]
        if not len(m):
            lines.append(f"| {month} | 0 | zero report | - | - |")
            continue
        lines.append(f"| {month} | {len(m)} | {len(valid)} | {len(rejected)}: {_fmt_cases(rejected)} | "
                     f"{len(nr)}: {_fmt_cases(nr)} |")
    undated = inc[inc["_date_raw"] != ""]
    if len(undated):
        lines.append(f"| (no month) | {len(undated)} | - | {len(undated)}: "
                     f"{_fmt_cases(undated['agency_case_number'])} (unreadable `IncDate`) | - |")
    lines += [
        "",
        f"Totals: {len(inc)} incident rows, {len(ex.subjects)} subject rows, {len(ex.officers)} officer rows.",
        "`--month 2025-08` has no incident and must produce a zero report. The orphan subject row (below)",
        "has no incident date, so every month's run lists it in `rejections.csv` and exits with code 1.",
        "",
        "## Deliberate errors",
        "",
        "| case number | month | what is wrong | spec element (section) | expected outcome |",
        "| --- | --- | --- | --- | --- |",
    ]
    for case, e in sorted(err.items(), key=lambda kv: (kv[1]["month"] or "9999", kv[0])):
        month = e["month"] or ("none (orphan row)" if e["error"] == "orphan_subject" else "none (date unreadable)")
        lines.append(f"| `{case}` | {month} | {e['description']} | {e['element']} (§{e['section']}) | "
                     f"{EXPECTED.get(e['error'], 'rejected')} |")
    lines += [
        "",
        "## Not reportable",
        "",
        "Force incidents below the FBI criteria: no death, no serious bodily injury (subject injuries `NONE`",
        "or `MINOR`, which the crosswalk maps to `NONE`), no firearm force and no shots fired; `incident_tickler_ids`",
        "is blank. Expected outcome: not reportable (no submission, no rejection).",
        "",
    ]
    for month in MONTHS:
        nr = dated.loc[(dated["_month"] == month) & (dated["_kind"] == "not_reportable"), "agency_case_number"]
        lines.append(f"* {month}: {_fmt_cases(nr)}")
    lines += ["", "## What the valid incidents exercise", "", "| feature | case numbers |", "| --- | --- |"]
    for label, cases in _features(ex):
        lines.append(f"| {label} | {_fmt_cases(cases)} |")
    lines += [
        "",
        "## Regenerating",
        "",
        "```",
        "python scripts/make_sample.py",
        "```",
        "",
        f"calls `scripts/generate_extract.py` with seed {SEED} ({sum(COUNTS)} reportable incidents over "
        f"{', '.join(MONTHS)}, `--errors {ERRORS}`, `--not-reportable {NOT_REPORTABLE}`) and rewrites every",
        "file of this folder byte-identically. Do not edit the files by hand: change the generator.",
        "",
    ]
    return "\n".join(lines)


def build() -> g.Extract:
    return g.generate(sum(COUNTS), SEED, MONTHS, counts=COUNTS, errors=ERRORS, not_reportable=NOT_REPORTABLE,
                      error_types=ERROR_TYPES)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "data" / "sample")
    args = p.parse_args(argv)
    ex = build()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    g.write_profile(out)
    g.write_csv(ex, out / "rms_extract_csv")
    g.write_xlsx(ex, out / "rms_extract.xlsx")
    (out / "README.md").write_text(readme(ex), encoding="utf-8")
    print(g.summary(ex))
    print(f"sample written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
