"""Illinois mental-health-crisis dispatch report (20 Ill. Adm. Code 1244, Subpart B), from a CAD export.

Pure functions: the CAD export's rows (text cells, one row per dispatched unit) and the profile's
`illinois_mh` settings in, the month's counts, incident list, exclusions and findings out.

The rules, and where they come from:

* An incident is reported when an officer of the agency was dispatched to it for a mental-health crisis:
  the REASON FOR DISPATCH decides (1244.300(b)), read from the call type a unit was dispatched for
  (`columns.call_type`, the initial call type), never from the outcome or the final call type.
* Not reported: units that answered an ISPERN or emergency broadcast without being dispatched
  (1244.300(c)(1): the `assignment` column holds one of the `broadcast` values); incidents dispatched
  for something else where the crisis came to light later (1244.300(c)(2): the final call type, when
  the export has one, says crisis, the call type at dispatch does not).
* Reported even when the subject was not found or no field report was written (1244.300(d)): nothing
  but the dispatch decides.
* Levels of response (1244.400): every level among the units the agency itself dispatched for the
  crisis; units requested by others (the `requested_by` column names another agency) are left out.
* Outcomes (1244.500): every outcome the dispositions of those units name (a cell may list several).

Levels and outcomes are multi-select: the count of a level (or outcome) is the number of incidents with
it, so these counts do not add up to the incident total.

Nothing is dropped silently: a call type in neither list, a unit type or disposition the profile does not
map, a blank where a code is needed, a row without an incident number and an incident without a readable
date are findings, listed with the CAD column and value, and make the run exit 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms.coverage import Coverage, extract_coverage
from transforms.parsers import date_only

REPORT = "illinois-mh"
LEVELS = ("Sworn Officer", "Crisis Intervention Team Trained Officer", "SWAT Team", "Social Worker",
          "Psychologist", "Ambulance", "Other")  # 1244.400(a)
OUTCOMES = ("Released (Own Recognizance)", "Released (Family Member)", "Arrested",
            "Voluntary Admission to Mental Health Facility", "Officer Admitted Offender to Mental Health Facility",
            "Offender Adjudicated to Mental Health Facility", "Other")  # 1244.500(a)
MULTI_SELECT_NOTE = ("Each level of response and each outcome counts the incidents that have it; an incident may "
                     "have several levels and several outcomes, so these counts do not add up to the incident total.")
EXCLUSIONS = {
    "broadcast": "units answered a broadcast without being dispatched (1244.300(c)(1))",
    "other_agency": "units dispatched only at another agency's request (1244.400(b))",
    "reclassified": "dispatched for another call type; the crisis came to light later (1244.300(c)(2))",
}
FINDINGS = {
    "no_incident_number": "row without an incident number: it cannot be counted",
    "no_date": "incident without a readable date: it cannot be placed in a month",
    "unmapped_call_type": "call type in neither crisis_call_types nor other_call_types: the incident may be missing",
    "blank_call_type": "blank call type on a dispatched unit: the reason for dispatch is unknown",
    "unmapped_unit_type": "unit type not in unit_types: its level of response is missing",
    "blank_unit_type": "blank unit type on a unit dispatched for the crisis: its level of response is missing",
    "unmapped_disposition": "disposition code not in dispositions: its outcome is missing",
    "no_level": "incident whose units name no level of response",
    "no_outcome": "incident whose dispositions name no outcome",
}
FINDING_COLUMNS = ["finding", "column", "value", "rows", "incidents", "incident_numbers", "source_rows"]
LISTED = 10  # incident numbers and source rows listed per finding


def code_key(text: str) -> str:
    """How a code is compared: surrounding spaces dropped, inner runs of spaces as one; case as written."""
    return " ".join(str(text).split())


def _codes(s: pd.Series) -> pd.Series:
    """Cells as codes (code_key), blank -> NA."""
    text = s.astype("str").str.strip().str.replace(r"\s+", " ", regex=True)
    return text.mask(text == "")


@dataclass(frozen=True)
class MhMonth:
    month: str
    coverage: Coverage
    counts: pd.DataFrame  # section, category, incidents
    incidents: pd.DataFrame  # incident_number, date, levels, outcomes, one 0/1 column per level and outcome
    excluded: pd.DataFrame  # incident_number, date, reason
    findings: pd.DataFrame  # FINDING_COLUMNS
    summary: dict

    @property
    def exit_code(self) -> int:
        return 1 if len(self.findings) else 0


def dispatch_rows(frame: pd.DataFrame, settings, agency_ori: str) -> pd.DataFrame:
    """One row per CAD row: the codes the rules read, the row's date, and what the rules make of it.

    `frame`: the export as read (text cells, NA for blanks, `_source_file`, `_source_row`). The agency itself is
    named in the `requested_by` column by the `dispatching_agency` values, else by its ORI; a blank cell is its own.
    """
    cols = settings.columns

    def column(name: str | None) -> pd.Series:
        return _codes(frame[name]) if name else pd.Series(pd.NA, index=frame.index, dtype="str")

    rows = pd.DataFrame({
        "incident": column(cols.incident_number), "call_type": column(cols.call_type),
        "final_call_type": column(cols.final_call_type), "unit_type": column(cols.unit_type),
        "disposition": frame[cols.disposition].astype("str"), "assignment": column(cols.assignment),
        "requested_by": column(cols.requested_by),
        "source": frame["_source_file"].astype("str") + " row " + frame["_source_row"].astype("str"),
    }, index=frame.index)
    rows["date"], _ = date_only(frame[cols.date].astype("str"), settings.date_format)
    crisis = {code_key(c) for c in settings.crisis_call_types}
    own = {code_key(v) for v in (settings.dispatching_agency or [agency_ori])}
    rows["own"] = rows["requested_by"].isna() | rows["requested_by"].isin(own)
    rows["broadcast"] = rows["assignment"].isin({code_key(v) for v in settings.broadcast})
    rows["dispatched"] = rows["own"] & ~rows["broadcast"]
    rows["crisis"] = rows["call_type"].isin(crisis)
    rows["final_crisis"] = rows["final_call_type"].isin(crisis)
    rows["counted"] = rows["dispatched"] & rows["crisis"]
    return rows


def incident_dates(rows: pd.DataFrame) -> pd.DataFrame:
    """Per incident number: its first readable date (ISO) and month (NA where no row has a readable date)."""
    known = rows[rows["incident"].notna()]
    first = known.groupby("incident", sort=False)["date"].min()
    out = pd.DataFrame({"incident_date": first.astype("str")})
    out["month"] = out["incident_date"].str[:7]
    return out


def cad_coverage(rows: pd.DataFrame, month: str, declared: tuple[str, str] | None) -> Coverage:
    """The months the CAD export covers (transforms/coverage.py): declared, else its first to last date."""
    dates = incident_dates(rows).reset_index(drop=True)
    return extract_coverage(dates, [month], declared)


def _listed(pairs: pd.DataFrame, incidents: pd.Index, order: tuple[str, ...]) -> list[str]:
    """Per incident, its categories in the regulation's order, joined by '; ' ("" for none)."""
    chosen = pairs.groupby("incident")["category"].agg(set)
    return ["; ".join(c for c in order if c in chosen.get(n, ())) for n in incidents]


def _categories(codes: pd.Series, mapping: dict, incidents: pd.Series) -> pd.DataFrame:
    """(incident, category) for every code that maps to categories (a code may map to several, or to none)."""
    keyed = {code_key(k): tuple(v) for k, v in mapping.items()}
    pairs = pd.DataFrame({"incident": incidents, "category": codes.map(keyed)}).dropna(subset=["category"])
    return pairs.explode("category").dropna(subset=["category"]).drop_duplicates()


def _finding(kind: str, column: str | None, value, hits: pd.DataFrame) -> dict:
    numbers = list(dict.fromkeys(hits["incident"].dropna()))
    return {"finding": FINDINGS[kind], "column": column or "", "value": "" if value is None else str(value),
            "rows": len(hits), "incidents": len(numbers), "incident_numbers": "; ".join(numbers[:LISTED]),
            "source_rows": "; ".join(hits["source"].head(LISTED))}


def _per_value(kind: str, column: str, hits: pd.DataFrame, value_column: str) -> list[dict]:
    return [_finding(kind, column, value, group) for value, group in hits.groupby(value_column, sort=True)]


def _findings(rows: pd.DataFrame, month_rows: pd.DataFrame, tokens: pd.DataFrame, missing: dict,
              settings) -> pd.DataFrame:
    """`missing`: the counted rows of the incidents without any level (`no_level`) or outcome (`no_outcome`)."""
    cols = settings.columns
    known_calls = {code_key(c) for c in [*settings.crisis_call_types, *settings.other_call_types]}
    units = {code_key(k) for k in settings.unit_types}
    dispositions = {code_key(k) for k in settings.dispositions}
    dispatched, counted = month_rows[month_rows["dispatched"]], month_rows[month_rows["counted"]]
    found = []
    no_number = rows[rows["incident"].isna()]
    if len(no_number):
        found.append(_finding("no_incident_number", cols.incident_number, None, no_number))
    dates = incident_dates(rows)
    undated = rows[rows["incident"].isin(dates.index[dates["incident_date"].isna()])]
    if len(undated):
        found.append(_finding("no_date", cols.date, None, undated))
    calls = dispatched[dispatched["call_type"].notna() & ~dispatched["call_type"].isin(known_calls)]
    found += _per_value("unmapped_call_type", cols.call_type, calls, "call_type")
    if dispatched["call_type"].isna().any():
        found.append(_finding("blank_call_type", cols.call_type, None, dispatched[dispatched["call_type"].isna()]))
    unit_hits = counted[counted["unit_type"].notna() & ~counted["unit_type"].isin(units)]
    found += _per_value("unmapped_unit_type", cols.unit_type, unit_hits, "unit_type")
    if counted["unit_type"].isna().any():
        found.append(_finding("blank_unit_type", cols.unit_type, None, counted[counted["unit_type"].isna()]))
    found += _per_value("unmapped_disposition", cols.disposition, tokens[~tokens["code"].isin(dispositions)], "code")
    for kind, column in (("no_level", cols.unit_type), ("no_outcome", cols.disposition)):
        if len(missing[kind]):
            found.append(_finding(kind, column, None, missing[kind]))
    return pd.DataFrame(found, columns=FINDING_COLUMNS)


def _disposition_tokens(counted: pd.DataFrame, separator: str) -> pd.DataFrame:
    """One row per disposition code of the counted units (a cell may list several)."""
    split = counted["disposition"].str.split(separator, regex=False)
    tokens = counted[["incident", "source"]].assign(code=split).explode("code")
    tokens["code"] = _codes(tokens["code"])
    return tokens.dropna(subset=["code"])


def _flags(incidents: pd.Index, pairs: pd.DataFrame, order: tuple[str, ...], prefix: str) -> pd.DataFrame:
    hit = pd.crosstab(pairs["incident"], pairs["category"]) if len(pairs) else pd.DataFrame()
    return pd.DataFrame({f"{prefix}: {c}": (hit[c].reindex(incidents, fill_value=0) > 0).astype("int64")
                         if c in hit.columns else pd.Series(0, index=incidents, dtype="int64") for c in order},
                        index=incidents)


def _exclusions(month_rows: pd.DataFrame, included: pd.Index) -> pd.Series:
    """Per incident not reported but dispatched to, or reclassified as, a crisis: the reason (EXCLUSIONS key;
    the first that applies)."""
    rest = month_rows[~month_rows["incident"].isin(included)]
    flags = pd.DataFrame({
        "incident": rest["incident"], "broadcast": rest["crisis"] & rest["own"] & rest["broadcast"],
        "other_agency": rest["crisis"] & ~rest["own"], "crisis": rest["crisis"], "final": rest["final_crisis"],
    }).groupby("incident", sort=False).any()
    flags["reclassified"] = flags["final"] & ~flags["crisis"]
    reasons = flags[list(EXCLUSIONS)]
    return reasons.idxmax(axis=1)[reasons.any(axis=1)] if len(reasons) else pd.Series(dtype="str")


def month_report(rows: pd.DataFrame, month: str, settings, coverage: Coverage) -> MhMonth:
    """The report of `month` from the export's `dispatch_rows`."""
    dates = incident_dates(rows)
    in_month = dates.index[dates["month"] == month]
    month_rows = rows[rows["incident"].isin(in_month)]
    counted = month_rows[month_rows["counted"]]
    included = pd.Index(sorted(counted["incident"].unique(), key=lambda n: (dates.at[n, "incident_date"], n)),
                        name="incident")
    levels = _categories(counted["unit_type"], settings.unit_types, counted["incident"])
    tokens = _disposition_tokens(counted, settings.disposition_separator)
    outcomes = _categories(tokens["code"], settings.dispositions, tokens["incident"])
    missing = {kind: counted[counted["incident"].isin(included.difference(pairs["incident"].unique()))]
               for kind, pairs in (("no_level", levels), ("no_outcome", outcomes))}
    findings = _findings(rows, month_rows, tokens, missing, settings)

    level_flags = _flags(included, levels, LEVELS, "level")
    outcome_flags = _flags(included, outcomes, OUTCOMES, "outcome")
    listing = pd.DataFrame({
        "incident_number": included.astype("str"),
        "date": dates["incident_date"].reindex(included).astype("str").to_numpy(),
        "levels": _listed(levels, included, LEVELS), "outcomes": _listed(outcomes, included, OUTCOMES),
    })
    listing = pd.concat([listing, level_flags.reset_index(drop=True), outcome_flags.reset_index(drop=True)], axis=1)
    level_counts = {c: int(level_flags[f"level: {c}"].sum()) for c in LEVELS}
    outcome_counts = {c: int(outcome_flags[f"outcome: {c}"].sum()) for c in OUTCOMES}
    counts = pd.DataFrame(
        [("incidents", "Incidents where an officer was dispatched to a mental health crisis", len(included))]
        + [("level of response", c, n) for c, n in level_counts.items()]
        + [("outcome", c, n) for c, n in outcome_counts.items()], columns=["section", "category", "incidents"])

    reasons = _exclusions(month_rows, included)
    order = sorted(reasons.index, key=lambda n: (dates.at[n, "incident_date"], n))
    excluded = pd.DataFrame({"incident_number": pd.Series(order, dtype="str"),
                             "date": [dates.at[n, "incident_date"] for n in order],
                             "reason": [EXCLUSIONS[reasons[n]] for n in order]},
                            columns=["incident_number", "date", "reason"])
    summary = {
        "incidents": len(included), "levels": level_counts, "outcomes": outcome_counts,
        "counts_note": MULTI_SELECT_NOTE,
        "excluded": {k: int((reasons == k).sum()) for k in EXCLUSIONS},
        "findings": int(len(findings)), "coverage": coverage.manifest(month),
        "rows": {"export": int(len(rows)), "month": int(len(month_rows)), "counted_units": int(len(counted))},
    }
    return MhMonth(month=month, coverage=coverage, counts=counts, incidents=listing, excluded=excluded,
                   findings=findings, summary=summary)
