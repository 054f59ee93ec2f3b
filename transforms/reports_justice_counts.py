"""Justice Counts, law enforcement metric 1.11 Use of Force Incidents (issue 12), from the use-of-force extract.

Pure: frames in, frames and text out (reading the extract and writing the files is
flows/pipeline/report_justice_counts.py). The definition is in ../shared/reference/
justice-counts-law-enforcement-metrics.txt, section 1.11:

* unique incidents where agency staff used force, not people: every incident of the extract (as the FBI
  pipeline counts them, one per incident row, dated by `incident_date`), not only the FBI-reportable ones;
* an incident's local force types (the RMS codes, or the names of yes/no columns that say yes) go through
  the agency's crosswalk to one category each: PHYSICAL_FORCE, RESTRAINT, FIREARM (pointing a firearm at a
  person included, displaying one not aimed at a person excluded), OTHER_WEAPON, OTHER_FORCE, UNKNOWN, or
  DE_MINIMIS (force the definition excludes, not counted);
* one category per incident so that the breakdowns add up to the total: the most severe of its
  categories, in the fixed order FIREARM > OTHER_WEAPON > RESTRAINT > PHYSICAL_FORCE > OTHER_FORCE >
  UNKNOWN. An incident whose every force type is DE_MINIMIS is excluded (counted apart); an incident with
  no force type recorded, or only local codes the crosswalk does not map, counts under Unknown Force, and
  the unmapped codes are listed.

Layout of the files (Justice Counts Publisher bulk upload, one file per metric: `use_of_force` with
year, month, value and `use_of_force_by_type` with the breakdown column `force_type` holding the
Publisher's labels): month given as 1-12; the calendar-year row has a blank month.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from schemas.primitives import SEP
from transforms.crosswalk import lookup_keys
from transforms.normalize import booleans, trimmed

ELEMENT = "justice_counts_force_type"  # the crosswalk's `element`, and the coded column of `uof crosswalk`
CODE_TABLE = "justice_counts.force_type"
ELEMENT_ID = "JC 1.11"
DE_MINIMIS = "DE_MINIMIS"
UNKNOWN = "UNKNOWN"
# Most severe first: an incident with several categories counts under the first of them.
SEVERITY = ("FIREARM", "OTHER_WEAPON", "RESTRAINT", "PHYSICAL_FORCE", "OTHER_FORCE", UNKNOWN)
# The breakdowns in the order of the definition, with the labels Justice Counts Publisher uses.
BREAKDOWNS = {"PHYSICAL_FORCE": "Physical Force", "RESTRAINT": "Restraint", "FIREARM": "Firearm",
              "OTHER_WEAPON": "Other Weapon", "OTHER_FORCE": "Other Force", UNKNOWN: "Unknown Force"}
CATEGORIES = {  # crosswalk targets -> what they mean (listed by `uof crosswalk scaffold`)
    "PHYSICAL_FORCE": "Physical Force (1.11.1): takedown, strike, open hand, head control, neck or carotid "
                      "restraint, punch or kick, with force sufficient to cause pain",
    "RESTRAINT": "Restraint (1.11.2): handcuffs applied so as to cause pain, hobble restraint, leg irons",
    "FIREARM": "Firearm (1.11.3): a firearm shot or pointed at a person (not a firearm only displayed)",
    "OTHER_WEAPON": "Other Weapon (1.11.4): conducted electrical weapon, OC spray, tear gas, less-lethal "
                    "projectile, blast ball, noise flash device, impact weapon, improvised weapon",
    "OTHER_FORCE": "Other Force (1.11.5): any other force, e.g. a canine deployed, vehicle tactics (ramming, PIT)",
    UNKNOWN: "Unknown Force (1.11.6): force was used but its type cannot be told from the code",
    DE_MINIMIS: "Not counted: de minimis force, not intended or reasonably likely to cause pain or injury "
                "(e.g. an escort without pain, a firearm displayed but not aimed at anyone)",
}
MULTI_TYPE_RULE = ("An incident with several force types counts once, under its most severe category in the order "
                   "Firearm > Other Weapon > Restraint > Physical Force > Other Force > Unknown Force, so the "
                   "breakdowns add up to the total. An incident whose every force type is de minimis is not "
                   "counted; one with no force type recorded, or only local codes the crosswalk does not map, "
                   "counts under Unknown Force.")
NO_FORCE_TYPE = "(no force type recorded)"


@dataclass(frozen=True)
class ForceLookup:
    """The profile's force-type crosswalk: local code -> category, looked up as the FBI crosswalks are."""

    mapping: dict[str, str] = field(default_factory=dict)
    trim: bool = True
    case: str = "exact"
    invalid: dict[str, str] = field(default_factory=dict)  # known-bad local codes -> reason (counted Unknown)
    crosswalked: bool = True  # False: no crosswalk yet, a code written as a category is taken as it is

    def categories(self, codes: pd.Series) -> pd.Series:
        """The category of each local code (NA where the crosswalk has none)."""
        if not self.crosswalked:
            return codes.where(codes.isin(list(CATEGORIES))).astype("str")
        keys = lookup_keys(pd.Series(list(self.mapping), dtype="str"), self.trim, self.case)
        table = dict(zip(keys.tolist(), self.mapping.values()))
        return lookup_keys(codes.astype("str"), self.trim, self.case).map(table).astype("str")

    def is_invalid(self, codes: pd.Series) -> pd.Series:
        keys = set(lookup_keys(pd.Series(list(self.invalid), dtype="str"), self.trim, self.case))
        return lookup_keys(codes.astype("str"), self.trim, self.case).isin(keys).fillna(False).astype(bool)


def row_force_codes(frame: pd.DataFrame, key: str, columns=(), flags=(), separator: str | None = SEP) -> pd.DataFrame:
    """(`row`, `case`, `code`) per local force type on each row of the export: the text of `columns` (a cell split on
    `separator`), and the name of each yes/no column of `flags` that says yes. Blank cells give nothing."""
    parts = []
    cases = trimmed(frame[key])
    for column in columns:
        values = trimmed(frame[column])
        if separator:
            values = values.str.split(separator).explode()
        parts.append(pd.DataFrame({"row": values.index, "case": cases.reindex(values.index).to_numpy(),
                                   "code": values.to_numpy()}))
    for column in flags:
        yes = (booleans(trimmed(frame[column])) == "true").fillna(False).astype(bool)
        parts.append(pd.DataFrame({"row": frame.index[yes], "case": cases[yes].to_numpy(), "code": column}))
    if not parts:
        return pd.DataFrame({"row": pd.Series(dtype="int64"), "case": pd.Series(dtype="str"),
                             "code": pd.Series(dtype="str")})
    out = pd.concat(parts, ignore_index=True).astype({"case": "str", "code": "str"})
    out["code"] = trimmed(out["code"])
    return out.dropna(subset=["case", "code"]).reset_index(drop=True)


def classified(incidents: pd.DataFrame, codes: pd.DataFrame, lookup: ForceLookup) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each incident's 1.11 category, and the local codes with how they were read.

    `incidents`: agency_case_number, incident_date (ISO, NA when unreadable), one row per incident of the
    extract. `codes`: (`case`, `code`) from row_force_codes. Returns

    * per incident: agency_case_number, incident_date, month (YYYY-MM), category (a SEVERITY code, or
      DE_MINIMIS when excluded), local_force_types (its distinct local codes, `;`-joined);
    * per distinct local code: code, category (NA when unmapped), status (mapped | unmapped | invalid),
      reason (of an invalid code), rows (export rows holding it), incidents.
    """
    inc = incidents[["agency_case_number", "incident_date"]].reset_index(drop=True)
    inc["case"] = trimmed(inc["agency_case_number"])
    per_code = codes[codes["case"].isin(inc["case"].dropna())]
    found = per_code[["case", "code"]].drop_duplicates()
    found = found.assign(category=lookup.categories(found["code"]).to_numpy())
    invalid = lookup.is_invalid(found["code"]) & found["category"].isna()
    unmapped = found["category"].isna() & ~invalid
    rank = {c: i for i, c in enumerate((*SEVERITY, DE_MINIMIS))}
    counted = found.assign(rank=found["category"].fillna(UNKNOWN).map(rank))
    best = counted.groupby("case")["rank"].min()
    order = [*SEVERITY, DE_MINIMIS]
    inc["category"] = inc["case"].map(best).map(lambda r: order[int(r)] if pd.notna(r) else UNKNOWN).astype("str")
    local = found.groupby("case")["code"].agg(lambda s: SEP.join(sorted(s)))
    inc["local_force_types"] = inc["case"].map(local).fillna(NO_FORCE_TYPE).astype("str")
    inc["month"] = inc["incident_date"].str.slice(0, 7)
    rows = per_code.groupby("code")["row"].nunique()
    n_incidents = found.groupby("code")["case"].nunique()
    status = pd.Series("mapped", index=found.index).mask(invalid, "invalid").mask(unmapped, "unmapped")
    summary = pd.DataFrame({"code": found["code"], "category": found["category"], "status": status})
    summary = summary.drop_duplicates("code").reset_index(drop=True)
    summary["reason"] = summary["code"].map(_reasons(lookup, summary["code"])).astype("str")
    summary["rows"] = summary["code"].map(rows).fillna(0).astype("int64")
    summary["incidents"] = summary["code"].map(n_incidents).fillna(0).astype("int64")
    summary = summary.sort_values(["incidents", "code"], ascending=[False, True], kind="stable")
    return inc.drop(columns=["case"]), summary.reset_index(drop=True)


def _reasons(lookup: ForceLookup, codes: pd.Series) -> dict:
    keys = lookup_keys(pd.Series(list(lookup.invalid), dtype="str"), lookup.trim, lookup.case)
    by_key = dict(zip(keys.tolist(), lookup.invalid.values()))
    return dict(zip(codes, lookup_keys(codes.astype("str"), lookup.trim, lookup.case).map(by_key)))


def counts(incidents: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Per month of `months`: incidents (dated in it), de_minimis (excluded), total (counted) and one column
    per SEVERITY category. total = sum of the categories; incidents = total + de_minimis."""
    dated = incidents[incidents["month"].isin(months)]
    table = pd.crosstab(dated["month"], dated["category"]).reindex(index=months, columns=[*SEVERITY, DE_MINIMIS],
                                                                   fill_value=0)
    out = pd.DataFrame({"month": months, "incidents": table.sum(axis=1).to_numpy()})
    out["de_minimis"] = table[DE_MINIMIS].to_numpy()
    out["total"] = table[list(SEVERITY)].sum(axis=1).to_numpy()
    for category in SEVERITY:
        out[category] = table[category].to_numpy()
    return out.astype({c: "int64" for c in out.columns if c != "month"})


def period_totals(table: pd.DataFrame) -> pd.Series:
    """The period's counts: the sum of its month rows (a year row, when there is one, is that sum too)."""
    return table[table["month"].map(lambda m: isinstance(m, str))].drop(columns=["month"]).sum()


def with_year(monthly: pd.DataFrame) -> pd.DataFrame:
    """The months followed by the calendar-year row (month blank): the sum of the months."""
    year = monthly.drop(columns=["month"]).sum().to_frame().T.astype("int64")
    year.insert(0, "month", pd.NA)
    return pd.concat([monthly, year], ignore_index=True)


def metric_files(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`use_of_force` (year, month, value) and `use_of_force_by_type` (year, month, force_type, value) from the
    rows of counts() (with_year: the year row has a blank month)."""
    year = table["month"].dropna().str.slice(0, 4).iloc[0]
    months = table["month"].map(lambda m: str(int(m[5:7])) if isinstance(m, str) else "")
    total = pd.DataFrame({"year": year, "month": months, "value": table["total"].astype("int64")})
    parts = [pd.DataFrame({"year": year, "month": months, "force_type": label, "value": table[code].astype("int64")})
             for code, label in BREAKDOWNS.items()]
    by_type = pd.concat(parts).reset_index().sort_values(["index"], kind="stable").drop(columns=["index"])
    return total.reset_index(drop=True), by_type.reset_index(drop=True)


def _line(label: str, n: int, total: int) -> str:
    share = f" ({n / total:.0%})" if total else ""
    return f"| {label} | {n}{share} |"


def summary_text(agency: str, period: str, table: pd.DataFrame, codes: pd.DataFrame, undated: int,
                 covered: list[str], months: list[str]) -> str:
    """The one page a chief reads: the total, the breakdowns, the multi-type rule, de minimis, Unknown, and
    the local codes the crosswalk does not map."""
    row = period_totals(table)
    total, incidents = int(row["total"]), int(row["incidents"])
    lines = [f"# Use of force incidents, {period} — {agency}", "",
             "Justice Counts law enforcement metric 1.11 (Use of Force Incidents), from the use-of-force extract: "
             "every incident of the extract, not only those the FBI collects.", "",
             f"**{total} use-of-force incident(s)** in {period}.", "", "| Force type | Incidents |", "| --- | --- |"]
    lines += [_line(label, int(row[code]), total) for code, label in BREAKDOWNS.items()]
    lines += [f"| **Total** | **{total}** |", "",
              f"Reconciliation: {incidents} incident(s) of the extract dated in {period} = {total} counted + "
              f"{int(row['de_minimis'])} excluded as de minimis force. Unknown Force ({int(row[UNKNOWN])}) includes "
              "the incidents with no force type recorded or only unmapped local codes.", "",
              f"Several force types in one incident: {MULTI_TYPE_RULE}", ""]
    if len(table) > 1:
        lines += ["| Month | Total | " + " | ".join(BREAKDOWNS.values()) + " | De minimis (not counted) |",
                  "| --- " * (len(BREAKDOWNS) + 3) + "|"]
        for r in table.iloc[:-1].itertuples(index=False):
            values = " | ".join(str(getattr(r, code)) for code in BREAKDOWNS)
            lines.append(f"| {r.month} | {r.total} | {values} | {r.de_minimis} |")
        lines.append("")
    missing = [m for m in months if m not in covered]
    if missing:
        lines += [f"The extract does not cover {', '.join(missing)}: those months are not in the figures.", ""]
    if undated:
        lines += [f"{undated} incident(s) of the extract have no readable date and are in no month.", ""]
    unmapped = codes[codes["status"] != "mapped"]
    unknown = codes[(codes["status"] == "mapped") & (codes["category"] == UNKNOWN)]
    if len(unmapped):
        lines.append("Local force types the crosswalk does not map (counted under Unknown Force; add them to the "
                     "crosswalk, `uof crosswalk scaffold` writes the entries):")
        lines += [f"- `{r.code}`: {r.incidents} incident(s)" + (f", invalid: {r.reason}" if r.status == "invalid"
                                                                   else "") for r in unmapped.itertuples()]
    else:
        lines.append("Every local force type of these incidents is mapped by the crosswalk.")
    if len(unknown):
        lines.append("")
        lines.append("Local force types the crosswalk maps to Unknown Force (the export does not say which force):")
        lines += [f"- `{r.code}`: {r.incidents} incident(s)" for r in unknown.itertuples()]
    return "\n".join(lines) + "\n"
