"""Finding records: one row per (rule, offending row), with a message for the records analyst.

Messages come from the rule's template (`{value}`, `{column}`, `{element}`), rendered for all rows at
once by concatenating Series: no per-row `str.format`.
"""
from __future__ import annotations

import string

import pandas as pd

FINDING_COLUMNS = ["rule_id", "severity", "segment", "element", "column", "agency_case_number", "subject_id",
                   "officer_id", "source_file", "source_row", "value", "message", "_row"]
FINDING_DTYPES = {c: "str" for c in FINDING_COLUMNS} | {"source_row": "Int64", "_row": "Int64"}


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=FINDING_DTYPES[c]) for c in FINDING_COLUMNS})


def _as_text(values, index: pd.Index) -> pd.Series:
    """Scalar or Series -> str Series on `index` (NA stays NA)."""
    if isinstance(values, pd.Series):
        s = values
        if not pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
            s = s.astype(object).where(s.notna()).map(_scalar_text, na_action="ignore")
        return pd.Series(s.to_numpy(), index=index, dtype="str")
    if values is None or (not isinstance(values, str) and pd.isna(values)):
        return pd.Series(pd.NA, index=index, dtype="str")
    return pd.Series(_scalar_text(values), index=index, dtype="str")


def _scalar_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def render_messages(template: str, fields: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """Fill `template` for every row: literal text and field Series concatenated column-wise."""
    out = pd.Series("", index=index, dtype="str")
    for literal, name, spec, conv in string.Formatter().parse(template):
        if literal:
            out = out + literal
        if name is not None:
            if spec or conv:
                raise ValueError(f"message field {{{name}}} cannot carry a format spec or conversion")
            out = out + fields[name].fillna("")
    return out


def _column_or_na(rows: pd.DataFrame, column: str | None) -> pd.Series:
    if column is not None and column in rows.columns:
        return rows[column]
    return pd.Series(pd.NA, index=rows.index, dtype="str")


def _segment_of(rule, rows: pd.DataFrame) -> str:
    """Engine rules may fire in any segment: recognise it from the frame's identifying columns."""
    if not rule.is_engine:
        return rule.segment
    if "subject_id" in rows.columns and "officer_id" not in rows.columns:
        return "subject"
    if "officer_id" in rows.columns and "subject_id" not in rows.columns:
        return "officer"
    if rule.segment in ("incident", "subject", "officer", "message", "zero_report"):
        return rule.segment
    return "incident"


def findings_frame(rule, frame: pd.DataFrame, mask, column=None, value=None, element=None,
                   segment: str | None = None) -> pd.DataFrame:
    """Findings of `rule` for the rows of `frame` where `mask` is True.

    column:  the column the finding points at (default: the rule's primary column);
    value:   the offending value, a Series aligned with `frame` or a scalar (default: the cell of the
             rule's value column, or of `column` when given);
    element: data element id, a Series or a scalar (default: the rule's primary element);
    segment: default: the rule's segment (engine rules: recognised from the frame's columns).
    """
    if isinstance(mask, pd.Series):
        keep = mask.reindex(frame.index, fill_value=False).fillna(False).astype(bool).to_numpy()
    else:
        keep = pd.Series(mask, index=frame.index).astype(bool).to_numpy()
    rows = frame[keep]
    if not len(rows):
        return empty_findings()
    idx = pd.RangeIndex(len(rows))
    if column is None:
        column = rule.column
        value_col = rule.value_column
    else:
        value_col = column
    if value is None:
        values = _column_or_na(rows, value_col)
    elif isinstance(value, pd.Series):
        values = value.reindex(frame.index)[keep]
    else:
        values = value
    value_text = _as_text(values, idx)
    element = rule.element if element is None else element
    element_text = _as_text(element.reindex(frame.index)[keep] if isinstance(element, pd.Series) else element, idx)
    column_text = _as_text(column.reindex(frame.index)[keep] if isinstance(column, pd.Series) else column, idx)
    messages = render_messages(rule.message, {"value": value_text, "column": column_text, "element": element_text},
                               idx)
    row_labels = rows["_row"] if "_row" in rows.columns else pd.Series(rows.index, index=rows.index)
    out = pd.DataFrame({
        "rule_id": pd.Series(rule.id, index=idx, dtype="str"),
        "severity": pd.Series(rule.severity, index=idx, dtype="str"),
        "segment": pd.Series(segment or _segment_of(rule, rows), index=idx, dtype="str"),
        "element": element_text,
        "column": column_text,
        "agency_case_number": _as_text(_column_or_na(rows, "agency_case_number"), idx),
        "subject_id": _as_text(_column_or_na(rows, "subject_id"), idx),
        "officer_id": _as_text(_column_or_na(rows, "officer_id"), idx),
        "source_file": _as_text(_column_or_na(rows, "_source_file"), idx),
        "source_row": pd.Series(pd.to_numeric(_column_or_na(rows, "_source_row"), errors="coerce").to_numpy(),
                                index=idx).astype("Int64"),
        "value": value_text,
        "message": messages,
        "_row": pd.Series(pd.to_numeric(row_labels, errors="coerce").to_numpy(), index=idx).astype("Int64"),
    })
    return out[FINDING_COLUMNS]


def findings_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings counted by element, rule and severity, most frequent first (terminal and Prefect summaries)."""
    if findings is None or findings.empty:
        return pd.DataFrame(columns=["element", "rule_id", "severity", "count"])
    counts = (findings.groupby(["element", "rule_id", "severity"], dropna=False, sort=True)
              .size().reset_index(name="count"))
    return counts.sort_values(["count", "element", "rule_id"], ascending=[False, True, True], kind="stable")
