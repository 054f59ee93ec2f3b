"""Issue 11 item 3: `uof archive prune` removes the archived extract copies past the retention (dry run by
default), keeps the ledger's audit trail, and verify/replay know a pruned copy from a lost one."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import AS_OF, incident, write_csv_extract, write_profile
from transforms.retention import prunable_frames, retention_cutoff

ORI = "PA0230100"


def test_a_copy_goes_only_when_every_run_using_it_is_past_retention():
    runs = pd.DataFrame([("2025-01-001", "2025-02-05T09:00:00", "a"), ("2025-01-002", "2025-08-05T09:00:00", "a"),
                         ("2025-02-001", "2025-03-05T09:00:00", "b"), ("2025-09-001", "2025-10-05T09:00:00", "c")],
                        columns=["run_id", "as_of", "sha256"])
    cutoff = retention_cutoff(pd.Timestamp("2026-04-01"), 12)
    assert cutoff == pd.Timestamp("2025-04-01")
    gone = prunable_frames(runs, cutoff)
    assert gone["sha256"].tolist() == ["b"] and gone["runs"].tolist() == [["2025-02-001"]]


@pytest.fixture
def two_runs(run_cli, tmp_path):
    profile = write_profile(tmp_path / "cfg")
    out = tmp_path / "out"
    for case, month, as_of in (("A-1", "2025-01", "2025-02-05T09:00:00"), ("B-2", "2025-10", AS_OF)):
        source = write_csv_extract(tmp_path / case, incident(case, incidents__incident_date=f"{month}-03"))
        code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", month, "--out", out,
                                  "--as-of", as_of)
        assert code == 0, stderr
    return out, profile


def prune(run_cli, out, profile, *more):
    code, stdout, stderr = run_cli("archive", "prune", "--out", out, "--profile", profile, "--months", "6",
                                   "--as-of", AS_OF, "--format", "json", *more)
    assert code == 0, stderr
    return json.loads(stdout)


def test_dry_run_deletes_nothing_then_apply_removes_only_old_extract_copies(run_cli, two_runs):
    out, profile = two_runs
    archive = out / ORI / "archive"
    before = sorted(p.name for p in archive.iterdir())
    plan = prune(run_cli, out, profile)
    assert plan["applied"] is False and plan["runs"] == ["2025-01-001"] and len(plan["files"]) == 3
    assert sorted(p.name for p in archive.iterdir()) == before
    applied = prune(run_cli, out, profile, "--apply")
    assert applied["files"] == plan["files"] and applied["bytes"] > 0
    left = sorted(p.name for p in archive.iterdir())
    assert set(before) - set(left) == set(plan["files"])
    assert any(name.endswith(".yaml") for name in left)  # configuration copies stay
    assert prune(run_cli, out, profile, "--apply")["files"] == []  # nothing left to prune


def test_after_pruning_verify_is_clean_and_replay_says_why_it_cannot(run_cli, two_runs):
    out, profile = two_runs
    prune(run_cli, out, profile, "--apply")
    code, stdout, _ = run_cli("verify", "--out", out, "--profile", profile)
    assert code == 0, stdout
    code, _, stderr = run_cli("replay", "2025-01-001", "--out", out, "--profile", profile)
    assert code == 2 and "archive retention (6 months)" in stderr
    code, _, stderr = run_cli("replay", "2025-10-001", "--out", out, "--profile", profile)
    assert code == 0, stderr
    with_history = run_cli("history", "--out", out, "--profile", profile, "--format", "json")
    assert [r["run_id"] for r in json.loads(with_history[1])["runs"]] == ["2025-01-001", "2025-10-001"]


def test_a_copy_deleted_by_hand_is_still_reported_missing(run_cli, two_runs):
    out, profile = two_runs
    victim = sorted((out / ORI / "archive").glob("*.parquet"))[0]
    victim.unlink()
    code, stdout, _ = run_cli("verify", "--out", out, "--profile", profile)
    assert code == 1 and "it is missing" in stdout


def test_without_a_retention_setting_prune_refuses(run_cli, two_runs):
    out, profile = two_runs
    code, _, stderr = run_cli("archive", "prune", "--out", out, "--profile", profile)
    assert code == 2 and "archive_retention_months" in stderr
