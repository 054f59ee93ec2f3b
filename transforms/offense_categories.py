"""Emitted incidents counted by the NIBRS crimes-against and Justice Counts category of their offense1 (I15).

offense1 is the most serious offense observed; incidents without one (contact not criminal/suspicious,
or offenses pending) count as `none`. Robbery (120) is a person offense for Justice Counts by default and
a property offense when the profile says `justice_counts_robbery: property`.
"""
from __future__ import annotations

import pandas as pd


def justice_counts_categories(offenses: pd.DataFrame, robbery_as: str = "person") -> pd.Series:
    """NIBRS offense code -> Justice Counts category (mappings/offenses.yaml), robbery (120) as `robbery_as`."""
    justice = offenses.set_index("code")["justice_counts"].astype("str").copy()
    if "120" in justice.index:
        justice.loc["120"] = robbery_as
    return justice


def offense_category_counts(incidents: pd.DataFrame, offenses: pd.DataFrame, robbery_as: str = "person") -> dict:
    table = offenses.set_index("code")
    justice = justice_counts_categories(offenses, robbery_as)
    code = incidents["offense1"]
    out = {}
    for name, mapping in (("crimes_against", table["crimes_against"].astype("str")), ("justice_counts", justice)):
        counts = code.map(mapping).fillna("none").value_counts()
        out[name] = {str(k): int(v) for k, v in sorted(counts.items())}
    return out
