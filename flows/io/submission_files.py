"""Reading what `uof check-submission` checks: JSON service-message files, zips of them, folders holding either,
and (read-only) the ledger's record of what was sent.

Bytes only: what the files mean is decided in transforms/submission_frames.py and transforms/submission_check.py.
A file that is JSON-unreadable is not an error here (it becomes a FILE-JSON finding, the other files are still
checked); an input that cannot be read at all (missing, unreadable, a corrupt zip or zip member) is a
FatalInputError naming the file and the zip member, and nothing is written.
"""
from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pandas as pd

from flows.errors import FatalInputError, LedgerError, OutputError, os_reason
from flows.io.write import private_files
from transforms.submission_check import ZipFacts
from transforms.submission_frames import ParsedFile

# Files uof writes beside its messages that are not service messages: a folder's are left out (and listed).
NOT_MESSAGES = ("manifest.json",)


@dataclass
class Inputs:
    files: list[ParsedFile] = field(default_factory=list)
    zips: list[ZipFacts] = field(default_factory=list)
    read: list[dict] = field(default_factory=list)  # per input file: path, kind (json / zip), sha256
    ignored: list[str] = field(default_factory=list)  # files of a folder that are neither .json nor .zip


def parsed(source: str, name: str, submission: str, data: bytes) -> ParsedFile:
    """One file's bytes as JSON; a syntax error is recorded with its line and column (never the text)."""
    try:
        return ParsedFile(source=source, name=name, submission=submission, payload=orjson.loads(data))
    except orjson.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}" if getattr(exc, "lineno", None) else "not JSON"
        reason = exc.msg.split(":")[0] if getattr(exc, "msg", None) else "invalid JSON"
        return ParsedFile(source=source, name=name, submission=submission, error=f"{where}: {reason}")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FatalInputError(path, f"cannot be read ({os_reason(exc)}); nothing was checked or written") from None


def _zip(path: Path, data: bytes, inputs: Inputs) -> None:
    source = str(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            members = tuple((info.filename, info.compress_type) for info in infos)
            for info in infos:
                if info.is_dir() or not info.filename.lower().endswith(".json"):
                    continue
                try:
                    content = archive.read(info)
                except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as exc:
                    raise FatalInputError(path, f"zip member '{info.filename}' cannot be extracted ({type(exc).__name__}: "
                                                "the zip is damaged or uses a compression uof cannot read); nothing was "
                                                "checked or written") from None
                inputs.files.append(parsed(f"{source}:{info.filename}", info.filename.replace("\\", "/").rsplit("/", 1)[-1],
                                           source, content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise FatalInputError(path, f"is not a readable zip file ({exc}); nothing was checked or written") from None
    inputs.zips.append(ZipFacts(source=source, name=path.name, members=members))
    inputs.read.append({"path": source, "kind": "zip", "sha256": hashlib.sha256(data).hexdigest(),
                        "members": len(members)})


def _one(path: Path, inputs: Inputs) -> None:
    data = _read_bytes(path)
    if path.suffix.lower() == ".zip" or data[:4] == b"PK\x03\x04":
        _zip(path, data, inputs)
        return
    inputs.files.append(parsed(str(path), path.name, "", data))
    inputs.read.append({"path": str(path), "kind": "json", "sha256": hashlib.sha256(data).hexdigest()})


def read_inputs(paths: list[str]) -> Inputs:
    """Every path: a .json file, a .zip, or a folder (its .json and .zip files, not its subfolders; uof's
    manifest.json is left out). The loose .json files form one submission, each zip another."""
    inputs = Inputs()
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            raise FatalInputError(path, "does not exist; nothing was checked or written")
        if path.is_dir():
            try:
                entries = sorted(p for p in path.iterdir() if p.is_file())
            except OSError as exc:
                raise FatalInputError(path, f"cannot be listed ({os_reason(exc)}); nothing was checked or written") \
                    from None
            for entry in entries:
                if entry.name in NOT_MESSAGES or entry.suffix.lower() not in (".json", ".zip"):
                    inputs.ignored.append(str(entry))
                    continue
                _one(entry, inputs)
            continue
        _one(path, inputs)
    if not inputs.files and not inputs.zips:
        raise FatalInputError(", ".join(paths), "holds no .json or .zip file to check; nothing was written")
    return inputs


LEDGER_COLUMNS = ["kind", "agency_ori", "month", "incident_date", "agency_case_number", "action", "file_name",
                  "run_seq", "seq"]


def ledger_messages(path: Path) -> pd.DataFrame:
    """Every message of the ledger's complete runs (LEDGER_COLUMNS), read without writing anything to it."""
    path = Path(path)
    if not path.is_file():
        raise LedgerError(f"no ledger at {path}: give the ledger uof run wrote (--state) or the runs' folder (--out)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            cur = conn.execute(
                "SELECT m.kind, m.agency_ori, m.month, m.incident_date, m.agency_case_number, m.action, m.file_name, "
                "r.run_seq, m.seq FROM messages m JOIN runs r USING (run_id) WHERE r.state = 'complete' "
                "ORDER BY r.run_seq, m.seq")
            rows = cur.fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"ledger {path} cannot be read ({exc}): give the ledger uof run wrote") from None
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def write_report_files(folder: Path, files: list[tuple[str, bytes]]) -> None:
    """Write the report files into `folder` (0700, created when missing), each 0600 and whole: every file is
    written under a temporary name first and all are moved into place only once all are written."""
    folder = Path(folder)
    temps: list[tuple[str, Path]] = []
    try:
        with private_files():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            for name, data in files:
                handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
                temps.append((name, Path(temp)))
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                os.chmod(temp, 0o600)
        for name, temp in temps:
            os.replace(temp, folder / name)
    except OSError as exc:
        raise OutputError(folder, f"cannot be written ({os_reason(exc)}); no report file was kept") from None
    finally:
        for _, temp in temps:
            temp.unlink(missing_ok=True)
