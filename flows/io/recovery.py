"""What a killed run left behind, settled at the next start under the agency's lock.

The monthly run writes in this order (flows/pipeline/monthly.py:month_runs): file numbers are taken, the run
and its messages are recorded as 'writing', the month folder is staged and swapped in, the run becomes
'complete'. A kill at any point leaves one of these, each recognised here:
- a staging folder (`.uof-staging-<month>-<pid>`): removed;
- the previous folder moved aside for the swap (`.uof-replaced-<month>-<pid>`): put back when the month has no
  folder (the kill fell between the two renames), else removed;
- a run recorded as 'writing' whose folder is whole on disk (its manifest names the run and every file has the
  recorded SHA-256): adopted, i.e. recorded as complete;
- a run recorded as 'writing' whose folder is not on disk: abandoned; its run id and file numbers are never
  given again, its messages never count as sent;
- a folder that names the run but whose files differ from the record: moved to `quarantine/` for the analyst.
A replay's work folder (`.replay-<run>-<pid>` beside the ledger) and temporary folders (`.uof-tmp-*`) are removed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from flows.io.ledger import Ledger, RunRecord
from flows.io.write import TEMP_PREFIX, private_files
from transforms.submission import WARNING_PREFIX

STAGING_PREFIX = ".uof-staging-"
REPLACED_PREFIX = ".uof-replaced-"
REPLAY_PREFIX = ".replay-"


def _month_of(name: str, prefix: str) -> str:
    """`.uof-replaced-2025-10-1234` -> `2025-10` (the pid follows the last dash)."""
    return name[len(prefix):].rsplit("-", 1)[0]


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def folder_run_id(folder: Path) -> str | None:
    """The run id the folder's manifest names (None when there is no readable manifest)."""
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("run_id")
    except (OSError, ValueError, AttributeError):
        return None


def folder_differences(folder: Path, manifest: dict) -> list[str]:
    """How the files of `folder` differ from the manifest's list (missing or changed); [] when whole."""
    problems = []
    for entry in manifest.get("files", []):
        digest = _sha256(folder / entry["name"])
        if digest is None:
            problems.append(f"{entry['name']}: missing")
        elif digest != entry["sha256"]:
            problems.append(f"{entry['name']}: content differs from the manifest")
    return problems


def leftovers(agency_folder: Path, state_folder: Path) -> list[str]:
    """Remove (or put back) what an interrupted swap, staging or replay left; notes of what was done."""
    notes = []
    for path in sorted(agency_folder.glob(REPLACED_PREFIX + "*")):
        month = agency_folder / _month_of(path.name, REPLACED_PREFIX)
        if not month.exists():
            os.replace(path, month)
            notes.append(f"{WARNING_PREFIX}{month.name}: an interrupted run had moved the month's folder aside; "
                         "it is back in place")
        else:
            shutil.rmtree(path, ignore_errors=True)
    for path in [*agency_folder.glob(STAGING_PREFIX + "*"), *agency_folder.glob(TEMP_PREFIX + "*"),
                 *state_folder.glob(REPLAY_PREFIX + "*"), *state_folder.glob(TEMP_PREFIX + "*")]:
        shutil.rmtree(path, ignore_errors=True)
    return notes


def settle(ledger: Ledger, run: RunRecord, agency_folder: Path) -> str:
    """Adopt, abandon or quarantine one run recorded as 'writing'; the note says which and why."""
    folder = Path(run.folder) if run.folder else agency_folder / run.month
    if folder_run_id(folder) != run.run_id:
        ledger.set_state(run.run_id, "abandoned")
        return (f"{WARNING_PREFIX}run {run.run_id} of {run.month} was interrupted before its folder was written: "
                "nothing of it was kept or counts as sent, and its run id is not used again")
    differences = folder_differences(folder, run.manifest)
    if not differences:
        ledger.set_state(run.run_id, "complete")
        return (f"{WARNING_PREFIX}run {run.run_id} of {run.month} was interrupted after its folder was written: "
                "its files are whole and it is now recorded as complete")
    quarantine = agency_folder / "quarantine" / f"{run.month}-{run.run_id}"
    with private_files():
        quarantine.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.replace(folder, quarantine)
    ledger.set_state(run.run_id, "abandoned")
    return (f"{WARNING_PREFIX}run {run.run_id} of {run.month} was interrupted and its folder differs from its "
            f"record ({'; '.join(differences[:3])}): moved to {quarantine} for review; nothing of it counts as "
            "sent")


def recover(ledger: Ledger, agency_folder: Path, state_folder: Path) -> list[str]:
    """Settle everything an interrupted run of this agency left; call with the agency's lock held."""
    notes = leftovers(agency_folder, state_folder) if agency_folder.exists() else []
    return notes + [settle(ledger, run, agency_folder) for run in ledger.interrupted_runs()]
