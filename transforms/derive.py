"""Derived elements and reportability.

RMS exports rarely carry the FBI's bookkeeping elements. When they are blank they are derived from
the segments (a provided value is kept, and still checked against the segments by the rule catalog):

* subject_id (S1) / officer_id (O1): numbered 1, 2, ... per incident in row order, after any ids given;
* total_number_subjects (I33) / agency_officers_involved (I30): the number of subject / officer rows,
  unless the matching *_pu_ids (I29 / I34) says the number is pending or unknown;
* incident_tickler_ids (I32): DEATH when a subject's injuries include DEATH; INJURY when they include
  GUNSHOT, UNCONSCIOUSNESS or OTHER_SERIOUS_INJURY; DISCHARGE when an officer fired (O20 = YES) and a
  subject is uninjured (S25 = NONE).

An incident whose tickler is blank and cannot be derived although every subject's injuries and every
officer's shots_fired are known meets none of the three FBI criteria: it is not reportable. When the
facts are pending or unknown nothing is derived, and the rule catalog rejects the blank I32 instead.
"""
from __future__ import annotations

import pandas as pd

from schemas.primitives import SEP, as_int, has_any_token, has_token

SERIOUS = ("GUNSHOT", "UNCONSCIOUSNESS", "OTHER_SERIOUS_INJURY")
UNDECIDED = ("PENDING", "UNKNOWN")
DERIVED_COLUMNS = ("incident_tickler_ids", "total_number_subjects", "agency_officers_involved")


def with_sequential_ids(child: pd.DataFrame, id_column: str) -> tuple[pd.DataFrame, int]:
    """Blank ids numbered per incident after the highest id given; returns (frame, ids derived)."""
    blank = child[id_column].isna()
    if not blank.any():
        return child, 0
    given = as_int(child[id_column])
    highest = given.groupby(child["_incident_row"]).transform("max").fillna(0)
    order = blank.astype("int64").groupby(child["_incident_row"]).cumsum()
    new = (highest + order).astype("Int64").astype("str")
    return child.assign(**{id_column: child[id_column].mask(blank, new)}), int(blank.sum())


def _any_per_incident(mask: pd.Series, parents: pd.Series, index: pd.Index) -> pd.Series:
    return mask.groupby(parents).any().reindex(index, fill_value=False).astype(bool)


def derived_incidents(incidents: pd.DataFrame, subjects: pd.DataFrame, officers: pd.DataFrame):
    """Returns (incidents with derived elements, not-reportable mask, counts of derived values)."""
    rows = pd.Index(incidents["_row"])
    s_parent, o_parent = subjects["_incident_row"], officers["_incident_row"]
    injuries = subjects["injury_type_ids"]
    death = _any_per_incident(has_token(injuries, "DEATH"), s_parent, rows)
    serious = _any_per_incident(has_any_token(injuries, SERIOUS), s_parent, rows)
    uninjured = _any_per_incident(has_token(injuries, "NONE"), s_parent, rows)
    injury_unsettled = _any_per_incident(has_any_token(injuries, UNDECIDED) | injuries.isna(), s_parent, rows)
    fired = _any_per_incident(officers["shots_fired"] == "YES", o_parent, rows)
    shots_unsettled = _any_per_incident(officers["shots_fired"].isin(UNDECIDED) | officers["shots_fired"].isna(),
                                        o_parent, rows)
    n_subjects = s_parent.value_counts().reindex(rows, fill_value=0)
    n_officers = o_parent.value_counts().reindex(rows, fill_value=0)

    tickler = pd.Series("", index=rows, dtype="str")
    tickler = tickler.mask(death, tickler + SEP + "DEATH")
    tickler = tickler.mask(serious, tickler + SEP + "INJURY")
    tickler = tickler.mask(fired & uninjured, tickler + SEP + "DISCHARGE")
    tickler = tickler.str.strip(SEP)
    tickler = tickler.where(tickler != "")

    out = incidents.copy()
    counts = {}
    blank_tickler = out["incident_tickler_ids"].isna().to_numpy()
    fill = blank_tickler & tickler.notna().to_numpy()
    out.loc[fill, "incident_tickler_ids"] = tickler.to_numpy()[fill]
    counts["incident_tickler_ids"] = int(fill.sum())
    decided = ~(injury_unsettled | shots_unsettled).to_numpy() & (n_subjects > 0).to_numpy()
    not_reportable = pd.Series(blank_tickler & tickler.isna().to_numpy() & decided, index=out.index)
    for column, pu_column, count in (("total_number_subjects", "total_number_subjects_pu_ids", n_subjects),
                                     ("agency_officers_involved", "agency_officers_involved_pu_ids", n_officers)):
        fill = (out[column].isna() & out[pu_column].isna()).to_numpy() & (count > 0).to_numpy()
        out.loc[fill, column] = count.astype("str").to_numpy()[fill]
        counts[column] = int(fill.sum())
    return out, not_reportable, counts
