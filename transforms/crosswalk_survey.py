"""Which local codes does the extract hold, per coded column, and which of them are covered?

Pure functions over the normalised frames *before* the crosswalks (`Extract.local`): no I/O, no
printing. A *coded* column is an element with an FBI list of values (`mappings/codes.yaml`). Only
coded columns are surveyed, so free-text and personal columns (names, addresses, case numbers) never
reach the output.

Per distinct local value the survey says how many rows hold it and whether it is

* `mapped`    — the column has a crosswalk and the value is one of its local codes;
* `invalid`   — the column has a crosswalk that marks the value as known-bad (`invalid:`, with the
  `reason`): configured, so not `unmapped`, but the run rejects the rows holding it (XW-INVALID);
* `fbi_value` — the value is already a valid FBI value of the element;
* `unmapped`  — what the monthly run would not accept: with a crosswalk, any value missing from its
  map and from its invalid values (rule XW-UNMAPPED, even when it happens to be an FBI value);
  without one, any value that is not an FBI value (the list-of-values rule rejects it).

Multi-valued elements (`*_ids`) are split on `;` into their local codes, as the crosswalk does.
A code is counted once per row even if a cell repeats it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from schemas.primitives import SEP

try:
    from transforms.crosswalk import lookup_keys
except ImportError:  # crosswalks without lookup options (trim/case): local codes match exactly
    def lookup_keys(s: pd.Series, trim: bool = True, case: str = "exact") -> pd.Series:
        return s

SURVEY_COLUMNS = ["table", "column", "code_table", "value", "count", "crosswalked", "mapped", "target",
                  "invalid", "reason", "fbi_value", "unmapped"]
FLAGS = ["crosswalked", "mapped", "invalid", "fbi_value", "unmapped"]


@dataclass(frozen=True)
class Lookup:
    """One column's crosswalk: local code -> FBI values, looked up as the run does (trim, case)."""

    mapping: Mapping[str, tuple[str, ...]]
    trim: bool = True
    case: str = "exact"
    invalid: Mapping[str, str] = field(default_factory=dict)  # known-bad local value -> reason

    def _lookup(self, values: pd.Series, table: Mapping[str, str]) -> pd.Series:
        keys = lookup_keys(pd.Series(list(table), dtype="str"), self.trim, self.case)
        keyed = dict(zip(keys.tolist(), table.values()))
        return lookup_keys(values.astype("str"), self.trim, self.case).map(keyed).astype("str")

    def targets(self, values: pd.Series) -> pd.Series:
        """The `;`-joined FBI values of each local code (NA where the crosswalk lacks it)."""
        return self._lookup(values, {k: SEP.join(v) for k, v in self.mapping.items()})

    def reasons(self, values: pd.Series) -> pd.Series:
        """Why each local value is marked invalid (NA where it is not)."""
        return self._lookup(values, dict(self.invalid))


@dataclass(frozen=True)
class CodedColumn:
    """One element column with an FBI list of values."""

    table: str  # incidents | subjects | officers
    column: str  # element name, e.g. gender, offense1
    code_table: str  # e.g. subject.gender, incident.offense (offense1-3 share one)
    element_id: str  # e.g. S3
    multi: bool  # multi-valued (list) element: cells hold `;`-separated codes
    codes: Mapping[str, str] = field(default_factory=dict)  # FBI value -> description


def coded_columns(ref, tables=("incidents", "subjects", "officers")) -> list[CodedColumn]:
    """Every coded column of `tables`, in data element order (`ref` is a flows.config.load.Reference)."""
    out = []
    for table in tables:
        for name in ref.columns_of(table):
            code_table = ref.code_table_name(table, name)
            element = ref.element(table, name)
            if code_table is None or element is None:
                continue
            out.append(CodedColumn(table=table, column=name, code_table=code_table, element_id=element["id"],
                                   multi=element["type"] == "list", codes=dict(ref.codes[code_table])))
    return out


def crosswalk_maps(crosswalks) -> dict[tuple[str, str], Lookup]:
    """(table, column) -> its crosswalk's Lookup, from the profile's loaded crosswalks."""
    return {target: Lookup(cw.mapping, getattr(cw, "trim", True), getattr(cw, "case", "exact"),
                           getattr(cw, "invalid", {}))
            for cw in crosswalks for target in cw.targets}


def local_codes(s: pd.Series, multi: bool) -> pd.DataFrame:
    """Distinct local codes of one column with the number of rows holding each (`value`, `count`)."""
    s = s.reset_index(drop=True).dropna().astype("str")
    if multi:
        s = s.str.split(SEP).explode()
    s = s[s != ""]
    pairs = pd.DataFrame({"row": s.index, "value": s.to_numpy()}).drop_duplicates()
    counts = pairs["value"].value_counts(sort=False)
    return pd.DataFrame({"value": counts.index.astype("str"), "count": counts.to_numpy(dtype="int64")})


def survey(local: Mapping[str, pd.DataFrame], columns: list[CodedColumn],
           maps: Mapping[tuple[str, str], Lookup | Mapping[str, tuple[str, ...]]]) -> pd.DataFrame:
    """One row per (table, column, distinct local value) of the coded columns the frames hold.

    `maps`: (table, column) -> Lookup (or a plain local code -> FBI values mapping, matched exactly).
    `target` holds the `;`-joined FBI values of a mapped code (empty text for a code mapped to `[]`).
    Rows are ordered by table and column as in `columns`, then by count (descending) and value.
    """
    parts = []
    for col in columns:
        frame = local.get(col.table)
        if frame is None or col.column not in frame.columns:
            continue
        found = local_codes(frame[col.column], col.multi)
        if found.empty:
            continue
        lookup = maps.get((col.table, col.column))
        if lookup is not None and not isinstance(lookup, Lookup):
            lookup = Lookup(lookup)
        found = found.sort_values(["count", "value"], ascending=[False, True], kind="stable")
        found.insert(0, "table", col.table)
        found.insert(1, "column", col.column)
        found.insert(2, "code_table", col.code_table)
        found["crosswalked"] = lookup is not None
        if lookup is not None:
            found["target"] = lookup.targets(found["value"]).to_numpy()
            found["mapped"] = found["target"].notna()
            found["reason"] = lookup.reasons(found["value"]).to_numpy()
        else:
            found["target"] = pd.Series(pd.NA, index=found.index, dtype="str")
            found["mapped"] = False
            found["reason"] = pd.Series(pd.NA, index=found.index, dtype="str")
        found["invalid"] = found["reason"].notna() & ~found["mapped"]
        found["fbi_value"] = found["value"].isin(list(col.codes))
        found["unmapped"] = ~(found["mapped"] | found["invalid"]) if lookup is not None else ~found["fbi_value"]
        parts.append(found)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "count" else "bool" if c in FLAGS else "str")
                             for c in SURVEY_COLUMNS})
    out = pd.concat(parts, ignore_index=True)[SURVEY_COLUMNS]
    return out.astype({c: "bool" for c in FLAGS} | {"target": "str", "reason": "str"})
