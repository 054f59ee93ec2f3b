"""`uof`: a thin command line over the flows. Parses arguments, calls a flow, prints, maps errors to exit codes.

Exit codes: 0 all emitted (or a zero report), 1 completed with rejections (or a backfill left out months its
extract does not cover), 2 nothing could be done (a monthly run for a month without incidents that its extract
does not cover included; a bad argument too). Errors and their codes: flows/errors.py (the one table),
docs/exit-codes.md. The commands live in the modules named in COMMANDS below, each imported only when its
command is used; shared options in flows/cli/options.py, output in flows/cli/render.py.
"""
from __future__ import annotations

import importlib
import os
import sys

import click

from flows.cli.options import CONTEXT, example, global_options
from flows.cli.render import Output
from flows.errors import ERROR_CODES, UofError, exit_code
from flows.version import tool_version

USAGE_EXIT = ERROR_CODES["UOF-USAGE"][0]


class _Carried(Exception):
    """A Ctrl-C or a closed pipe carried past click, which would turn them into its own exits."""

    def __init__(self, error: BaseException):
        super().__init__()
        self.error = error


# Command -> (module, attribute), in the order `uof --help` lists them (the order of a month's work). A command's
# module is imported when the command is run, completed or its help shown, not before: `uof run` does not pay
# for the imports of `uof state` or `uof check-submission` (issue 13; docs/decisions.md, 2026-12-02).
COMMANDS = {
    "run": ("flows.cli.run_commands", "run_command"),
    "validate": ("flows.cli.run_commands", "validate_command"),
    "backfill": ("flows.cli.run_commands", "backfill_command"),
    "mark-submitted": ("flows.cli.ledger_commands", "mark_submitted_command"),
    "history": ("flows.cli.ledger_commands", "history_command"),
    "replay": ("flows.cli.ledger_commands", "replay_command"),
    "verify": ("flows.cli.verify_command", "verify_command"),
    "archive": ("flows.cli.archive_commands", "archive_group"),
    "report": ("flows.cli.report_commands", "report_group"),
    "status": ("flows.cli.status_command", "status_command"),
    "schedule": ("flows.cli.schedule_command", "schedule_command"),
    "crosswalk": ("flows.cli.crosswalk_commands", "crosswalk_group"),
    "state": ("flows.cli.state_commands", "state_group"),
    "check-submission": ("flows.cli.check_command", "check_submission_command"),
}


class UofGroup(click.Group):
    """The commands of COMMANDS, listed in its order (not alphabetically), each loaded on first use (click's
    lazy-loading pattern: `list_commands` names them, `get_command` imports the one asked for)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, attribute = COMMANDS[cmd_name]
            # importlib, not an import statement: the one place flows/cli loads a module by name (the table above)
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] not in COMMANDS:  # a misspelt command: click suggests the close names among the
            for name in COMMANDS:  # loaded commands (`Did you mean 'run'?`), so every one is loaded first
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, BrokenPipeError) as exc:
            raise _Carried(exc) from exc


@click.group("uof", cls=UofGroup, context_settings=CONTEXT, epilog=example(
    "uof run --profile data/sample/agency.yaml --source data/sample/rms_extract.xlsx --month 2025-10 --out out/",
    "uof run --help"))
@click.version_option(tool_version(), "--version", prog_name="uof", message="%(prog)s %(version)s")
@global_options
def uof() -> None:
    """FBI National Use-of-Force Data Collection reporting.

    Exit codes: 0 done, 1 done with rejections (crosswalk check: unmapped codes), 2 an error (one line on
    stderr with its code, UOF-USAGE, UOF-CONFIG, ...), 3 status: a month is overdue, 130 interrupted, 141 the
    reader of stdout went away. See docs/exit-codes.md.
    """



def usage_line(error: click.UsageError) -> str:
    """A bad argument as one line naming the option, with the help to read."""
    message = " ".join(error.format_message().split())
    where = f" (see `{error.ctx.command_path} --help`)" if error.ctx is not None else ""
    return f"uof: error UOF-USAGE: {message}{where}"


def main(argv: list[str] | None = None) -> int:
    # Everything uof creates (outputs, ledger, archive, temporary files, Prefect's files) is its user's only.
    umask = os.umask(0o077)
    try:
        return _main(argv)
    finally:
        os.umask(umask)


def _main(argv: list[str] | None) -> int:
    ui = Output()
    try:
        try:
            code = uof.main(args=argv, prog_name="uof", standalone_mode=False, obj=ui)
        except _Carried as carried:
            raise carried.error from None
        sys.stdout.flush()  # a reader that went away shows here, not as a warning when Python exits
    except click.exceptions.NoArgsIsHelpError as exc:  # `uof` or `uof crosswalk` alone: the help, exit 2
        click.echo(exc.format_message(), err=True)
        return USAGE_EXIT
    except click.UsageError as exc:
        ui.error(usage_line(exc))
        return USAGE_EXIT
    except click.ClickException as exc:  # no other kind is raised today; kept one line all the same
        ui.error(f"uof: error UOF-USAGE: {' '.join(exc.format_message().split())}")
        return USAGE_EXIT
    except BrokenPipeError as exc:  # `uof history | head`: the reader has all it wanted; end quietly
        _silence_stdout()
        return exit_code(exc)
    except UofError as exc:  # one line with its stable code; the exit code comes from flows/errors.py
        ui.error(f"uof: error {exc.code}: {exc}")
        return exit_code(exc)
    except (KeyboardInterrupt, click.Abort) as exc:
        ui.error("uof: interrupted; no submission files were written")
        return exit_code(KeyboardInterrupt() if isinstance(exc, click.Abort) else exc)
    except Exception as exc:  # an internal bug: one line, no traceback unless asked
        if ui.debug:
            raise
        # The exception text may quote a value from the extract: only its type is shown by default.
        ui.error(f"uof: error UOF-INTERNAL: internal error ({type(exc).__name__}) — no submission files were "
                 "written; rerun with --debug for details and report it")
        return exit_code(exc)
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so nothing more (not even Python's final flush) fails on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is no real file (a test's StringIO): nothing to silence
        pass
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
