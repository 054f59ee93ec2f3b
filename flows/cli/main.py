"""`uof`: a thin command line over the flows. Parses arguments, calls a flow, maps errors to exit codes.

Exit codes: 0 all emitted (or a zero report), 1 completed with rejections (or a backfill left out months its
extract does not cover), 2 nothing could be done (a monthly run for a month without incidents that its extract
does not cover included). Errors and their codes: flows/errors.py (the one table), docs/exit-codes.md.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from datetime import datetime

from flows.errors import UofError, UsageError, exit_code
from flows.version import tool_version

MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])", re.ASCII)


def say(text: str = "") -> None:
    """Print to stdout; a reader that went away (`uof run ... | head -1`) does not fail the run."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def month_arg(text: str) -> str:
    if not MONTH.fullmatch(text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a month written YYYY-MM")
    return text


def covers_arg(text: str) -> str:
    """`--covers FROM..TO`: the months the extract covers, checked here, before any data is read."""
    from transforms.coverage import parse_period

    try:
        first, last = parse_period(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return f"{first}..{last}"


def add_covers_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--covers", type=covers_arg, default=None, metavar="FROM..TO",
                   help="months the extract covers, YYYY-MM..YYYY-MM (default: the profile's extract_period, "
                        "else the first to the last month of its incident dates); a month without incidents "
                        "gets a zero report only inside it")


def as_of_arg(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a moment written YYYY-MM-DDTHH:MM:SS") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat()


def now_arg() -> str:
    return datetime.now().replace(microsecond=0).isoformat()


def _month_options(p: argparse.ArgumentParser, out_required: bool) -> None:
    p.add_argument("--profile", required=True, help="agency profile YAML")
    p.add_argument("--source", required=True, help="RMS extract: .xlsx workbook or folder of CSV files")
    p.add_argument("--month", required=True, type=month_arg, help="month to report, YYYY-MM")
    if out_required:
        p.add_argument("--out", required=True, help="output folder")
        p.add_argument("--state", default=None,
                       help="ledger file (default: OUT/<agency_ori>/ledger.sqlite); the archive sits beside it")
    p.add_argument("--as-of", type=as_of_arg, default=None,
                   help="moment the run is considered to happen, YYYY-MM-DDTHH:MM:SS (default: now)")
    add_covers_option(p)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="uof", description="FBI National Use-of-Force Data Collection reporting.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress (counts only, never personal data)")
    p.add_argument("--version", action="version", version=f"uof {tool_version()}")
    p.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="produce the month's submission: JSON messages, zip, rejections, manifest")
    _month_options(run, out_required=True)
    val = sub.add_parser("validate", help="check a month without writing a submission")
    _month_options(val, out_required=False)
    val.add_argument("--out", default=None, help=argparse.SUPPRESS)
    _register_modules(sub)
    return p


def _summary(result) -> str:
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


def _cmd_run(args) -> int:
    from flows.pipeline.monthly import run_month

    result = run_month(args.profile, args.source, args.month, args.out, args.as_of or now_arg(), state=args.state,
                       covers=args.covers)
    say(_summary(result))
    say_notes(result.notes)
    return result.exit_code


def say_notes(notes: list[str]) -> None:
    """Notes on stdout; warnings (flows/pipeline/month_files.py:WARNING_PREFIX) on stderr, where a scheduler's log sees them."""
    from transforms.submission import WARNING_PREFIX

    for note in notes:
        if note.startswith(WARNING_PREFIX):
            print(f"uof: {note}", file=sys.stderr)
        else:
            say(f"note: {note}")


def _cmd_validate(args) -> int:
    from flows.config.load import load_reference
    from flows.pipeline.monthly import run_month
    from flows.cli.render import templates_of, validate_report

    result = run_month(args.profile, args.source, args.month, None, args.as_of or now_arg(), write=False,
                       covers=args.covers)
    say(_summary(result))
    report = validate_report(result.findings, result.listings, templates_of(load_reference().catalog_data))
    if report:
        say(report)
    say_notes(result.notes)
    return result.exit_code


COMMANDS = {"run": _cmd_run, "validate": _cmd_validate}

# Further commands live in their own modules: each has `register(subparsers)` returning
# {command name: handler(args) -> exit code}.
COMMAND_MODULES = ["flows.cli.ledger_commands", "flows.cli.status_command", "flows.cli.schedule_command", "flows.cli.crosswalk_commands"]


def _register_modules(sub) -> None:
    import importlib

    for name in COMMAND_MODULES:
        COMMANDS.update(importlib.import_module(name).register(sub))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a reader that went away shows here, not as a warning when Python exits
    except BrokenPipeError as exc:  # `uof history | head`: the reader has all it wanted; end quietly
        _silence_stdout()
        return exit_code(exc)
    except UofError as exc:  # one line with its stable code; the exit code comes from flows/errors.py
        print(f"uof: error {exc.code}: {exc}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt as exc:
        print("uof: interrupted; no submission files were written", file=sys.stderr)
        return exit_code(exc)
    except Exception as exc:  # an internal bug: one line, no traceback unless asked
        if args.debug:
            raise
        # The exception text may quote a value from the extract: only its type is shown by default.
        print(f"uof: error UOF-INTERNAL: internal error ({type(exc).__name__}) — no submission files were "
              "written; rerun with --debug for details and report it", file=sys.stderr)
        return exit_code(exc)
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so nothing more (not even Python's final flush) fails on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no real file (a test's StringIO): nothing to silence
        pass
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
