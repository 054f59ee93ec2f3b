"""Which months an extract covers: only there may a month without incidents get a zero report.

Pure functions, no I/O. A zero report tells the FBI "we looked at this month and nothing reportable
happened"; an extract can say that only for months it covers:

* `declared`      - the period the user declares for the extract (command line `--covers`, else the
                    profile's `extract_period`);
* `incident_span` - when none is declared, the first to the last month holding an incident with a
                    readable date (every incident counts: reportable or not, rejected or not);
* `headers_only`  - an extract without any incident row, given for exactly one month: that month
                    (an explicit "nothing happened"); given for several months it covers none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])", re.ASCII)


@dataclass(frozen=True)
class Coverage:
    period_from: str | None  # YYYY-MM, None when the extract covers no month
    period_to: str | None
    basis: str  # declared | incident_span | headers_only | none
    first_date: str | None = None  # first and last readable incident date (YYYY-MM-DD) of the extract
    last_date: str | None = None

    def covers(self, month: str) -> bool:
        return self.period_from is not None and self.period_from <= month <= self.period_to

    def manifest(self, month: str) -> dict:
        return {"period_from": self.period_from, "period_to": self.period_to, "basis": self.basis,
                "first_incident_date": self.first_date, "last_incident_date": self.last_date,
                "month_covered": self.covers(month)}

    def held(self) -> str:
        """What the extract holds, in words, for the messages."""
        if self.first_date is None:
            return "the extract holds no incident with a readable date"
        return f"the extract holds incidents from {self.first_date} to {self.last_date}"


def period_problem(first, last) -> str | None:
    """Why a declared period (from, to) is not valid, or None."""
    for name, value in (("from", first), ("to", last)):
        if not isinstance(value, str) or not MONTH.fullmatch(value):
            return f"'{name}' must be a month written YYYY-MM (got {value!r})"
    if first > last:
        return f"'from' {first} is after 'to' {last}"
    return None


def parse_period(text: str) -> tuple[str, str]:
    """`YYYY-MM..YYYY-MM` (or one month `YYYY-MM`) -> (from, to); ValueError with the reason."""
    first, sep, last = text.strip().partition("..")
    first, last = first.strip(), (last.strip() if sep else first.strip())
    problem = period_problem(first, last)
    if problem:
        raise ValueError(f"'{text}' is not a period written YYYY-MM..YYYY-MM: {problem}")
    return first, last


def extract_coverage(incidents: pd.DataFrame, months: list[str], declared: tuple[str, str] | None) -> Coverage:
    """The months `incidents` (the whole extract's incident frame, ISO `incident_date`) covers.

    `months` are the months the extract is given for (one for `uof run`, the range for a backfill).
    """
    dates = incidents["incident_date"].dropna()
    first_date, last_date = (dates.min(), dates.max()) if len(dates) else (None, None)
    if declared is not None:
        return Coverage(declared[0], declared[1], "declared", first_date, last_date)
    if first_date is not None:
        return Coverage(first_date[:7], last_date[:7], "incident_span", first_date, last_date)
    if len(incidents) == 0 and len(months) == 1:
        return Coverage(months[0], months[0], "headers_only")
    return Coverage(None, None, "headers_only" if len(incidents) == 0 else "none")


def not_covered(first: str, last: str, coverage: Coverage) -> str:
    """Why the months first..last are not covered by the extract, and what to do if they are."""
    label = first if first == last else f"{first}..{last}"
    if coverage.basis == "declared":
        why = f"the period declared for it is {coverage.period_from}..{coverage.period_to}; {coverage.held()}"
        fix = "correct --covers or the profile's extract_period if the extract covers more"
    elif coverage.basis == "headers_only":
        why = "it has no incident row at all and is given for several months"
        fix = (f"run each month on its own, or declare the period it covers with --covers {first}..{last} "
               "or extract_period in the profile")
    else:
        why = coverage.held()
        low = min(coverage.period_from or first, first)
        high = max(coverage.period_to or last, last)
        fix = f"declare its period with --covers {low}..{high}, or extract_period in the profile, if it covers {label}"
    return f"{label} is not covered by the extract: {why} ({fix})"


def refusal(month: str, coverage: Coverage) -> str:
    """The message for a month without incidents that the extract does not cover: no zero report."""
    return f"no incident in {month}, but no zero report is sent: " + not_covered(month, month, coverage)
