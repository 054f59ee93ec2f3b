"""When a month may have a zero report (spec §3.2.5.2, Z2): the one place the rule is decided.

The catalog's engine rules Z2-CURRENT-OR-FUTURE and Z2-BEFORE-2017 carry the messages; the monthly run refuses
with them (flows/pipeline/monthly.py), the month's plan leaves the zero report out (transforms/submission.py).
"""
from __future__ import annotations

import pandas as pd

FIRST_ZERO_REPORT_MONTH = "2017-01"  # the data collection starts with January 2017 (Z2: year > 2016)


def zero_report_rule(month: str, as_of: pd.Timestamp) -> str | None:
    """The Z2 rule a zero report for `month` (YYYY-MM) would break as of `as_of`, or None when it may be sent."""
    if month >= as_of.strftime("%Y-%m"):
        return "Z2-CURRENT-OR-FUTURE"
    if month < FIRST_ZERO_REPORT_MONTH:
        return "Z2-BEFORE-2017"
    return None


def zero_report_allowed(month: str, as_of: pd.Timestamp) -> bool:
    """Z2: a zero report is for a completed month from January 2017 on."""
    return zero_report_rule(month, as_of) is None


def month_year(month: str) -> str:
    """Z2's MM/YYYY form of a YYYY-MM month."""
    return f"{month[5:7]}/{month[:4]}"
