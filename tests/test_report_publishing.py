"""Issue 12 item 4: a state or Justice Counts report is written, recorded and verified like an FBI month, and
stays out of the FBI's status, history and actions."""
from __future__ import annotations

import json

from flows.io.ledger import Ledger
from flows.pipeline.reports import publish_report
from tests.conftest import AS_OF, incident, write_csv_extract, write_profile

ORI = "PA0230100"


def test_a_report_is_a_verified_run_of_its_own(run_cli, tmp_path):
    out = tmp_path / "out"
    source = write_csv_extract(tmp_path / "x", incident("A-1"))
    profile = write_profile(tmp_path / "cfg")
    assert run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10", "--out", out,
                   "--as-of", AS_OF)[0] == 0
    first = publish_report(out, ORI, "demo", "2025", [("metric.csv", b"year,value\n2025,1\n")], {"total": 1},
                           {"source": []}, AS_OF)
    second = publish_report(out, ORI, "demo", "2025", [("metric.csv", b"year,value\n2025,2\n")], {"total": 2},
                            {"source": []}, AS_OF)
    assert (first.run_id, second.run_id) == ("demo-2025-001", "demo-2025-002")
    folder = out / ORI / "reports" / "demo" / "2025"
    assert (folder / "metric.csv").read_bytes() == b"year,value\n2025,2\n"
    assert (folder / "history" / "demo-2025-001" / "metric.csv").exists()
    assert json.loads((folder / "manifest.json").read_text())["summary"] == {"total": 2}
    with Ledger(out / ORI / "ledger.sqlite") as ledger:
        assert ledger.runs()["run_id"].tolist() == ["2025-10-001"]  # the FBI's runs only
        assert ledger.runs(reports=True)["run_id"].tolist() == ["2025-10-001", "demo-2025-001", "demo-2025-002"]
        assert ledger.next_run("2025-10")[0] == "2025-10-002"
    code, stdout, _ = run_cli("verify", "--out", out, "--profile", profile, "--format", "json")
    assert code == 0 and json.loads(stdout)["runs"] == 3
    (folder / "metric.csv").write_bytes(b"year,value\n2025,3\n")
    code, stdout, _ = run_cli("verify", "--out", out, "--profile", profile)
    assert code == 1 and "reports/demo/2025/metric.csv" in stdout


def test_replay_of_a_report_run_says_what_it_can_and_cannot_do(run_cli, tmp_path):
    out = tmp_path / "out"
    write_profile(tmp_path / "cfg")
    publish_report(out, ORI, "demo", "2025", [("metric.csv", b"year,value\n2025,1\n")], {"total": 1},
                   {"source": []}, AS_OF)
    code, _, stderr = run_cli("replay", "demo-2025-001", "--out", out)
    assert code == 2 and "demo report" in stderr and "uof verify" in stderr
