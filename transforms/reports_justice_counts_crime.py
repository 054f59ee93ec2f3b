"""Justice Counts 1.10 Reported Crime and 1.7 Arrests, with 1.8 by race and ethnicity and 1.9 by biological sex,
from an offense/arrest extract (the metric definitions: ../shared/reference/justice-counts-law-enforcement-
metrics.txt). Pure pandas: frames in, frames and text out; the report is read and written by
flows/pipeline/report_justice_counts_crime.py.

Rules, as the definitions give them:
- Categories Person, Property, Public Order, Drug, Other, Unknown. A local code is a category directly (the
  section's `categories`), or a NIBRS offense code (through the offense crosswalk, or as the extract wrote it)
  whose category is mappings/offenses.yaml's; robbery (120) is person unless the profile says
  `justice_counts_robbery: property` (the NIBRS grouping).
- 1.10 counts incidents, not offenses: one per incident, in the month of its earliest report date, in the
  category of its most serious offense (person, then property, public order, drug, other). An offense whose
  code is blank or unmapped is Unknown and decides nothing while another offense of the incident is known.
- 1.7 counts arrest events, not people: one per arrest, classified by its most serious charge the same way;
  1.8 and 1.9 count the same arrests, so each breakdown adds up to the total. A person's race, ethnicity or sex
  is the arrest's filled cell (rows that disagree: Unknown, listed); blank or unmapped is the definition's
  Unknown.
- Unmapped codes are listed (table, column, local code, rows) and make the run exit 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from schemas.report_settings_justice_counts_crime import CATEGORIES, ETHNICITIES, RACES, SEXES
from transforms.crosswalk import lookup_keys

OFFENSE_TYPES = {"person": "Person Offenses", "property": "Property Offenses",
                 "public_order": "Public Order Offenses", "drug": "Drug Offenses", "other": "Other Offenses",
                 "unknown": "Unknown Offenses"}
RACE_ETHNICITY = tuple(f"{r} / {e}" for e in ETHNICITIES for r in RACES)
BIOLOGICAL_SEX = {s: f"{s} Biological Sex" for s in SEXES}
RANK = {c: i for i, c in enumerate(CATEGORIES)}
UNKNOWN_RACE, UNKNOWN_ETHNICITY = "Unknown", "Unknown Ethnicity"
DISAGREEING = "(the arrest's rows disagree)"  # listed instead of a local code
# Justice Counts Publisher bulk upload: one sheet or CSV per metric file, named as the Publisher names it, with
# year, month, the breakdown column and value (Recidiviz pulse-data, justice_counts/metricfiles/law_enforcement.py)
REPORTED_CRIME, ARRESTS = "reported_crime", "arrests"
BREAKDOWNS = {  # file -> (metric, breakdown column, breakdown values)
    "reported_crime": (REPORTED_CRIME, None, ()),
    "reported_crime_by_type": (REPORTED_CRIME, "offense_type", tuple(OFFENSE_TYPES.values())),
    "arrests": (ARRESTS, None, ()),
    "arrests_by_type": (ARRESTS, "offense_type", tuple(OFFENSE_TYPES.values())),
    "arrests_by_race": (ARRESTS, "race/ethnicity", RACE_ETHNICITY),
    "arrests_by_biological_sex": (ARRESTS, "biological_sex", tuple(BIOLOGICAL_SEX.values())),
}
UNMAPPED_COLUMNS = ["table", "column", "local_code", "count", "unit", "counted_as"]


@dataclass(frozen=True)
class CodeMaps:
    """How local codes become Justice Counts values; every key in lookup form (see `folded`)."""

    nibrs: dict[str, str]  # NIBRS offense code -> category, robbery already placed
    categories: dict[str, str] = field(default_factory=dict)  # local code -> category
    crosswalk: dict[str, str] | None = None  # local code -> NIBRS code; None: the extract holds NIBRS codes
    crosswalk_trim: bool = True
    crosswalk_case: str = "exact"
    race: dict[str, str] = field(default_factory=dict)  # -> race, or "race / ethnicity"
    ethnicity: dict[str, str] = field(default_factory=dict)
    sex: dict[str, str] = field(default_factory=dict)


def folded(s: pd.Series) -> pd.Series:
    """The lookup form of the section's maps: spaces trimmed and squeezed, case folded."""
    return lookup_keys(s.astype("str"), True, "fold")


def folded_map(mapping: dict[str, str]) -> dict[str, str]:
    return dict(zip(folded(pd.Series(list(mapping), dtype="str")).tolist(), mapping.values()))


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("str").str.strip() == "")


def offense_categories(codes: pd.Series, maps: CodeMaps) -> tuple[pd.Series, pd.Series]:
    """(category of each local code, unmapped mask). Blank and unmapped codes are `unknown`."""
    codes = codes.astype("str")
    category = folded(codes).map(maps.categories).astype("object")
    if maps.crosswalk is None:
        nibrs = codes.str.strip().str.upper()
    else:
        nibrs = lookup_keys(codes, maps.crosswalk_trim, maps.crosswalk_case).map(maps.crosswalk)
    category = category.fillna(nibrs.map(maps.nibrs).astype("object"))
    blank = _blank(codes)
    unmapped = ~blank & category.isna()
    return category.where(~(blank | unmapped), "unknown").astype("str"), unmapped


def most_serious(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per `key`: its earliest `month` and its most serious `category` (rows: key, month, category)."""
    ranked = frame.assign(_rank=frame["category"].map(RANK))
    grouped = ranked.groupby(key, sort=True).agg(month=("month", "min"), _rank=("_rank", "min"))
    grouped["category"] = grouped["_rank"].map(dict(enumerate(CATEGORIES)))
    return grouped.drop(columns="_rank").reset_index()


def _listing(table: str, column: str, codes: pd.Series, mask: pd.Series, unit: str, counted_as: str) -> pd.DataFrame:
    counts = codes[mask].astype("str").str.strip().value_counts()
    return pd.DataFrame({"table": table, "column": column, "local_code": counts.index.astype("str"),
                         "count": counts.to_numpy(dtype="int64"), "unit": unit, "counted_as": counted_as},
                        columns=UNMAPPED_COLUMNS)


def _looked_up(cells: pd.Series, mapping: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """(mapped value or NA, unmapped mask) of cells through one of the section's maps."""
    cells = cells.astype("str")
    value = folded(cells).map(mapping)
    return value, ~_blank(cells) & value.isna()


@dataclass
class Counted:
    """What the extract gave: the units counted and what could not be mapped or dated."""

    incidents: pd.DataFrame | None  # incident, month (NA: no readable date), category
    arrests: pd.DataFrame | None  # arrest, month, category[, race_ethnicity][, biological_sex]
    unmapped: pd.DataFrame  # UNMAPPED_COLUMNS
    blank: dict[str, int] = field(default_factory=dict)  # "table.column" -> blank cells counted as unknown
    undated: dict[str, int] = field(default_factory=dict)  # table -> units without a readable date (not counted)


def _offenses(rows: pd.DataFrame, key: str, code: str, table: str, column: str, maps: CodeMaps, months: list[str]):
    """(units by most serious offense, unmapped listing, blank codes) of offense or charge rows; the listing
    and the blanks of the units counted in `months`."""
    category, unmapped = offense_categories(rows[code], maps)
    units = most_serious(rows.assign(category=category), key)
    counted = rows[key].map(units.set_index(key)["month"]).isin(months)
    unit = "offense rows" if table == "offenses" else "charge rows"
    return (units, _listing(table, column, rows[code], unmapped & counted, unit, OFFENSE_TYPES["unknown"]),
            int((_blank(rows[code]) & counted).sum()))


def _race_ethnicity(first: pd.DataFrame, maps: CodeMaps, columns: dict, counted: pd.Series):
    """Per arrest, "Race / Ethnicity" from its race (and ethnicity) cells; (values, listings, blanks), the
    listings and blanks of the `counted` arrests."""
    race_value, race_unmapped = _looked_up(first["race"], maps.race)
    split = race_value.str.split(" / ", n=1, expand=True).reindex(columns=[0, 1])
    race, ethnicity = split[0].astype("object").fillna(UNKNOWN_RACE), split[1].astype("object")
    listings = [_listing("arrests", columns["race"], first["race"], race_unmapped & counted, "arrests",
                         UNKNOWN_RACE)]
    blank = {f"arrests.{columns['race']}": int((_blank(first["race"]) & counted).sum())}
    if "ethnicity" in first:
        own, eth_unmapped = _looked_up(first["ethnicity"], maps.ethnicity)
        # the ethnicity column wins over a race code holding both; blank counts where neither tells
        blank[f"arrests.{columns['ethnicity']}"] = int((_blank(first["ethnicity"]) & ethnicity.isna()
                                                         & counted).sum())
        ethnicity = own.astype("object").fillna(ethnicity.astype("object"))
        listings.append(_listing("arrests", columns["ethnicity"], first["ethnicity"], eth_unmapped & counted,
                                 "arrests", UNKNOWN_ETHNICITY))
    return race + " / " + ethnicity.fillna(UNKNOWN_ETHNICITY), listings, blank


def _people(arrests: pd.DataFrame, rows: pd.DataFrame, columns: dict, maps: CodeMaps,
            months: list[str]) -> tuple[list, dict]:
    """Adds race_ethnicity and biological_sex to `arrests` (one row per arrest, sorted by arrest) from each
    arrest's filled cells (rows in extract order; rows that disagree give Unknown, listed); (listings, blanks)."""
    people = [c for c in ("race", "ethnicity", "sex") if c in rows]
    if not people:
        return [], {}
    cells = rows[people].astype("str")
    cells = cells.mask(cells.apply(_blank)).assign(arrest=rows["arrest"])
    grouped = cells.groupby("arrest", sort=True)
    first = grouped.first().reindex(arrests["arrest"]).reset_index(drop=True)
    listings, blank = [], {}
    counted = pd.Series(arrests["month"].isin(months).to_numpy(), index=first.index)
    # Rows of one arrest that disagree on race, ethnicity or sex: no value is picked. The cell becomes a code no
    # map holds, so the arrest counts as the definition's Unknown and is listed as unmapped (exit 1).
    disagree = (grouped[people].nunique() > 1).reindex(arrests["arrest"]).reset_index(drop=True)
    for column in people:
        first[column] = first[column].mask(disagree[column], DISAGREEING)
    if "race" in first:
        value, listings, blank = _race_ethnicity(first, maps, columns, counted)
        arrests["race_ethnicity"] = value.to_numpy()
    if "sex" in first:
        value, unmapped = _looked_up(first["sex"], maps.sex)
        arrests["biological_sex"] = value.fillna("Unknown").map(BIOLOGICAL_SEX).to_numpy()
        listings.append(_listing("arrests", columns["sex"], first["sex"], unmapped & counted, "arrests",
                                 BIOLOGICAL_SEX["Unknown"]))
        blank[f"arrests.{columns['sex']}"] = int((_blank(first["sex"]) & counted).sum())
    return listings, blank


def count_extract(offenses: pd.DataFrame | None, arrests: pd.DataFrame | None, columns: dict,
                  maps: CodeMaps, months: list[str]) -> Counted:
    """Offense rows (incident, month, code) and charge rows (arrest, month, charge[, race, ethnicity, sex]),
    month NA where the date is blank or unreadable, -> the units. Unmapped codes and blanks are those of the
    units counted in `months`; units without a readable date are counted in `undated` whatever the period
    (they could belong to it). `columns`: table -> canonical name -> the export's column, named in listings."""
    listings, blank, undated, units = [], {}, {}, {}
    for table, key, code, rows in (("offenses", "incident", "code", offenses), ("arrests", "arrest", "charge", arrests)):
        if rows is None:
            units[table] = None
            continue
        found, listing, blanks = _offenses(rows, key, code, table, columns[table][code], maps, months)
        listings.append(listing)
        blank[f"{table}.{columns[table][code]}"] = blanks
        if table == "arrests":
            more, people_blank = _people(found, rows, columns[table], maps, months)
            listings += more
            blank |= people_blank
        undated[table] = int(found["month"].isna().sum())
        units[table] = found
    unmapped = pd.concat(listings, ignore_index=True) if listings else pd.DataFrame(columns=UNMAPPED_COLUMNS)
    return Counted(incidents=units["offenses"], arrests=units["arrests"], unmapped=unmapped, blank=blank,
                   undated=undated)


# ------------------------------------------------------------------------------------------------ the metrics

def _month_rows(units: pd.DataFrame, months: list[str], column: str | None, values: tuple) -> pd.DataFrame:
    """Publisher rows (year, month[, breakdown], value) for every month and every breakdown value, zeros kept."""
    inside = units[units["month"].isin(months)]
    if column is None:
        counts = inside.groupby("month").size()
        grid = pd.DataFrame({"month": months})
        grid["value"] = grid["month"].map(counts).fillna(0).astype("int64")
    else:
        source = {"offense_type": "category", "race/ethnicity": "race_ethnicity",
                  "biological_sex": "biological_sex"}[column]
        labels = inside[source].map(OFFENSE_TYPES) if source == "category" else inside[source]
        counts = inside.assign(_value=labels).groupby(["month", "_value"]).size()
        grid = pd.MultiIndex.from_product([months, values], names=["month", column]).to_frame(index=False)
        grid["value"] = [int(counts.get((m, v), 0)) for m, v in zip(grid["month"], grid[column])]
    period = grid.pop("month")
    grid.insert(0, "year", period.str[:4].astype("int64"))
    grid.insert(1, "month", period.str[5:].astype("int64"))
    return grid


def metric_files(counted: Counted, months: list[str]) -> dict[str, pd.DataFrame]:
    """Publisher file name -> its rows for `months` (only the metrics the extract and profile allow)."""
    out = {}
    for name, (metric, column, values) in BREAKDOWNS.items():
        units = counted.incidents if metric == REPORTED_CRIME else counted.arrests
        if units is None or (column == "race/ethnicity" and "race_ethnicity" not in units) or (
                column == "biological_sex" and "biological_sex" not in units):
            continue
        out[name] = _month_rows(units, months, column, values)
    return out


def calendar_year(files: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The year's totals in the Publisher's single-sheet layout (metric, year, month, breakdown_category,
    breakdown, value; month blank: an annual figure), for agencies that share these metrics annually."""
    rows = []
    for name, frame in files.items():
        metric, column, _ = BREAKDOWNS[name]
        key = [column] if column else []
        totals = frame.groupby(["year", *key], sort=False)["value"].sum().reset_index()
        for record in totals.itertuples(index=False):
            rows.append({"metric": metric, "year": int(record[0]), "month": "",
                         "breakdown_category": column or "", "breakdown": record[1] if column else "",
                         "value": int(record[-1])})
    return pd.DataFrame(rows, columns=["metric", "year", "month", "breakdown_category", "breakdown", "value"])


def summary(files: dict[str, pd.DataFrame], counted: Counted, robbery_as: str) -> dict:
    """The manifest's summary: each metric's total and breakdowns over the period, and what was not counted."""
    out = {"robbery_counted_as": robbery_as,
           "hierarchy": "person > property > public_order > drug > other > unknown"}
    for name, frame in files.items():
        metric, column, _ = BREAKDOWNS[name]
        if column is None:
            out.setdefault(metric, {})["total"] = int(frame["value"].sum())
        else:
            sums = frame.groupby(column, sort=False)["value"].sum()
            out.setdefault(metric, {})[f"by_{column.replace('/', '_')}"] = {str(k): int(v) for k, v in sums.items()}
    out["unmapped"] = [{k: (int(v) if k == "count" else str(v)) for k, v in r.items()}
                       for r in counted.unmapped.to_dict("records")]
    out["blank_counted_as_unknown"] = dict(counted.blank)
    out["undated_not_counted"] = dict(counted.undated)
    return out


def exit_code(counted: Counted) -> int:
    """1 (done, with findings) when a code is unmapped or a unit has no readable date; else 0."""
    return 1 if len(counted.unmapped) or any(counted.undated.values()) else 0


# ------------------------------------------------------------------------------------------------ one page

def _table(title: str, breakdown: dict) -> list[str]:
    lines = [f"| {title} | count |", "| --- | ---: |"]
    lines += [f"| {k} | {v} |" for k, v in breakdown.items() if v]
    return lines if len(lines) > 2 else lines + ["| (none) | 0 |"]


def summary_page(agency: str, period: str, facts: dict, files: list[str]) -> str:
    """A one-page summary a chief can read (Markdown)."""
    lines = [f"# Justice Counts: reported crime and arrests, {period}", "", f"Agency: {agency}", ""]
    crime, arrests = facts.get(REPORTED_CRIME), facts.get(ARRESTS)
    if crime:
        lines += [f"**Reported crime (1.10): {crime['total']} incident(s).** Each incident is counted once, in "
                  "the category of its most serious offense.", "",
                  *_table("Most serious offense", crime.get("by_offense_type", {})), ""]
    if arrests:
        lines += [f"**Arrests, citations and summonses (1.7): {arrests['total']}.** Each arrest event is counted "
                  "once (a person arrested twice counts twice), by its most serious charge.", "",
                  *_table("Most serious charge", arrests.get("by_offense_type", {})), ""]
        if "by_race_ethnicity" in arrests:
            lines += [*_table("Race / ethnicity (1.8)", arrests["by_race_ethnicity"]), ""]
        if "by_biological_sex" in arrests:
            lines += [*_table("Biological sex (1.9)", arrests["by_biological_sex"]), ""]
    lines += ["How offenses were ranked: person, then property, public order, drug, other; unknown only when no "
              f"offense of the incident or arrest is known. Robbery counts as a {facts['robbery_counted_as']} "
              "offense" + (" (the Justice Counts recommendation)." if facts["robbery_counted_as"] == "person"
                           else " (the NIBRS grouping, as the profile chooses)."), ""]
    unmapped = facts["unmapped"]
    if unmapped:
        lines += ["**Needs attention: local codes with no mapping** (counted as Unknown; add them to the "
                  "profile's `justice_counts_offenses` maps or offense crosswalk and run again):", ""]
        lines += [f"- {u['table']} column {u['column']}: `{u['local_code']}`, {u['count']} {u['unit']}"
                  for u in unmapped]
        lines.append("")
    blanks = {k: v for k, v in facts["blank_counted_as_unknown"].items() if v}
    if blanks:
        lines += ["Blank cells counted as Unknown: " + ", ".join(f"{k} {v}" for k, v in blanks.items()) + ".", ""]
    undated = {k: v for k, v in facts["undated_not_counted"].items() if v}
    if undated:
        lines += ["**Needs attention: not counted, no readable date:** "
                  + ", ".join(f"{v} {'incident' if k == 'offenses' else 'arrest'}(s)" for k, v in undated.items())
                  + " (see the manifest's notes for the rows).", ""]
    lines += ["Files for the Justice Counts Publisher bulk upload: " + ", ".join(f"`{f}`" for f in files) + "."]
    return "\n".join(lines) + "\n"
