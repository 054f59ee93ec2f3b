"""Write one month's folder: staged, then swapped in; the previous run's files move to `history/<run_id>/`."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from flows.io.write import StagedFolder, private_files


def write_month(folder: Path, files: list[tuple[str, bytes]]) -> Path:
    """Write the month's files; the previous run's files move to `history/<run_id>/`, never overwritten."""
    with StagedFolder(folder) as staged:
        return finish_month(staged, files)


def finish_month(staged: StagedFolder, files: list[tuple[str, bytes]]) -> Path:
    """Write the rest of the month's files into `staged` (where the messages may be already), keep the previous
    run's files under `history/<run_id>/`, and swap the folder into place."""
    folder = staged.destination
    for name, data in files:
        staged.write(name, data)
    if folder.exists():
        with private_files():
            history = staged.staging / "history"
            if (folder / "history").exists():
                os.replace(folder / "history", history)
            history.mkdir(exist_ok=True, mode=0o700)
            previous = "previous"
            manifest = folder / "manifest.json"
            if manifest.exists():
                previous = json.loads(manifest.read_text()).get("run_id") or previous
            target = history / previous
            n = 1
            while target.exists():
                n += 1
                target = history / f"{previous}.{n}"
            shutil.copytree(folder, target)
    staged.commit()
    return folder
