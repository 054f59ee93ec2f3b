"""Output files: written into a private temporary folder, moved into place only when complete."""
from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import csv
import hashlib
import io
import os
import shutil
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
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


ZIP_BATCH = 500  # files packed per task of the thread pool
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # zip local file header, as zipfile writes it
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # zip central directory entry
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_END64_LOCATOR = struct.Struct("<4sLQL")


@dataclass
class Packed:
    """One file with what its zip entry and the manifest need: deflated as zipfile deflates (raw stream, zlib's
    default level 6), its CRC-32, size and sha256. `raw` is None once the file was written to disk
    (pack_all with a folder): then only the deflated bytes wait for the zip."""

    name: str
    raw: bytes | None
    size: int
    crc: int
    sha256: str
    deflated: bytes | memoryview


def _packed(batch: list[tuple[str, bytes]], folder=None) -> list[Packed]:
    out = []
    for name, data in batch:  # zlib, hashlib and os.write let go of the interpreter lock while they work
        stream = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        if folder is not None:
            folder.write(name, data)
        out.append(Packed(name=name, raw=None if folder is not None else data, size=len(data),
                          crc=zlib.crc32(data), sha256=hashlib.sha256(data).hexdigest(),
                          deflated=stream.compress(data) + stream.flush()))
    return out


def packed_batches(files, folder=None):
    """Each (name, bytes) of the iterable packed, yielded in order a batch at a time. With many files the
    packing runs on a thread pool while the iterable makes the next ones (a month's messages are serialised
    as the earlier ones are packed), and at most a few batches wait at a time. With `folder` (a StagedFolder)
    each file is also written there as it is packed and its bytes let go: a month of messages is then never
    held whole in memory."""
    workers = min(os.cpu_count() or 1, 8)
    waiting, batch = collections.deque(), []
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for item in files:
            batch.append(item)
            if len(batch) == ZIP_BATCH and workers > 1:
                waiting.append(pool.submit(_packed, batch, folder))
                batch = []
                while len(waiting) > 2 * workers:
                    yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()
    if batch:
        yield _packed(batch, folder)


def pack_all(files, folder=None) -> list[Packed]:
    """Every file of the iterable packed (packed_batches), in order."""
    return [entry for batch in packed_batches(files, folder) for entry in batch]


class ZipWriter:
    """A zip of packed files made a part at a time: flat, fixed timestamps, mode 0600: byte for byte what
    zipfile writes for them (tests/test_serialisation_paths.py), without compressing again. `entry()` gives
    an entry's local header and data, `end()` the central directory and end records; `sha256` is the hash of
    all the parts given so far, so a zip streamed to disk needs no second read."""

    def __init__(self, when: pd.Timestamp):
        stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
        self.dosdate = (stamp[0] - 1980) << 9 | stamp[1] << 5 | stamp[2]
        self.dostime = stamp[3] << 11 | stamp[4] << 5 | (stamp[5] // 2)
        self.central, self.offset, self.count = [], 0, 0
        self.digest = hashlib.sha256()

    def _given(self, parts: list) -> list:
        for part in parts:
            self.digest.update(part)
        return parts

    def entry(self, entry: Packed) -> list:
        """The parts of the entry's local header and data (the data is the entry's own deflated bytes)."""
        try:
            name, flags = entry.name.encode("ascii"), 0
        except UnicodeEncodeError:
            name, flags = entry.name.encode("utf-8"), 0x800
        size = len(entry.deflated)
        if max(size, entry.size, self.offset) > 0xFFFFFFFF:
            raise ValueError("a zip of more than 4 GiB needs ZIP64 entries, which uof does not write")
        self.central += [_CENTRAL.pack(b"PK\x01\x02", 20, 3, 20, 0, flags, zipfile.ZIP_DEFLATED, self.dostime,
                                       self.dosdate, entry.crc, size, entry.size, len(name), 0, 0, 0, 0,
                                       0o600 << 16, self.offset), name]
        self.offset += _LOCAL.size + len(name) + size
        self.count += 1
        return self._given([_LOCAL.pack(b"PK\x03\x04", 20, 0, flags, zipfile.ZIP_DEFLATED, self.dostime, self.dosdate,
                                        entry.crc, size, entry.size, len(name), 0), name, entry.deflated])

    def end(self) -> list:
        directory, count, offset = b"".join(self.central), self.count, self.offset
        end = []
        if count > 0xFFFF or offset > 0xFFFFFFFF or len(directory) > 0xFFFFFFFF:  # as zipfile: ZIP64 end records
            end = [_END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), offset),
                   _END64_LOCATOR.pack(b"PK\x06\x07", 0, offset + len(directory), 1)]
        end.append(_END.pack(b"PK\x05\x06", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                             min(len(directory), 0xFFFFFFFF), min(offset, 0xFFFFFFFF), 0))
        return self._given([directory] + end)

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


def zip_of(packed: list[Packed], when: pd.Timestamp) -> bytes:
    """The zip of packed files as bytes (ZipWriter). Each Packed then holds its deflated bytes as a view into
    the zip, not a copy."""
    writer, parts, offsets = ZipWriter(when), [], []
    for entry in packed:
        parts += writer.entry(entry)
        offsets.append(writer.offset - len(entry.deflated))
    archive = b"".join(parts + writer.end())
    view = memoryview(archive)
    for entry, start in zip(packed, offsets):
        entry.deflated = view[start:start + len(entry.deflated)]
    return archive


def streamed_zip(batches, folder, name: str, when: pd.Timestamp) -> tuple[list[tuple[str, str]], str]:
    """The zip `name` written into `folder` (a StagedFolder) as the batches of packed files arrive, each
    entry's deflated bytes let go once written: ((name, sha256) of each packed file, the zip's sha256)."""
    writer, listed = ZipWriter(when), []
    with folder.open(name) as handle:
        for batch in batches:
            for entry in batch:
                handle.writelines(writer.entry(entry))
                listed.append((entry.name, entry.sha256))
            del batch[:]
        handle.writelines(writer.end())
    return listed, writer.sha256


def zip_bytes(files: list[tuple[str, bytes]], when: pd.Timestamp) -> bytes:
    """Flat, deflate-compressed, with fixed timestamps and modes so reruns are byte-identical."""
    return zip_of(pack_all(files), when)


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

    def open(self, name: str):
        """A 0600 file of the staging folder to write in parts (a streamed zip)."""
        return os.fdopen(os.open(os.path.join(self.staging, name), _NEW_FILE, 0o600), "wb")

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
