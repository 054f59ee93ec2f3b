"""Output files: written into a private temporary folder, moved into place only when complete."""
from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import hashlib
import io
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path

import orjson
import pandas as pd

from flows.errors import OutputError, os_reason

# A spreadsheet reads a cell starting so as a formula; the fullwidth forms (＝ ＋ － ＠) too, in some locales.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
TEMP_PREFIX = ".uof-tmp-"


@contextlib.contextmanager
def private_files():
    """Everything created inside is readable by the current user only (0600 files, 0700 folders)."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


@contextlib.contextmanager
def private_temp_folder(parent: Path):
    """Libraries' temporary files (openpyxl writes each sheet to one) go to a 0700 folder inside `parent`, the
    output or state folder, and are removed after: never to the system temp folder, which others may read
    and which a killed run would leave case data in (flows/io/recovery.py removes a killed run's folder)."""
    with private_files():
        Path(parent).mkdir(parents=True, exist_ok=True, mode=0o700)
        folder = tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=parent)
    previous, tempfile.tempdir = tempfile.tempdir, folder
    try:
        with private_files():
            yield Path(folder)
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)


def json_bytes(obj) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"


def nested_json(obj, depth: int = 1) -> orjson.Fragment:
    """`obj` serialised now, to sit `depth` levels deep in a document that json_bytes serialises later: the
    document's bytes are the same as with `obj` itself in its place (a JSON text holds no raw newline but
    between tokens, so indenting each line by the depth is exact), and the memory is bytes, not objects."""
    return orjson.Fragment(orjson.dumps(obj, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n" + b"  " * depth))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def as_text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is prefixed with an apostrophe."""
    out = frame.copy()
    for column in out.columns:
        s = out[column]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            text = s.astype("str")
            risky = text.str.startswith(FORMULA_START).fillna(False).astype(bool)
            out[column] = text.mask(risky, "'" + text)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    as_text_cells(frame).to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue().encode("utf-8")


ZIP_BATCH = 500  # entries deflated per task of the thread pool


def _deflated(batch: list[bytes]) -> list[bytes]:
    """Each entry deflated as zipfile deflates it (raw stream, default level = 6), one stream per entry."""
    out = []
    for data in batch:
        stream = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        out.append(stream.compress(data) + stream.flush())
    return out


class _Deflated:
    """Stands in for a zip entry's compressor: hands zipfile the entry's bytes deflated beforehand."""

    def __init__(self, data: bytes):
        self.data = data

    def compress(self, _data) -> bytes:
        out, self.data = self.data, b""
        return out

    def flush(self) -> bytes:
        return b""


def zip_bytes(files: list[tuple[str, bytes]], when: pd.Timestamp) -> bytes:
    """Flat, deflate-compressed, with fixed timestamps and modes so reruns are byte-identical.

    Many entries (a month's messages) are deflated on every core first: zlib lets go of the interpreter lock
    while it compresses, and compressing is most of a large zip's cost. zipfile then writes the archive with
    the entries' bytes as deflated beforehand, the same bytes its own compressor gives (tests/test_serialisation_
    paths.py); with few entries it compresses them itself.
    """
    buffer = io.BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    packed = [None] * len(files)
    if len(files) > ZIP_BATCH and (os.cpu_count() or 1) > 1:
        batches = [[data for _, data in files[i:i + ZIP_BATCH]] for i in range(0, len(files), ZIP_BATCH)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(os.cpu_count(), 8)) as pool:
            packed = [entry for done in pool.map(_deflated, batches) for entry in done]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for (name, data), deflated in zip(files, packed):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 3
            if deflated is None:
                archive.writestr(info, data)
                continue
            info.file_size = len(data)  # as writestr does
            with archive.open(info, mode="w") as entry:
                entry._compressor = _Deflated(deflated)
                entry.write(data)  # zipfile counts the size and the CRC of `data`, writes the deflated bytes
    return buffer.getvalue()


def check_output_folder(out, option: str = "--out") -> None:
    """`--out` (or `option`) must be a folder uof may write in, or one it can create: checked before any data is read.

    A file where the folder should be, or a folder uof may not write in (permissions, a read-only disk), is an
    output error naming the path (UOF-OUTPUT), never a failure half-way through the run.
    """
    path = Path(out).expanduser()
    if path.exists() and not path.is_dir():
        raise OutputError(path, f"is a file, not a folder: give {option} a folder (uof creates it when missing)")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(path, f"cannot be created: {existing} is a file, not a folder")
    try:  # the only reliable test (permissions, ACLs, read-only mounts, root): write a file and remove it
        handle, probe = tempfile.mkstemp(prefix=".uof-probe-", dir=existing)
    except OSError as exc:
        what = "cannot be written" if existing == path else f"cannot be created in {existing}"
        raise OutputError(path, f"{what} ({os_reason(exc)}): give {option} a folder you may write in") from None
    os.close(handle)
    os.unlink(probe)


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class StagedFolder:
    """A temporary folder beside the destination; `commit()` swaps it into place atomically."""

    def __init__(self, destination: Path):
        self.destination = Path(destination)
        self.parent = self.destination.parent
        self.staging = None

    def __enter__(self):
        try:
            with private_files():
                self.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                self.staging = self.parent / f".uof-staging-{self.destination.name}-{os.getpid()}"
                if self.staging.exists():
                    shutil.rmtree(self.staging)
                self.staging.mkdir(mode=0o700)
        except OSError as exc:
            raise self._output_error(exc) from None
        return self

    def _output_error(self, exc: OSError) -> OutputError:
        """A full disk, a permission or a vanished folder while writing: the user's to fix, never a bug."""
        return OutputError(self.destination, f"cannot be written ({os_reason(exc)}); none of this run's files "
                                             "were kept")

    def write(self, name: str, data: bytes) -> None:
        """`data` as a 0600 file: one system call to open, one (usually) to write, no buffering (a month of
        50,000 messages is 50,000 files)."""
        handle = os.open(os.path.join(self.staging, name), _NEW_FILE, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
        finally:
            os.close(handle)

    def commit(self) -> None:
        old = None
        if self.destination.exists():
            old = self.parent / f".uof-replaced-{self.destination.name}-{os.getpid()}"
            os.replace(self.destination, old)
        os.replace(self.staging, self.destination)
        self.staging = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def __exit__(self, exc_type, exc, tb):
        if self.staging is not None and self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise self._output_error(exc) from None
        return False


def write_private_text(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the current user only (0600), replacing it atomically."""
    write_private_bytes(path, text.encode("utf-8"))


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` readable by the current user only (0600), replacing it atomically."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
