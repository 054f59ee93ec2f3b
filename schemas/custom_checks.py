"""Custom rule checks named by `check: {kind: custom, function: ...}` in schemas/catalog.yaml.

Each function has the signature `(df, ctx) -> bool Series` (same index as `df`, True where the edit
is VIOLATED) and works on whole columns: no Python loop over rows. Blank cells never violate a value
check; presence is the business of `required` rules.
"""
from __future__ import annotations

import operator

import pandas as pd

from schemas.primitives import decimals, full_match, ints, iso_dates, not_matching, text_compare, token_count

ORI_PATTERN = r"[A-Z0-9]{9}"  # UNKNOWN01 (I10: unknown agency) matches too
CASE_NUMBER_PATTERN = r"[A-Za-z0-9-]{1,20}"  # I2 format; UNKNOWN (I10: unknown case number) matches too
LATITUDE_PATTERN = r"-?[0-9]{1,2}[.][0-9]{4}"
LONGITUDE_PATTERN = r"-?[0-9]{1,3}[.][0-9]{4}"
ACTION_TIME_FORMAT = "%m/%d/%Y %H:%M:%S"
FEDERAL_OR_TRIBAL = ("federal", "tribal")


def _false(df: pd.DataFrame) -> pd.Series:
    return pd.Series(False, index=df.index)


def _naive(ts: pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(ts)
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


# --- I3 / I5 / I6 / ActionTime -------------------------------------------------------------

def _minutes_of_day(df: pd.DataFrame) -> pd.Series:
    """incident_time_hours * 60 + incident_time_minutes (a missing or invalid part counts as 0)."""
    hours = ints(df["incident_time_hours"])
    minutes = ints(df["incident_time_minutes"])
    hours = hours.where((hours >= 0) & (hours <= 23), 0.0)
    minutes = minutes.where((minutes >= 0) & (minutes <= 59), 0.0)
    return hours * 60 + minutes


def _after(df: pd.DataFrame, day: pd.Series, minute: pd.Series) -> pd.Series:
    """Incident date/time strictly after (`day` ISO text, `minute` of that day), row by row."""
    date = iso_dates(df["incident_date"])
    later_day = (date > day).fillna(False).astype(bool)
    same_day = (date == day).fillna(False).astype(bool)
    return (later_day | (same_day & (_minutes_of_day(df) > minute))).astype(bool)


def incident_in_future(df: pd.DataFrame, ctx) -> pd.Series:
    """I3/I5/I6: the incident date and time lie after the run's as-of time (to the minute)."""
    as_of = _naive(ctx.as_of)
    day = pd.Series(as_of.strftime("%Y-%m-%d"), index=df.index, dtype="str")
    minute = pd.Series(float(as_of.hour * 60 + as_of.minute), index=df.index)
    return _after(df, day, minute)


def action_time_before_incident(df: pd.DataFrame, ctx) -> pd.Series:
    """ActionTime (§3.2.1.2, MM/DD/YYYY hh:mm:ss) must not occur before the incident date and time."""
    stamp = pd.to_datetime(df["ActionTime"], format=ACTION_TIME_FORMAT, errors="coerce")
    day = pd.Series(stamp.dt.strftime("%Y-%m-%d").to_numpy(), index=df.index, dtype="str")
    minute = pd.Series((stamp.dt.hour * 60 + stamp.dt.minute).to_numpy(dtype="float64", na_value=float("nan")),
                       index=df.index)
    return _after(df, day, minute) & stamp.notna()


# --- I1 / I4 submitter ------------------------------------------------------------------------

def _not_one_of(s: pd.Series, allowed) -> pd.Series:
    """A well-formed ORI (ill-formed ones are the FORMAT rules' business) outside `allowed`."""
    return (full_match(s, ORI_PATTERN) & ~s.isin(list(allowed)).fillna(False)).astype(bool)


def agency_ori_not_in_profile(df: pd.DataFrame, ctx) -> pd.Series:
    """I1: the incident's agency must be the profile's agency_ori or one of its additional_agency_oris."""
    if not ctx.agency_oris:
        return _false(df)
    return _not_one_of(df["agency_ori"], ctx.agency_oris)


def reporting_ori_not_in_profile(df: pd.DataFrame, ctx) -> pd.Series:
    """I4: the reporting agency must be the profile's reporting_agency_ori, the submitter the files are named for."""
    if ctx.reporting_agency_ori is None:
        return _false(df)
    return _not_one_of(df["reporting_agency_ori"], [ctx.reporting_agency_ori])


# --- I10 / I11 other agencies ---------------------------------------------------------------
# other_agencies_involved holds ORI:CASE_NUMBER pairs joined by ';'. Each check is one full-cell
# regular expression over the pairs (split semantics: the ORI is the text before the first ':').

def _every_pair(token: str) -> str:
    return f"{token}(?:;{token})*"


# both parts present (not blank) in every pair
_PAIR_COMPLETE = _every_pair(r"[^:;]*[^:;\s][^:;]*:[^;]*[^;\s][^;]*")
# every ORI part empty or nine letters/digits (UNKNOWN01 matches)
_PAIR_ORI_OK = _every_pair(rf"(?:{ORI_PATTERN})?(?::[^;]*)?")
# every case part empty or I2-shaped (UNKNOWN matches)
_PAIR_CASE_OK = _every_pair(rf"[^:;]*(?::(?:{CASE_NUMBER_PATTERN})?)?")


def other_agency_pair_incomplete(df: pd.DataFrame, ctx) -> pd.Series:
    """I10: every other agency needs both its agency_ori and its agency_case_number."""
    return not_matching(df["other_agencies_involved"], _PAIR_COMPLETE)


def other_agency_ori_invalid(df: pd.DataFrame, ctx) -> pd.Series:
    """I10: each agency_ori is nine letters/digits (UNKNOWN01 when unknown)."""
    return not_matching(df["other_agencies_involved"], _PAIR_ORI_OK)


def other_agency_case_invalid(df: pd.DataFrame, ctx) -> pd.Series:
    """I10: each agency_case_number follows I2 (letters, digits, hyphens, at most 20; UNKNOWN when unknown)."""
    return not_matching(df["other_agencies_involved"], _PAIR_CASE_OK)


def other_agency_count_mismatch(df: pd.DataFrame, ctx) -> pd.Series:
    """I11 = number of ORI:case pairs in I10 (checked when both are given)."""
    agencies = df["other_agencies_involved"]
    count = ints(df["total_number_other_agencies"])
    both = agencies.notna() & count.notna()
    return (both & (token_count(agencies) != count)).astype(bool)


# --- I15 / I16 / I17 offenses ---------------------------------------------------------------

def _valid_before(ctx) -> dict[str, str]:
    """Offense code -> first ISO date on which it is no longer valid (offenses.yaml valid_before)."""
    table = ctx.offenses
    if "valid_before" not in table.columns:
        return {}
    dates = pd.to_datetime(table["valid_before"], errors="coerce")
    keep = dates.notna().to_numpy()
    return dict(zip(table["code"].astype(str).to_numpy()[keep], dates[keep].dt.strftime("%Y-%m-%d")))


def _retired(df: pd.DataFrame, ctx, column: str) -> pd.Series:
    limits = _valid_before(ctx)
    if not limits:
        return _false(df)
    offense = df[column]
    date = iso_dates(df["incident_date"])
    out = _false(df)
    for code, limit in limits.items():  # a handful of retired codes, each a whole-column test
        out |= (offense == code).fillna(False).astype(bool) & text_compare(date, operator.ge, limit)
    return out


def _federal_only(df: pd.DataFrame, ctx, column: str) -> pd.Series:
    if ctx.agency_kind in FEDERAL_OR_TRIBAL or "federal_tribal_only" not in ctx.offenses.columns:
        return _false(df)
    flags = ctx.offenses["federal_tribal_only"].fillna(False).astype(bool)
    codes = ctx.offenses.loc[flags, "code"].astype(str).tolist()
    return df[column].isin(codes).fillna(False).astype(bool)


def offense_retired(df, ctx, column):
    """I15-I17: an offense no longer valid on the incident date (90A/90E/90H from 2021-01-01)."""
    return _retired(df, ctx, column)


def offense_federal_tribal_only(df, ctx, column):
    """I15-I17: an offense valid only for federal or tribal agencies, reported by another kind of agency."""
    return _federal_only(df, ctx, column)


def offense2_repeats_offense1(df, ctx):
    """I16 equals I15."""
    return (df["offense2"] == df["offense1"]).fillna(False).astype(bool)


def offense3_repeats_earlier(df, ctx):
    """I17 equals I15 or I16."""
    same = (df["offense3"] == df["offense1"]).fillna(False) | (df["offense3"] == df["offense2"]).fillna(False)
    return same.astype(bool)


# --- I23 / I24 coordinates ------------------------------------------------------------------

def _out_of_range(s: pd.Series, pattern: str, limit: float) -> pd.Series:
    return (decimals(s, pattern).abs() > limit).astype(bool)


def latitude_out_of_range(df, ctx):
    """I23 between -90.0000 and 90.0000 (checked on well-formed values)."""
    return _out_of_range(df["address_latitude"], LATITUDE_PATTERN, 90.0)


def longitude_out_of_range(df, ctx):
    """I24 between -180.0000 and 180.0000 (checked on well-formed values)."""
    return _out_of_range(df["address_longitude"], LONGITUDE_PATTERN, 180.0)


# --- cross-segment counts -------------------------------------------------------------------

def ticklers_exceed_subjects(df, ctx):
    """I32/I33: at least one subject per incident_tickler_ids value.

    Compared with total_number_subjects (I33) when it is a number, else with the subject rows.
    """
    subjects = ints(df["total_number_subjects"])
    subjects = subjects.fillna(ints(df["_n_subject_rows"]))
    ticklers = token_count(df["incident_tickler_ids"])
    return (df["incident_tickler_ids"].notna() & (ticklers > subjects)).fillna(False).astype(bool)


def has_no_subject_rows(df, ctx):
    """§2 / I33: an incident needs at least one subject segment."""
    return (ints(df["_n_subject_rows"]).fillna(0) < 1).astype(bool)


def has_no_officer_rows(df, ctx):
    """§2 / I30: an incident needs at least one officer segment."""
    return (ints(df["_n_officer_rows"]).fillna(0) < 1).astype(bool)


# --- S8-S11 subject height ------------------------------------------------------------------

def _inches(feet: pd.Series, inch: pd.Series) -> pd.Series:
    f = ints(feet)
    i = ints(inch)
    ok = (f >= 0) & (f <= 10) & (i >= 0) & (i <= 11)
    return (f * 12 + i).where(ok)


def _heights(df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    return (_inches(df["height1_feet"], df["height1_inch"]), _inches(df["height2_feet"], df["height2_inch"]))


def height2_not_greater(df, ctx):
    """S10/S11: Height 2 must be greater than Height 1 (all four parts given and in range)."""
    h1, h2 = _heights(df)
    return (h2 <= h1).fillna(False).astype(bool)


def height_range_too_wide(df, ctx):
    """S10/S11: Height 2 must not exceed Height 1 by more than 6 inches."""
    h1, h2 = _heights(df)
    return ((h2 - h1) > 6).fillna(False).astype(bool)


# --- S1 / O1 uniqueness ---------------------------------------------------------------------

def _repeated_within_incident(df: pd.DataFrame, column: str) -> pd.Series:
    key = df[["_incident_row", column]]
    dup = key.duplicated(keep=False)
    return (dup & df[column].notna() & df["_incident_row"].notna()).astype(bool)


def subject_id_repeated(df, ctx):
    """S1: subject_id unique within its incident."""
    return _repeated_within_incident(df, "subject_id")


def officer_id_repeated(df, ctx):
    """O1: officer_id unique within its incident."""
    return _repeated_within_incident(df, "officer_id")
