"""Submission ledger: an embedded SQLite database of every run and every message it emitted.

One ledger per agency (default `<out>/<agency_ori>/ledger.sqlite`). WAL mode, one transaction per
run, versioned migrations. A run holds an exclusive lock on the ledger for its whole duration, so a
second run for the same agency waits briefly and then fails with a clear message instead of
computing its actions against a state that is about to change.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flows.errors import LedgerError, os_reason
from transforms.file_names import MAX_FILE_NUMBER, file_name_number, file_name_ori

LOCK_WAIT_SECONDS = 30.0
log = logging.getLogger("uof")

MIGRATIONS = [
    # 1: runs and messages
    """
    CREATE TABLE runs (
        run_id        TEXT PRIMARY KEY,
        run_seq       INTEGER NOT NULL UNIQUE,
        agency_ori    TEXT NOT NULL,
        month         TEXT NOT NULL,
        as_of         TEXT NOT NULL,
        kind          TEXT NOT NULL,
        tool_version  TEXT NOT NULL,
        folder        TEXT,
        exit_code     INTEGER NOT NULL,
        manifest      TEXT NOT NULL,
        status        TEXT NOT NULL DEFAULT 'generated',
        submitted_at  TEXT
    );
    CREATE INDEX runs_month ON runs (agency_ori, month);
    CREATE TABLE messages (
        run_id             TEXT NOT NULL REFERENCES runs (run_id),
        seq                INTEGER NOT NULL,
        kind               TEXT NOT NULL CHECK (kind IN ('incident', 'zero_report')),
        agency_ori         TEXT NOT NULL,
        month              TEXT NOT NULL,
        incident_date      TEXT,
        agency_case_number TEXT,
        action             TEXT NOT NULL CHECK (action IN ('AddOnly', 'Add', 'Remove')),
        content_sha256     TEXT,
        file_name          TEXT NOT NULL,
        status             TEXT NOT NULL DEFAULT 'generated',
        PRIMARY KEY (run_id, seq)
    );
    CREATE INDEX messages_key ON messages (agency_ori, month, incident_date, agency_case_number);
    """,
    # 2: Appendix B file numbers, unique per submitting ORI across runs, months and backfills. The counter
    # starts above every number the ledger's recorded file names already carry (before this schema every
    # run numbered its files from 0001 and named its zip `<ORI>_<YYYYMMDD>_<HHMM>.zip`); runs recorded
    # before it keep first_number NULL, which tells a replay to name their files that old way.
    """
    ALTER TABLE runs ADD COLUMN reporting_ori TEXT;
    ALTER TABLE runs ADD COLUMN first_number INTEGER;
    CREATE TABLE file_numbers (
        reporting_ori TEXT PRIMARY KEY,
        last_number   INTEGER NOT NULL CHECK (last_number BETWEEN 0 AND 9999999999)
    );
    INSERT INTO file_numbers (reporting_ori, last_number)
        SELECT uof_file_ori(file_name), MAX(uof_file_number(file_name)) FROM messages
        WHERE uof_file_number(file_name) IS NOT NULL GROUP BY uof_file_ori(file_name);
    UPDATE runs SET reporting_ori = json_extract(manifest, '$.reporting_agency_ori');
    """,
    # 3: crash consistency and a hash chain. A run is recorded as 'writing' before its folder is written and
    # becomes 'complete' once it is; a run found 'writing' at the next start is adopted (its files are on disk,
    # whole) or 'abandoned' (they are not); its run id is never given again. Each run record carries the hash of
    # the one before (prev_hash) and of itself with its messages (record_hash): `uof verify` recomputes them.
    """
    ALTER TABLE runs ADD COLUMN state TEXT NOT NULL DEFAULT 'complete';
    ALTER TABLE runs ADD COLUMN prev_hash TEXT;
    ALTER TABLE runs ADD COLUMN record_hash TEXT;
    """,
    # 4: archived extract copies removed under the archive retention (uof archive prune): the runs that referred
    # to them stay recorded and verifiable; replay says why it can no longer rebuild them.
    """
    CREATE TABLE archive_pruned (
        sha256     TEXT PRIMARY KEY,
        pruned_at  TEXT NOT NULL,
        retention_months INTEGER NOT NULL
    );
    """,
]
RUN_STATES = ("writing", "complete", "abandoned")
REPORT_KIND = "report:"  # kind of a run of a state or Justice Counts report: `report:<name>`
# What a run record's hash covers: everything recorded when it was produced (not its submission status,
# which `mark-submitted` changes later).
HASHED_RUN_COLUMNS = ("run_id", "run_seq", "agency_ori", "month", "as_of", "kind", "tool_version", "folder",
                      "exit_code", "manifest", "reporting_ori", "first_number")
HASHED_MESSAGE_COLUMNS = ("seq", "kind", "agency_ori", "month", "incident_date", "agency_case_number", "action",
                          "content_sha256", "file_name")

def ledger_file(state) -> Path:
    """`--state` names the ledger file, or a folder to keep `ledger.sqlite` (and the archive) in."""
    path = Path(state).expanduser()
    return path / "ledger.sqlite" if path.is_dir() else path


def agency_ledger(out, agency_ori: str, state=None) -> Path:
    """The one rule for where an agency's ledger is: `--state` when given, else `<out>/<agency ORI>/ledger.sqlite`."""
    return ledger_file(state) if state else Path(out) / agency_ori / "ledger.sqlite"


class LedgerBusy(LedgerError):
    """Another run holds the agency's ledger."""


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    run_seq: int
    agency_ori: str
    month: str
    as_of: str
    kind: str
    tool_version: str
    folder: str | None
    exit_code: int
    manifest: dict
    status: str
    submitted_at: str | None
    reporting_ori: str | None = None
    first_number: int | None = None  # of the run's first JSON file; NULL before schema 2 or without messages
    state: str = "complete"  # RUN_STATES


LEDGER_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def _not_a_ledger(path: Path) -> str | None:
    """Why an existing file cannot be a uof ledger (None when it can): checked without writing anything."""
    if not path.is_file() or not path.stat().st_size:
        return None
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            return "not an SQLite database"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"the SQLite file cannot be read: {exc}"
    return None


def check_state(state) -> Path:
    """`--state`, checked before any data is read or any file made: an existing folder (the ledger goes in it),
    an existing ledger, or a new file whose name says it is one (`.sqlite`). A path that does not exist and could
    be meant as a folder is refused rather than guessed."""
    path = Path(state).expanduser()
    if not path.exists():
        if path.suffix.lower() not in LEDGER_SUFFIXES:
            raise LedgerError(f"--state {path} does not exist: uof cannot tell a folder from a ledger file. Create "
                              "the folder first (uof keeps ledger.sqlite and the archive in it), or name a ledger "
                              "file ending in .sqlite; nothing was written")
        return path
    path = ledger_file(path)
    problem = _not_a_ledger(path) if path.exists() else None
    if problem:
        raise LedgerError(f"{path} is not a uof ledger ({problem}): give --state a folder or a ledger file; "
                          "nothing was changed")
    return path


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fresh = not path.exists()
    if not fresh and path.is_file() and path.stat().st_size:
        with path.open("rb") as handle:
            header = handle.read(16)
        if header != b"SQLite format 3\x00":  # never turn another file into a ledger
            raise LedgerError(f"{path} is not a uof ledger (not an SQLite database): give --state a folder or a "
                              "ledger file; nothing was changed")
    conn = sqlite3.connect(path, timeout=LOCK_WAIT_SECONDS, isolation_level=None)
    if fresh:
        os.chmod(path, 0o600)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.create_function("uof_file_ori", 1, file_name_ori, deterministic=True)
    conn.create_function("uof_file_number", 1, file_name_number, deterministic=True)
    if version > len(MIGRATIONS):
        raise LedgerError(f"ledger {path} was written by a newer version of uof (schema {version}); upgrade uof")
    for number in range(version, len(MIGRATIONS)):
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[number]}\nPRAGMA user_version = {number + 1};\nCOMMIT;")
        except sqlite3.DatabaseError:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if number == 2:  # runs recorded before schema 3 enter the chain in their order
            conn.execute("BEGIN IMMEDIATE")
            prev = None
            for (run_id,) in conn.execute("SELECT run_id FROM runs ORDER BY run_seq").fetchall():
                prev = _seal(conn, run_id, prev)
            conn.execute("COMMIT")


HASH_BATCH = 10_000  # message records encoded at a time by record_hash (memory)


def _compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def record_hash(conn: sqlite3.Connection, run_id: str, prev_hash: str | None) -> str:
    """SHA-256 of the run record as stored, its messages in order, and the hash of the record before it.

    The hash is that of the compact, key-sorted JSON of {"messages": [[...], ...], "prev_hash": ..., "run": [...]}
    (as every ledger since schema 3 was sealed); it is fed a batch of messages at a time, so that a month of
    100,000 messages is never one string in memory (tests/test_ledger*.py check it against the one-string form)."""
    run = conn.execute(f"SELECT {', '.join(HASHED_RUN_COLUMNS)} FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    cursor = conn.execute(f"SELECT {', '.join(HASHED_MESSAGE_COLUMNS)} FROM messages WHERE run_id = ? "
                          "ORDER BY seq", (run_id,))
    digest, separator = hashlib.sha256(b'{"messages":['), ""
    while batch := cursor.fetchmany(HASH_BATCH):
        digest.update((separator + _compact(batch)[1:-1]).encode("utf-8"))
        separator = ","
    digest.update(f'],"prev_hash":{_compact(prev_hash)},"run":{_compact(list(run))}}}'.encode("utf-8"))
    return digest.hexdigest()


def _seal(conn: sqlite3.Connection, run_id: str, prev_hash: str | None) -> str:
    digest = record_hash(conn, run_id, prev_hash)
    conn.execute("UPDATE runs SET prev_hash = ?, record_hash = ? WHERE run_id = ?", (prev_hash, digest, run_id))
    return digest


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.conn = _connect(self.path)
            migrate(self.conn, self.path)
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"ledger {self.path} cannot be used: {exc}") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- reading -------------------------------------------------------------------------------
    def _frame(self, sql: str, params=()) -> pd.DataFrame:
        cur = self.conn.execute(sql, params)
        names = [d[0] for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=names)

    def _history(self, kind: str, columns: str, agency_ori: str, months: list[str],
                 before_seq: int | None) -> pd.DataFrame:
        marks = ",".join("?" * len(months))
        limit = "" if before_seq is None else " AND r.run_seq < ?"
        params = [kind, agency_ori, *months] + ([] if before_seq is None else [before_seq])
        return self._frame(
            f"SELECT {columns}, r.run_seq, m.seq FROM messages m JOIN runs r USING (run_id) "
            # the profile agency's runs: their incident messages may carry an additional agency's ORI (I1)
            f"WHERE m.kind = ? AND r.agency_ori = ? AND r.state = 'complete' AND m.month IN ({marks}){limit}", params)

    def incident_history(self, agency_ori: str, months: list[str], before_seq: int | None = None) -> pd.DataFrame:
        """Every incident message of `months` (before run `before_seq`, for replays)."""
        return self._history("incident", "m.month, m.agency_ori, m.incident_date, m.agency_case_number, m.action, "
                             "m.content_sha256", agency_ori, months, before_seq)

    def zero_report_history(self, agency_ori: str, months: list[str], before_seq: int | None = None) -> pd.DataFrame:
        return self._history("zero_report", "m.month, m.action", agency_ori, months, before_seq)

    def next_run(self, month: str) -> tuple[str, int]:
        """(run id, sequence) for a new run of `month`: ids read `2025-10-003`."""
        seq = self.conn.execute("SELECT COALESCE(MAX(run_seq), 0) + 1 FROM runs").fetchone()[0]
        count = self.conn.execute(f"SELECT COUNT(*) FROM runs WHERE month = ? AND kind NOT LIKE '{REPORT_KIND}%'",
                                  (month,)).fetchone()[0]
        return f"{month}-{count + 1:03d}", seq

    def next_report_run(self, report: str, period: str) -> tuple[str, int]:
        """(run id, sequence) for a new run of a report: ids read `justice-counts-2025-002`."""
        seq = self.conn.execute("SELECT COALESCE(MAX(run_seq), 0) + 1 FROM runs").fetchone()[0]
        count = self.conn.execute("SELECT COUNT(*) FROM runs WHERE kind = ? AND month = ?",
                                  (REPORT_KIND + report, period)).fetchone()[0]
        return f"{report}-{period}-{count + 1:03d}", seq

    def run(self, run_id: str) -> RunRecord:
        row = self.conn.execute(
            "SELECT run_id, run_seq, agency_ori, month, as_of, kind, tool_version, folder, exit_code, manifest, "
            "status, submitted_at, reporting_ori, first_number, state FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise LedgerError(f"no run '{run_id}' in ledger {self.path}")
        values = list(row)
        values[9] = json.loads(values[9])
        return RunRecord(*values)

    def runs(self, month: str | None = None, reports: bool = False) -> pd.DataFrame:
        """The complete runs (of `month`), in order; a run interrupted before its files were whole is not listed.
        The runs of the state and Justice Counts reports (kind `report:<name>`) only with `reports`."""
        clauses, params = ["state = 'complete'"], []
        if month:
            clauses.append("month = ?")
            params.append(month)
        if not reports:
            clauses.append(f"kind NOT LIKE '{REPORT_KIND}%'")
        where = "WHERE " + " AND ".join(clauses)
        return self._frame("SELECT run_id, run_seq, month, as_of, kind, exit_code, status, submitted_at, folder, "
                           "json_extract(manifest, '$.incidents.rejected') AS rejected, "
                           "json_extract(manifest, '$.incidents.undecided') AS undecided "
                           f"FROM runs {where} ORDER BY run_seq", params)

    def messages(self, month: str | None = None, run_id: str | None = None) -> pd.DataFrame:
        clauses, params = [], []
        if month:
            clauses.append("m.month = ?")
            params.append(month)
        if run_id:
            clauses.append("m.run_id = ?")
            params.append(run_id)
        where = "WHERE " + " AND ".join(["r.state = 'complete'", *clauses])
        return self._frame(
            "SELECT m.run_id, m.seq, m.kind, m.month, m.incident_date, m.agency_case_number, m.action, "
            "m.content_sha256, m.file_name, m.status, r.run_seq FROM messages m JOIN runs r USING (run_id) "
            f"{where} ORDER BY r.run_seq, m.seq", params)

    def unsubmitted_runs(self, agency_ori: str, month: str) -> pd.DataFrame:
        """Runs of `month` that emitted messages and were never marked submitted (run_id, month, messages)."""
        return self._frame(
            "SELECT r.run_id, r.month, COUNT(*) AS messages FROM runs r JOIN messages m USING (run_id) "
            "WHERE r.agency_ori = ? AND r.month = ? AND r.status = 'generated' AND r.state = 'complete' GROUP BY r.run_id "
            "ORDER BY r.run_seq", (agency_ori, month))

    # ---- writing -------------------------------------------------------------------------------
    def record(self, run: dict, messages: pd.DataFrame, state: str = "complete") -> None:
        """Record a run and its messages in one transaction, sealed into the hash chain; `state` 'writing' before
        its folder is written (then `complete()`), so that a crash in between is recognised at the next start."""
        columns = ["seq", "kind", "agency_ori", "month", "incident_date", "agency_case_number", "action",
                   "content_sha256", "file_name"]
        frame = messages.reindex(columns=columns)

        def rows():  # a batch at a time as Python values (None for blanks): memory
            for start in range(0, len(frame), HASH_BATCH):
                part = frame.iloc[start:start + HASH_BATCH].astype(object)
                yield from ((run["run_id"], *r) for r in part.where(part.notna(), None).itertuples(index=False,
                                                                                                  name=None))
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute(
                "INSERT INTO runs (run_id, run_seq, agency_ori, month, as_of, kind, tool_version, folder, exit_code, "
                "manifest, reporting_ori, first_number, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run["run_id"], run["run_seq"], run["agency_ori"], run["month"], run["as_of"], run["kind"],
                 run["tool_version"], run.get("folder"), run["exit_code"], json.dumps(run["manifest"], sort_keys=True),
                 run.get("reporting_ori"), run.get("first_number"), state))
            self.conn.executemany(
                f"INSERT INTO messages (run_id, {', '.join(columns)}) VALUES (?, {', '.join('?' * len(columns))})",
                rows())
            last = self.conn.execute("SELECT record_hash FROM runs WHERE run_seq < ? AND record_hash IS NOT NULL "
                                     "ORDER BY run_seq DESC LIMIT 1", (run["run_seq"],)).fetchone()
            _seal(self.conn, run["run_id"], None if last is None else last[0])
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def set_state(self, run_id: str, state: str) -> None:
        """'complete' once the run's folder is whole on disk; 'abandoned' when a crash kept it from being written."""
        if state not in RUN_STATES:
            raise ValueError(f"unknown run state {state!r}")
        self.conn.execute("UPDATE runs SET state = ? WHERE run_id = ?", (state, run_id))

    def interrupted_runs(self) -> list[RunRecord]:
        """Runs recorded as 'writing': a run was killed between recording and finishing its folder."""
        return [self.run(run_id) for (run_id,) in
                self.conn.execute("SELECT run_id FROM runs WHERE state = 'writing' ORDER BY run_seq").fetchall()]

    def chain_problems(self) -> list[str]:
        """Every run record whose hash, or whose link to the record before it, no longer matches what was sealed."""
        problems, prev = [], None
        for run_id, prev_hash, sealed in self.conn.execute(
                "SELECT run_id, prev_hash, record_hash FROM runs ORDER BY run_seq").fetchall():
            if prev_hash != prev:
                problems.append(f"ledger: run {run_id} no longer follows the run recorded before it (a run record "
                                "was removed or rewritten before it)")
            if record_hash(self.conn, run_id, prev_hash) != sealed:
                problems.append(f"ledger: run {run_id}'s record or messages were changed after it was recorded")
            prev = sealed
        return problems

    def archived_frames(self) -> pd.DataFrame:
        """One row per (run, archived extract table) of the complete runs: run_id, as_of, sha256."""
        return self._frame("SELECT r.run_id, r.as_of, f.value AS sha256 FROM runs r, "
                           "json_each(json_extract(r.manifest, '$.archive.frames')) f "
                           "WHERE r.state = 'complete' ORDER BY r.run_seq")

    def record_pruned(self, digests: list[str], when: str, months: int) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.executemany("INSERT OR IGNORE INTO archive_pruned (sha256, pruned_at, retention_months) "
                              "VALUES (?, ?, ?)", [(d, when, months) for d in digests])
        self.conn.execute("COMMIT")

    def pruned(self) -> dict[str, tuple[str, int]]:
        """{sha256: (pruned_at, retention_months)} of the archived extract copies removed under retention."""
        return {d: (at, months) for d, at, months in
                self.conn.execute("SELECT sha256, pruned_at, retention_months FROM archive_pruned").fetchall()}

    def last_file_number(self, reporting_ori: str) -> int:
        row = self.conn.execute("SELECT last_number FROM file_numbers WHERE reporting_ori = ?",
                                (reporting_ori,)).fetchone()
        return 0 if row is None else row[0]

    def raise_file_number(self, reporting_ori: str, last: int) -> None:
        """Record that numbers up to `last` are taken (committed at once: a crash leaves a gap, never a reuse)."""
        self.conn.execute("INSERT INTO file_numbers (reporting_ori, last_number) VALUES (?, ?) ON CONFLICT "
                          "(reporting_ori) DO UPDATE SET last_number = MAX(last_number, excluded.last_number)",
                          (reporting_ori, last))

    def mark_submitted(self, run_id: str, when: str) -> int:
        self.run(run_id)
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("UPDATE runs SET status = 'submitted', submitted_at = ? WHERE run_id = ?", (when, run_id))
        changed = self.conn.execute("UPDATE messages SET status = 'submitted' WHERE run_id = ?", (run_id,)).rowcount
        self.conn.execute("COMMIT")
        return changed


def agency_history(path: Path, agency_ori: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(runs, messages) of an agency's ledger, refusing another agency's; both None when there is no ledger."""
    if not path.exists():
        return None, None
    with Ledger(path) as ledger:
        runs, messages = ledger.runs(), ledger.messages()
        if not runs.empty:
            owner = ledger.run(runs["run_id"].iloc[-1]).agency_ori
            if owner != agency_ori:
                raise LedgerError(f"ledger {path} holds the runs of agency {owner}, not {agency_ori}: "
                                  "give the profile of that agency or its own ledger")
    return runs, messages


class FileNumbersExhausted(LedgerError):
    """The next file names of a submitting ORI would need a sequence number of more than 10 digits."""


class FileNumbers:
    """Appendix B sequence numbers of one submitting ORI, each handed out once.

    The counter is kept in every ledger given (the run's own, and the output folder's counter of that ORI,
    `<out>/<ORI>/file-numbers.sqlite`, shared by every agency that submits through it); a new number is
    above all of them. The caller holds the ledgers' locks. Numbers are committed before the
    files are written, so a failed run leaves a gap in the sequence, never a number used twice.
    """

    def __init__(self, reporting_ori: str, ledgers: list[Ledger]):
        self.reporting_ori, self.ledgers = reporting_ori, ledgers
        self._first = None

    def __call__(self, count: int) -> int | None:
        """Take `count` consecutive numbers; return the first (None when there is nothing to name)."""
        self._first = None
        if count == 0:
            return None
        floor = max(ledger.last_file_number(self.reporting_ori) for ledger in self.ledgers)
        last = floor + count
        if last > MAX_FILE_NUMBER:
            raise FileNumbersExhausted(
                f"ORI {self.reporting_ori} has used file sequence numbers up to {floor}: naming {count} more "
                f"file(s) would need a number longer than 10 digits, the Appendix B maximum; the month being "
                f"named was not written. Ask the FBI's UoF program how to continue, and keep the ledger(s) "
                f"{', '.join(str(ledger.path) for ledger in self.ledgers)}")
        for ledger in self.ledgers:
            ledger.raise_file_number(self.reporting_ori, last)
        self._first = floor + 1
        return self._first

    def taken(self) -> int | None:
        """The first number of the last allocation (None if none was made since), and forget it."""
        first, self._first = self._first, None
        return first


def file_numbers_file(out, reporting_ori: str) -> Path:
    """The output folder's counter of `reporting_ori`'s file numbers, shared by every run that writes
    files named for that ORI into this folder (whatever ledger each keeps, `--state` or not)."""
    return Path(out) / reporting_ori / "file-numbers.sqlite"


@contextlib.contextmanager
def run_ledgers(own: Path, out, reporting_ori: str):
    """Lock and open the run's ledger and the output folder's file-number counter of its submitting ORI.

    Yields (ledger, FileNumbers). Both locks are held for the whole run, always taken in this order (own
    ledger, then the counter), so runs naming files for one ORI in one output folder never run at once.
    """
    submitter = file_numbers_file(out, reporting_ori)
    same = Path(os.path.abspath(own)) == Path(os.path.abspath(submitter))
    with contextlib.ExitStack() as stack:
        stack.enter_context(exclusive(own))
        if not same:
            stack.enter_context(exclusive(submitter))
        ledger = stack.enter_context(Ledger(own))
        ledgers = [ledger]
        if not same:
            ledgers.append(stack.enter_context(Ledger(submitter)))
        yield ledger, FileNumbers(reporting_ori, ledgers)


@contextlib.contextmanager
def exclusive(path: Path, wait: float = LOCK_WAIT_SECONDS):
    """Hold the agency's ledger lock; wait up to `wait` seconds for another run to finish."""
    lock_path = Path(path).with_name(Path(path).name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise LedgerError(f"the ledger {path} cannot be opened: {lock_path.parent} cannot be written "
                          f"({os_reason(exc)}); check --state and --out") from None
    deadline = time.monotonic() + wait
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:  # a run that seems stuck says why, and for how long at most
                    log.warning("another uof run is using the ledger %s; waiting up to %.0f s for it to finish",
                                path, wait)
                    told = True
                if time.monotonic() >= deadline:
                    raise LedgerBusy(f"another uof run is using the ledger {path}; waited {wait:.0f} s — "
                                     "try again when it has finished") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)


def report_runs(path: Path, report: str) -> pd.DataFrame:
    """The complete runs of one report (kind `report:<report>`, e.g. illinois-mh) in a ledger, in order."""
    with Ledger(path) as ledger:
        runs = ledger.runs(reports=True)
    return runs[runs["kind"] == REPORT_KIND + report].reset_index(drop=True)
