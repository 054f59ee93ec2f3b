"""Auditors: `uof replay` regenerates a month byte for byte after the extract and crosswalks changed."""
import json
import subprocess
import sys

from flows.io.ledger import Ledger
from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile

CROSSWALK = 'element: location_type\nmap: {HWY: "13", RES: "20"}\n'


def setup_profile(tmp_path, crosswalk=CROSSWALK):
    (tmp_path / "cfg" / "crosswalks").mkdir(parents=True, exist_ok=True)
    (tmp_path / "cfg" / "crosswalks" / "location.yaml").write_text(crosswalk)
    return write_profile(tmp_path / "cfg", "crosswalks: [crosswalks/location.yaml]\n")


def test_replay_is_byte_identical_after_inputs_changed(run_cli, tmp_path):
    profile = setup_profile(tmp_path)
    tables = combined(incident("A-1", incidents__location_type="HWY"), incident("B-2", incidents__location_type="RES"),
                      incident("C-3", incidents__location_type="PARK"))
    source = write_csv_extract(tmp_path / "x", tables)
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10", "--out", out,
                              "--as-of", "2025-11-05T09:30:00")
    assert code == 1, stderr
    # The agency then fixes its crosswalk and edits the extract, and runs the month again.
    setup_profile(tmp_path, CROSSWALK.replace("}", ', PARK: "50"}').replace('RES: "20"', 'RES: "14"'))
    write_csv_extract(tmp_path / "x", combined(incident("A-1", incidents__location_type="RES"),
                                               incident("C-3", incidents__location_type="PARK")))
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10", "--out", out,
                              "--as-of", "2025-11-07T10:00:00")
    assert code == 0, stderr
    for run_id in ("2025-10-001", "2025-10-002"):
        code, stdout, stderr = run_cli("replay", run_id, "--out", out)
        assert code == 0, stdout + stderr
        assert "byte-identical" in stdout


def test_replay_reports_differences_per_element(run_cli, tmp_path):
    profile = setup_profile(tmp_path)
    source = write_csv_extract(tmp_path / "x", incident("A-1", incidents__location_type="HWY"))
    out = tmp_path / "out"
    run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10", "--out", out,
            "--as-of", "2025-11-05T09:30:00")
    folder = out / "PA0230100" / "2025-10"
    ledger = Ledger(out / "PA0230100" / "ledger.sqlite")
    manifest = ledger.run("2025-10-001").manifest
    ledger.close()
    # Tamper with what was produced then: the recorded hash no longer matches the regenerated file.
    message = folder / "PA0230100_20251105_0930_0001.json"
    body = json.loads(message.read_text())
    body["Incident"]["location_type"] = "20"
    message.write_text(json.dumps(body))
    ledger = Ledger(out / "PA0230100" / "ledger.sqlite")
    for f in manifest["files"]:
        if f["name"] == message.name:
            f["sha256"] = "0" * 64
    ledger.conn.execute("UPDATE runs SET manifest = ? WHERE run_id = ?", (json.dumps(manifest), "2025-10-001"))
    ledger.close()
    code, stdout, _ = run_cli("replay", "2025-10-001", "--out", out)
    assert code == 1
    assert 'Incident.location_type: "20" -> "13"' in stdout


def test_eight_concurrent_runs_of_one_agency_leave_a_consistent_ledger(run_cli, tmp_path):
    """Issue 11 item 6: eight `uof run` processes of one agency at once, each from an extract with one other
    incident: they take the ledger in turn (a waiting run says so and for how long), every run id is unique,
    each run removes the incident of the run before it, and `uof verify` finds disk and ledger in agreement."""
    profile = write_profile(tmp_path / "cfg")
    sources = [write_csv_extract(tmp_path / f"x{i}", incident(f"C-{i}")) for i in range(8)]
    out = tmp_path / "out"
    procs = [subprocess.Popen([sys.executable, "-m", "flows.cli.main", "run", "--profile", str(profile), "--source",
                               str(src), "--month", "2025-10", "--out", str(out), "--as-of",
                               f"2025-11-05T09:3{i}:00"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, src in enumerate(sources)]
    outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert [code for code, _ in outcomes] == [0] * 8, outcomes
    assert any("waiting up to 30 s" in err for _, err in outcomes)
    with Ledger(out / "PA0230100" / "ledger.sqlite") as ledger:
        runs, messages = ledger.runs(), ledger.messages()
    assert sorted(runs["run_id"]) == [f"2025-10-{i:03d}" for i in range(1, 9)]
    # Each run after the first saw the previous run's incident disappear: 8 AddOnly, 7 Remove.
    assert sorted(messages["action"].value_counts().items()) == [("AddOnly", 8), ("Remove", 7)]
    assert messages["run_seq"].is_monotonic_increasing and messages["file_name"].is_unique
    assert run_cli("verify", "--out", out, "--profile", profile)[0] == 0


def test_replay_of_a_run_whose_crosswalk_sits_in_an_allowed_root_outside_the_profile(run_cli, tmp_path):
    """The archived crosswalk is laid out beside the archived profile as it lay then ('../shared/...'), which is
    outside the replayed profile's folder: the replay's work folder is allowed by the program itself."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "location.yaml").write_text('element: location_type\ntable: incidents\nmap:\n  "STREET": "13"\n',
                                          encoding="utf-8")
    profile = write_profile(tmp_path / "cfg", f"allowed_roots: [{shared}]\ncrosswalks:\n  - ../shared/location.yaml\n")
    source = write_csv_extract(tmp_path / "x", incident("A-1", incidents__location_type="STREET"))
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10", "--out",
                              tmp_path / "out", "--as-of", AS_OF)
    assert code == 0, stderr
    code, stdout, stderr = run_cli("replay", "2025-10-001", "--out", tmp_path / "out")
    assert code == 0 and "byte-identical" in stdout, stdout + stderr
