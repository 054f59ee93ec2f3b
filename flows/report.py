"""Terminal summaries of findings: counts only, never personal values."""
from __future__ import annotations

import pandas as pd


def findings_counts(findings: pd.DataFrame) -> pd.DataFrame:
    if findings is None or findings.empty:
        return pd.DataFrame(columns=["element", "rule_id", "severity", "count"])
    counts = (findings.groupby(["element", "rule_id", "severity"], dropna=False, sort=True)
              .size().reset_index(name="count"))
    return counts.sort_values(["count", "element", "rule_id"], ascending=[False, True, True], kind="stable")


def findings_table(findings: pd.DataFrame) -> str:
    counts = findings_counts(findings)
    if counts.empty:
        return ""
    rows = [("element", "rule", "severity", "count")] + [
        (str(r.element), str(r.rule_id), str(r.severity), str(r.count)) for r in counts.itertuples()]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
