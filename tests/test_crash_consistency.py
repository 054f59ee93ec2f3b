"""Issue 11 item 1: a run or backfill killed at any point leaves the ledger and the disk in agreement, or in a
state the next start recognises (flows/io/recovery.py); nothing is left behind and a rerun completes.

Each trial forks a child that runs `uof run` (or `uof backfill`) and dies with os._exit at the N-th call of one
of the writing primitives (os.replace, Path.write_bytes, shutil.copytree, a file written into a staging folder,
the ledger's record/state/file-number writes), before or after it; N and the side are drawn from a seeded random generator over the calls a clean
run makes. The parent then checks the ledger against the disk, reruns, and checks again.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

import flows.cli.main  # noqa: F401  imported before the forks, so each child starts at once
import flows.cli.run_commands  # noqa: F401  `uof run` and `uof backfill`, which flows.cli.main loads on first use
from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile

ORI = "PA0230100"
FAST_TRIALS = 6  # in all, over a run and a backfill
SLOW_TRIALS = 50
KILLED = 86


def _primitives():
    import flows.io.ledger as ledger_module
    import flows.io.write as write_module

    # StagedFolder.write: the message files are written into the month's staging folder as they are made,
    # before the ledger records the run (flows/pipeline/monthly.py:month_runs)
    return [(os, "replace"), (Path, "write_bytes"), (shutil, "copytree"), (write_module.StagedFolder, "write"),
            (ledger_module.Ledger, "record"), (ledger_module.Ledger, "set_state"),
            (ledger_module.Ledger, "raise_file_number")]


def _instrument(kill_at: int | None, after: bool, counter: list) -> None:
    """Wrap the primitives so that the `kill_at`-th call (1-based) ends the process, before or after it runs."""
    for owner, name in _primitives():
        original = getattr(owner, name)

        def wrapped(*args, _original=original, **kwargs):
            counter[0] += 1
            if counter[0] == kill_at and not after:
                os._exit(KILLED)
            result = _original(*args, **kwargs)
            if counter[0] == kill_at and after:
                os._exit(KILLED)
            return result

        setattr(owner, name, wrapped)


def _child(args: list[str], kill_at: int | None, after: bool, queue) -> None:
    import contextlib
    import io

    from flows.cli.main import main

    counter = [0]
    _instrument(kill_at, after, counter)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(args)
    queue.put(counter[0])
    queue.close()
    queue.join_thread()
    os._exit(code)


def _run_child(args: list[str], kill_at: int | None = None, after: bool = False) -> tuple[int, int | None]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    proc = context.Process(target=_child, args=([str(a) for a in args], kill_at, after, queue))
    proc.start()
    proc.join(120)
    calls = queue.get(timeout=5) if proc.exitcode != KILLED else None
    return proc.exitcode, calls


def _scenario(tmp_path: Path, kind: str) -> tuple[list, list]:
    """(the first, clean run's arguments; the arguments of the run that is killed)."""
    profile = write_profile(tmp_path / "cfg")
    before = write_csv_extract(tmp_path / "x1", combined(incident("A-1"), incident("B-2")))
    after = write_csv_extract(tmp_path / "x2", combined(incident("A-1", incidents__location_type="20"),
                                                       incident("C-3")))
    out = tmp_path / "out"
    if kind == "run":
        first = ["run", "--profile", profile, "--source", before, "--month", "2025-10", "--out", out,
                 "--as-of", AS_OF]
        second = ["run", "--profile", profile, "--source", after, "--month", "2025-10", "--out", out,
                  "--as-of", "2025-11-06T09:30:00"]
    else:
        first = ["backfill", "--profile", profile, "--source", before, "--from", "2025-09", "--to", "2025-10",
                 "--out", out, "--as-of", AS_OF, "--covers", "2025-08..2025-10"]
        second = ["backfill", "--profile", profile, "--source", after, "--from", "2025-08", "--to", "2025-10",
                  "--out", out, "--as-of", "2025-11-06T09:30:00", "--covers", "2025-08..2025-10"]
    return first, second


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def agreement_problems(out: Path, settled: bool) -> list[str]:
    """Where the ledger and the disk disagree. `settled`: after a rerun, nothing may be left to recover."""
    agency = out / ORI
    problems = []
    conn = sqlite3.connect(agency / "ledger.sqlite")
    try:
        runs = conn.execute("SELECT run_id, month, state, manifest FROM runs ORDER BY run_seq").fetchall()
    finally:
        conn.close()
    ids = [r[0] for r in runs]
    if len(ids) != len(set(ids)):
        problems.append(f"run ids reused: {ids}")
    complete = {}
    for run_id, month, state, manifest in runs:
        if state == "writing" and settled:
            problems.append(f"{run_id} still writing after a rerun")
        if state == "complete":
            complete[run_id] = (month, json.loads(manifest))
    for run_id, (month, manifest) in complete.items():
        current = agency / month
        folder = current if _run_id(current) == run_id else current / "history" / run_id
        aside = [p for p in agency.glob(f".uof-replaced-{month}-*") if _run_id(p) == run_id]
        if not folder.exists() and aside and not settled:
            folder = aside[0]  # killed between the two renames of the swap: recovery puts it back
        if not folder.exists():
            problems.append(f"complete run {run_id}: no folder on disk")
            continue
        for entry in manifest["files"]:
            if not (folder / entry["name"]).exists() or _sha(folder / entry["name"]) != entry["sha256"]:
                problems.append(f"complete run {run_id}: {entry['name']} differs from its record")
    for month_folder in (p for p in agency.iterdir() if p.is_dir() and p.name[:2] == "20"):
        on_disk = _run_id(month_folder)
        if on_disk not in complete and (settled or on_disk not in ids):
            problems.append(f"{month_folder.name}: folder of run {on_disk}, which the ledger does not record")
    if settled:
        left = [p.name for p in agency.rglob(".uof-*")] + [p.name for p in agency.glob(".replay-*")]
        if left:
            problems.append(f"leftovers: {left}")
    return problems


def _run_id(folder: Path) -> str | None:
    try:
        return json.loads((folder / "manifest.json").read_text())["run_id"]
    except (OSError, ValueError, KeyError):
        return None


def _trials(kind: str, n: int, seed: int, tmp_path_factory) -> list[str]:
    rng = random.Random(seed)
    template = tmp_path_factory.mktemp(f"{kind}-template")
    first, second = _scenario(template, kind)
    code, _ = _run_child(first)
    assert code in (0, 1)
    baseline = template / "baseline"
    shutil.copytree(template / "out", baseline)
    code, calls = _run_child(second)  # a clean second run counts the primitives it calls
    assert code in (0, 1) and calls
    failures = []
    for trial in range(n):
        kill_at, after = rng.randint(1, calls), rng.random() < 0.5
        shutil.rmtree(template / "out")
        shutil.copytree(baseline, template / "out")
        code, _ = _run_child(second, kill_at, after)
        where = f"{kind} trial {trial}: killed {'after' if after else 'before'} call {kill_at} of {calls}"
        if code != KILLED:
            failures.append(f"{where}: the child was not killed (exit {code})")
            continue
        failures += [f"{where}: {p}" for p in agreement_problems(template / "out", settled=False)]
        code, _ = _run_child(second)  # the rerun settles what the killed run left
        if code not in (0, 1):
            failures.append(f"{where}: the rerun exited {code}")
        failures += [f"{where}, after a rerun: {p}" for p in agreement_problems(template / "out", settled=True)]
    return failures


@pytest.mark.parametrize("kind", ["run", "backfill"])
def test_a_few_kills_leave_ledger_and_disk_in_agreement(kind, tmp_path_factory):
    assert _trials(kind, FAST_TRIALS // 2, seed=11, tmp_path_factory=tmp_path_factory) == []


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["run", "backfill"])
def test_fifty_kills_in_all_leave_ledger_and_disk_in_agreement(kind, tmp_path_factory):
    assert _trials(kind, SLOW_TRIALS // 2, seed=2026, tmp_path_factory=tmp_path_factory) == []


def test_the_agreement_check_sees_an_unrecorded_folder(tmp_path):
    """The check itself can fail: a month folder whose run the ledger does not hold is reported."""
    first, _ = _scenario(tmp_path, "run")
    assert _run_child(first)[0] in (0, 1)
    folder = tmp_path / "out" / ORI / "2025-10"
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["run_id"] = "2025-10-999"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert any("2025-10-999" in p for p in agreement_problems(tmp_path / "out", settled=True))
