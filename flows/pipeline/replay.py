"""Replay a recorded run from its archive and prove the files it produced can be regenerated exactly.

The archive holds the normalised input frames and the exact profile, crosswalk, code-table and
catalog files the run used; the ledger holds what had been emitted before it. Replay rebuilds the
month with those, never with today's mappings or extract, and compares every file byte for byte.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from flows.config.load import TABLES
from flows.config.state import with_overrides
from flows.errors import LedgerError
from flows.io.extract import Extract, crosswalk_frames
from flows.io.ledger import REPORT_KIND, Ledger
from flows.io.read import SourceFile
from flows.io.recovery import folder_differences
from flows.io.write import private_files, private_temp_folder, sha256
from flows.pipeline.month_files import month_files
from flows.pipeline.monthly import load_configuration, prepare
from flows.pipeline.verify import run_folder
from transforms.file_names import file_stem, zip_file_name


class ReplayError(LedgerError):
    """The run cannot be replayed (no archive, missing archived file)."""


@dataclass
class ReplayReport:
    run_id: str
    identical: bool
    compared: list[str]
    differences: list[str] = field(default_factory=list)


def _archived(folder: Path, digest: str, ext: str) -> Path:
    path = folder / f"{digest}.{ext}"
    if not path.exists():
        raise ReplayError(f"archived file {path.name} is missing from {folder}: the run cannot be replayed")
    return path


def _materialize(archive: dict, folder: Path, work: Path) -> Path:
    """Lay the archived configuration out as files; return the profile's path."""
    for entry in archive["reference"]:
        target = work / entry["folder"] / entry["name"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_archived(folder, entry["sha256"], "yaml"), target)
    depth = max([p["path"].split(os.sep).count("..") for p in archive["crosswalks"]] + [0])
    base = work.joinpath("profile", *[f"d{i}" for i in range(depth)])
    base.mkdir(parents=True, exist_ok=True)
    profile = base / archive["profile"]["name"]
    shutil.copyfile(_archived(folder, archive["profile"]["sha256"], "yaml"), profile)
    for cw in archive["crosswalks"]:
        target = (base / cw["path"]).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_archived(folder, cw["sha256"], "yaml"), target)
    return profile


def _extract(archive: dict, folder: Path, manifest: dict, config) -> Extract:
    local = {}
    for table in TABLES:
        frame = pq.read_table(_archived(folder, archive["frames"][table], "parquet")).to_pandas()
        local[table] = frame
    frames, unmapped = crosswalk_frames(local, config.profile, config.ref)
    rows = manifest["rows"]
    return Extract(frames=frames, local=local, unmapped=unmapped,
                   rows_read={t: rows[t]["read"] for t in TABLES}, blank_rows={t: rows[t]["blank"] for t in TABLES},
                   extra_columns=manifest["extra_columns_ignored"],
                   files=[SourceFile(f["name"], f["sha256"]) for f in manifest["inputs"]["source"]],
                   layout=manifest.get("layout"))


def _json_differences(name: str, before, after, path: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in list(before) + [k for k in after if k not in before]:
            out += _json_differences(name, before.get(key, "<absent>"), after.get(key, "<absent>"),
                                     f"{path}.{key}" if path else key)
        return out
    if isinstance(before, list) and isinstance(after, list) and before and isinstance(before[0], dict):
        out = []
        for i in range(max(len(before), len(after))):
            out += _json_differences(name, before[i] if i < len(before) else "<absent>",
                                     after[i] if i < len(after) else "<absent>", f"{path}[{i}]")
        return out
    return [] if before == after else [f"{name}: {path}: {json.dumps(before)} -> {json.dumps(after)}"]


def _original_folder(run) -> Path | None:
    """The run's files on disk: its month folder while it is the latest run, else its history folder."""
    if not run.folder:
        return None
    folder = Path(run.folder)
    return run_folder(folder.parent, folder.name, run.run_id)


def replay(ledger_path: Path, run_id: str) -> ReplayReport:
    with Ledger(ledger_path) as ledger:
        run = ledger.run(run_id)
        manifest = run.manifest
        archive = manifest.get("archive")
        if run.kind.startswith(REPORT_KIND):
            raise ReplayError(f"run {run_id} is a {run.kind[len(REPORT_KIND):]} report: replay rebuilds FBI months "
                              "only (a report keeps no archive of its inputs yet); `uof verify` checks its files "
                              "against its manifest and the ledger")
        if not archive:
            raise ReplayError(f"run {run_id} has no archive to replay from")
        history = {"incidents": ledger.incident_history(run.agency_ori, [run.month], before_seq=run.run_seq),
                   "zero_reports": ledger.zero_report_history(run.agency_ori, [run.month], before_seq=run.run_seq)}
        n_recorded = len(ledger.messages(run_id=run_id))
        pruned = ledger.pruned()
    gone = sorted({pruned[d] for d in archive.get("frames", {}).values() if d in pruned})
    if gone:
        at, months = gone[0]
        raise ReplayError(f"run {run_id} can no longer be replayed: the archived copies of its extract were removed "
                          f"on {at[:10]} under the archive retention ({months} months); its files and ledger record "
                          "remain checkable with `uof verify`")
    folder = ledger_path.parent / "archive"
    work = ledger_path.parent / f".replay-{run_id}-{os.getpid()}"
    try:
        with private_files():
            work.mkdir(parents=True, mode=0o700)
            profile = _materialize(archive, folder, work)
        config = load_configuration(str(profile), mappings_dir=work / "mappings", schemas_dir=work / "schemas",
                                    extra_roots=(work,))
        if archive.get("agency"):  # one agency of a state run: the shared profile with its identity, as then
            config.profile = with_overrides(config.profile, archive["agency"])
        as_of = pd.Timestamp(run.as_of)
        prepared = prepare(config, _extract(archive, folder, manifest, config), [run.month], as_of)
        # The file numbers the run got then, read from its ledger record: a replay never takes new ones.
        first = 1 if run.first_number is None else run.first_number
        with private_temp_folder(work):
            built = month_files(prepared, run.month, as_of, run.run_id, run.run_seq, run.kind, history=history,
                                archived=archive, numbering=lambda count: first)
        stem = file_stem(config.profile.reporting_agency_ori, as_of)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    expected = {f["name"]: f["sha256"] for f in manifest["files"]}
    produced = {name: data for name, data in built.files if name != "manifest.json"}
    if run.first_number is None and n_recorded:
        # Recorded before ledger schema 2: files numbered from 0001 in every run, zip named <stem>.zip.
        legacy_zip = zip_file_name(stem, first, n_recorded)
        if legacy_zip in produced:
            produced[f"{stem}.zip"] = produced.pop(legacy_zip)
    differences = []
    for name in sorted(set(expected) | set(produced)):
        if name not in produced:
            differences.append(f"{name}: produced then, not regenerated now")
        elif name not in expected:
            differences.append(f"{name}: regenerated now, not produced then")
        elif sha256(produced[name]) != expected[name]:
            differences.append(f"{name}: content differs")
            original = _original_folder(run)
            if original is not None and (original / name).exists() and name.endswith(".json"):
                differences += ["  " + d for d in _json_differences(
                    name, json.loads((original / name).read_text()), json.loads(produced[name]))]
    original = _original_folder(run)
    if original is None:
        differences.append("the run's folder is on disk neither as its month folder nor in history/")
    else:  # the files on disk, too, must still be what the run produced (uof verify checks every run so)
        differences += [f"on disk, {d}" for d in folder_differences(original, manifest)]
    return ReplayReport(run_id=run_id, identical=not differences, compared=sorted(expected),
                        differences=differences)
