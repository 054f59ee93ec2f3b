"""Options shared by the `uof` commands: argument types checked before any data is read, option groups, the
global flags (-v, -q, --debug, accepted before or after the command), and the `Example:` section of a help."""
from __future__ import annotations

import functools
import re
from datetime import datetime
from pathlib import Path

import click

from flows.cli.render import Output
from flows.config.load import load_profile, load_reference
from flows.errors import UsageError
from flows.io.ledger import agency_ledger, ledger_file
from transforms.coverage import MONTH, parse_period

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# ------------------------------------------------------------------------------------------------ types

class Month(click.ParamType):
    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        if not MONTH.fullmatch(value):
            self.fail(f"'{value}' is not a month written YYYY-MM", param, ctx)
        return value


class AsOf(click.ParamType):
    """A moment, local time, to the second; an offset is converted to local time."""

    name = "YYYY-MM-DDTHH:MM:SS"

    def convert(self, value, param, ctx):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"'{value}' is not a moment written YYYY-MM-DDTHH:MM:SS", param, ctx)
        if moment.tzinfo is not None:
            moment = moment.astimezone().replace(tzinfo=None)
        return moment.replace(microsecond=0).isoformat()


class Covers(click.ParamType):
    """`--covers FROM..TO`: the months the extract covers, checked here, before any data is read."""

    name = "FROM..TO"

    def convert(self, value, param, ctx):
        try:
            first, last = parse_period(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return f"{first}..{last}"


class Year(click.ParamType):
    name = "YYYY"

    def convert(self, value, param, ctx):
        if not re.fullmatch(r"[12][0-9]{3}", str(value)):
            self.fail(f"'{value}' is not a year written YYYY", param, ctx)
        return str(value)


MONTH_TYPE, AS_OF_TYPE, COVERS_TYPE, YEAR_TYPE = Month(), AsOf(), Covers(), Year()


def now_arg() -> str:
    return datetime.now().replace(microsecond=0).isoformat()


# ------------------------------------------------------------------------------------------ global flags

def _flag(attribute: str, other: str | None):
    """Callback of -v/-q/--debug: set on the run's Output, wherever on the command line the flag stands."""
    def callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        ui = ctx.find_root().obj
        if not value or not isinstance(ui, Output):
            return
        if other and getattr(ui, other):
            raise click.UsageError("-v/--verbose and -q/--quiet exclude each other", ctx)
        setattr(ui, attribute, True)
    return callback


def global_options(fn):
    """-v, -q and --debug: on the root group (`uof -v run ...`) and on every command (`uof run ... -v`)."""
    for option in reversed([
        click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=_flag("verbose", "quiet"),
                     help="log progress on stderr: steps, row and finding counts, timings (never a value)"),
        click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_flag("quiet", "verbose"),
                     help="print only errors and warnings (stderr); no summary, no progress; "
                          "--format json still prints its document"),
        click.option("--debug", is_flag=True, expose_value=False, callback=_flag("debug", None),
                     help="show a traceback on internal errors"),
    ]):
        fn = option(fn)
    return fn


def pass_output(fn):
    """Hand the command the run's Output (the root group's object), its logging set up."""
    @functools.wraps(fn)
    @click.pass_context
    def wrapper(ctx: click.Context, *args, **kwargs):
        ui = ctx.find_root().obj
        ui.start()
        return fn(ui, *args, **kwargs)
    return wrapper


def example(*lines: str) -> str:
    """The `Example:` section of a command's help, kept as written (click's \\b), one invocation per line."""
    return "\b\nExample:\n" + "\n".join(f"  {line}" for line in lines)


# ----------------------------------------------------------------------------------------- option groups

def _apply(fn, options):
    for option in reversed(options):
        fn = option(fn)
    return fn


def covers_option(fn):
    return click.option("--covers", type=COVERS_TYPE, default=None,
                        help="months the extract covers, YYYY-MM..YYYY-MM (default: the profile's extract_period, "
                             "else the first to the last month of its incident dates); a month without incidents "
                             "gets a zero report only inside it")(fn)


def as_of_option(help_text: str = "moment the run is considered to happen, YYYY-MM-DDTHH:MM:SS (default: now)"):
    return click.option("--as-of", "as_of", type=AS_OF_TYPE, default=None, help=help_text)


def profile_option(required: bool = True, help_text: str = "agency profile YAML"):
    return click.option("--profile", required=required, metavar="PROFILE.yaml", help=help_text)


def source_option(fn):
    return click.option("--source", required=True, metavar="PATH",
                        help="RMS extract: .xlsx workbook or folder of CSV files")(fn)


def month_options(out_required: bool):
    """--profile, --source, --month[, --out, --state], --as-of, --covers: the options of run and validate."""
    options = [profile_option(), source_option,
               click.option("--month", required=True, type=MONTH_TYPE, help="month to report, YYYY-MM")]
    if out_required:
        options += [click.option("--out", required=True, metavar="DIR", help="output folder"),
                    click.option("--state", default=None, metavar="LEDGER",
                                 help="ledger file (default: OUT/<agency_ori>/ledger.sqlite); the archive sits "
                                      "beside it")]
    else:
        options.append(click.option("--out", default=None, hidden=True))
    options += [as_of_option(), covers_option]
    return lambda fn: _apply(fn, options)


def state_options(fn):
    """Where a command finds the ledger: --state, or --out (with --profile to name the agency)."""
    return _apply(fn, [
        click.option("--out", default=None, metavar="DIR", help="output folder of the runs"),
        click.option("--state", default=None, metavar="LEDGER", help="ledger file (default: OUT/<agency_ori>/ledger.sqlite)"),
        profile_option(required=False, help_text="agency profile, to find the agency's ledger under --out"),
    ])


def ledger_path(out: str | None, state: str | None, profile: str | None) -> Path:
    """The ledger the options name: --state; else under --out, the agency of --profile's, or the only one."""
    if state:
        return ledger_file(state)
    if not out:
        raise UsageError("give --state LEDGER or --out DIR (with --profile to name the agency)")
    if profile:
        return agency_ledger(out, load_profile(Path(profile), load_reference()).agency_ori)
    found = sorted(Path(out).glob("*/ledger.sqlite"))
    if len(found) != 1:
        raise UsageError(f"{'no' if not found else 'several'} ledger(s) under {out}: give --state or --profile")
    return found[0]


def existing_ledger(out: str | None, state: str | None, profile: str | None) -> Path:
    path = ledger_path(out, state, profile)
    if not path.exists():
        raise UsageError(f"no ledger at {path}")
    return path


def format_option(choices: tuple[str, ...] = ("text", "json"), default: str = "text"):
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                        help="output format: text for people, json (one document on stdout) for scripts")


def uof_command(name: str, *examples: str, options=(), formats: tuple[str, ...] | None = ("text", "json"),
                default_format: str = "text"):
    """A `uof` command: its options, then --format (when it reports), then -v/-q/--debug, its Output first
    in its arguments, and the `Example:` section of its help."""
    def decorate(fn):
        fn = global_options(pass_output(fn))
        if formats:
            fn = format_option(formats, default_format)(fn)
        return click.command(name, context_settings=CONTEXT, epilog=example(*examples))(_apply(fn, list(options)))
    return decorate


# ----------------------------------------------------------------------------------------------- reports

def report_period_options(fn):
    """--month or --year, one of them (`report_period` checks), for a report of a month or a calendar year."""
    return _apply(fn, [
        click.option("--month", default=None, type=MONTH_TYPE, help="one month, YYYY-MM"),
        click.option("--year", default=None, type=YEAR_TYPE, help="a calendar year, YYYY: its months and the year"),
    ])


def report_period(month: str | None, year: str | None) -> str:
    if (month is None) == (year is None):
        raise UsageError("give --month YYYY-MM or --year YYYY (one of them)")
    return month or str(year)


def report_destination_options(fn):
    """Where a report is written: --out (required) and the agency's ledger (--state)."""
    return _apply(fn, [
        click.option("--out", required=True, metavar="DIR", help="output folder"),
        click.option("--state", default=None, metavar="LEDGER",
                     help="ledger file (default: OUT/<agency_ori>/ledger.sqlite)"),
    ])
