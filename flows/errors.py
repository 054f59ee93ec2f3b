"""Typed fatal errors. Each maps to exit code 2 and prints as one line, never a traceback."""
from __future__ import annotations


class UofError(Exception):
    """A failure that stops the run before any submission file is written."""

    exit_code = 2


class UsageError(UofError):
    """A bad command-line argument."""


class ConfigError(UofError):
    """A bad profile, crosswalk or reference file. Raised before any data is read."""

    def __init__(self, file, message: str, key: str | None = None):
        self.file, self.key, self.detail = str(file), key, message
        where = f"{self.file}" + (f", key '{key}'" if key else "")
        super().__init__(f"configuration error in {where}: {message}")


class FatalInputError(UofError):
    """The extract cannot be read as a whole: names file, sheet, column and row where they apply."""

    def __init__(self, file, message: str, sheet: str | None = None,
                 column: str | None = None, row: int | None = None):
        self.file, self.sheet, self.column, self.row, self.detail = str(file), sheet, column, row, message
        parts = [f"file {self.file}"]
        if sheet:
            parts.append(f"sheet '{sheet}'")
        if column:
            parts.append(f"column '{column}'")
        if row is not None:
            parts.append(f"row {row}")
        super().__init__("input error in " + ", ".join(parts) + f": {message}")
