"""Content-addressed archive of what a run used, so an auditor can replay it exactly.

`<state folder>/archive/<sha256>.<ext>`: the normalised input frames as Parquet (before the
crosswalks, so replay re-applies the archived crosswalks) and the exact bytes of the profile,
crosswalk, code-table and rule-catalog files. Identical content is stored once.
"""
from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from flows.config.load import SCHEMAS_DIR, TABLES
from flows.errors import ConfigError, LedgerError, os_reason
from flows.io.write import private_files
from mappings import MAPPINGS_DIR

REFERENCE_LOCATIONS = {"catalog.yaml": "schemas"}


def _store(folder: Path, data: bytes, ext: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    path = folder / f"{digest}.{ext}"
    if not path.exists():
        try:
            with private_files():
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                tmp = folder / f".{digest}.{os.getpid()}.tmp"
                tmp.write_bytes(data)
                os.replace(tmp, path)
        except OSError as exc:
            raise LedgerError(f"the archive {folder} cannot be written ({os_reason(exc)}); "
                              "nothing was submitted") from None
    return digest


def parquet_bytes(frame) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=True)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def _verified(path: Path, expected: str) -> bytes:
    """The bytes the run was configured from; a file edited (or removed) meanwhile stops the run."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(path, f"cannot be read again to archive it ({os_reason(exc)}); rerun") from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise ConfigError(path, "changed while the run was using it; rerun once nobody is editing it")
    return data


def archive_inputs(prepared, folder: Path) -> dict:
    """Store the run's inputs; return the manifest's `archive` section (name -> sha256)."""
    profile, ref = prepared.config.profile, prepared.config.ref
    frames = {t: _store(folder, parquet_bytes(prepared.extract.local[t]), "parquet") for t in TABLES}
    files = {"profile": {"name": profile.path.name,
                         "sha256": _store(folder, _verified(profile.path, profile.sha256), "yaml")}}
    files["crosswalks"] = [
        {"path": os.path.relpath(cw.path, profile.path.resolve().parent),
         "sha256": _store(folder, _verified(cw.path, cw.sha256), "yaml")} for cw in profile.crosswalks]
    files["reference"] = [
        {"name": name, "folder": REFERENCE_LOCATIONS.get(name, "mappings"),
         "sha256": _store(folder, _verified((SCHEMAS_DIR if name in REFERENCE_LOCATIONS else MAPPINGS_DIR) / name,
                                            digest), "yaml")}
        for name, digest in sorted(ref.files.items())]
    overrides = profile.settings.get("agency_overrides")
    if overrides:  # a state run's agency: the shared profile with the agency's identity put in (flows/config/state.py)
        files["agency"] = dict(overrides)
    return {"frames": frames, **files}


def remove_archived(folder: Path, digests: list[str]) -> int:
    """Delete the archived Parquet copies named by `digests`; the bytes freed."""
    freed = 0
    for digest in digests:
        path = folder / f"{digest}.parquet"
        try:
            freed += path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise LedgerError(f"the archive file {path} cannot be removed ({os_reason(exc)})") from None
    return freed
