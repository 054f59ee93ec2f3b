"""FBI service messages (spec §2, Appendix A) built from validated frames.

Keys follow data element order (I1..I34, then `subjects` and `officers`; S1..S26; O1..O20), so
subject_id and officer_id come first. Types follow the spec's Example Construction: integers for
counts and measures, `age1` as a two-character string, booleans for `*_estimated`, MM/DD/YYYY dates,
latitude/longitude as strings, `null` for a missing scalar and `[]` for a missing list.
"""
from __future__ import annotations

import pandas as pd

from schemas.primitives import SEP, has_any_token

ESTIMATE_OF = {"age_estimated": "age_pu_ids", "height_estimated": "height_pu_ids", "weight_estimated": "weight_pu_ids"}


def action_time(as_of: pd.Timestamp) -> str:
    return as_of.strftime("%m/%d/%Y %H:%M:%S")


def us_date(iso: pd.Series) -> pd.Series:
    return iso.str.slice(5, 7) + "/" + iso.str.slice(8, 10) + "/" + iso.str.slice(0, 4)


def _agencies(cell) -> list[dict]:
    if not isinstance(cell, str):
        return []
    pairs = []
    for pair in cell.split(SEP):
        ori, _, case = pair.partition(":")
        pairs.append({"agency_case_number": case, "agency_ori": ori})
    return pairs


def typed_values(s: pd.Series, kind: str) -> list:
    """One column as JSON-ready Python values."""
    if kind == "integer":
        return list(pd.to_numeric(s, errors="coerce").astype("Int64").to_numpy(dtype=object, na_value=None))
    if kind == "boolean":
        return list(s.map({"true": True, "false": False}).to_numpy(dtype=object, na_value=None))
    if kind == "date":
        return list(us_date(s).to_numpy(dtype=object, na_value=None))
    if kind == "list":
        return [v if isinstance(v, list) else [] for v in s.str.split(SEP)]
    if kind == "agencies":
        return [_agencies(v) for v in s]
    return list(s.to_numpy(dtype=object, na_value=None))


def records(frame: pd.DataFrame, elements: list[dict]) -> list[dict]:
    names = [e["name"] for e in elements]
    columns = [typed_values(frame[e["name"]], e["type"]) for e in elements]
    return [dict(zip(names, values)) for values in zip(*columns)]


def _children(frame: pd.DataFrame, elements: list[dict], id_column: str) -> dict[int, list[dict]]:
    ordered = frame.assign(_order=pd.to_numeric(frame[id_column], errors="coerce")).sort_values(
        ["_incident_row", "_order", "_row"], kind="stable")
    grouped: dict[int, list[dict]] = {}
    for parent, record in zip(ordered["_incident_row"].tolist(), records(ordered, elements)):
        grouped.setdefault(int(parent), []).append(record)
    return grouped


def without_estimates_of_unknowns(subjects: pd.DataFrame) -> pd.DataFrame:
    """S6/S13/S17 must not be provided when the matching *_pu_ids is PENDING or UNKNOWN (spec decision 2)."""
    cleared = {flag: subjects[flag].mask(has_any_token(subjects[pu], ("PENDING", "UNKNOWN")))
               for flag, pu in ESTIMATE_OF.items() if flag in subjects.columns and pu in subjects.columns}
    return subjects.assign(**cleared) if cleared else subjects


def incident_messages(incidents: pd.DataFrame, subjects: pd.DataFrame, officers: pd.DataFrame,
                      elements: dict[str, list[dict]], action: str, as_of: pd.Timestamp) -> list[dict]:
    """One service message per incident row, in the order of `incidents`."""
    subs = _children(without_estimates_of_unknowns(subjects), elements["subject"], "subject_id")
    offs = _children(officers, elements["officer"], "officer_id")
    stamp = action_time(as_of)
    out = []
    for row, incident in zip(incidents["_row"].tolist(), records(incidents, elements["incident"])):
        incident["subjects"] = subs.get(int(row), [])
        incident["officers"] = offs.get(int(row), [])
        out.append({"Action": action, "ActionTime": stamp, "Incident": incident})
    return out


def remove_message(agency_ori: str, incident_date_iso: str, case_number: str, as_of: pd.Timestamp) -> dict:
    """§2.1.1, Appendix A sample C: a Remove carries only the three key elements."""
    date = f"{incident_date_iso[5:7]}/{incident_date_iso[8:10]}/{incident_date_iso[0:4]}"
    return {"Action": "Remove", "ActionTime": action_time(as_of),
            "Incident": {"agency_ori": agency_ori, "incident_date": date, "agency_case_number": case_number}}


def zero_report_message(agency_ori: str, month: str, action: str, as_of: pd.Timestamp) -> dict:
    """§2.3: month_year is MM/YYYY."""
    return {"Action": action, "ActionTime": action_time(as_of),
            "ZeroReport": {"agency_ori": agency_ori, "month_year": f"{month[5:7]}/{month[0:4]}"}}
