"""`uof schedule`: refusals without a Prefect server, the ledger check, the artifacts' content, and (slow)
a scheduled run that really fires against a local `prefect server start`."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import REPO, combined, incident, write_csv_extract, write_profile

ORI = "PA0230100"
SERVER_START_SECONDS = 60
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
    port = _free_port()
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    code, _, stderr = run_cli("schedule", "--profile", write_profile(tmp_path / "cfg"),
                              "--source-glob", str(tmp_path / "*.xlsx"), "--out", tmp_path / "out")
    assert code == 2
    assert f"no Prefect server answers at PREFECT_API_URL=http://127.0.0.1:{port}/api" in stderr
    assert "prefect server start" in stderr


def test_schedule_bad_cron_or_time_zone_exits_2_before_contacting_the_server(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{_free_port()}/api")
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


# ---- slow: a real local Prefect server fires the schedule --------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clean_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_UI_ENABLED="false", PYTHONUNBUFFERED="1")
    return env


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(proc: subprocess.Popen, first=signal.SIGINT, grace: float = 20) -> None:
    """Stop a process group started by this test: `first`, then SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    for sig, wait in ((first, grace), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _die_with_test() -> None:
    """In the child, before exec: Linux kills it if pytest dies without tearing down (e.g. killed by a
    timeout), so no server or runner outlives the test. SIGKILL: a runner told to stop politely keeps
    retrying to pause its schedules against a server that is gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def _db_template(request) -> Path | None:
    """A migrated, empty Prefect database kept in pytest's cache: a fresh SQLite database spends most of the
    server's start-up in migrations (measured 62 s fresh vs 23 s migrated on a loaded 2-core machine)."""
    from importlib.metadata import version

    cache = getattr(request.config, "cache", None)
    if cache is None:
        return None
    try:
        return cache.mkdir(f"uof-prefect-db-{version('prefect')}") / "prefect.db"
    except OSError:
        return None


def _snapshot(db: Path, template: Path) -> None:
    """Copy the live, just-migrated database (SQLite online backup: consistent while the server runs)."""
    import sqlite3

    partial = template.with_name(f"{template.name}.{os.getpid()}.tmp")
    try:
        source, target = sqlite3.connect(db), sqlite3.connect(partial)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        os.replace(partial, template)
    except (OSError, sqlite3.Error):
        partial.unlink(missing_ok=True)


@pytest.fixture
def prefect_server(tmp_path, request):
    """A real `prefect server start` on a free port, SQLite under tmp_path; skips if it does not come up."""
    import shutil

    home = tmp_path / "prefect-home"
    home.mkdir()
    template = _db_template(request)
    if template is not None and template.exists():
        shutil.copyfile(template, home / "prefect.db")
    env = _clean_env(home)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    log = tmp_path / "server.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                 "--port", str(port), "--no-ui", "--analytics-off"],
                                env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=_die_with_test)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"prefect server did not start within {SERVER_START_SECONDS} s "
                            f"(exit {proc.poll()}):\n{_tail(log)}")
            time.sleep(0.5)
        if template is not None and not template.exists():
            _snapshot(home / "prefect.db", template)
        yield url, env
    finally:
        _stop(proc, first=signal.SIGTERM)


def _runs(client, deployment_name: str) -> list:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.exceptions import ObjectNotFound

    try:
        deployment = client.read_deployment_by_name(deployment_name)
    except ObjectNotFound:
        return []
    return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])))


def _warnings(client, flow_run_id) -> list[str]:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId, LogFilterLevel

    logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]),
                                                 level=LogFilterLevel(ge_=30)))
    return [entry.message for entry in logs]


@pytest.mark.slow
def test_scheduled_run_fires_against_local_prefect_server(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
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
            start_new_session=True, preexec_fn=_die_with_test)
    try:
        done = {}
        deadline = time.monotonic() + RUN_WAIT_SECONDS
        with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as client:
            while time.monotonic() < deadline and len(done) < 2:
                assert serve.poll() is None, f"uof schedule exited {serve.returncode}:\n{_tail(serve_log)}"
                for name in (f"{RUN_FLOW}/{ORI}-run", f"{CHECK_FLOW}/{ORI}-warn"):
                    for run in _runs(client, name):
                        state = run.state
                        assert state is None or not (state.is_failed() or state.is_crashed()), (
                            f"{name} run {state.name}: {state.message}\n{_tail(serve_log)}")
                        if state is not None and state.is_completed():
                            done.setdefault(name, run)
                time.sleep(1)
            assert len(done) == 2, (f"no COMPLETED run of {sorted({'run', 'warn'} - {n[-3:] for n in done})} "
                                    f"within {RUN_WAIT_SECONDS} s:\n{_tail(serve_log)}")
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
                key=ArtifactFilterKey(any_=[f"uof-{ORI.lower()}-{manifest['month']}"])))
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
            assert serve.wait(timeout=30) == 0, _tail(serve_log)
            assert "uof schedule: stopped" in serve_log.read_text()
            assert all(client.read_deployment_by_name(f"{flow_name}/{ORI}-{kind}").paused
                       for flow_name, kind in ((RUN_FLOW, "run"), (RUN_FLOW, "recheck"), (CHECK_FLOW, "warn")))
    finally:
        _stop(serve)
    assert (out / ORI / "ledger.sqlite").exists()


@pytest.mark.slow
def test_uof_run_goes_through_prefect_engine_when_api_configured(prefect_server, tmp_path):
    """One code path: with PREFECT_API_URL set, `uof run` is a Prefect flow run with one task per step."""
    import json

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
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
            runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["uof-monthly-run"])))
            assert [r.state_type.value for r in runs] == ["COMPLETED"]
            tasks = client.read_task_runs()
            assert {"read_extract", "validate_scope"} <= {t.name.rsplit("-", 1)[0] for t in tasks}
