"""Terminal summaries of findings: counts, and for `uof validate` the incidents concerned, never personal values.

The terminal shows case numbers, element ids, the RMS column as configured in the profile, rule ids and the
rule's message template (its `{value}` left unfilled); the values themselves are only in the files `uof run`
writes (rejections.csv, review.csv, not_reportable.csv), which are kept private.
"""
from __future__ import annotations

import pandas as pd

from transforms.findings import findings_counts


def text_table(rows: list[tuple[str, ...]], right: frozenset[int] = frozenset()) -> str:
    """Fixed-width table: the first row is the header; columns in `right` are right-aligned; the last
    column is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             .rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def findings_table(findings: pd.DataFrame) -> str:
    counts = findings_counts(findings)
    if counts.empty:
        return ""
    rows = [("element", "rule", "severity", "count")] + [
        (str(r.element), str(r.rule_id), str(r.severity), str(r.count)) for r in counts.itertuples()]
    return text_table(rows, right=frozenset({3}))


def _text(series: pd.Series) -> pd.Series:
    return series.astype("str").fillna("")


def _who(frame: pd.DataFrame) -> pd.Series:
    """`subject 1`, `officer 2` or `incident`: which part of the incident a line is about."""
    subject = "subject " + _text(frame["subject_id"])
    officer = "officer " + _text(frame["officer_id"])
    segment = _text(frame["segment"])
    return segment.mask(segment == "subject", subject).mask(segment == "officer", officer)


def templates_of(catalog_data: dict) -> dict[str, str]:
    """Rule id -> its message template (schemas/catalog.yaml)."""
    return {rule["id"]: rule["message"] for rule in catalog_data.get("rules", [])}


def unfilled_messages(findings: pd.DataFrame, templates: dict[str, str]) -> pd.Series:
    """Each finding's message from its rule's template, `{column}` and `{element}` filled, `{value}` not: the
    value may be personal data. A rule without a template (none expected) shows its id."""
    template = findings["rule_id"].map(templates).fillna(findings["rule_id"]).astype("str")
    column, element = _text(findings["column"]), _text(findings["element"])
    parts = pd.DataFrame({"t": template, "c": column, "e": element})
    return parts.apply(lambda r: r["t"].replace("{column}", r["c"]).replace("{element}", r["e"]), axis=1) \
        if len(parts) else pd.Series([], dtype="str")


def findings_listing(findings: pd.DataFrame, templates: dict[str, str]) -> str:
    """One line per finding: case number, part, element, RMS column, rule, severity, message template."""
    if findings is None or findings.empty:
        return ""
    rms = findings["rms_column"] if "rms_column" in findings.columns else findings["column"]
    frame = pd.DataFrame({"case": _text(findings["agency_case_number"]), "part": _who(findings),
                          "element": _text(findings["element"]), "rms": _text(rms).mask(rms.isna(), "-"),
                          "rule": _text(findings["rule_id"]), "severity": _text(findings["severity"]),
                          "message": unfilled_messages(findings, templates)})
    header = ("case number", "part", "element", "RMS column", "rule", "severity", "message")
    return text_table([header, *frame.itertuples(index=False, name=None)])


def review_listing(review: pd.DataFrame) -> str:
    """Undecided incidents (review.csv without the values): what the analyst must establish, where."""
    if review is None or review.empty:
        return ""
    rms = _text(review["rms_column"]).mask(review["rms_column"].isna(), "-")
    rows = pd.DataFrame({"case": _text(review["agency_case_number"]), "part": _who(review),
                         "element": _text(review["element"]), "rms": rms, "establish": _text(review["to_establish"])})
    header = ("case number", "part", "element", "RMS column", "to establish")
    return text_table([header, *rows.itertuples(index=False, name=None)])


def validate_report(findings: pd.DataFrame, listings: dict, templates: dict[str, str]) -> str:
    """What `uof validate` prints after its summary: counts per rule, then every incident concerned."""
    blocks = []
    table = findings_table(findings)
    if table:
        blocks.append(table)
        blocks.append(f"Findings ({len(findings)}), values left out ({{value}}); `uof run` writes them with the "
                      "values to rejections.csv and rejections.xlsx:\n" + findings_listing(findings, templates))
    review = listings.get("review")
    if review is not None and len(review):
        cases = review["agency_case_number"].nunique()
        blocks.append(f"Pending review: {cases} incident(s) whose reportability cannot be decided from the export, "
                      "rejected until these facts are established (`uof run` writes review.csv):\n"
                      + review_listing(review))
    excluded = listings.get("not_reportable")
    if excluded is not None and len(excluded):
        rows = [("case number", "source file", "source row"), *zip(
            _text(excluded["agency_case_number"]), _text(excluded["source_file"]), _text(excluded["source_row"]))]
        blocks.append(f"Not reportable: {len(excluded)} incident(s) meet none of the FBI criteria and are not sent "
                      "(`uof run` writes not_reportable.csv):\n" + text_table(rows))
    return "\n\n".join(blocks)
