"""`uof schedule`: refusals without a Prefect server, the ledger check, the artifacts' content, the test run's
isolation (fast suite unless --slow, no environment leaks), and (slow) a scheduled run that really fires
against a local `prefect server start`, one per test run and shared by the slow tests."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import REPO, combined, incident, write_csv_extract, write_profile
from tests.prefect_server import die_with_test, free_port, stop, tail

ORI = "PA0230100"
RUN_WAIT_SECONDS = 150


# ---- fast: refusals, helpers, ledger check, artifact content --------------------------------------
def test_schedule_without_prefect_api_url_exits_2_with_setup_hint(run_cli, tmp_path):
    code, stdout, stderr = run_cli("schedule", "--profile", write_profile(tmp_path / "cfg"),
                                   "--source-glob", str(tmp_path / "*.xlsx"), "--out", tmp_path / "out")
    assert code == 2 and stdout == ""
    assert "prefect server start" in stderr
    assert "PREFECT_API_URL=http://127.0.0.1:4200/api" in stderr
    assert "Traceback" not in stderr and not (tmp_path / "out").exists()


def test_schedule_with_unreachable_server_exits_2(run_cli, tmp_path, monkeypatch):
    port = free_port()
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    code, _, stderr = run_cli("schedule", "--profile", write_profile(tmp_path / "cfg"),
                              "--source-glob", str(tmp_path / "*.xlsx"), "--out", tmp_path / "out")
    assert code == 2
    assert f"no Prefect server answers at PREFECT_API_URL=http://127.0.0.1:{port}/api" in stderr
    assert "prefect server start" in stderr


def test_schedule_bad_cron_or_time_zone_exits_2_before_contacting_the_server(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{free_port()}/api")
    base = ["schedule", "--profile", write_profile(tmp_path / "cfg"), "--source-glob", str(tmp_path / "*.xlsx"),
            "--out", tmp_path / "out"]
    code, _, stderr = run_cli(*base, "--cron-warn", "0 6 32 * *")
    assert code == 2 and "--cron-warn '0 6 32 * *'" in stderr and "Invalid cron string" in stderr
    code, _, stderr = run_cli(*base, "--timezone", "Mars/Base")
    assert code == 2 and "Invalid timezone" in stderr


def test_previous_month_and_newest_source(tmp_path):
    from flows.errors import UsageError
    from flows.schedule.deployments import check_month_arg, newest_source, previous_month

    assert previous_month(datetime(2026, 1, 1, 6)) == "2025-12"
    assert previous_month(datetime(2025, 11, 10)) == "2025-10"
    assert check_month_arg(None, datetime(2025, 3, 1)) == "2025-02"
    assert check_month_arg("2024-07", datetime(2025, 3, 1)) == "2024-07"
    with pytest.raises(UsageError):
        check_month_arg("2024-7", datetime(2025, 3, 1))
    with pytest.raises(UsageError, match="no extract matches"):
        newest_source(str(tmp_path / "uof_*.xlsx"))
    old, new, lock = tmp_path / "uof_1.xlsx", tmp_path / "uof_2.xlsx", tmp_path / "~$uof_3.xlsx"
    for path, mtime in ((new, 1_700_000_100), (old, 1_700_000_000), (lock, 1_800_000_000)):
        path.write_bytes(b"x")
        os.utime(path, (mtime, mtime))
    assert newest_source(str(tmp_path / "*uof_*.xlsx")) == new


def test_submission_issues_until_marked_submitted(run_cli, tmp_path):
    from flows.io.ledger import Ledger
    from flows.schedule.deployments import ledger_file, submission_issues

    profile = write_profile(tmp_path / "cfg")
    ledger = ledger_file(str(profile), str(tmp_path / "out"), None)
    assert ledger == tmp_path / "out" / ORI / "ledger.sqlite"
    assert "never been run" in submission_issues(ledger, "2025-10")[0]

    source = write_csv_extract(tmp_path / "x", combined(incident("SECRET-1"),
                                                        incident("SECRET-2", incidents__location_type="99")))
    code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10",
                              "--out", tmp_path / "out", "--as-of", "2025-11-05T09:30:00")
    assert code == 1, stderr
    assert "no run recorded" in submission_issues(ledger, "2025-09")[0]
    issues = submission_issues(ledger, "2025-10")
    assert len(issues) == 2
    assert "1 message(s) generated but not marked submitted (run 2025-10-001)" in issues[0]
    assert "1 rejected incident(s)" in issues[1]
    assert not any("SECRET" in issue for issue in issues)

    book = Ledger(ledger)
    book.mark_submitted("2025-10-001", "2025-11-06T10:00:00")
    book.close()
    issues = submission_issues(ledger, "2025-10")
    assert len(issues) == 1 and "rejected" in issues[0]

    fixed = write_csv_extract(tmp_path / "y", combined(incident("SECRET-1"), incident("SECRET-2")))
    code, _, stderr = run_cli("run", "--profile", profile, "--source", fixed, "--month", "2025-10",
                              "--out", tmp_path / "out", "--as-of", "2025-11-07T09:30:00")
    assert code == 0, stderr
    assert "(run 2025-10-002)" in submission_issues(ledger, "2025-10")[0]
    book = Ledger(ledger)
    book.mark_submitted("2025-10-002", "2025-11-08T10:00:00")
    book.close()
    assert submission_issues(ledger, "2025-10") == []


def test_artifact_content_is_counts_only_and_nothing_happens_outside_prefect(tmp_path, monkeypatch):
    from flows.pipeline.artifacts import artifact_key, publish_run_summary, rejection_rows, summary_markdown, summary_rows
    from flows.pipeline.monthly import run_month

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    source = write_csv_extract(tmp_path / "x", combined(
        incident("SECRET-1"), incident("SECRET-2", incidents__location_type="99"),
        incident("SECRET-3", incidents__incident_date="13/45/2025")))
    result = run_month(write_profile(tmp_path / "cfg"), source, "2025-10", tmp_path / "out", "2025-11-05T09:30:00")
    assert result.exit_code == 1
    assert artifact_key(result) == "uof-pa0230100-2025-10"
    counts = {(r["section"], r["item"]): r["count"] for r in summary_rows(result)}
    assert counts[("incidents", "valid")] == 1 and counts[("incidents", "rejected")] == 1
    assert counts[("incidents", "rejected, no readable date")] == 1
    assert counts[("incidents", "meet the FBI criteria")] == 2  # SECRET-1 and -2 (tickler given); -3 undated
    assert counts[("incidents", "cannot be decided from the export")] == 0
    assert counts[("messages", "AddOnly")] == 1 and counts[("messages", "zero report")] == 0
    rows = rejection_rows(result)
    assert rows and set(rows[0]) == {"element", "rule", "severity", "count"}
    assert sum(r["count"] for r in rows) == len(result.findings)
    text = summary_markdown(result) + json.dumps(rows) + json.dumps(summary_rows(result))
    assert "SECRET" not in text and "13/45/2025" not in text and "99" not in text.replace("0099", "")
    for message in result.findings["message"].dropna():
        assert str(message) not in text
    assert publish_run_summary(result) is None  # not under Prefect: no import, no API call


# ---- the test run's isolation (tests/conftest.py) --------------------------------------------------------
def test_plain_pytest_is_the_fast_suite_and_slow_option_adds_the_server_tests():
    def collected(*args: str) -> set[str]:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider",
                               "--collect-only", *args, __file__], cwd=REPO, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return {line.rsplit("::", 1)[1] for line in proc.stdout.splitlines() if "::" in line}

    slow = {"test_scheduled_run_fires_against_local_prefect_server",
            "test_uof_run_goes_through_prefect_engine_when_api_configured"}
    fast = collected()
    assert fast and not fast & slow
    assert collected("--slow") == fast | slow


def test_restore_environ_undoes_added_changed_and_removed_variables(monkeypatch):
    from tests.conftest import restore_environ

    monkeypatch.setenv("UOF_PROBE_CHANGED", "before")
    monkeypatch.setenv("UOF_PROBE_REMOVED", "before")
    before = dict(os.environ)
    os.environ["UOF_PROBE_ADDED"] = "added"
    os.environ["UOF_PROBE_CHANGED"] = "after"
    del os.environ["UOF_PROBE_REMOVED"]
    restore_environ(before)
    differing = sorted(set(os.environ) ^ set(before))  # names and probes only: no environment values in reports
    probes = {k: os.environ.get(f"UOF_PROBE_{k}") for k in ("ADDED", "CHANGED", "REMOVED")}
    assert differing == [] and probes == {"ADDED": None, "CHANGED": "before", "REMOVED": "before"}


_LEAK_PROBE: list[str | None] = []  # filled by the first test of the pair below, read by the second


def test_environ_leak_probe_sets_variables_directly():
    """The leak that matters: PREFECT_API_URL set by hand would send every later in-process run to Prefect."""
    _LEAK_PROBE.append(os.environ.get("DO_NOT_TRACK"))
    os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{free_port()}/api"
    os.environ["UOF_LEAK_PROBE"] = "set without monkeypatch"
    os.environ["DO_NOT_TRACK"] = "changed by a test"


def test_environ_leak_probe_is_gone_in_the_next_test():
    if not _LEAK_PROBE:
        pytest.skip("checks what the previous test set; run it too")
    seen = {name: os.environ.get(name) for name in ("PREFECT_API_URL", "UOF_LEAK_PROBE", "DO_NOT_TRACK")}
    assert seen == {"PREFECT_API_URL": None, "UOF_LEAK_PROBE": None, "DO_NOT_TRACK": _LEAK_PROBE[0]}
    home = Path(os.environ["PREFECT_HOME"])  # the run's private PREFECT_HOME survives the restore
    assert home.name.startswith("uof-test-prefect-home-") and home != Path.home() / ".prefect"


# ---- slow: a real local Prefect server (tests/prefect_server.py, one per run) fires the schedule ----------
def _runs(client, deployment_name: str) -> list:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.exceptions import ObjectNotFound

    try:
        deployment = client.read_deployment_by_name(deployment_name)
    except ObjectNotFound:
        return []
    return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])))


def _runs_into(client, out, flow_name: str | None = None) -> list:
    """The flow runs of one test (the slow tests share one server): those whose `out` parameter is its folder."""
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    flows = FlowFilter(name=FlowFilterName(any_=[flow_name])) if flow_name else None
    return [run for run in client.read_flow_runs(flow_filter=flows, limit=200)
            if (run.parameters or {}).get("out") == str(out)]


def _warnings(client, flow_run_id) -> list[str]:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId, LogFilterLevel

    logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]),
                                                 level=LogFilterLevel(ge_=30)))
    return [entry.message for entry in logs]


@pytest.mark.slow
def test_scheduled_run_fires_against_local_prefect_server(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.schedule.deployments import CHECK_FLOW, RUN_FLOW, previous_month

    url, env = prefect_server
    started = datetime.now()
    month = previous_month(started)
    extracts = tmp_path / "rms"
    write_csv_extract(extracts / "uof_old", incident("SECRET-OLD", incidents__incident_date=f"{month}-02"))
    write_csv_extract(extracts / "uof_new", combined(
        incident("SECRET-77", incidents__incident_date=f"{month}-03"),
        incident("SECRET-78", incidents__incident_date=f"{month}-04", incidents__location_type="99")))
    os.utime(extracts / "uof_old", (time.time() - 3600, time.time() - 3600))
    profile = write_profile(tmp_path / "cfg")
    out = tmp_path / "out"

    serve_env = dict(env, PREFECT_API_URL=url, PREFECT_RUNNER_POLL_FREQUENCY="2")
    serve_log = tmp_path / "serve.log"
    with open(serve_log, "wb") as handle:
        serve = subprocess.Popen(
            [sys.executable, "-m", "flows.cli.main", "schedule", "--profile", str(profile),
             "--source-glob", str(extracts / "uof_*"), "--out", str(out),
             "--cron-run", "* * * * *", "--cron-recheck", "0 6 10 1 *", "--cron-warn", "* * * * *",
             "--timezone", "UTC"],
            cwd=REPO, env=serve_env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=die_with_test)
    try:
        done = {}
        deadline = time.monotonic() + RUN_WAIT_SECONDS
        with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as client:
            while time.monotonic() < deadline and len(done) < 2:
                assert serve.poll() is None, f"uof schedule exited {serve.returncode}:\n{tail(serve_log)}"
                for name in (f"{RUN_FLOW}/{ORI}-run", f"{CHECK_FLOW}/{ORI}-warn"):
                    for run in _runs(client, name):
                        state = run.state
                        assert state is None or not (state.is_failed() or state.is_crashed()), (
                            f"{name} run {state.name}: {state.message}\n{tail(serve_log)}")
                        if state is not None and state.is_completed():
                            done.setdefault(name, run)
                time.sleep(1)
            assert len(done) == 2, (f"no COMPLETED run of {sorted({'run', 'warn'} - {n[-3:] for n in done})} "
                                    f"within {RUN_WAIT_SECONDS} s:\n{tail(serve_log)}")
            names = {d.name for d in client.read_deployments()}
            assert {f"{ORI}-run", f"{ORI}-recheck", f"{ORI}-warn"} <= names

            months = {month, previous_month(datetime.now())}
            manifests = [out / ORI / m / "manifest.json" for m in months if (out / ORI / m / "manifest.json").exists()]
            assert manifests, f"no manifest under {out / ORI}"
            manifest = json.loads(manifests[0].read_text())
            assert manifest["engine"] == "prefect"
            # the newest extract (uof_new: one valid, one rejected), not uof_old
            assert manifest["incidents"]["valid"] == 1 and manifest["incidents"]["rejected"] == 1

            artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[f"uof-{ORI.lower()}-{manifest['month']}"]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[run.id for run in _runs_into(client, out)])))
            assert artifacts, "no summary artifact"
            text = "".join(str(a.data) for a in artifacts)
            assert "| incidents | valid | 1 |" in text and "SECRET" not in text

            warn_run = done[f"{CHECK_FLOW}/{ORI}-warn"]
            warnings = []
            for _ in range(20):  # logs reach the API shortly after the run's end
                warnings = _warnings(client, warn_run.id)
                if warnings:
                    break
                time.sleep(0.5)
            assert warnings and all("SECRET" not in w for w in warnings)

            os.kill(serve.pid, signal.SIGINT)  # Ctrl-C, or systemd's KillSignal=SIGINT: pauses the schedules
            assert serve.wait(timeout=30) == 0, tail(serve_log)
            assert "uof schedule: stopped" in serve_log.read_text()
            assert all(client.read_deployment_by_name(f"{flow_name}/{ORI}-{kind}").paused
                       for flow_name, kind in ((RUN_FLOW, "run"), (RUN_FLOW, "recheck"), (CHECK_FLOW, "warn")))
    finally:
        stop(serve)
    assert (out / ORI / "ledger.sqlite").exists()


@pytest.mark.slow
def test_uof_run_goes_through_prefect_engine_when_api_configured(prefect_server, tmp_path):
    """One code path: with PREFECT_API_URL set, `uof run` is a Prefect flow run with one task per step."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url, env = prefect_server
    source = write_csv_extract(tmp_path / "x", incident("P-1"))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "flows.cli.main", "run", "--profile", str(write_profile(tmp_path / "cfg")),
                           "--source", str(source), "--month", "2025-10", "--out", str(out),
                           "--as-of", "2025-11-05T09:30:00"], env=dict(env, PREFECT_API_URL=url),
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((out / "PA0230100" / "2025-10" / "manifest.json").read_text())
    assert manifest["engine"] == "prefect"
    with temporary_settings({PREFECT_API_URL: url}):
        with get_client(sync_client=True) as client:
            runs = _runs_into(client, out, "uof-monthly-run")
            assert [r.state_type.value for r in runs] == ["COMPLETED"]
            tasks = client.read_task_runs(task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(
                any_=[runs[0].id])))
            assert {"read_extract", "validate_scope"} <= {t.name.rsplit("-", 1)[0] for t in tasks}
