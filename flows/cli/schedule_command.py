"""`uof schedule`: serve the monthly job as Prefect deployments (run on the 1st, re-check, warn before the 15th)."""
from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import click

from flows.cli.options import profile_option, uof_command
from flows.cli.render import Output
from flows.config.load import load_profile, load_reference
from flows.errors import UsageError

LOCAL_API = "http://127.0.0.1:4200/api"

NO_API = ("uof schedule needs a Prefect server: PREFECT_API_URL is not set, and Prefect's temporary "
          "(ephemeral) API never fires a schedule. Start one on this machine with `prefect server start` "
          f"(data stays local, SQLite), then `export PREFECT_API_URL={LOCAL_API}` and run uof schedule again "
          "(see docs/scheduling.md)")


def api_url() -> str:
    url = os.environ.get("PREFECT_API_URL", "").strip()
    if not url:
        raise UsageError(NO_API)
    return url


def check_server(url: str, timeout: float = 5.0) -> None:
    """Any HTTP answer counts (Prefect Cloud asks for a key); no answer at all is an error."""
    local = urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")
    opener = urllib.request.build_opener(*([urllib.request.ProxyHandler({})] if local else []))  # no proxy for us
    try:
        with opener.open(url.rstrip("/") + "/health", timeout=timeout):
            pass
    except urllib.error.HTTPError:
        return
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UsageError(f"no Prefect server answers at PREFECT_API_URL={url} ({reason}): start it with "
                         "`prefect server start` (or fix PREFECT_API_URL) and run uof schedule again") from None


@uof_command("schedule", "export PREFECT_API_URL=http://127.0.0.1:4200/api",
             "uof schedule --profile /srv/uof/agency.yaml --source-glob '/srv/rms/uof_*.xlsx' --out /srv/uof/out",
             formats=None, options=[
                 profile_option(),
                 click.option("--source-glob", required=True, metavar="GLOB",
                              help="glob of the RMS extracts (quote it); each run takes the newest match, e.g. "
                                   "'/srv/rms/uof_*.xlsx'"),
                 click.option("--out", required=True, metavar="DIR", help="output folder"),
                 click.option("--state", default=None, metavar="LEDGER",
                              help="ledger file (default: OUT/<agency_ori>/ledger.sqlite)"),
                 click.option("--cron-run", default="0 6 1 * *", show_default=True,
                              help="when to run the previous month"),
                 click.option("--cron-recheck", default="0 6 10 * *", show_default=True, help="when to run it again"),
                 click.option("--cron-warn", default="0 6 13 * *", show_default=True,
                              help="when to warn about an unsubmitted or rejected month"),
                 click.option("--timezone", default=None,
                              help="IANA time zone of the cron expressions (default: this machine's, else UTC)")])
def schedule_command(ui: Output, profile, source_glob, out, state, cron_run, cron_recheck, cron_warn, timezone) -> int:
    """Serve the monthly job on a Prefect server (run, re-check, warn) until stopped.

    Registers three Prefect deployments: the previous month on the 1st, a re-check on the 10th, a warning
    before the 15th. Needs PREFECT_API_URL pointing at a running `prefect server start`.
    """
    from flows.schedule import deployments as schedule  # Prefect: imported by this command only (engine.py)

    url = api_url()
    profile = Path(profile).expanduser().resolve()
    agency_ori = load_profile(profile, load_reference()).agency_ori
    out = Path(out).expanduser().resolve()
    state = str(Path(state).expanduser().resolve()) if state else None

    pattern = schedule.absolute_pattern(source_glob)
    timezone = timezone or schedule.local_timezone()
    for option, cron in (("--cron-run", cron_run), ("--cron-recheck", cron_recheck), ("--cron-warn", cron_warn)):
        schedule.check_schedule(cron, timezone, option)
    check_server(url)
    try:
        source = schedule.newest_source(pattern).name
    except UsageError:
        source = None
    deployments = schedule.build_deployments(
        agency_ori=agency_ori, profile=str(profile), source_glob=pattern, out=str(out), state=state,
        cron_run=cron_run, cron_recheck=cron_recheck, cron_warn=cron_warn, timezone=timezone)
    ui.say(f"uof schedule: agency {agency_ori}, Prefect API {url}, time zone {timezone}\n"
           f"  run      '{cron_run}'  previous month from the newest match of {pattern}\n"
           f"  recheck  '{cron_recheck}'  the same run again (an unchanged extract emits nothing)\n"
           f"  warn     '{cron_warn}'  WARNING if the previous month is not submitted or has rejections\n"
           f"  output   {out}" + (f", ledger {state}" if state else ""))
    if source is None:
        ui.say(f"note: no extract matches {pattern} yet; each run takes the newest match at run time")
    schedule.serve(deployments)  # until Ctrl-C / SIGINT; Prefect then pauses the three schedules
    ui.say("uof schedule: stopped; the schedules are paused until uof schedule runs again")
    return 0
