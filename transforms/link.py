"""Subjects and officers joined to their incident by agency_case_number (I2)."""
from __future__ import annotations

import pandas as pd


def duplicate_case_numbers(incidents: pd.DataFrame) -> pd.Series:
    """True on every incident row whose case number appears on another incident row too."""
    key = incidents["agency_case_number"]
    return (key.notna() & key.duplicated(keep=False)).astype(bool)


def linked(child: pd.DataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """`child` with `_incident_row` and `_incident_date` of its incident (NA when it has none).

    A case number shared by several incident rows links to the first of them; those incidents are
    rejected as duplicates anyway, so each child row is still counted exactly once.
    """
    first = incidents[incidents["agency_case_number"].notna()].drop_duplicates("agency_case_number")
    keys = first["agency_case_number"].to_numpy()
    rows = pd.Series(first["_row"].astype("Int64").array, index=keys)
    dates = pd.Series(first["incident_date"].array, index=keys)
    base = child.drop(columns=[c for c in ("_incident_row", "_incident_date") if c in child.columns])
    # two looked-up columns added (not a merge, which copies every column of a large child table)
    return base.assign(_incident_row=base["agency_case_number"].map(rows),
                       _incident_date=base["agency_case_number"].map(dates))


def incident_month(incidents: pd.DataFrame) -> pd.Series:
    """YYYY-MM of each incident (NA when the date cannot be read)."""
    return incidents["incident_date"].str.slice(0, 7)


def in_months(incidents: pd.DataFrame, months: list[str]) -> pd.Series:
    """Incidents dated in one of `months` (YYYY-MM)."""
    return incident_month(incidents).isin(months).fillna(False).astype(bool)


def undated(incidents: pd.DataFrame) -> pd.Series:
    """Incidents whose incident_date (I3) is blank or not a readable date: rejected in every run."""
    return incidents["incident_date"].isna()
