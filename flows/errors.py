"""The error contract: typed fatal errors with stable codes, and THE table mapping them to exit codes.

Every failure the user can cause (a bad argument, profile, catalog, extract, output folder or ledger) is one of
the classes below; `flows/cli/main.py` prints it as one line, `uof: error UOF-...: <message>`, and exits with
`exit_code(error)`. Only a bug in uof itself is `UOF-INTERNAL`. Messages name files, keys, sheets, columns and
rows, never a cell's value (personal data); `--debug` adds the traceback of an internal error. docs/exit-codes.md is checked against
`EXIT_CODES` and `ERROR_CODES` by tests/test_error_contract.py.
"""
from __future__ import annotations

import re

# Outcomes of a command that ran to its end (not errors): code -> (exit code, meaning).
OUTCOMES = {
    "ok": (0, "done: every incident of the month emitted (or a zero report); `status`: nothing overdue"),
    "rejections": (1, "done with rejections (or a backfill left out months its extract does not cover); "
                      "`crosswalk check`: some code is unmapped; `verify`, `replay`: something differs"),
    "overdue": (3, "`status`: some month is overdue"),
}

# Stable error codes: code -> (exit code, meaning). Every error stops the command and writes no submission file.
ERROR_CODES = {
    "UOF-USAGE": (2, "a bad command-line argument, or a request that cannot be carried out as asked "
                     "(a month the extract does not cover, a zero report for the current month)"),
    "UOF-CONFIG": (2, "a bad profile, crosswalk, reference file or rule catalog: names the file and the key "
                      "or rule; found before any data is read (or when a file is edited during the run)"),
    "UOF-INPUT": (2, "the extract cannot be read as a whole: names the file, sheet, column and row"),
    "UOF-OUTPUT": (2, "the output folder cannot be written (`--out` or `--state` names a file, or a folder uof "
                      "may not write in, or the disk is full): names the path; checked before any data is read"),
    "UOF-LEDGER": (2, "the ledger or the archive beside it cannot be used (busy, unknown run, newer schema, "
                      "unreadable, archive missing)"),
    "UOF-INTERNAL": (2, "a bug in uof: nothing was written; rerun with --debug and report the traceback"),
}

# Ends that are neither, with the exit codes a shell gives for SIGINT and SIGPIPE.
INTERRUPTED, CLOSED_PIPE = 130, 141
ENDS = {
    "interrupted": (INTERRUPTED, "stopped by Ctrl-C; no submission file was written"),
    "closed-pipe": (CLOSED_PIPE, "the reader of stdout went away (`uof history | head`): the command ends "
                                 "quietly, as Unix tools do"),
}

EXIT_CODES = {name: code for table in (OUTCOMES, ERROR_CODES, ENDS) for name, (code, _) in table.items()}


class UofError(Exception):
    """A failure that stops the run before any submission file is written."""

    code = "UOF-INTERNAL"

    @property
    def exit_code(self) -> int:
        return ERROR_CODES[self.code][0]


def exit_code(error: BaseException) -> int:
    """The exit code of an error that ended a command (the one place errors become exit codes)."""
    if isinstance(error, UofError):
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED
    if isinstance(error, BrokenPipeError):
        return CLOSED_PIPE
    return ERROR_CODES["UOF-INTERNAL"][0]


class UsageError(UofError):
    """A bad command-line argument."""

    code = "UOF-USAGE"


class ConfigError(UofError):
    """A bad profile, crosswalk, reference file or rule catalog. Raised before any data is read."""

    code = "UOF-CONFIG"

    def __init__(self, file, message: str, key: str | None = None, rule: str | None = None):
        self.file, self.key, self.rule, self.detail = str(file), key, rule, message
        where = f"{self.file}" + (f", key '{key}'" if key else "") + (f", rule {rule}" if rule else "")
        super().__init__(f"configuration error in {where}: {message}")


def printable(text) -> str:
    """`text` (a path, sheet or column name) on one line: control characters shown as escapes (\\n, \\x00)."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda found: repr(found.group())[1:-1], str(text))


class FatalInputError(UofError):
    """The extract cannot be read as a whole: names file, sheet, column and row where they apply."""

    code = "UOF-INPUT"

    def __init__(self, file, message: str, sheet: str | None = None,
                 column: str | None = None, row: int | None = None):
        self.file, self.sheet, self.column, self.row, self.detail = str(file), sheet, column, row, message
        parts = [f"file {printable(self.file)}"]
        if sheet:
            parts.append(f"sheet '{printable(sheet)}'")
        if column:
            parts.append(f"column '{printable(column)}'")
        if row is not None:
            parts.append(f"row {row}")
        super().__init__("input error in " + ", ".join(parts) + f": {message}")


InputError = FatalInputError


class OutputError(UofError):
    """The output folder (or a file in it) cannot be written."""

    code = "UOF-OUTPUT"

    def __init__(self, path, message: str):
        self.path, self.detail = str(path), message
        super().__init__(f"output error in {printable(self.path)}: {message}")


class InternalError(UofError):
    """A bug inside a Prefect run, its text withheld (it may quote the extract): flows/pipeline/engine.py."""

    code = "UOF-INTERNAL"


class LedgerError(UofError):
    """The ledger, or the archive beside it, cannot be used (unknown run, newer schema, unreadable file)."""

    code = "UOF-LEDGER"


def os_reason(exc: OSError) -> str:
    """An OSError's reason without its file names (the caller names the path it was using)."""
    return exc.strerror or type(exc).__name__
