"""Issue 11 item 2: `uof verify` finds every kind of change to what the runs produced, and is clean otherwise."""
from __future__ import annotations

import json
import sqlite3

import pytest

from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile

ORI = "PA0230100"


@pytest.fixture
def history(run_cli, tmp_path):
    """Two runs of 2025-10 (the second supersedes the first into history/) and a backfill month."""
    profile = write_profile(tmp_path / "cfg")
    first = write_csv_extract(tmp_path / "x1", combined(incident("A-1"), incident("B-2")))
    second = write_csv_extract(tmp_path / "x2", combined(incident("A-1", incidents__location_type="20"),
                                                        incident("C-3")))
    out = tmp_path / "out"
    for source, as_of in ((first, AS_OF), (second, "2025-11-06T09:30:00")):
        code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10",
                                  "--out", out, "--as-of", as_of)
        assert code == 0, stderr
    code, _, stderr = run_cli("backfill", "--profile", profile, "--source", second, "--from", "2025-09", "--to",
                              "2025-09", "--out", out, "--as-of", AS_OF, "--covers", "2025-09..2025-10")
    assert code == 0, stderr
    return out, profile


def verify(run_cli, out, profile, *more):
    code, stdout, stderr = run_cli("verify", "--out", out, "--profile", profile, "--format", "json", *more)
    assert code in (0, 1), stderr
    document = json.loads(stdout)
    return code, sorted((p["kind"], p["path"].split("/")[-1] if "/" in p["path"] else p["path"])
                        for p in document["problems"]), document


def month(out, name="2025-10"):
    return out / ORI / name


def test_clean_history_verifies_clean_also_after_replay(run_cli, history):
    out, profile = history
    code, problems, document = verify(run_cli, out, profile)
    assert (code, problems) == (0, []) and document["runs"] == 3 and document["archive_files"] > 0
    code, _, stderr = run_cli("replay", "2025-10-001", "--out", out, "--profile", profile)
    assert code == 0, stderr
    assert verify(run_cli, out, profile)[:2] == (0, [])


def _json_file(folder):
    return sorted(p for p in folder.glob("*.json") if p.name != "manifest.json")[0]


@pytest.mark.parametrize("tamper, expected", [
    ("edit message", ("edited", "{json}")),
    ("delete zip", ("missing", "{zip}")),
    ("add file", ("added", "extra.csv")),
    ("edit manifest", ("edited", "manifest.json")),
    ("edit old message", ("edited", "{old_json}")),
])
def test_each_change_to_a_run_folder_is_reported(run_cli, history, tamper, expected):
    out, profile = history
    folder = month(out)
    old = folder / "history" / "2025-10-001"
    names = {"json": _json_file(folder).name, "zip": next(folder.glob("*.zip")).name,
             "old_json": _json_file(old).name}
    if tamper == "edit message":
        (folder / names["json"]).write_bytes((folder / names["json"]).read_bytes() + b" ")
    elif tamper == "delete zip":
        (folder / names["zip"]).unlink()
    elif tamper == "add file":
        (folder / "extra.csv").write_text("x\n")
    elif tamper == "edit manifest":
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["incidents"]["valid"] += 1
        (folder / "manifest.json").write_text(json.dumps(manifest))
    elif tamper == "edit old message":
        (old / names["old_json"]).write_text("{}")
    code, problems, _ = verify(run_cli, out, profile)
    kind, name = expected
    assert code == 1 and (kind, name.format(**names)) in problems


def test_an_edited_archive_file_is_reported(run_cli, history):
    out, profile = history
    stored = sorted((out / ORI / "archive").glob("*.yaml"))[0]
    stored.write_bytes(stored.read_bytes() + b"# edited\n")
    code, problems, _ = verify(run_cli, out, profile)
    assert code == 1 and ("archive", stored.name) in problems


@pytest.mark.parametrize("statements", [
    ["UPDATE runs SET exit_code = 1 WHERE run_id = '2025-10-001'"],
    ["UPDATE messages SET agency_case_number = 'Z-9' WHERE run_id = '2025-10-001' AND seq = 1"],
    ["DELETE FROM messages WHERE run_id = '2025-10-002' AND seq = 1"],
    ["PRAGMA foreign_keys=OFF", "DELETE FROM messages WHERE run_id = '2025-10-001'",  # a whole run removed
     "DELETE FROM runs WHERE run_id = '2025-10-001'"],
], ids=["run edited", "message edited", "message removed", "run removed"])
def test_a_rewritten_ledger_record_is_reported(run_cli, history, statements):
    out, profile = history
    conn = sqlite3.connect(out / ORI / "ledger.sqlite")
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()
    code, problems, _ = verify(run_cli, out, profile)
    assert code == 1 and any(kind == "ledger" for kind, _ in problems)


def test_a_month_folder_the_ledger_does_not_record_is_reported(run_cli, history):
    out, profile = history
    manifest = json.loads((month(out) / "manifest.json").read_text())
    (month(out, "2025-08")).mkdir()
    (month(out, "2025-08") / "manifest.json").write_text(json.dumps({**manifest, "run_id": "2025-08-001"}))
    code, problems, _ = verify(run_cli, out, profile)
    assert code == 1 and ("unrecorded", "2025-08") in problems


def test_month_and_range_limit_the_runs_checked(run_cli, history):
    out, profile = history
    (month(out, "2025-09") / "manifest.json").write_text("{}")
    assert verify(run_cli, out, profile, "--month", "2025-10")[:2] == (0, [])
    code, problems, document = verify(run_cli, out, profile, "--from", "2025-09", "--to", "2025-10")
    assert code == 1 and document["runs"] == 3


def test_text_output_lists_each_difference(run_cli, history):
    out, profile = history
    (month(out) / "extra.csv").write_text("x\n")
    code, stdout, _ = run_cli("verify", "--out", out, "--profile", profile)
    assert code == 1 and "added:" in stdout and "extra.csv" in stdout


def test_replay_also_checks_the_files_on_disk(run_cli, history):
    out, profile = history
    folder = month(out) / "history" / "2025-10-001"
    name = _json_file(folder).name
    (folder / name).write_text("{}")
    code, stdout, _ = run_cli("replay", "2025-10-001", "--out", out, "--profile", profile)
    assert code == 1 and f"on disk, {name}: content differs from the manifest" in stdout


@pytest.mark.parametrize("batch", [1, 2, 10_000])
def test_record_hash_fed_in_batches_is_the_hash_of_the_whole_record(history, monkeypatch, batch):
    """The chain's hashes are those of one compact, key-sorted JSON text of the record (as sealed since ledger
    schema 3); record_hash feeds it a batch of messages at a time, which must not change a single hash."""
    import hashlib

    from flows.io import ledger as ledger_module

    out, _ = history
    conn = sqlite3.connect(out / ORI / "ledger.sqlite")
    monkeypatch.setattr(ledger_module, "HASH_BATCH", batch)
    runs = conn.execute("SELECT run_id, prev_hash, record_hash FROM runs ORDER BY run_seq").fetchall()
    assert len(runs) == 3
    for run_id, prev_hash, sealed in runs:
        run = conn.execute(f"SELECT {', '.join(ledger_module.HASHED_RUN_COLUMNS)} FROM runs WHERE run_id = ?",
                           (run_id,)).fetchone()
        messages = conn.execute(f"SELECT {', '.join(ledger_module.HASHED_MESSAGE_COLUMNS)} FROM messages "
                                "WHERE run_id = ? ORDER BY seq", (run_id,)).fetchall()
        body = {"prev_hash": prev_hash, "run": list(run), "messages": [list(m) for m in messages]}
        whole = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                               .encode("utf-8")).hexdigest()
        assert ledger_module.record_hash(conn, run_id, prev_hash) == whole == sealed
