"""Prefect artifacts of a month's run: counts only, never personal data.

`publish_run_summary(result)` attaches to the current Prefect flow run a markdown summary (incident counts,
message actions, zero report, findings counted by element and rule) and a table artifact of the findings
counts. It does nothing outside Prefect, so it is safe to call from any code path; Prefect is imported only
inside Prefect runs (flows/pipeline/engine.py says why). Nothing here carries a
case number, a value or a finding message: only agency ORI, month, run id, counts, element names and rule ids.
"""
from __future__ import annotations

import logging
import re

import pandas as pd

from flows.pipeline.engine import engine_name, prefect_configured
from transforms.findings import findings_counts

log = logging.getLogger("uof")

_ATTR = "_uof_artifact_ids"  # set on a MonthResult once published, so a second call does not duplicate


def artifact_key(result) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only: `uof-pa0230100-2025-10`."""
    agency = str(result.manifest.get("agency_ori") or "agency")
    return re.sub(r"[^a-z0-9-]+", "-", f"uof-{agency}-{result.month}".lower()).strip("-")


def summary_rows(result) -> list[dict]:
    """The run's counts as rows {section, item, count}."""
    inc = result.manifest["incidents"]
    findings = result.manifest["findings"]
    rows = [
        ("incidents", "meet the FBI criteria", inc["meets_criteria"]),
        ("incidents", "cannot be decided from the export", inc["undecided"]),
        ("incidents", "valid", inc["valid"]),
        ("incidents", "rejected", inc["rejected"]),
        ("incidents", "rejected, no readable date", inc["rejected_undated"]),
        ("incidents", "not reportable", inc["not_reportable"]),
        ("incidents", "unchanged since last run", inc["unchanged"]),
    ]
    rows += [("messages", action, int(inc["actions"].get(action, 0))) for action in ("AddOnly", "Add", "Remove")]
    rows.append(("messages", f"zero report {inc['zero_report']}" if inc["zero_report"] else "zero report",
                 1 if inc["zero_report"] else 0))
    rows += [("findings", "errors", findings["errors"]), ("findings", "warnings", findings["warnings"])]
    return [{"section": s, "item": i, "count": int(c)} for s, i, c in rows]


def rejection_rows(result) -> list[dict]:
    """Findings counted by element and rule: {element, rule, severity, count}."""
    counts = findings_counts(result.findings)
    return [{"element": _text(r.element), "rule": _text(r.rule_id), "severity": _text(r.severity),
             "count": int(r.count)} for r in counts.itertuples(index=False)]


def summary_markdown(result) -> str:
    manifest = result.manifest
    head = (f"# Use-of-force submission {manifest.get('agency_ori', '')} {result.month}\n\n"
            f"run `{manifest.get('run_id') or 'not recorded'}` · as of {manifest.get('as_of', '')} · "
            f"exit code {result.exit_code} · {manifest.get('kind', 'run')}\n")
    lines = [head, "| section | item | count |", "|---|---|---:|"]
    lines += [f"| {r['section']} | {_cell(r['item'])} | {r['count']} |" for r in summary_rows(result)]
    rejections = rejection_rows(result)
    lines += ["", "## Findings by element and rule", ""]
    if rejections:
        lines += ["| element | rule | severity | count |", "|---|---|---|---:|"]
        lines += [f"| {_cell(r['element'])} | {_cell(r['rule'])} | {r['severity']} | {r['count']} |"
                  for r in rejections]
    else:
        lines.append("none")
    return "\n".join(lines) + "\n"


def under_prefect() -> bool:
    """True inside a Prefect flow run (cheap checks first: Prefect is not imported otherwise)."""
    if engine_name() != "prefect" and not prefect_configured():
        return False
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def publish_run_summary(result) -> list | None:
    """Create the run's artifacts in the current Prefect flow run; None (and nothing done) outside Prefect.

    Idempotent per MonthResult: a second call with the same object returns the first call's artifact ids.
    """
    if result is None or not under_prefect():
        return None
    done = getattr(result, _ATTR, None)
    if done is not None:
        return done
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    key = artifact_key(result)
    description = f"uof {result.month}: counts only (no personal data)"
    ids = [create_markdown_artifact(markdown=summary_markdown(result), key=key, description=description)]
    rejections = rejection_rows(result)
    ids.append(create_table_artifact(
        table=rejections or [{"element": "", "rule": "", "severity": "", "count": 0}],
        key=f"{key}-findings", description=f"uof {result.month}: findings counted by element and rule"))
    setattr(result, _ATTR, ids)
    log.debug("published %d artifact(s) under key %s", len(ids), key)
    return ids


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")
