"""What `uof` prints, and where: text for people and JSON for scripts on stdout, messages on stderr, colour and
progress only on a terminal; and the terminal summaries of a run, never personal values.

The terminal shows case numbers, element ids, the RMS column as configured in the profile, rule ids and the
rule's message template (its `{value}` left unfilled); the values themselves are only in the files `uof run`
writes (rejections.csv, review.csv, not_reportable.csv), which are kept private.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pandas as pd
from rich.console import Console
from rich.text import Text

from flows.pipeline import progress
from flows.pipeline.engine import show_values_in_errors
from flows.pipeline.results import MonthResult
from transforms.findings import findings_counts
from transforms.submission import WARNING_PREFIX

# The pipeline's steps as the progress display names them (flows/pipeline/monthly.py, in their order).
STEP_LABELS = {"load_configuration": "loading the profile", "read_extract": "reading the extract",
               "remapped": "checking: remaps", "month_scope": "checking: months of the run",
               "derive_and_screen": "checking: derived values and reportability", "validate_scope": "checking: rules"}


# ------------------------------------------------------------------------------------------ the terminal

class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Let uof's main end the command quietly with exit code 141 (rich would exit 1)."""
        self.quiet = True
        raise BrokenPipeError


def console_for(stream, stderr: bool = False) -> Console:
    """A console on `stream`: a terminal gets colour (unless NO_COLOR is set) and progress; anything else
    (a file, a pipe, cron, a test's StringIO) gets the plain text, without a single escape code."""
    try:
        terminal = bool(stream.isatty())
    except (AttributeError, ValueError):
        terminal = False
    return _Console(file=stream, stderr=stderr, force_terminal=terminal, color_system="auto" if terminal else None,
                    no_color=bool(os.environ.get("NO_COLOR")), highlight=False, markup=False, emoji=False,
                    soft_wrap=True)


class Output:
    """One command's output. Set by the global flags: `verbose` (-v: progress log on stderr), `quiet` (-q: only
    errors and warnings), `debug` (--debug: tracebacks of internal errors)."""

    def __init__(self) -> None:
        self.verbose = self.quiet = self.debug = False
        self._out: Console | None = None
        self._err: Console | None = None

    @property
    def out(self) -> Console:
        if self._out is None:
            self._out = console_for(sys.stdout)
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            self._err = console_for(sys.stderr, stderr=True)
        return self._err

    def start(self) -> None:
        logging.basicConfig(level=logging.INFO if self.verbose else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
        show_values_in_errors(self.debug)
        if self.debug:
            self.error("uof: --debug: an internal error will show its traceback, which may quote values from the "
                       "extract (personal data): keep it out of tickets, chats and logs others can read")

    @staticmethod
    def _write(console: Console, text: str, style: str | None = None) -> None:
        """The text as it is (rich only styles it, on a terminal); a closed pipe raises BrokenPipeError."""
        if console.is_terminal:  # styled text only: a live progress display below it keeps its own style
            console.print(Text(text, style=style or ""), no_wrap=True, overflow="ignore", crop=False)
            return
        console.file.write(text + "\n")
        console.file.flush()

    def say(self, text: str = "", style: str | None = None) -> None:
        """A line of the report on stdout; -q leaves it out."""
        if not self.quiet:
            self._write(self.out, text, style)

    def data(self, document: dict) -> None:
        """The command's one JSON document on stdout (printed under -q too: it was asked for)."""
        text = json.dumps(document, indent=2, ensure_ascii=False, default=str)
        if self.out.is_terminal:
            self.out.out(text, highlight=True)
        else:
            self._write(self.out, text)

    def warn(self, text: str) -> None:
        self._write(self.err, f"uof: {text}", "yellow")

    def error(self, line: str) -> None:
        self._write(self.err, line, "bold red")

    def info(self, text: str) -> None:
        """A line of the -v progress log (counts, names and timings only)."""
        if self.verbose:
            self._write(self.err, f"uof: {text}", "dim")

    def notes(self, notes: list[str]) -> None:
        """Notes on stdout; warnings (transforms/submission.py:WARNING_PREFIX) on stderr, where a scheduler's log
        sees them, under -q too."""
        for note in notes:
            if note.startswith(WARNING_PREFIX):
                self.warn(note)
            else:
                self.say(f"note: {note}")

    @contextmanager
    def progress(self) -> Iterator[None]:
        """While the pipeline runs: a progress display on a terminal (not under -q), the -v log on stderr."""
        started = time.perf_counter()
        with ExitStack() as stack:
            if self.verbose:
                stack.enter_context(progress.listening(self._log_event))
            if not self.quiet and self.err.is_terminal:
                display = ProgressDisplay(self.err)
                stack.enter_context(display.bar)
                stack.enter_context(progress.listening(display.event))
            yield
        self.info(f"done in {time.perf_counter() - started:.2f} s")

    def _log_event(self, event: str, fields: dict) -> None:
        if event == "step-finished":
            self.info(f"step {fields['step']} took {fields['seconds']:.2f} s")
        elif event == "read":
            self.info("read " + ", ".join(f"{table} {rows} row(s)" for table, rows in fields["rows"].items()))
        elif event == "checked":
            self.info(f"checked {fields['incidents']} incident(s) of the month(s) run: "
                      f"{fields['findings']} finding(s)")
        elif event == "month-finished":
            self.info(f"month {fields['month']} ({fields['index']}/{fields['total']}) took {fields['seconds']:.2f} s")


class ProgressDisplay:
    """rich progress bars: the steps of reading and checking, then the months written (or checked)."""

    def __init__(self, console: Console) -> None:
        # imported here: only a terminal shows progress; a run from cron or a pipe never loads rich.progress
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn)

        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description:<48}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=True)
        self.steps = self.bar.add_task("starting", total=len(STEP_LABELS))
        self.months = None

    def event(self, event: str, fields: dict) -> None:
        if event == "step-started" and fields["step"] in STEP_LABELS:
            self.bar.update(self.steps, description=STEP_LABELS[fields["step"]])
        elif event == "step-finished" and fields["step"] in STEP_LABELS:
            self.bar.advance(self.steps)
        elif event == "month-started":
            if self.months is None:
                self.bar.update(self.steps, description="read and checked", completed=len(STEP_LABELS))
                self.months = self.bar.add_task("months", total=fields["total"])
            self.bar.update(self.months, description=f"month {fields['month']} ({fields['index']}/{fields['total']})")
        elif event == "month-finished" and self.months is not None:
            self.bar.advance(self.months)


def records(frame: pd.DataFrame) -> list[dict]:
    """A frame as JSON-ready rows: missing values become null."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


# ------------------------------------------------------------------------------------ a month's summary

def month_summary(result: MonthResult) -> str:
    """The one-paragraph summary of a month run or checked."""
    manifest = result.manifest
    inc = manifest["incidents"]
    actions = ", ".join(f"{n} {a}" for a, n in inc["actions"].items() if n)
    parts = [f"{result.month}: {inc['in_month']} incident(s): {inc['meets_criteria']} meet the FBI criteria",
             f"{inc['undecided']} cannot be decided from the export",
             f"{inc['not_reportable']} not reportable",
             f"{inc['valid']} valid", f"{inc['rejected'] + inc['rejected_undated']} rejected"]
    if result.folder is not None:
        parts.append(f"messages: {actions or 'none'}" + (f", {inc['unchanged']} unchanged" if inc["unchanged"] else ""))
    if inc["zero_report"]:
        parts.append(f"zero report {inc['zero_report']}")
    warnings = manifest["findings"]["warnings"]
    head = ", ".join(parts) + f"; {manifest['findings']['errors']} error(s)" + (f", {warnings} warning(s)" if warnings else "")
    where = f"\n  -> {result.folder}" + (f" (run {manifest['run_id']})" if manifest.get("run_id") else "")
    return head + (where if result.folder else "")


def month_document(result: MonthResult) -> dict:
    """A month run, checked or left out, for --format json: counts, run id, folder, notes; never a value."""
    manifest = result.manifest
    notes = [n for n in result.notes if not n.startswith(WARNING_PREFIX)]
    warnings = [n.removeprefix(WARNING_PREFIX) for n in result.notes if n.startswith(WARNING_PREFIX)]
    if manifest.get("skipped"):
        return {"month": result.month, "exit_code": result.exit_code, "skipped": True, "run_id": None,
                "folder": None, "reason": notes[0] if notes else None, "coverage": manifest.get("coverage")}
    findings = manifest["findings"]
    return {"month": result.month, "exit_code": result.exit_code, "skipped": False,
            "run_id": manifest.get("run_id"), "folder": None if result.folder is None else str(result.folder),
            "incidents": manifest["incidents"], "rows": manifest.get("rows"),
            "finding_counts": {"errors": findings["errors"], "warnings": findings["warnings"],
                               "by_rule": findings.get("by_rule", {})},
            "notes": notes, "warnings": warnings}


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


def findings_frame(findings: pd.DataFrame, templates: dict[str, str]) -> pd.DataFrame:
    """One row per finding: case number, part, element, RMS column (missing: none), rule, severity, message
    template; the value left out."""
    rms = findings["rms_column"] if "rms_column" in findings.columns else findings["column"]
    return pd.DataFrame({"agency_case_number": _text(findings["agency_case_number"]), "part": _who(findings),
                         "element": _text(findings["element"]), "rms_column": _text(rms).mask(rms.isna(), None),
                         "rule_id": _text(findings["rule_id"]), "severity": _text(findings["severity"]),
                         "message": unfilled_messages(findings, templates)})


def findings_listing(findings: pd.DataFrame, templates: dict[str, str]) -> str:
    """One line per finding: case number, part, element, RMS column, rule, severity, message template."""
    if findings is None or findings.empty:
        return ""
    frame = findings_frame(findings, templates)
    frame["rms_column"] = frame["rms_column"].fillna("-")
    header = ("case number", "part", "element", "RMS column", "rule", "severity", "message")
    return text_table([header, *frame.itertuples(index=False, name=None)])


def review_frame(review: pd.DataFrame) -> pd.DataFrame:
    """Undecided incidents (review.csv without the values): what the analyst must establish, where."""
    rms = _text(review["rms_column"]).mask(review["rms_column"].isna(), None)
    return pd.DataFrame({"agency_case_number": _text(review["agency_case_number"]), "part": _who(review),
                         "element": _text(review["element"]), "rms_column": rms,
                         "to_establish": _text(review["to_establish"])})


def review_listing(review: pd.DataFrame) -> str:
    if review is None or review.empty:
        return ""
    rows = review_frame(review)
    rows["rms_column"] = rows["rms_column"].fillna("-")
    header = ("case number", "part", "element", "RMS column", "to establish")
    return text_table([header, *rows.itertuples(index=False, name=None)])


def not_reportable_frame(excluded: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"agency_case_number": _text(excluded["agency_case_number"]),
                         "source_file": _text(excluded["source_file"]), "source_row": _text(excluded["source_row"])})


def validate_document(result: MonthResult, templates: dict[str, str]) -> dict:
    """`uof validate --format json`: the month's counts, then every finding, incident pending review and
    incident not reportable, as lists of records without the values."""
    findings, listings = result.findings, result.listings
    empty = findings is None or findings.empty
    review, excluded = listings.get("review"), listings.get("not_reportable")
    return {**month_document(result),
            "findings": [] if empty else records(findings_frame(findings, templates)),
            "pending_review": [] if review is None or review.empty else records(review_frame(review)),
            "not_reportable": [] if excluded is None or excluded.empty
            else records(excluded[["agency_case_number", "source_file", "source_row"]])}


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
        rows = [("case number", "source file", "source row"),
                *not_reportable_frame(excluded).itertuples(index=False, name=None)]
        blocks.append(f"Not reportable: {len(excluded)} incident(s) meet none of the FBI criteria and are not sent "
                      "(`uof run` writes not_reportable.csv):\n" + text_table(rows))
    return "\n\n".join(blocks)


def report_document(command: str, result, **extra) -> dict:
    """The JSON document of a `uof report ...` command: counts, run id, folder; never a value of the extract."""
    return {"command": command, "period": result.period, "run_id": result.run_id, "folder": str(result.folder),
            "exit_code": result.exit_code, "files": [f["name"] for f in result.manifest["files"]],
            "summary": result.manifest["summary"], **extra, "notes": result.notes}
