"""Appendix B file names: unique per submitting ORI across months, runs, backfills and agencies; replays reuse them."""
import json
import sqlite3
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

from flows.io.ledger import MIGRATIONS, Ledger
from flows.io.write import sha256, zip_bytes
from tests.conftest import combined, incident, write_csv_extract, write_profile

AS_OF = "2025-11-05T09:30:00"
# Three months of one extract: July 3 incidents, August none (zero report), September 2 incidents.
BACKFILL = combined(*[incident(f"JUL-{i}", incidents__incident_date=f"2025-07-0{i}") for i in (1, 2, 3)],
                    *[incident(f"SEP-{i}", incidents__incident_date=f"2025-09-1{i}") for i in (1, 2)])


def submission_names(out):
    """Every JSON message and zip under the output folder, history folders included."""
    return sorted(p.name for p in out.rglob("*") if p.suffix in (".json", ".zip") and p.name != "manifest.json")


def month_names(folder):
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".json", ".zip") and p.name != "manifest.json")


def backfill(run_cli, tmp_path, tables=BACKFILL, as_of=AS_OF, profile=None, out=None, *extra):
    source = write_csv_extract(tmp_path / "x", tables)
    profile = profile or write_profile(tmp_path / "cfg")
    code, stdout, stderr = run_cli("backfill", "--profile", profile, "--source", source, "--from", "2025-07",
                                   "--to", "2025-09", "--out", out or tmp_path / "out", "--as-of", as_of, *extra)
    assert code == 0, stdout + stderr
    return profile, source


def test_backfill_months_with_one_as_of_get_distinct_numbers(run_cli, tmp_path):
    backfill(run_cli, tmp_path)
    base = tmp_path / "out" / "PA0230100"
    stem = "PA0230100_20251105_0930"
    assert {m: month_names(base / m) for m in ("2025-07", "2025-08", "2025-09")} == {
        "2025-07": [f"{stem}_0001-0003.zip", f"{stem}_0001.json", f"{stem}_0002.json", f"{stem}_0003.json"],
        "2025-08": [f"{stem}_0004-0004.zip", f"{stem}_0004.json"],  # the zero report takes a number too
        "2025-09": [f"{stem}_0005-0006.zip", f"{stem}_0005.json", f"{stem}_0006.json"],
    }
    with zipfile.ZipFile(base / "2025-09" / f"{stem}_0005-0006.zip") as archive:
        assert archive.namelist() == [f"{stem}_0005.json", f"{stem}_0006.json"]
    ledger = Ledger(base / "ledger.sqlite")
    runs = ledger.runs()
    first = [ledger.run(r).first_number for r in runs["run_id"]]
    files = ledger.messages()["file_name"].tolist()
    ledger.close()
    assert first == [1, 4, 5]
    assert files == [f"{stem}_{n:04d}.json" for n in range(1, 7)]


def test_backfill_rerun_with_same_as_of_never_reuses_a_name(run_cli, tmp_path):
    profile, _ = backfill(run_cli, tmp_path)
    # The same backfill again, same --as-of, with every incident edited: each month is sent again (Add).
    edited = combined(*[incident(f"JUL-{i}", incidents__incident_date=f"2025-07-0{i}", incidents__location_type="20")
                        for i in (1, 2, 3)],
                      *[incident(f"SEP-{i}", incidents__incident_date=f"2025-09-1{i}", incidents__location_type="20")
                        for i in (1, 2)])
    backfill(run_cli, tmp_path, edited, AS_OF, profile)
    names = submission_names(tmp_path / "out")
    assert len(names) == len(set(names)) == 6 + 3 + 5 + 2  # 6 JSON + 3 zips, then 5 JSON + 2 zips (August unchanged)
    assert (tmp_path / "out" / "PA0230100" / "2025-07" / "history" / "2025-07-001"
            / "PA0230100_20251105_0930_0001.json").exists()
    assert month_names(tmp_path / "out" / "PA0230100" / "2025-09") == [
        "PA0230100_20251105_0930_0010-0011.zip", "PA0230100_20251105_0930_0010.json",
        "PA0230100_20251105_0930_0011.json"]


def test_two_runs_of_a_month_in_the_same_minute(run_cli, tmp_path):
    profile = write_profile(tmp_path / "cfg")
    out = tmp_path / "out"
    for i, location in enumerate(("13", "20")):
        source = write_csv_extract(tmp_path / f"x{i}", combined(incident("A-1"), incident("B-2", incidents__location_type=location)))
        code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10", "--out", out,
                                  "--as-of", f"2025-11-05T09:30:{10 * i:02d}")
        assert code == 0, stderr
    folder = out / "PA0230100" / "2025-10"
    assert month_names(folder) == ["PA0230100_20251105_0930_0003-0003.zip", "PA0230100_20251105_0930_0003.json"]
    assert month_names(folder / "history" / "2025-10-001") == [
        "PA0230100_20251105_0930_0001-0002.zip", "PA0230100_20251105_0930_0001.json",
        "PA0230100_20251105_0930_0002.json"]
    names = submission_names(out)
    assert len(names) == len(set(names)) == 5


def test_replay_of_backfill_months_is_byte_identical(run_cli, tmp_path):
    backfill(run_cli, tmp_path)
    # A later run of September takes new numbers; the replays must still name files as the backfill did.
    write_csv_extract(tmp_path / "x", combined(BACKFILL, incident("SEP-9", incidents__incident_date="2025-09-20")))
    code, _, stderr = run_cli("run", "--profile", tmp_path / "cfg" / "agency.yaml", "--source", tmp_path / "x",
                              "--month", "2025-09", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 0, stderr
    ledger_path = tmp_path / "out" / "PA0230100" / "ledger.sqlite"
    before = sqlite3.connect(ledger_path).execute("SELECT * FROM file_numbers").fetchall()
    for run_id in ("2025-07-001", "2025-08-001", "2025-09-001", "2025-09-002"):
        code, stdout, stderr = run_cli("replay", run_id, "--out", tmp_path / "out")
        assert code == 0 and "byte-identical" in stdout, stdout + stderr
    # Replays allocate nothing.
    assert sqlite3.connect(ledger_path).execute("SELECT * FROM file_numbers").fetchall() == before == [("PA0230100", 7)]


def test_replay_of_a_run_recorded_before_file_numbers(run_cli, tmp_path):
    """A run recorded by the previous schema numbered its files from 0001 and named its zip `<stem>.zip`."""
    backfill(run_cli, tmp_path)
    base = tmp_path / "out" / "PA0230100"
    ledger = Ledger(base / "ledger.sqlite")
    run = ledger.run("2025-09-001")
    manifest = run.manifest
    old = {"PA0230100_20251105_0930_0005-0006.zip": "PA0230100_20251105_0930.zip",
           "PA0230100_20251105_0930_0005.json": "PA0230100_20251105_0930_0001.json",
           "PA0230100_20251105_0930_0006.json": "PA0230100_20251105_0930_0002.json"}
    for f in manifest["files"]:
        f["name"] = old.get(f["name"], f["name"])
    zip_entry = next(f for f in manifest["files"] if f["name"].endswith(".zip"))
    # The zip's bytes hold its members' names: rebuild the old zip as the old version wrote it.
    members = [(old[n], (base / "2025-09" / n).read_bytes()) for n in ("PA0230100_20251105_0930_0005.json",
                                                                      "PA0230100_20251105_0930_0006.json")]
    zip_entry["sha256"] = sha256(zip_bytes(members, pd.Timestamp(AS_OF)))
    for new_name, old_name in old.items():  # and on disk, the files as the old version named them
        (base / "2025-09" / new_name).rename(base / "2025-09" / old_name)
    (base / "2025-09" / "PA0230100_20251105_0930.zip").write_bytes(zip_bytes(members, pd.Timestamp(AS_OF)))
    ledger.conn.execute("UPDATE runs SET manifest = ?, first_number = NULL WHERE run_id = ?",
                        (json.dumps(manifest), "2025-09-001"))
    ledger.conn.execute("UPDATE messages SET file_name = REPLACE(REPLACE(file_name, '_0005.', '_0001.'), '_0006.', "
                        "'_0002.') WHERE run_id = ?", ("2025-09-001",))
    ledger.close()
    code, stdout, stderr = run_cli("replay", "2025-09-001", "--out", tmp_path / "out")
    assert code == 0 and "byte-identical" in stdout, stdout + stderr


OLD_ROWS = [
    ("2025-10-001", 1, "2025-11-05T09:30:00", [("AddOnly", "A-1"), ("AddOnly", "B-2"), ("AddOnly", "C-3")]),
    ("2025-10-002", 2, "2025-11-06T09:30:00", [("Add", "B-2")]),
]


def old_schema_ledger(path):
    """A ledger as the previous version wrote it: schema 1, every run numbering its files from 0001."""
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    for run_id, seq, as_of, messages in OLD_ROWS:
        stem = f"PA0230100_{as_of[:10].replace('-', '')}_{as_of[11:16].replace(':', '')}"
        manifest = {"run_id": run_id, "reporting_agency_ori": "PA0230100",
                    "files": [{"name": f"{stem}.zip", "sha256": "0" * 64}]}
        conn.execute("INSERT INTO runs (run_id, run_seq, agency_ori, month, as_of, kind, tool_version, folder, "
                     "exit_code, manifest) VALUES (?, ?, 'PA0230100', '2025-10', ?, 'run', '0.1', NULL, 0, ?)",
                     (run_id, seq, as_of, json.dumps(manifest)))
        for i, (action, case) in enumerate(messages, start=1):
            conn.execute("INSERT INTO messages (run_id, seq, kind, agency_ori, month, incident_date, "
                         "agency_case_number, action, content_sha256, file_name) VALUES "
                         "(?, ?, 'incident', 'PA0230100', '2025-10', '2025-10-03', ?, ?, ?, ?)",
                         (run_id, i, case, action, "h" * 64, f"{stem}_{i:04d}.json"))
    conn.close()


def test_migration_upgrades_an_old_ledger_without_losing_history(tmp_path):
    path = tmp_path / "out" / "PA0230100" / "ledger.sqlite"
    old_schema_ledger(path)
    ledger = Ledger(path)
    version = ledger.conn.execute("PRAGMA user_version").fetchone()[0]
    runs = ledger.runs()
    messages = ledger.messages()
    first = [ledger.run(r).first_number for r in runs["run_id"]]
    reporting = [ledger.run(r).reporting_ori for r in runs["run_id"]]
    last = ledger.last_file_number("PA0230100")
    states = [ledger.run(r).state for r in runs["run_id"]]
    chain = ledger.chain_problems()
    ledger.close()
    assert version == len(MIGRATIONS) == 4
    assert states == ["complete", "complete"] and chain == []  # schema 3: old runs enter the hash chain
    assert runs["run_id"].tolist() == ["2025-10-001", "2025-10-002"]
    assert list(zip(messages["action"], messages["agency_case_number"], messages["file_name"])) == [
        ("AddOnly", "A-1", "PA0230100_20251105_0930_0001.json"), ("AddOnly", "B-2", "PA0230100_20251105_0930_0002.json"),
        ("AddOnly", "C-3", "PA0230100_20251105_0930_0003.json"), ("Add", "B-2", "PA0230100_20251106_0930_0001.json")]
    assert first == [None, None] and reporting == ["PA0230100", "PA0230100"]
    assert last == 3  # new numbers start above every recorded one


def test_run_after_migration_continues_above_old_numbers(run_cli, tmp_path):
    old_schema_ledger(tmp_path / "out" / "PA0230100" / "ledger.sqlite")
    source = write_csv_extract(tmp_path / "x", combined(incident("A-1", incidents__location_type="20"),
                                                        incident("D-4")))
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source, "--month",
                              "2025-10", "--out", tmp_path / "out", "--as-of", "2025-11-05T09:30:00")
    assert code == 0, stderr
    manifest = json.loads((tmp_path / "out" / "PA0230100" / "2025-10" / "manifest.json").read_text())
    assert manifest["run_id"] == "2025-10-003"
    # B-2 and C-3 removed, A-1 changed (Add), D-4 new: four messages, numbered above the old 0001..0003.
    assert manifest["incidents"]["actions"] == {"AddOnly": 1, "Add": 1, "Remove": 2}
    assert [f["name"] for f in manifest["files"] if f["name"].startswith("PA")] == [
        f"PA0230100_20251105_0930_{n:04d}.json" for n in (4, 5, 6, 7)] + ["PA0230100_20251105_0930_0004-0007.zip"]


@pytest.mark.parametrize("used, expected", [
    (9_999, ["PA0230100_20251105_0930_10000-10001.zip", "PA0230100_20251105_0930_10000.json",
             "PA0230100_20251105_0930_10001.json"]),
    (9_999_999_997, ["PA0230100_20251105_0930_9999999998-9999999999.zip", "PA0230100_20251105_0930_9999999998.json",
                     "PA0230100_20251105_0930_9999999999.json"]),
    (9_999_999_998, "10 digits"),
])
def test_numbers_grow_to_ten_digits_then_refuse(run_cli, tmp_path, used, expected):
    path = tmp_path / "out" / "PA0230100" / "ledger.sqlite"
    ledger = Ledger(path)
    ledger.raise_file_number("PA0230100", used)
    ledger.close()
    source = write_csv_extract(tmp_path / "x", combined(incident("A-1"), incident("B-2")))
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source, "--month",
                              "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    folder = tmp_path / "out" / "PA0230100" / "2025-10"
    if isinstance(expected, list):
        assert code == 0 and month_names(folder) == expected, stderr
        return
    assert code == 2 and expected in stderr and "PA0230100" in stderr
    assert not folder.exists()
    ledger = Ledger(path)
    assert ledger.runs().empty and ledger.last_file_number("PA0230100") == used
    ledger.close()


def agency_profile(tmp_path, ori, submitter="PA0230000"):
    folder = tmp_path / f"cfg-{ori}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "agency.yaml"
    path.write_text(f'agency_ori: "{ori}"\nreporting_agency_ori: "{submitter}"\n', encoding="utf-8")
    return path


def test_agencies_sharing_a_submitter_share_its_numbers(run_cli, tmp_path):
    """Two agencies submitted by one ORI (a county for its towns), run in the same minute into one --out."""
    out = tmp_path / "out"
    for ori in ("PA0230100", "PA0230200"):
        source = write_csv_extract(tmp_path / f"x-{ori}", combined(
            incident("A-1", incidents__agency_ori=ori, incidents__reporting_agency_ori="PA0230000"),
            incident("B-2", incidents__agency_ori=ori, incidents__reporting_agency_ori="PA0230000")))
        code, _, stderr = run_cli("run", "--profile", agency_profile(tmp_path, ori), "--source", source,
                                  "--month", "2025-10", "--out", out, "--as-of", AS_OF)
        assert code == 0, stderr
    assert month_names(out / "PA0230100" / "2025-10") == [
        "PA0230000_20251105_0930_0001-0002.zip", "PA0230000_20251105_0930_0001.json",
        "PA0230000_20251105_0930_0002.json"]
    assert month_names(out / "PA0230200" / "2025-10") == [
        "PA0230000_20251105_0930_0003-0004.zip", "PA0230000_20251105_0930_0003.json",
        "PA0230000_20251105_0930_0004.json"]
    # The output folder keeps the submitter's count; each agency's ledger keeps its runs and the count it saw.
    shared = Ledger(out / "PA0230000" / "file-numbers.sqlite")
    assert shared.last_file_number("PA0230000") == 4 and shared.runs().empty
    shared.close()
    assert not (out / "PA0230000" / "ledger.sqlite").exists()


def test_submitter_with_its_ledger_elsewhere_shares_numbers_with_the_agencies_it_submits_for(run_cli, tmp_path):
    """The county (PA0230000) keeps its ledger in --state; a town it submits for runs into the same --out."""
    out, state = tmp_path / "out", tmp_path / "state"
    state.mkdir()
    runs = [("PA0230000", ["--state", state]), ("PA0230100", []), ("PA0230000", ["--state", state])]
    for i, (ori, extra) in enumerate(runs):
        source = write_csv_extract(tmp_path / f"x{i}", incident(
            f"C-{i}", incidents__agency_ori=ori, incidents__reporting_agency_ori="PA0230000"))
        code, _, stderr = run_cli("run", "--profile", agency_profile(tmp_path, ori), "--source", source,
                                  "--month", "2025-10", "--out", out, "--as-of", AS_OF, *extra)
        assert code == 0, stderr
    names = submission_names(out)
    assert len(names) == len(set(names)) == 2 + 2 + 3  # the county's second run: a Remove and an AddOnly, one zip
    assert sorted(n for n in names if n.endswith(".json")) == [
        f"PA0230000_20251105_0930_{n:04d}.json" for n in (1, 2, 3, 4)]
    assert (state / "ledger.sqlite").exists() and not (out / "PA0230000" / "ledger.sqlite").exists()


def test_concurrent_runs_of_agencies_sharing_a_submitter(tmp_path):
    out = tmp_path / "out"
    procs = []
    for ori in ("PA0230100", "PA0230200"):
        source = write_csv_extract(tmp_path / f"x-{ori}", incident(
            "A-1", incidents__agency_ori=ori, incidents__reporting_agency_ori="PA0230000"))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "flows.cli.main", "run", "--profile", str(agency_profile(tmp_path, ori)), "--source",
             str(source), "--month", "2025-10", "--out", str(out), "--as-of", AS_OF],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    codes = [p.wait(timeout=120) for p in procs]
    assert codes == [0, 0], [p.stderr.read() for p in procs]
    names = submission_names(out)
    assert len(names) == len(set(names)) == 4
    assert sorted(n for n in names if n.endswith(".json")) == [
        "PA0230000_20251105_0930_0001.json", "PA0230000_20251105_0930_0002.json"]
