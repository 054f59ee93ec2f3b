"""`uof backfill`: every month of a range from one extract in one pass, zero reports for empty months."""
import json

from flows.io.ledger import Ledger
from tests.conftest import combined, incident, write_csv_extract, write_profile


def test_backfill_writes_every_month_and_ledger(run_cli, tmp_path):
    tables = combined(incident("JUL-1", incidents__incident_date="2025-07-04"),
                      incident("SEP-1", incidents__incident_date="2025-09-10"),
                      incident("SEP-2", incidents__incident_date="2025-09-11", incidents__location_type="99"))
    source = write_csv_extract(tmp_path / "x", tables)
    profile = write_profile(tmp_path / "cfg")
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("backfill", "--profile", profile, "--source", source, "--from", "2025-07",
                                   "--to", "2025-09", "--out", out, "--as-of", "2025-11-05T09:30:00")
    assert code == 1, stderr  # SEP-2 is rejected
    base = out / "PA0230100"
    kinds = {}
    for month in ("2025-07", "2025-08", "2025-09"):
        manifest = json.loads((base / month / "manifest.json").read_text())
        assert manifest["kind"] == "backfill"
        for table, counts in manifest["rows"].items():
            assert sum(v for k, v in counts.items() if k != "read") == counts["read"]
        kinds[month] = [json.loads(p.read_text())["Action"] + (" zero" if "ZeroReport" in p.read_text() else "")
                        for p in sorted((base / month).glob("PA*_[0-9][0-9][0-9][0-9].json"))]
    assert kinds == {"2025-07": ["AddOnly"], "2025-08": ["AddOnly zero"], "2025-09": ["AddOnly"]}
    ledger = Ledger(base / "ledger.sqlite")
    assert ledger.runs()["run_id"].tolist() == ["2025-07-001", "2025-08-001", "2025-09-001"]
    ledger.close()
    # A later monthly run of a backfilled month finds nothing new to send.
    code, stdout, _ = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-07", "--out", out,
                              "--as-of", "2025-11-06T09:30:00")
    assert code == 0 and "1 unchanged" in stdout


def test_backfill_refuses_current_month_zero_report(run_cli, tmp_path):
    source = write_csv_extract(tmp_path / "x", incident("OCT-1"))
    code, _, stderr = run_cli("backfill", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                              "--from", "2025-10", "--to", "2025-11", "--out", tmp_path / "out",
                              "--as-of", "2025-11-05T09:30:00")
    assert code == 2 and "2025-11" in stderr and not (tmp_path / "out").exists()
