"""Cross-segment helper columns on the incident frame (docs/architecture.md, frame contract).

Subjects and officers are joined to their incident by `_incident_row` == incident `_row`; child rows
without an incident (orphans, `_incident_row` blank) are ignored. Vectorized groupby, no row loops.
"""
from __future__ import annotations

import pandas as pd

from schemas.primitives import any_token_not_in, has_any_token, has_token

NOT_SERIOUS = ("DEATH", "NONE", "PENDING", "UNKNOWN")
HELPER_COLUMNS = (
    "_n_subject_rows", "_n_officer_rows", "_subj_any_firearm", "_off_any_shots_yes",
    "_subj_any_injury_pu", "_subj_any_death", "_subj_any_none", "_subj_any_serious",
)


def _per_incident(flags: pd.DataFrame, key: pd.Series, rows: pd.Series) -> pd.DataFrame:
    """Aggregate child flags per incident and align them on the incident rows.

    `flags` holds a `_n` count column (1 per child row) and boolean flag columns.
    """
    keep = key.notna().to_numpy()
    grouped_key = pd.to_numeric(key[keep], errors="coerce").astype("int64").to_numpy()
    picked = flags[keep]
    agg = {c: ("sum" if c == "_n" else "any") for c in flags.columns}
    per = picked.groupby(grouped_key, sort=False).agg(agg) if len(picked) else flags.iloc[:0]
    lookup = pd.to_numeric(rows, errors="coerce").astype("int64").to_numpy()
    out = per.reindex(lookup)
    out.index = rows.index
    out["_n"] = out["_n"].fillna(0).astype("int64")
    for c in flags.columns:
        if c != "_n":
            out[c] = out[c].fillna(False).astype(bool)
    return out


def with_cross_segment_columns(incidents: pd.DataFrame, subjects: pd.DataFrame,
                               officers: pd.DataFrame) -> pd.DataFrame:
    """`incidents` plus the helper columns the cross-segment rules read."""
    injury = subjects["injury_type_ids"]
    subject_flags = pd.DataFrame({
        "_n": 1,
        "_subj_any_firearm": has_token(subjects["force_type_ids"], "FIREARM"),
        "_subj_any_injury_pu": has_any_token(injury, ("PENDING", "UNKNOWN")),
        "_subj_any_death": has_token(injury, "DEATH"),
        "_subj_any_none": has_token(injury, "NONE"),
        "_subj_any_serious": any_token_not_in(injury, NOT_SERIOUS),
    }, index=subjects.index)
    officer_flags = pd.DataFrame({
        "_n": 1,
        "_off_any_shots_yes": (officers["shots_fired"] == "YES").fillna(False).astype(bool),
    }, index=officers.index)
    per_subject = _per_incident(subject_flags, subjects["_incident_row"], incidents["_row"])
    per_officer = _per_incident(officer_flags, officers["_incident_row"], incidents["_row"])
    helpers = {
        "_n_subject_rows": per_subject["_n"],
        "_n_officer_rows": per_officer["_n"],
        "_subj_any_firearm": per_subject["_subj_any_firearm"],
        "_off_any_shots_yes": per_officer["_off_any_shots_yes"],
        "_subj_any_injury_pu": per_subject["_subj_any_injury_pu"],
        "_subj_any_death": per_subject["_subj_any_death"],
        "_subj_any_none": per_subject["_subj_any_none"],
        "_subj_any_serious": per_subject["_subj_any_serious"],
    }
    return incidents.assign(**helpers)
