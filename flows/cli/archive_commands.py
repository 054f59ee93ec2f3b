"""`uof archive prune`: the archive retention, applied (dry run unless --apply)."""
from __future__ import annotations

from pathlib import Path

import click

from flows.cli.options import CONTEXT, as_of_option, example, existing_ledger, now_arg, state_options, uof_command
from flows.cli.render import Output
from flows.config.load import load_profile, load_reference
from flows.errors import UsageError
from flows.pipeline.retention import prune_archive


@click.group("archive", context_settings=CONTEXT, epilog=example(
    "uof archive prune --out out/ --profile data/sample/agency.yaml", "uof archive prune --help"))
def archive_group() -> None:
    """The archive of each run's inputs, kept for `uof replay`."""


def _months(months: int | None, profile: str | None) -> int:
    if months is not None:
        return months
    if not profile:
        raise UsageError("give --months, or --profile with archive_retention_months set")
    configured = load_profile(Path(profile), load_reference()).settings.get("archive_retention_months")
    if not configured:
        raise UsageError(f"{profile} sets no archive_retention_months: the archive is kept for ever (give "
                         "--months to prune anyway)")
    return configured


@uof_command("prune", "uof archive prune --out out/ --profile data/sample/agency.yaml",
             "uof archive prune --out out/ --profile data/sample/agency.yaml --apply", options=[
                 click.option("--months", type=click.IntRange(min=1), default=None,
                              help="retention in months (default: the profile's archive_retention_months)"),
                 click.option("--apply", is_flag=True, help="delete (without it: only list what would go)"),
                 as_of_option("moment the retention counts back from, YYYY-MM-DDTHH:MM:SS (default: now)"),
                 state_options])
def prune_command(ui: Output, months, apply, as_of, out, state, profile, fmt) -> int:
    """Remove the archived extract copies of runs older than the retention.

    Only the Parquet copies of extracts go (they hold personal data); the ledger's runs, messages, manifests
    and hashes and the configuration copies stay, so `uof verify` still proves what was sent. A run whose
    copies were pruned can no longer be replayed. Without --apply nothing is deleted.
    """
    retention = _months(months, profile)
    path = existing_ledger(out, state, profile)
    plan = prune_archive(path, retention, as_of or now_arg(), apply)
    if fmt == "json":
        ui.data({"command": "archive prune", "ledger": str(path), "months": plan.months, "cutoff": plan.cutoff,
                 "applied": plan.applied, "files": plan.files, "runs": plan.runs, "bytes": plan.bytes})
        return 0
    verb = "removed" if apply else "would remove"
    ui.say(f"retention {plan.months} month(s): runs before {plan.cutoff[:10]}; {verb} {len(plan.files)} "
           f"archived extract cop{'y' if len(plan.files) == 1 else 'ies'} ({plan.bytes:,} bytes) of "
           f"{len(plan.runs)} run(s){': ' + ', '.join(plan.runs) if plan.runs else ''}")
    if not apply and plan.files:
        ui.say("nothing was deleted: rerun with --apply to delete them")
    return 0


archive_group.add_command(prune_command)
