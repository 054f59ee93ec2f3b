"""`uof schedule`: serve the monthly job as Prefect deployments (run on the 1st, re-check, warn before the 15th)."""
from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

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
    from urllib.parse import urlsplit

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


def _cmd_schedule(args) -> int:
    url = api_url()
    from flows.config.load import load_profile, load_reference

    profile = Path(args.profile).expanduser().resolve()
    agency_ori = load_profile(profile, load_reference()).agency_ori
    out = Path(args.out).expanduser().resolve()
    state = str(Path(args.state).expanduser().resolve()) if args.state else None

    from flows.schedule import deployments as schedule

    pattern = schedule.absolute_pattern(args.source_glob)
    timezone = args.timezone or schedule.local_timezone()
    for option, cron in (("--cron-run", args.cron_run), ("--cron-recheck", args.cron_recheck),
                         ("--cron-warn", args.cron_warn)):
        schedule.check_schedule(cron, timezone, option)
    check_server(url)
    try:
        source = schedule.newest_source(pattern).name
    except UsageError:
        source = None
    deployments = schedule.build_deployments(
        agency_ori=agency_ori, profile=str(profile), source_glob=pattern, out=str(out), state=state,
        cron_run=args.cron_run, cron_recheck=args.cron_recheck, cron_warn=args.cron_warn, timezone=timezone)
    print(f"uof schedule: agency {agency_ori}, Prefect API {url}, time zone {timezone}\n"
          f"  run      '{args.cron_run}'  previous month from the newest match of {pattern}\n"
          f"  recheck  '{args.cron_recheck}'  the same run again (an unchanged extract emits nothing)\n"
          f"  warn     '{args.cron_warn}'  WARNING if the previous month is not submitted or has rejections\n"
          f"  output   {out}" + (f", ledger {state}" if state else ""), flush=True)
    if source is None:
        print(f"note: no extract matches {pattern} yet; each run takes the newest match at run time", flush=True)
    schedule.serve(deployments)  # until Ctrl-C / SIGINT; Prefect then pauses the three schedules
    print("uof schedule: stopped; the schedules are paused until uof schedule runs again", flush=True)
    return 0


def register(sub) -> dict:
    p = sub.add_parser("schedule", help="serve the monthly job on a Prefect server (run, re-check, warn)",
                       description="Register three Prefect deployments and run them until stopped: the previous "
                                   "month on the 1st, a re-check on the 10th, a warning before the 15th. Needs "
                                   "PREFECT_API_URL pointing at a running `prefect server start`.")
    p.add_argument("--profile", required=True, help="agency profile YAML")
    p.add_argument("--source-glob", required=True,
                   help="glob of the RMS extracts (quote it); each run takes the newest match, e.g. "
                        "'/srv/rms/uof_*.xlsx'")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--state", default=None, help="ledger file (default: OUT/<agency_ori>/ledger.sqlite)")
    p.add_argument("--cron-run", default="0 6 1 * *", help="when to run the previous month (default: %(default)s)")
    p.add_argument("--cron-recheck", default="0 6 10 * *",
                   help="when to run it again (default: %(default)s)")
    p.add_argument("--cron-warn", default="0 6 13 * *",
                   help="when to warn about an unsubmitted or rejected month (default: %(default)s)")
    p.add_argument("--timezone", default=None,
                   help="IANA time zone of the cron expressions (default: this machine's, else UTC)")
    return {"schedule": _cmd_schedule}
