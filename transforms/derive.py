"""Derived elements and reportability.

RMS exports rarely carry the FBI's bookkeeping elements. When they are blank they are derived from
the segments (a provided value is kept, and still checked against the segments by the rule catalog):

* subject_id (S1) / officer_id (O1): numbered 1, 2, ... per incident in row order, after any ids given;
* total_number_subjects (I33) / agency_officers_involved (I30): the number of subject / officer rows,
  unless the matching *_pu_ids (I29 / I34) says the number is pending or unknown;
* incident_tickler_ids (I32): DEATH when a subject's injuries include DEATH; INJURY when they include
  GUNSHOT, UNCONSCIOUSNESS or OTHER_SERIOUS_INJURY; DISCHARGE when an officer fired (O20 = YES) and a
  subject is uninjured (S25 = NONE).

Every incident of a month falls in exactly one of three reportability categories (`reportability`):

* `meets_criteria`: its I32 tickler is filled (given by the RMS, or derived above): a death, a serious
  injury or a firearm discharge is established;
* `not_reportable`: the tickler is blank and every fact it hangs on is settled (each subject's
  injuries are FBI values other than PENDING/UNKNOWN, each officer's shots_fired is YES or NO, and the
  incident has a subject): it meets none of the criteria and is screened out;
* `undecided`: anything else. Reportability hangs on a fact the export leaves open (a PENDING or
  UNKNOWN value, a blank, a local value no crosswalk turned into an FBI value, no subject row). Nothing
  is guessed: the rule catalog rejects the blank I32, and `undecided_facts` lists, per incident, the
  facts the analyst must establish (the run's review.csv).
"""
from __future__ import annotations

import pandas as pd

from schemas.primitives import SEP, any_token_not_in, as_int, has_any_token, has_token

SERIOUS = ("GUNSHOT", "UNCONSCIOUSNESS", "OTHER_SERIOUS_INJURY")
SETTLED_INJURIES = ("DEATH", "NONE") + SERIOUS  # S25 values that settle the subject's part of §2
SETTLED_SHOTS = ("YES", "NO")  # O20 values that settle the officer's part
REPORTABILITY = ("meets_criteria", "undecided", "not_reportable")
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


def unsettled_injuries(injuries: pd.Series) -> pd.Series:
    """True where a subject's injuries (S25) do not settle §2: blank, PENDING/UNKNOWN, or not an FBI value."""
    return injuries.isna() | any_token_not_in(injuries, SETTLED_INJURIES)


def unsettled_shots(shots: pd.Series) -> pd.Series:
    """True where an officer's shots_fired (O20) is not YES or NO."""
    return ~shots.isin(SETTLED_SHOTS)


def _firearm_open(subjects: pd.DataFrame) -> pd.Series:
    """True where a subject's force types (S24) do not rule out a firearm: blank, FIREARM, PENDING/UNKNOWN."""
    force = subjects.get("force_type_ids", pd.Series(pd.NA, index=subjects.index, dtype="str"))
    return force.isna() | has_any_token(force, ("FIREARM", "PENDING", "UNKNOWN"))


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
    injury_unsettled = _any_per_incident(unsettled_injuries(injuries), s_parent, rows)
    fired = _any_per_incident(officers["shots_fired"] == "YES", o_parent, rows)
    shots_unsettled = _any_per_incident(unsettled_shots(officers["shots_fired"]), o_parent, rows)
    n_subjects = s_parent.value_counts().reindex(rows, fill_value=0)
    n_officers = o_parent.value_counts().reindex(rows, fill_value=0)
    # Without officer rows (an export that records no officers) "no officer fired" is not vacuously
    # true: it is settled only when every subject's force types (S24) are known and none is FIREARM,
    # which a discharge at a person requires (§3.2.2.32).
    firearm_open = _any_per_incident(_firearm_open(subjects), s_parent, rows)
    shots_unsettled = shots_unsettled | ((n_officers == 0) & firearm_open)

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


def reportability(incidents: pd.DataFrame) -> pd.Series:
    """`meets_criteria` or `undecided` per incident left after the not-reportable screen (the
    incidents returned by `derived_incidents` minus the screened ones): the tickler decides."""
    return pd.Series("undecided", index=incidents.index, dtype="str").mask(
        incidents["incident_tickler_ids"].notna(), "meets_criteria")


ESTABLISH = {
    "injury_type_ids": ("whether this subject died or was seriously injured (death, gunshot wound, "
                        "unconsciousness, other serious injury) or was not injured (NONE)"),
    "shots_fired": "whether this officer discharged a firearm at or in the direction of a person (YES or NO)",
    "subjects": "who the subject(s) of the incident were and their injuries: the export has no subject row for it",
    "officers": ("whether an officer discharged a firearm at or in the direction of a person: the export has no "
                 "officer row for this incident and the subjects' force types (S24) do not rule a firearm out"),
    "incident_tickler_ids": ("whether the incident meets the FBI criteria (a death, a serious injury or a firearm "
                             "discharge): its rows carry a layout or parse error, see its other findings in "
                             "rejections.csv"),
}
UNDECIDED_COLUMNS = ["_incident", "segment", "element", "column", "subject_id", "officer_id", "value", "establish",
                     "_row", "_source_file", "_source_row"]


def undecided_facts(incidents: pd.DataFrame, subjects: pd.DataFrame, officers: pd.DataFrame) -> pd.DataFrame:
    """What the reportability of each `undecided` incident hangs on: one row per open fact.

    A subject whose injuries are unsettled (S25), an officer whose shots_fired is (O20), an incident
    without a subject row (I33), or without an officer row while its subjects' force types leave a
    firearm open (O20); an undecided incident with none of these (its rows carry a layout or parse
    error) gets one row on I32. Every undecided incident of `incidents` has at least one row.
    `_incident` is the incident's `_row`, `_row` the row of the fact's own table.
    """
    open_rows = incidents.loc[reportability(incidents) == "undecided", "_row"]
    parts = []
    for frame, column, element, segment, unsettled in (
            (subjects, "injury_type_ids", "S25", "subject", unsettled_injuries),
            (officers, "shots_fired", "O20", "officer", unsettled_shots)):
        hit = frame[frame["_incident_row"].isin(open_rows) & unsettled(frame[column])]
        parts.append(pd.DataFrame({
            "_incident": hit["_incident_row"].to_numpy(), "segment": segment, "element": element, "column": column,
            "subject_id": hit["subject_id"].to_numpy() if segment == "subject" else pd.NA,
            "officer_id": hit["officer_id"].to_numpy() if segment == "officer" else pd.NA,
            "value": hit[column].to_numpy(), "establish": ESTABLISH[column], "_row": hit["_row"].to_numpy(),
            "_source_file": hit["_source_file"].to_numpy(), "_source_row": hit["_source_row"].to_numpy()}))
    mine = incidents[incidents["_row"].isin(open_rows)]
    no_subject = mine[~mine["_row"].isin(subjects["_incident_row"])]
    firearm_open = subjects.loc[_firearm_open(subjects), "_incident_row"]
    no_officer = mine[~mine["_row"].isin(officers["_incident_row"]) & mine["_row"].isin(firearm_open)]
    listed = pd.concat([p["_incident"] for p in parts] + [no_subject["_row"], no_officer["_row"]])
    unexplained = mine[~mine["_row"].isin(listed)]
    for frame, column, element in ((no_subject, "subjects", "I33"), (no_officer, "officers", "O20"),
                                   (unexplained, "incident_tickler_ids", "I32")):
        parts.append(pd.DataFrame({
            "_incident": frame["_row"].to_numpy(), "segment": "incident", "element": element, "column": column,
            "subject_id": pd.NA, "officer_id": pd.NA, "value": pd.NA, "establish": ESTABLISH[column],
            "_row": frame["_row"].to_numpy(), "_source_file": frame["_source_file"].to_numpy(),
            "_source_row": frame["_source_row"].to_numpy()}))
    out = pd.concat(parts, ignore_index=True)[UNDECIDED_COLUMNS]
    out = out.astype({c: "str" for c in ("segment", "element", "column", "subject_id", "officer_id", "value",
                                         "establish", "_source_file")})
    out["_source_row"] = pd.to_numeric(out["_source_row"], errors="coerce").astype("Int64")
    return out.astype({"_incident": "int64", "_row": "int64"})
