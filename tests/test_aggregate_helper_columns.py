"""transforms/aggregate.py: cross-segment helper columns per incident (join `_incident_row` == `_row`)."""
from __future__ import annotations

import pandas as pd

from transforms.aggregate import HELPER_COLUMNS, with_cross_segment_columns


def _frame(columns: dict, index) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype=("Int64" if k == "_incident_row" else "str"), index=index)
                         if k != "_row" else pd.Series(v, dtype="int64", index=index) for k, v in columns.items()})


def _incidents():
    # labels are not positions: the join uses the `_row` column
    return _frame({"_row": [4, 7, 9], "agency_case_number": ["A", "B", "C"]}, index=[4, 7, 9])


def test_helper_columns_per_incident():
    subjects = _frame({"_row": [0, 1, 2, 3, 4], "_incident_row": [4, 4, 7, 7, None],
                       "force_type_ids": ["FIREARM;CHEMICAL", "PHYSICAL", None, "FIREARM", "FIREARM"],
                       "injury_type_ids": ["GUNSHOT", "NONE", "PENDING", "DEATH", "DEATH"]}, index=range(5))
    officers = _frame({"_row": [0, 1, 2], "_incident_row": [4, 7, 7],
                       "shots_fired": ["NO", "PENDING", "YES"]}, index=range(3))
    out = with_cross_segment_columns(_incidents(), subjects, officers)
    assert list(out.index) == [4, 7, 9]
    got = {c: out[c].tolist() for c in HELPER_COLUMNS}
    assert got == {
        "_n_subject_rows": [2, 2, 0],
        "_n_officer_rows": [1, 2, 0],
        "_subj_any_firearm": [True, True, False],
        "_off_any_shots_yes": [False, True, False],
        "_subj_any_injury_pu": [False, True, False],
        "_subj_any_death": [False, True, False],  # the orphan subject (no incident) is ignored
        "_subj_any_none": [True, False, False],
        "_subj_any_serious": [True, False, False],
    }
    assert out["_n_subject_rows"].dtype == "int64"
    assert out["_subj_any_firearm"].dtype == bool


def test_unknown_injury_code_counts_as_serious_and_lov_reports_it():
    subjects = _frame({"_row": [0], "_incident_row": [9], "force_type_ids": ["PHYSICAL"],
                       "injury_type_ids": ["UNCONSCIOUSNESS;NONE"]}, index=[0])
    officers = _frame({"_row": [], "_incident_row": [], "shots_fired": []}, index=[])
    out = with_cross_segment_columns(_incidents(), subjects, officers)
    assert out["_subj_any_serious"].tolist() == [False, False, True]
    assert out["_subj_any_none"].tolist() == [False, False, True]
    assert out["_n_officer_rows"].tolist() == [0, 0, 0]


def test_inputs_are_not_modified():
    incidents = _incidents()
    subjects = _frame({"_row": [0], "_incident_row": [4], "force_type_ids": ["FIREARM"],
                       "injury_type_ids": ["NONE"]}, index=[0])
    officers = _frame({"_row": [0], "_incident_row": [4], "shots_fired": ["YES"]}, index=[0])
    before = incidents.copy()
    with_cross_segment_columns(incidents, subjects, officers)
    pd.testing.assert_frame_equal(incidents, before)
