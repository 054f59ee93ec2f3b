"""Names of the submission files (FBI flat-file spec, Appendix B): planning, not writing."""
from __future__ import annotations

import re

import pandas as pd

MAX_FILE_NUMBER = 9_999_999_999  # Appendix B §1.1: the sequence number has at most 10 digits
FILE_NAME = re.compile(r"(?P<ori>[^_]+)_[0-9]{8}_[0-9]{4}_(?P<number>[0-9]{1,10})\.json", re.ASCII)


def file_stem(reporting_agency_ori: str, as_of: pd.Timestamp) -> str:
    """Appendix B: ORI of the submitting agency, creation date YYYYMMDD and time HHMM."""
    return f"{reporting_agency_ori}_{as_of.strftime('%Y%m%d')}_{as_of.strftime('%H%M')}"


def message_file_name(stem: str, number: int) -> str:
    """Appendix B §1.1: `<stem>_<number>.json`, the number 4 digits at least (as in the spec's examples) and
    10 at most. Numbers come from the ledger (flows/io/ledger.py:FileNumbers), unique per submitting ORI."""
    if not 1 <= number <= MAX_FILE_NUMBER:
        raise ValueError(f"file sequence number {number} is outside 1..{MAX_FILE_NUMBER} (Appendix B)")
    return f"{stem}_{number:04d}.json"


def message_file_names(stem: str, first: int, count: int) -> list[str]:
    """The names of `count` messages numbered from `first`, in the order they are sent."""
    return [message_file_name(stem, first + i) for i in range(count)]


def zip_file_name(stem: str, first: int, count: int) -> str:
    """Appendix B §1.5 leaves the zip's name free: the stem and the range of JSON numbers it holds, so it is
    unique whenever they are (`PA0230100_20251105_0930_0004-0006.zip`)."""
    return f"{stem}_{first:04d}-{first + count - 1:04d}.zip"


def file_name_ori(name: str) -> str | None:
    match = FILE_NAME.fullmatch(name or "")
    return match["ori"] if match else None


def file_name_number(name: str) -> int | None:
    match = FILE_NAME.fullmatch(name or "")
    return int(match["number"]) if match else None
