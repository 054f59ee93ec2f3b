"""The monthly job as Prefect deployments, served by `uof schedule`.

Three deployments of two flows, named after the agency ORI:
  <ORI>-run      1st of the month:  run the previous month from the newest extract matching the glob
  <ORI>-recheck  10th of the month: the same run again; the ledger makes an unchanged rerun emit nothing
  <ORI>-warn     13th of the month: log a WARNING if the previous month is not submitted or has rejections

Scheduling needs a Prefect API: a local `prefect server start` (SQLite, data stays on the machine) or
Prefect Cloud. Against Prefect's ephemeral API `serve` registers nothing that ever fires, so the command
refuses to start without PREFECT_API_URL. Prefect is imported only here and in flows/pipeline/artifacts.py.
"""
from __future__ import annotations

import glob
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import available_timezones

import prefect
from prefect import flow, get_run_logger
from prefect.client.schemas.schedules import CronSchedule
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType
from pydantic import ValidationError

from flows.config.load import load_profile, load_reference
from flows.errors import UofError, UsageError
from flows.io.ledger import Ledger, agency_ledger
from flows.pipeline.monthly import run_month
from transforms.coverage import MONTH

try:  # optional: the machine's zone name is also read from TZ and /etc/localtime
    import tzlocal
except ImportError:
    tzlocal = None

RUN_FLOW = "uof-scheduled-month"
CHECK_FLOW = "uof-submission-check"


# ---- pure helpers (no Prefect API needed) ------------------------------------------------------
def previous_month(now: datetime) -> str:
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def absolute_pattern(pattern: str) -> str:
    """The glob made absolute (against the current directory), so the served runs do not depend on cwd."""
    expanded = os.path.expanduser(pattern)
    return expanded if os.path.isabs(expanded) else os.path.join(os.getcwd(), expanded)


def newest_source(pattern: str) -> Path:
    """The most recently modified file (or CSV folder) matching `pattern`; Excel lock and hidden files skipped."""
    found = [Path(p) for p in glob.glob(pattern, recursive=True)]
    found = [p for p in found if not p.name.startswith(("~$", ".")) and (p.is_file() or p.is_dir())]
    if not found:
        raise UsageError(f"no extract matches --source-glob {pattern}")
    return max(found, key=lambda p: (p.stat().st_mtime, p.name))


def ledger_file(profile: str, out: str, state: str | None) -> Path:
    """The agency's ledger: the profile names the agency only when --state does not name the file."""
    agency_ori = None if state else load_profile(Path(profile), load_reference()).agency_ori
    return agency_ledger(out, agency_ori, state)


def check_month_arg(month: str | None, now: datetime) -> str:
    if month is None or month == "":
        return previous_month(now)
    if not MONTH.fullmatch(month):
        raise UsageError(f"'{month}' is not a month written YYYY-MM")
    return month


def submission_issues(path: Path, month: str) -> list[str]:
    """What still needs the analyst for `month`, from the ledger: counts and run ids only."""
    if not Path(path).exists():
        return [f"{month}: no ledger at {path} — the month has never been run"]
    with Ledger(path) as ledger:
        runs = ledger.runs(month)
        if runs.empty:
            return [f"{month}: no run recorded — the scheduled run on the 1st did not happen or failed "
                    "(an extract that does not cover the month is refused); check the Prefect flow runs, or run "
                    "`uof run` by hand"]
        messages = ledger.messages(month)
        latest = ledger.run(str(runs.iloc[-1]["run_id"]))
    issues = []
    pending = messages[messages["status"] != "submitted"]
    if len(pending):
        run_ids = sorted(pending["run_id"].unique())
        issues.append(f"{month}: {len(pending)} message(s) generated but not marked submitted "
                      f"(run {', '.join(run_ids)}) — upload them to the FBI, then `uof mark-submitted RUN_ID`")
    inc = latest.manifest.get("incidents", {})
    rejected = int(inc.get("rejected", 0)) + int(inc.get("rejected_undated", 0))
    if latest.exit_code == 1 or rejected:
        by_rule = latest.manifest.get("findings", {}).get("by_rule", {})
        rules = ", ".join(f"{rule} x{n}" for rule, n in sorted(by_rule.items()))
        issues.append(f"{month}: latest run {latest.run_id} has {rejected} rejected incident(s)"
                      + (f" (findings by rule: {rules})" if rules else "")
                      + " — fix them in the RMS; the next run adds them")
    return issues


# ---- flows ---------------------------------------------------------------------------------------
def scheduled_run(profile: str, source_glob: str, out: str, state: str | None, month: str | None, as_of: str,
                  logger) -> dict:
    """The scheduled month's run (the body of `scheduled_month`, callable without Prefect).

    It goes through `run_month`, so the coverage rule holds here too: when the newest extract does not
    cover a month without incidents (a stale export, a quarterly workbook), no zero report is sent, the
    refusal is logged as an ERROR and raised, so the flow run fails and the month stays missing.
    """
    month = check_month_arg(month, datetime.fromisoformat(as_of))
    source = newest_source(source_glob)
    logger.info("month %s from %s (as of %s)", month, source.name, as_of)
    try:
        result = run_month(profile, source, month, out, as_of, state=state)  # publishes its summary artifact
    except UofError as exc:
        logger.error("%s: nothing was sent from %s - %s", month, source.name, exc)
        raise
    inc = result.manifest["incidents"]
    actions = ", ".join(f"{n} {a}" for a, n in inc["actions"].items() if n) or "none"
    logger.info("%s run %s: %d meet the FBI criteria, %d cannot be decided from the export, %d not reportable; "
                "%d valid, %d rejected; messages %s%s; exit code %d",
                month, result.manifest.get("run_id"), inc["meets_criteria"], inc["undecided"], inc["not_reportable"],
                inc["valid"], inc["rejected"] + inc["rejected_undated"], actions, f", zero report {inc['zero_report']}" if inc["zero_report"] else "",
                result.exit_code)
    if result.exit_code:
        logger.warning("%s: %d incident(s) rejected — see rejections.csv in %s", month,
                       inc["rejected"] + inc["rejected_undated"], result.folder)
    return {"month": month, "run_id": result.manifest.get("run_id"), "exit_code": result.exit_code,
            "folder": None if result.folder is None else str(result.folder)}


@flow(name=RUN_FLOW, log_prints=False, persist_result=False)
def scheduled_month(profile: str, source_glob: str, out: str, state: str | None = None,
                    month: str | None = None) -> dict:
    """Run the previous month (or `month`) from the newest extract matching `source_glob`."""
    now = datetime.now().replace(microsecond=0).isoformat()
    return scheduled_run(profile, source_glob, out, state, month, now, get_run_logger())


@flow(name=CHECK_FLOW, log_prints=False, persist_result=False)
def submission_check(profile: str, out: str, state: str | None = None, month: str | None = None) -> dict:
    """Warn (Prefect WARNING log) when the previous month (or `month`) is not submitted or has rejections."""
    logger = get_run_logger()
    month = check_month_arg(month, datetime.now())
    issues = submission_issues(ledger_file(profile, out, state), month)
    for issue in issues:
        logger.warning(issue)
    if not issues:
        logger.info("%s: every message is marked submitted and the latest run has no rejection", month)
    return {"month": month, "issues": issues}


# ---- deployments ----------------------------------------------------------------------------------
def local_timezone() -> str:
    """IANA name of the machine's time zone (the schedules fire in it); UTC when it cannot be told."""

    def from_path(path: str) -> str:
        try:
            return str(Path(path).resolve()).split("zoneinfo/", 1)[1]
        except (IndexError, OSError):
            return ""

    candidates = []
    tz = os.environ.get("TZ", "").lstrip(":")
    candidates.append(from_path(tz) if tz.startswith("/") else tz)
    try:
        candidates.append(tzlocal.get_localzone_name() or "")
    except Exception:  # tzlocal missing (None here), or the zone not found
        pass
    candidates.append(from_path("/etc/localtime"))
    known = available_timezones()
    return next((name for name in candidates if name in known), "UTC")


def build_deployments(*, agency_ori: str, profile: str, source_glob: str, out: str, state: str | None,
                      cron_run: str, cron_recheck: str, cron_warn: str, timezone: str) -> list:
    run_params = {"profile": profile, "source_glob": source_glob, "out": out, "state": state}
    check_params = {"profile": profile, "out": out, "state": state}
    common = {"entrypoint_type": EntrypointType.MODULE_PATH, "tags": ["uof", agency_ori]}
    return [
        scheduled_month.to_deployment(
            name=f"{agency_ori}-run", schedules=[Cron(cron_run, timezone=timezone)], parameters=run_params,
            description="Monthly run of the previous month from the newest extract.", **common),
        scheduled_month.to_deployment(
            name=f"{agency_ori}-recheck", schedules=[Cron(cron_recheck, timezone=timezone)],
            parameters=run_params,
            description="Re-check of the previous month; an unchanged extract emits nothing.", **common),
        submission_check.to_deployment(
            name=f"{agency_ori}-warn", schedules=[Cron(cron_warn, timezone=timezone)], parameters=check_params,
            description="Warns when the previous month is not submitted or has rejections.", **common),
    ]


def serve(deployments: list, limit: int | None = None) -> None:
    """Register the deployments and run their flow runs until interrupted (schedules pause on shutdown)."""
    prefect.serve(*deployments, limit=limit)


def check_schedule(cron: str, timezone: str, option: str) -> None:
    """Refuse a bad cron expression or time zone before anything is registered."""
    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValidationError as exc:
        detail = "; ".join(str(e.get("msg", "")) for e in exc.errors()) or str(exc)
        raise UsageError(f"{option} '{cron}' (time zone {timezone}): {detail}") from None
