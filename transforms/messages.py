"""FBI service messages (spec §2, Appendix A) built from validated frames.

Keys follow data element order (I1..I34, then `subjects` and `officers`; S1..S26; O1..O20), so
subject_id and officer_id come first. Types follow the spec's Example Construction: integers for
counts and measures, `age1` as a two-character string, booleans for `*_estimated`, MM/DD/YYYY dates,
latitude/longitude as strings, `null` for a missing scalar and `[]` for a missing list.
"""
from __future__ import annotations

import contextlib
import gc

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


NO_BOOLEAN = pa.scalar(None, pa.bool_())


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector paused while millions of small lists and dicts are built (none holds a cycle):
    each of its full passes walks every one of them, which tripled the cost of building 50,000 messages."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _cells(s: pd.Series) -> list:
    """The column's cells as Python values, None where missing (through Arrow: no per-cell pandas)."""
    return pa.array(s, from_pandas=True).to_pylist()


def _integers(s: pd.Series) -> list:
    """Whole numbers as int, None where blank; a column Arrow cannot read as integers takes the pandas path
    (numbers with a decimal point, blanks spelt otherwise), which gives the same values where both apply."""
    try:
        return pa.array(s, from_pandas=True).cast(pa.int64()).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return list(pd.to_numeric(s, errors="coerce").astype("Int64").to_numpy(dtype=object, na_value=None))


NO_LIST = pa.scalar([], pa.list_(pa.string()))


def typed_values(s: pd.Series, kind: str) -> list:
    """One column as JSON-ready Python values, converted by Arrow's kernels rather than cell by cell: a boolean
    is True for "true", False for "false", None otherwise; an ISO date MM/DD/YYYY; a list its SEP-separated
    values, [] when blank."""
    if kind == "integer":
        return _integers(s)
    if kind in ("boolean", "date", "list"):
        cells = pa.array(s, from_pandas=True, type=pa.string())
        if kind == "boolean":
            return pc.if_else(pc.equal(cells, "true"), True, pc.if_else(pc.equal(cells, "false"), False, NO_BOOLEAN)
                              ).to_pylist()
        if kind == "date":
            return pc.binary_join_element_wise(*(pc.utf8_slice_codeunits(cells, a, b) for a, b in ((5, 7), (8, 10),
                                                                                                   (0, 4))), "/"
                                               ).to_pylist()
        return pc.fill_null(pc.split_pattern(cells, SEP), NO_LIST).to_pylist()
    if kind == "agencies":
        return [_agencies(v) for v in _cells(s)]
    return _cells(s)


def records(frame: pd.DataFrame, elements: list[dict]) -> list[dict]:
    names = [e["name"] for e in elements]
    columns = [typed_values(frame[e["name"]], e["type"]) for e in elements]
    return [dict(zip(names, values)) for values in zip(*columns)]


def _children(frame: pd.DataFrame, elements: list[dict], id_column: str) -> dict[int, list[dict]]:
    """Records per incident row, ordered by incident, numeric id (blank or non-numeric last), then `_row`."""
    order = np.lexsort((frame["_row"].to_numpy(), pd.to_numeric(frame[id_column], errors="coerce").to_numpy(),
                        frame["_incident_row"].to_numpy()))
    built = records(frame, elements)
    parents = frame["_incident_row"].to_numpy()[order].tolist()
    grouped: dict[int, list[dict]] = {}
    for parent, i in zip(parents, order.tolist()):
        grouped.setdefault(int(parent), []).append(built[i])
    return grouped


def without_estimates_of_unknowns(subjects: pd.DataFrame) -> pd.DataFrame:
    """S6/S13/S17 must not be provided when the matching *_pu_ids is PENDING or UNKNOWN (spec decision 2)."""
    cleared = {flag: subjects[flag].mask(has_any_token(subjects[pu], ("PENDING", "UNKNOWN")))
               for flag, pu in ESTIMATE_OF.items() if flag in subjects.columns and pu in subjects.columns}
    return subjects.assign(**cleared) if cleared else subjects


def incident_messages(incidents: pd.DataFrame, subjects: pd.DataFrame, officers: pd.DataFrame,
                      elements: dict[str, list[dict]], action: str, as_of: pd.Timestamp) -> list[dict]:
    """One service message per incident row, in the order of `incidents`."""
    with collector_paused():
        return _incident_messages(incidents, subjects, officers, elements, action, as_of)


def _incident_messages(incidents, subjects, officers, elements, action, as_of) -> list[dict]:
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
