"""The `prefect_server` fixture: one real `prefect server start` per pytest run, shared by the slow tests.

Imported by tests/conftest.py. Start-up costs 20-60 s, so the server is session-scoped; the tests that use
it must not depend on each other's state (each filters what it reads by its own deployments, flow runs
or output folder)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import MappingProxyType

import pytest

SERVER_START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(home: Path) -> dict:
    """The environment for the server and the processes talking to it: no PREFECT_* from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_UI_ENABLED="false", PYTHONUNBUFFERED="1")
    return env


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop(proc: subprocess.Popen, first=signal.SIGINT, grace: float = 20) -> None:
    """Stop a process group started by a test: `first`, then SIGTERM, then SIGKILL."""
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


def die_with_test() -> None:
    """In the child, before exec: Linux kills it if pytest dies without tearing down (e.g. killed by a
    timeout), so no server or runner outlives the test run. SIGKILL: a runner told to stop politely keeps
    retrying to pause its schedules against a server that is gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def _db_template(config) -> Path | None:
    """A migrated, empty Prefect database kept in pytest's cache: a fresh SQLite database spends most of the
    server's start-up in migrations (measured 62 s fresh vs 23 s migrated on a loaded 2-core machine)."""
    from importlib.metadata import version

    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    try:
        return cache.mkdir(f"uof-prefect-db-{version('prefect')}") / "prefect.db"
    except OSError:
        return None


def _snapshot(db: Path, template: Path) -> None:
    """Copy the live, just-migrated database (SQLite online backup: consistent while the server runs)."""
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


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory, request):
    """(api url, env for subprocesses): a real `prefect server start` on a free port with its SQLite database
    in a session temporary folder, stopped at the end of the run; skips every test using it if it does not
    come up (pytest caches the skip, so the wait happens once)."""
    base = tmp_path_factory.mktemp("prefect-server")
    home = base / "prefect-home"
    home.mkdir()
    template = _db_template(request.config)
    if template is not None and template.exists():
        shutil.copyfile(template, home / "prefect.db")
    env = clean_env(home)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    log = base / "server.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                 "--port", str(port), "--no-ui", "--analytics-off"],
                                env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=die_with_test)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"prefect server did not start within {SERVER_START_SECONDS} s "
                            f"(exit {proc.poll()}):\n{tail(log)}")
            time.sleep(0.5)
        if template is not None and not template.exists():
            _snapshot(home / "prefect.db", template)
        yield url, MappingProxyType(env)  # read-only: shared by every test; extend with dict(env, ...)
    finally:
        stop(proc, first=signal.SIGTERM)
