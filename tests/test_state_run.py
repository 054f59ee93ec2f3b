"""`uof state`: the shipped 20-agency sample through a state backfill on a local Dask cluster, its row
accounting, per-agency ledgers and outputs, the compliance table, and the refusals."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from tests.conftest import AS_OF, SAMPLE
from tests.prefect_server import free_port
from transforms.state_plan import agency_chunks, row_accounting, state_exit_code

STATE = SAMPLE / "state" / "state.yaml"
EXTRACT = SAMPLE / "state" / "extract_csv"
MONTHS = ("2025-07", "2025-10")
SUMMARY = "state/runs/2025-07_2025-10_20251105T0930/summary.json"
NO_ROWS = "PA1001900"  # listed in the state profile, no row in the extract
SHARED = ("PA1000400", "PA1000500")  # submitted by PAKSP0000


def backfill(run_cli, out: Path, *extra, profile=STATE, source=EXTRACT):
    return run_cli("state", "backfill", "--profile", profile, "--source", source, "--from", MONTHS[0],
                   "--to", MONTHS[1], "--out", out, "--as-of", AS_OF, *extra)


def digests(folder: Path) -> dict[str, str]:
    """Every output file under `folder` (ledgers, locks aside: SQLite pages are not content) by its sha256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".sqlite" not in p.name}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    from flows.cli.main import main
    import contextlib
    import io

    out = tmp_path_factory.mktemp("state") / "out"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
        code = main(["state", "backfill", "--profile", str(STATE), "--source", str(EXTRACT), "--from", MONTHS[0],
                     "--to", MONTHS[1], "--out", str(out), "--as-of", AS_OF, "--workers", "2"])
    return code, out, json.loads((out / SUMMARY).read_text())


def test_every_row_of_the_state_extract_is_accounted_for(sample_run):
    code, out, summary = sample_run
    assert code == 1  # rejections, a month left out, rows of no listed agency
    read = {t: len(pd.read_csv(EXTRACT / f"{t}.csv", dtype=str)) for t in ("incidents", "subjects", "officers")}
    for table, rows in summary["rows"].items():
        assert rows["read"] == read[table]
        assert rows["staged"] + rows["blank"] + rows["unassigned"] == rows["read"] and rows["balanced"]
    assert [(u["table"], u["row"], u["agency"], u["reason"]) for u in summary["unassigned"]] == [
        ("incidents", 152, "PA9999900", "the agency is not one of the state profile's agencies"),
        ("subjects", 192, "", "the agency column is blank")]
    # the staged rows are exactly what the agencies' month manifests read
    for agency in summary["agencies"]:
        manifests = [json.loads((out / m["folder"] / "manifest.json").read_text())
                     for m in agency["months"] if m["folder"]]
        for table in ("incidents", "subjects", "officers"):
            assert {m["rows"][table]["read"] for m in manifests} <= {agency["rows"][table]}


def test_each_agency_has_its_own_folder_ledger_and_identity(sample_run):
    _, out, summary = sample_run
    agencies = {a["ori"]: a for a in summary["agencies"]}
    assert len(agencies) == 20
    assert agencies[NO_ROWS]["months"] and all(m["skipped"] for m in agencies[NO_ROWS]["months"])
    assert not (out / NO_ROWS).exists()  # nothing written, not even a zero report
    for ori in set(agencies) - {NO_ROWS}:
        assert (out / ori / "ledger.sqlite").is_file()
        for message in (out / ori).glob("20*/*.json"):
            if message.name == "manifest.json":
                continue
            body = json.loads(message.read_text())
            assert body["agencyORI"] == ori if "agencyORI" in body else ori in message.read_text()
    federal = json.loads((out / "PA1000300" / "2025-07" / "manifest.json").read_text())
    assert federal["archive"]["agency"]["agency_kind"] == "federal"


def test_agencies_sharing_a_submitter_take_its_numbers_in_table_order(sample_run):
    _, out, _ = sample_run
    numbers = {}
    for ori in SHARED:
        names = sorted(p.name for p in (out / ori).glob("20*/PAKSP0000_*.json"))
        assert names, ori
        numbers[ori] = [int(n.rsplit("_", 1)[1].split(".")[0]) for n in names]
    assert max(numbers[SHARED[0]]) < min(numbers[SHARED[1]])
    assert not set(numbers[SHARED[0]]) & set(numbers[SHARED[1]])


def test_a_state_agency_gets_exactly_what_its_own_backfill_gives(sample_run, run_cli, tmp_path):
    _, out, _ = sample_run
    ori = "PA1000600"
    own = tmp_path / "own"
    own.mkdir()
    for table in ("incidents", "subjects", "officers"):
        frame = pd.read_csv(EXTRACT / f"{table}.csv", dtype=str, keep_default_na=False)
        frame[frame["AgencyORI"] == ori].to_csv(own / f"{table}.csv", index=False, lineterminator="\n")
    profile = yaml.safe_load((SAMPLE / "agency.yaml").read_text())
    profile.update(agency_ori=ori, agency_name="Keystone Township 7 Police Department",
                   crosswalks=[str((SAMPLE / c).resolve()) for c in profile["crosswalks"]],
                   allowed_roots=[str((SAMPLE / "crosswalks").resolve())])
    (tmp_path / "agency.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    code, _, err = run_cli("backfill", "--profile", tmp_path / "agency.yaml", "--source", own, "--from", MONTHS[0],
                           "--to", MONTHS[1], "--out", tmp_path / "alone", "--as-of", AS_OF)
    assert code in (0, 1), err
    state_files = {k: v for k, v in digests(out / ori).items() if k.endswith((".json", ".zip"))
                   and not k.endswith("manifest.json")}
    alone_files = {k: v for k, v in digests(tmp_path / "alone" / ori).items() if k.endswith((".json", ".zip"))
                   and not k.endswith("manifest.json")}
    assert state_files and state_files == alone_files


def test_one_or_two_workers_write_byte_identical_outputs(sample_run, run_cli, tmp_path):
    _, out, _ = sample_run
    code, _, err = backfill(run_cli, tmp_path / "one", "--workers", "1")
    assert code == 1, err
    assert digests(tmp_path / "one") == digests(out)


def test_outputs_are_private_and_no_staging_is_left(sample_run):
    _, out, _ = sample_run
    for path in out.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
        assert not path.name.startswith(".uof-tmp"), path


def test_compliance_table_json_and_workbook(sample_run, run_cli, tmp_path):
    _, out, _ = sample_run
    workbook = tmp_path / "reports" / "compliance.xlsx"
    code, stdout, err = run_cli("state", "status", "--profile", STATE, "--out", out, "--as-of", "2025-11-10T00:00:00",
                                "--format", "json", "--workbook", workbook)
    assert code == 3, err  # nothing was marked submitted: 2025-07..09 are past their due dates (federal rules)
    doc = json.loads(stdout)
    agencies = {a["agency_ori"]: a for a in doc["agencies"]}
    assert len(agencies) == 20 and doc["totals"]["agencies"] == 20
    assert agencies[NO_ROWS]["ledger"] == "none" and agencies[NO_ROWS]["missing"] == 4
    assert doc["totals"]["agencies_without_ledger"] == 1
    months = pd.DataFrame(doc["months"])
    assert len(months) == 20 * 4
    per_agency = months.groupby("agency_ori")["rejected"].sum()
    assert (per_agency == pd.Series({k: v["rejected"] for k, v in agencies.items()})).all()
    assert doc["totals"]["rejected"] == int(per_agency.sum()) > 0
    # a month left out (not covered) is missing, never a zero report
    left_out = json.loads((out / SUMMARY).read_text())
    for agency in left_out["agencies"]:
        for month in agency["months"]:
            row = months[(months["agency_ori"] == agency["ori"]) & (months["month"] == month["month"])].iloc[0]
            assert bool(row["missing"]) == month["skipped"]
            assert bool(row["zero_report"]) == bool(month["zero_report"])
    book = load_workbook(workbook, read_only=True)
    assert book.sheetnames == ["agencies", "months", "run"]
    assert book["agencies"].max_row == 21 and book["months"].max_row == 81
    assert stat.S_IMODE(workbook.stat().st_mode) == 0o600


def test_compliance_table_counts_overdue_and_submitted(sample_run, run_cli):
    _, out, _ = sample_run
    code, stdout, _ = run_cli("state", "status", "--profile", STATE, "--out", out, "--as-of", "2026-01-20T00:00:00")
    assert code == 3  # nothing was marked submitted: every month past its due date is overdue
    assert "20 agenc(ies) with an overdue month, 1 without any run" in stdout
    assert NO_ROWS in stdout


def test_state_verify_is_clean_and_sees_an_edited_file(sample_run, run_cli, tmp_path):
    _, out, _ = sample_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    code, stdout, _ = run_cli("state", "verify", "--profile", STATE, "--out", copy)
    assert code == 0 and "19 agenc(ies) with a ledger checked: clean" in stdout
    victim = next((copy / "PA1000100" / "2025-07").glob("PA1000100_*_0001.json"))
    victim.write_text(victim.read_text().replace("AddOnly", "Add"))
    code, stdout, _ = run_cli("state", "verify", "--profile", STATE, "--out", copy, "--format", "json")
    assert code == 1
    doc = json.loads(stdout)
    assert [a["agency_ori"] for a in doc["agencies"] if not a["clean"]] == ["PA1000100"]


def test_replay_of_a_state_agency_run_is_identical(sample_run, run_cli, tmp_path):
    _, out, _ = sample_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    ledger = copy / "PA1000300" / "ledger.sqlite"  # the federal agency: its identity comes from the archive
    code, stdout, _ = run_cli("history", "--state", ledger, "--format", "json")
    run_id = json.loads(stdout)["runs"][0]["run_id"]
    code, stdout, err = run_cli("replay", run_id, "--state", ledger)
    assert code == 0, stdout + err
    assert "byte-identical" in stdout


# ------------------------------------------------------------------------------------------- refusals

def state_profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "state.yaml"
    path.write_text(text)
    return path


HEAD = f"state_name: Test\nagency_column: AgencyORI\nagency_profile: {SAMPLE / 'agency.yaml'}\nallowed_roots: [{SAMPLE}]\n"


@pytest.mark.parametrize("body, fragment", [
    ("agencies:\n  - {ori: PA1000000}\n  - {ori: PA1000000}\n", "listed twice"),
    ("agencies: []\n", "lists no agency"),
    ("agencies:\n  - {ori: PA10000}\n", "nine-character ORI"),
    ("agencies:\n  - {ori: PA1000000}\nagencies_folder: x\n", "not both"),
    ("agencies:\n  - {ori: PA1000000, profile: nowhere.yaml}\n", "does not exist"),
    ("agencies:\n  - {ori: PA1000000, profile: /etc/agency.yaml}\n", "outside"),
    ("agencies:\n  - {ori: PA1000000, colour: blue}\n", "unknown key"),
])
def test_a_bad_state_profile_fails_before_any_data_is_read(run_cli, tmp_path, body, fragment):
    profile = state_profile(tmp_path, HEAD + body)
    out = tmp_path / "out"
    code, _, err = backfill(run_cli, out, profile=profile, source=tmp_path / "no-such-extract")
    assert code == 2 and "UOF-CONFIG" in err and fragment in err, err
    assert not out.exists() or not any(out.iterdir())


def test_an_extract_without_the_agency_column_is_refused_naming_file_and_column(run_cli, tmp_path):
    src = tmp_path / "extract"
    shutil.copytree(EXTRACT, src)
    frame = pd.read_csv(src / "officers.csv", dtype=str, keep_default_na=False)
    frame.drop(columns="AgencyORI").to_csv(src / "officers.csv", index=False)
    out = tmp_path / "out"
    code, _, err = backfill(run_cli, out, source=src)
    assert code == 2 and "UOF-INPUT" in err and "officers.csv" in err and "AgencyORI" in err and "row 1" in err
    assert sorted(p.name for p in out.iterdir()) == []  # nothing half-written, no staging left


def test_a_ragged_row_is_refused_with_its_row_like_a_single_agency_run(run_cli, tmp_path):
    src = tmp_path / "extract"
    shutil.copytree(EXTRACT, src)
    lines = (src / "subjects.csv").read_text().splitlines()
    lines[40] += ",extra"
    (src / "subjects.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    code, _, err = backfill(run_cli, out, source=src)
    assert code == 2 and "subjects.csv" in err and "row 41" in err, err
    assert sorted(p.name for p in out.iterdir()) == []


def test_a_folder_of_agency_profiles(run_cli, tmp_path):
    folder = tmp_path / "agencies"
    folder.mkdir()
    base = yaml.safe_load((SAMPLE / "agency.yaml").read_text())
    for ori in ("PA1000000", "PA1000100"):
        profile = dict(base, agency_ori=ori, crosswalks=[str((SAMPLE / c).resolve()) for c in base["crosswalks"]],
                       allowed_roots=[str((SAMPLE / "crosswalks").resolve())])
        (folder / f"{ori}.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    profile = state_profile(tmp_path, "state_name: Two\nagency_column: AgencyORI\nagencies_folder: agencies\n")
    code, stdout, err = backfill(run_cli, tmp_path / "out", "--format", "json", profile=profile)
    assert code == 1, err
    doc = json.loads(stdout)
    assert [a["ori"] for a in doc["agencies"]] == ["PA1000000", "PA1000100"]
    assert doc["rows"]["incidents"]["unassigned"] == 151 - 8 - 8  # the 17 other agencies' rows and the stray one
    assert all(r["balanced"] for r in doc["rows"].values())


# ------------------------------------------------------------------------------------------- planning

def test_agencies_sharing_a_submitter_form_one_chunk_in_table_order():
    agencies = pd.DataFrame({"ori": ["A", "B", "C", "D", "E"], "submitter": ["A", "S", "C", "S", "E"]})
    assert agency_chunks(agencies) == [["A"], ["B", "D"], ["C"], ["E"]]


def test_row_accounting_flags_a_row_that_vanished():
    rows = row_accounting({"incidents": 5}, {"incidents": 1}, {"incidents": {"A": 2, "B": 1}},
                          [{"table": "incidents", "file": "f", "sheet": None, "row": 3, "column": "c", "agency": "",
                            "reason": "r"}])
    assert rows["incidents"] == {"read": 5, "staged": 3, "blank": 1, "unassigned": 1, "balanced": True}
    assert not row_accounting({"incidents": 6}, {}, {"incidents": {"A": 5}}, [])["incidents"]["balanced"]


@pytest.mark.parametrize("agencies, unassigned, expected", [
    ([{"error": None, "months": [{"exit_code": 0}]}], [], 0),
    ([{"error": None, "months": [{"exit_code": 1}]}], [], 1),
    ([{"error": None, "months": [{"exit_code": 0}]}], [{"row": 2}], 1),
    ([{"error": {"exit_code": 2}, "months": []}, {"error": None, "months": [{"exit_code": 0}]}], [], 2),
])
def test_state_exit_code(agencies, unassigned, expected):
    assert state_exit_code(agencies, unassigned) == expected


def test_rows_that_do_not_add_up_are_an_error():
    ok = [{"error": None, "months": [{"exit_code": 0}]}]
    assert state_exit_code(ok, [], {"incidents": {"balanced": False}}) == 2
    assert state_exit_code(ok, [], {"incidents": {"balanced": True}}) == 0


# ------------------------------------------------------------------------------------------- clusters

def _subprocess_backfill(out: Path, env: dict, *extra) -> subprocess.CompletedProcess:
    uof = Path(sys.executable).parent / "uof"
    return subprocess.run([str(uof), "state", "backfill", "--profile", str(STATE), "--source", str(EXTRACT),
                           "--from", MONTHS[0], "--to", MONTHS[1], "--out", str(out), "--as-of", AS_OF, *extra],
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_a_separately_started_scheduler_gives_byte_identical_outputs(sample_run, tmp_path):
    _, out, _ = sample_run
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = Path(sys.executable).parent / "dask"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    scratch = tmp_path / "dask"
    scratch.mkdir(mode=0o700)
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"], env=env, cwd=scratch,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    procs += [subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--no-dashboard",
                                "--local-directory", str(scratch)], env=env, cwd=scratch,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        done = _subprocess_backfill(tmp_path / "out", env, "--scheduler", address)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
    assert done.returncode == 1, done.stderr[-3000:]
    assert digests(tmp_path / "out") == digests(out)


def test_an_unreachable_scheduler_is_a_usage_error_before_anything_is_written(run_cli, tmp_path):
    port = free_port()
    code, _, err = backfill(run_cli, tmp_path / "out", "--scheduler", f"tcp://127.0.0.1:{port}")
    assert code == 2 and "UOF-USAGE" in err and "cannot reach the Dask scheduler" in err, err
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def test_a_scheduler_that_is_not_an_address_is_refused(run_cli, tmp_path):
    code, _, err = backfill(run_cli, tmp_path / "out", "--scheduler", "localhost:8786")
    assert code == 2 and "tcp://" in err


@pytest.mark.slow
def test_under_a_prefect_api_the_fan_out_is_prefect_dasks_task_runner(sample_run, prefect_server, tmp_path):
    _, out, _ = sample_run
    url, env = prefect_server
    done = _subprocess_backfill(tmp_path / "out", dict(env, PREFECT_API_URL=url), "--workers", "2")
    assert done.returncode == 1, done.stderr[-3000:]
    assert digests(tmp_path / "out") == digests(out)
    probe = subprocess.run([sys.executable, "-c", (
        "import asyncio\n"
        "from prefect.client.orchestration import get_client\n"
        "async def main():\n"
        "    async with get_client() as c:\n"
        "        runs = await c.read_flow_runs()\n"
        "        tasks = await c.read_task_runs()\n"
        "        print(sorted({r.name for r in runs}), len([t for t in tasks if 'chunk' in t.name]))\n"
        "asyncio.run(main())\n")], env=dict(env, PREFECT_API_URL=url), capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert "chunk" not in probe.stdout.split("]")[0] and int(probe.stdout.split("]")[1]) >= 19, probe.stdout


def test_marking_an_agencys_runs_submitted_shows_in_the_compliance_table(sample_run, run_cli, tmp_path):
    _, out, _ = sample_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    ledger = copy / "PA1000100" / "ledger.sqlite"
    code, stdout, _ = run_cli("history", "--state", ledger, "--format", "json")
    for run in json.loads(stdout)["runs"]:
        assert run_cli("mark-submitted", run["run_id"], "--state", ledger, "-q")[0] == 0
    code, stdout, err = run_cli("state", "status", "--profile", STATE, "--out", copy, "--agency", "PA1000100",
                                "--agency", "PA1000200", "--as-of", "2025-11-10T00:00:00", "--format", "json")
    doc = json.loads(stdout)
    by_agency = {a["agency_ori"]: a for a in doc["agencies"]}
    assert list(by_agency) == ["PA1000100", "PA1000200"]
    assert by_agency["PA1000100"]["submitted"] == 4 and by_agency["PA1000100"]["overdue"] == 0
    assert by_agency["PA1000200"]["submitted"] == 0 and by_agency["PA1000200"]["overdue"] > 0
    assert {m["agency_ori"] for m in doc["months"]} == {"PA1000100", "PA1000200"}
    assert code == 3  # PA1000200 is still overdue


def test_an_agency_not_in_the_state_profile_is_a_usage_error(sample_run, run_cli):
    _, out, _ = sample_run
    code, _, err = run_cli("state", "status", "--profile", STATE, "--out", out, "--agency", "PA7777700")
    assert code == 2 and "PA7777700" in err


def test_a_workbook_state_extract_gives_the_same_messages_as_its_csv(sample_run, run_cli, tmp_path):
    _, out, _ = sample_run
    book = tmp_path / "state.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for table in ("incidents", "subjects", "officers"):
            pd.read_csv(EXTRACT / f"{table}.csv", dtype=str, keep_default_na=False).to_excel(
                writer, sheet_name=table, index=False)
    code, stdout, err = backfill(run_cli, tmp_path / "out", "--workers", "1", "--format", "json", source=book)
    assert code == 1, err
    doc = json.loads(stdout)
    assert [(u["table"], u["row"], u["sheet"]) for u in doc["unassigned"]] == [("incidents", 152, "incidents"),
                                                                              ("subjects", 192, "subjects")]
    def sent(digest):
        return {k: v for k, v in digest.items() if k.startswith("PA") and k.endswith(".json")
                and not k.endswith("manifest.json")}

    messages = sent(digests(tmp_path / "out"))
    assert messages and messages == sent(digests(out))


def test_a_flat_state_extract_gives_the_same_messages_as_the_tables(sample_run, run_cli, tmp_path):
    """One CSV (incident x subject x officer, the agency column once): the one-file staging path."""
    _, out, _ = sample_run
    tables = {t: pd.read_csv(EXTRACT / f"{t}.csv", dtype=str, keep_default_na=False)
              for t in ("incidents", "subjects", "officers")}
    keys = ["AgencyORI", "CaseNo"]
    subjects = tables["subjects"].rename(columns=lambda c: c if c in keys else "S." + c)
    officers = tables["officers"].rename(columns=lambda c: c if c in keys else "O." + c)
    flat = tables["incidents"].merge(subjects, on=keys).merge(officers, on=keys)
    flat.to_csv(tmp_path / "flat.csv", index=False)
    profile = yaml.safe_load((SAMPLE / "agency.yaml").read_text())
    renames = profile["columns"]
    profile["columns"] = {
        "incidents": {c: renames["incidents"].get(c, c) for c in tables["incidents"].columns
                      if c not in (*keys, "ReportStatus")},
        "subjects": {"S." + c: renames["subjects"].get(c, c) for c in tables["subjects"].columns if c not in keys},
        "officers": {"O." + c: renames["officers"].get(c, c) for c in tables["officers"].columns if c not in keys}}
    profile.update(layout={"kind": "flat", "incident_key": "CaseNo", "subjects": {"key": ["S.SubjNo"]},
                           "officers": {"key": ["O.OfcNo"]}},
                   crosswalks=[str((SAMPLE / c).resolve()) for c in profile["crosswalks"]],
                   allowed_roots=[str((SAMPLE / "crosswalks").resolve())])
    (tmp_path / "flat.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    text = STATE.read_text().replace("agency_profile: ../agency.yaml", f"agency_profile: {tmp_path / 'flat.yaml'}")
    state = tmp_path / "state.yaml"
    state.write_text(text.replace("allowed_roots: [..]", f"allowed_roots: [{SAMPLE}]"))
    code, stdout, err = backfill(run_cli, tmp_path / "out", "--workers", "1", "--format", "json", profile=state,
                                 source=tmp_path / "flat.csv")
    assert code == 1, err
    doc = json.loads(stdout)
    assert doc["rows"]["single"]["read"] == len(flat) and doc["rows"]["single"]["balanced"]

    def sent(digest):
        return {k: v for k, v in digest.items() if k.startswith("PA") and k.endswith(".json")
                and not k.endswith("manifest.json")}

    assert sent(digests(tmp_path / "out")) == sent(digests(out))


@pytest.mark.parametrize("agency, expected", [("PA1000300", 0), ("PA1000000", 1)])
def test_check_submission_with_a_state_profiles_agency(sample_run, run_cli, agency, expected):
    """The state program checks what an agency sent against that agency's identity in the state profile (the
    federal PA1000300 here) and its ledger; another agency's identity rejects every message (I1, I4)."""
    _, out, _ = sample_run
    months = sorted((out / "PA1000300").glob("2025-*"))
    code, stdout, err = run_cli("check-submission", *months, "--profile", STATE, "--agency", agency,
                                "--out", out, "--as-of", AS_OF, "--format", "json")
    assert code == expected, err
    doc = json.loads(stdout)
    assert doc["messages"]["read"] > 0
    if expected:
        assert {c["rule_id"] for c in doc["counts"]} == {"I1-NOT-PROFILE", "I4-NOT-PROFILE", "FILE-NAME-ORI"}
