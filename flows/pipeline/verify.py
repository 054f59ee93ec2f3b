"""`uof verify`: the files on disk, the archive and the ledger checked against each other.

- every complete run's folder (the month folder, or `history/<run id>` once a later run replaced it): each file
  against the SHA-256 its manifest lists, the manifest against the ledger's copy, and no file the manifest does
  not list;
- every month folder names a run the ledger records as complete;
- every archive file against the content hash that is its name, and every archive entry a run refers to is there;
- the ledger itself: each run record against its sealed hash and its link to the record before it (a hash chain,
  flows/io/ledger.py), so that a rewritten or removed record is seen;
- runs left 'writing' by a killed run (the next run settles them, flows/io/recovery.py).
A problem names the path and what differs; values from the extract are never shown.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from flows.io.ledger import Ledger
from flows.io.recovery import folder_differences, folder_run_id

SKIPPED_NAMES = {"manifest.json", "history"}


@dataclass
class Problem:
    kind: str  # edited | missing | added | unrecorded | archive | ledger | interrupted
    path: str
    detail: str

    def line(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"


@dataclass
class VerifyReport:
    runs: int = 0
    files: int = 0
    archive_files: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def run_folder(agency_folder: Path, month: str, run_id: str) -> Path | None:
    """Where a run's files are now: the month folder while it is the latest run, else its history folder."""
    current = agency_folder / month
    if folder_run_id(current) == run_id:
        return current
    history = current / "history"
    candidates = [history / run_id, *sorted(history.glob(f"{run_id}.*"))] if history.is_dir() else []
    return next((c for c in candidates if folder_run_id(c) == run_id), None)


def _check_run(report: VerifyReport, run, folder: Path | None, base: Path) -> None:
    where = f"{run.month} run {run.run_id}"
    if folder is None:
        report.problems.append(Problem("missing", where, "its folder is on disk neither as the month folder nor "
                                                          "in history/"))
        return
    rel = str(folder.relative_to(base))
    listed = {entry["name"] for entry in run.manifest.get("files", [])}
    report.files += len(listed) + 1
    for difference in folder_differences(folder, run.manifest):
        name, _, what = difference.partition(": ")
        report.problems.append(Problem("missing" if what == "missing" else "edited", f"{rel}/{name}", what))
    try:
        on_disk = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        on_disk = None
    if on_disk != run.manifest:
        report.problems.append(Problem("edited", f"{rel}/manifest.json", "differs from the ledger's copy of the "
                                                                         "run's manifest"))
    for path in sorted(folder.iterdir()):
        if path.name not in listed and path.name not in SKIPPED_NAMES:
            report.problems.append(Problem("added", f"{rel}/{path.name}", "not listed in the run's manifest"))


def _output_root(folder: Path, agency_ori: str) -> Path:
    """The folder paths are shown relative to: the output folder holding `<ORI>/` (a month's or a report's)."""
    return next((p.parent for p in (folder, *folder.parents) if p.name == agency_ori), folder.parent)


def _archive_refs(manifest: dict) -> set[str]:
    archive = manifest.get("archive") or {}
    refs = set((archive.get("frames") or {}).values())
    refs.add((archive.get("profile") or {}).get("sha256"))
    refs.update(item.get("sha256") for item in archive.get("crosswalks") or [])
    refs.update(item.get("sha256") for item in archive.get("reference") or [])
    return {r for r in refs if r}


def _parent_now(run, agency_folder: Path | None) -> Path | None:
    """The folder holding the run's folder now: where the ledger recorded it, or, with `agency_folder`, the same
    place under that agency folder (`<ORI>/2025-10`, `<ORI>/reports/colorado/2025-10`: a copied or moved
    output folder is checked itself)."""
    if not run.folder:
        return agency_folder
    recorded = Path(run.folder).parent
    if agency_folder is None:
        return recorded
    owner = next((p for p in (recorded, *recorded.parents) if p.name == run.agency_ori), None)
    return agency_folder / recorded.relative_to(owner) if owner is not None else recorded


def verify(ledger_path: Path, agency_folder: Path | None = None, months: set[str] | None = None) -> VerifyReport:
    """Check the runs of `months` (every month when None); the ledger chain and the archive always in full.

    With `agency_folder` (`<out>/<ORI>`: `--out` was given) the runs' folders are looked for there, so that a
    copied or moved output folder is checked itself, never the place it was first written to; without it
    (`--state` only) they are where the ledger recorded them. `agency_folder` is also searched for month
    folders the ledger does not know.
    """
    report = VerifyReport()
    with Ledger(ledger_path) as ledger:
        report.problems += [Problem("ledger", str(ledger_path.name), p) for p in ledger.chain_problems()]
        report.problems += [Problem("interrupted", f"{r.month} run {r.run_id}", "a run was killed while writing "
                                    "it; the next run of the agency settles it") for r in ledger.interrupted_runs()]
        runs = [ledger.run(run_id) for run_id in ledger.runs(reports=True)["run_id"]]
        pruned = ledger.pruned()
    agencies = {agency_folder} if agency_folder else {Path(run.folder).parent for run in runs if run.folder}
    refs, complete = set(), {run.run_id for run in runs}
    for run in runs:
        refs |= _archive_refs(run.manifest)
        if months is None or run.month in months:
            report.runs += 1
            agency = _parent_now(run, agency_folder)
            found = run_folder(agency, run.month, run.run_id) if agency is not None else None
            _check_run(report, run, found, _output_root(agency or ledger_path.parent, run.agency_ori))
    for agency in sorted(a for a in agencies if a.is_dir()):
        for folder in sorted(p for p in agency.iterdir() if p.is_dir() and (p / "manifest.json").exists()):
            run_id = folder_run_id(folder)
            if (months is None or folder.name in months) and run_id not in complete:
                report.problems.append(Problem("unrecorded", str(folder.relative_to(agency.parent)),
                                               f"names run {run_id}, which the ledger does not record as complete"))
    archive = ledger_path.parent / "archive"
    stored = {}
    for path in sorted(archive.iterdir()) if archive.is_dir() else []:
        if path.name.startswith("."):
            continue
        report.archive_files += 1
        digest = path.name.split(".", 1)[0]
        stored[digest] = path
        if _sha256(path) != digest:
            report.problems.append(Problem("archive", f"archive/{path.name}", "content does not match the hash "
                                                                              "it is named by"))
    for digest in sorted(refs - set(stored) - set(pruned)):  # pruned under retention: recorded, not lost
        report.problems.append(Problem("archive", f"archive/{digest}.*", "a run refers to it; it is missing"))
    return report
