"""The command line people like (issue 10 item 4): --version, -v and -q that change what is printed, colour and
progress only on a terminal, `--format json` on every command that reports, one-line argument errors naming the
option, and a help with an example on every command."""
from __future__ import annotations

import contextlib
import io
import ast
import json
import shlex
import subprocess
import sys

import click
import pytest

import flows.cli.run_commands
from flows.cli.main import main, uof
from flows.cli.render import Output, console_for
from flows.pipeline import progress
from flows.version import tool_version
from tests.conftest import AS_OF, REPO, combined, incident, write_csv_extract, write_profile

ANSI = "\x1b["


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def month_args(tmp_path, tables=None, command="run", month="2025-10", out=True):
    source = write_csv_extract(tmp_path / "x", tables or incident("A-1"))
    args = [command, "--profile", write_profile(tmp_path / "cfg"), "--source", source, "--month", month,
            "--as-of", AS_OF]
    return args + (["--out", tmp_path / "out"] if out else [])


def rejected_extract():
    """A-1 valid; B-2 rejected for a gender no crosswalk maps (a value that must never reach the terminal)."""
    return combined(incident("A-1"), incident("B-2", subjects__gender="XQZ"))


# ------------------------------------------------------------------------------------ version and help

def test_version_prints_the_tool_version(run_cli):
    code, stdout, stderr = run_cli("--version")
    assert (code, stdout, stderr) == (0, f"uof {tool_version()}\n", "")


def subcommand(group: click.Group, name: str) -> click.Command | None:
    """A group's command as click finds it (`uof` loads each command's module on first use)."""
    return group.get_command(click.Context(group), name)


def all_commands(group: click.Group = uof, path: tuple[str, ...] = ()):
    for name in group.list_commands(click.Context(group)):
        command = subcommand(group, name)
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*path, name))


def option_names(command: click.Command) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)}


COMMANDS = list(all_commands())


def test_every_command_is_walked():
    assert {" ".join(path) for path, _ in COMMANDS} == {
        "run", "validate", "backfill", "mark-submitted", "history", "replay", "verify", "archive", "archive prune", "report", "report justice-counts", "report colorado", "report justice-counts-crime", "report illinois-mh",
        "status", "schedule", "crosswalk", "crosswalk scaffold", "crosswalk check", "check-submission",
            "state", "state backfill", "state run", "state status", "state verify"}


@pytest.mark.parametrize("path, command", [((), uof), *COMMANDS], ids=lambda p: " ".join(p) if isinstance(p, tuple) else None)
def test_every_help_has_a_purpose_and_a_real_example(run_cli, path, command):
    code, stdout, _ = run_cli(*path, "--help")
    assert code == 0 and stdout.startswith(f"Usage: uof {' '.join(path)}".rstrip())
    purpose = (command.help or "").strip().splitlines()[0]
    assert purpose.endswith(".") and purpose in " ".join(stdout.split("\n\n")[1].split())
    assert "\nExample:\n" in stdout.replace("  Example:", "Example:")
    examples = [shlex.split(line) for line in stdout.split("Example:", 1)[1].splitlines() if line.strip().startswith("uof ")]
    assert examples, stdout
    for words in examples:
        # the example names a real command path, and only options that command (or uof itself) has
        target, rest, group = uof, words[1:], uof
        while rest and isinstance(target, click.Group) and subcommand(target, rest[0]) is not None:
            target = subcommand(target, rest[0])
            rest = rest[1:]
        known = option_names(target) | option_names(group) | {"-h", "--help"}
        if path:  # a group's example shows one of its commands
            assert target is command or target in getattr(command, "commands", {}).values(), words
        assert [w for w in rest if w.startswith("-") and w not in known] == [], words


# `uof` imports a command's module only when that command is used (issue 13: a run's start-up); checked in a fresh
# interpreter, since this one has loaded every command by now.
LOADED = """
import sys
from flows.cli.main import main
code = main(sys.argv[1:])
print(sorted(m for m in sys.modules if m.startswith("flows.cli.")))
"""


def fresh_uof(*args: str) -> tuple[list[str], str]:
    """(the flows.cli modules loaded, stderr) after `uof ARGS` in a new interpreter."""
    done = subprocess.run([sys.executable, "-c", LOADED, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    return ast.literal_eval(done.stdout.strip().splitlines()[-1]), done.stderr


def test_a_command_loads_only_its_own_module():
    base = ["flows.cli.main", "flows.cli.options", "flows.cli.render"]
    assert fresh_uof("run", "--help")[0] == sorted([*base, "flows.cli.run_commands"])
    assert fresh_uof("history", "--help")[0] == sorted([*base, "flows.cli.ledger_commands"])
    assert fresh_uof("--version")[0] == base


def test_the_help_lists_every_command_in_the_order_of_a_months_work(run_cli):
    code, stdout, _ = run_cli("--help")
    listed = [line.split()[0] for line in stdout.split("Commands:\n", 1)[1].split("\n\n")[0].splitlines()]
    assert code == 0 and listed == ["run", "validate", "backfill", "mark-submitted", "history", "replay", "verify",
                                    "archive", "report", "status", "schedule", "crosswalk", "state",
                                    "check-submission"]
    assert [subcommand(uof, name).name for name in listed] == listed


def test_a_misspelt_command_still_gets_its_suggestion():
    loaded, stderr = fresh_uof("rnu")
    assert stderr == "uof: error UOF-USAGE: No such command 'rnu'. Did you mean 'run'? (see `uof --help`)\n"
    assert "flows.cli.state_commands" in loaded  # every command loaded, to find the close names


def test_global_flags_before_and_after_the_command(run_cli, tmp_path, monkeypatch):
    def bug(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(flows.cli.run_commands, "run_month", bug)
    args = month_args(tmp_path)
    code, _, stderr = run_cli(*args)
    assert code == 2 and "UOF-INTERNAL" in stderr and "Traceback" not in stderr
    for argv in (["--debug", *args], [*args, "--debug"]):
        with pytest.raises(ValueError, match="a bug"):
            main([str(a) for a in argv])


def test_interrupt_exits_130_with_one_line(run_cli, tmp_path, monkeypatch):
    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(flows.cli.run_commands, "run_month", ctrl_c)
    code, stdout, stderr = run_cli(*month_args(tmp_path))
    assert (code, stdout) == (130, "") and stderr == "uof: interrupted; no submission files were written\n"


# ------------------------------------------------------------------------------------ argument errors

@pytest.mark.parametrize("change, option", [
    (["--month", "2025-13"], "--month"),
    (["--as-of", "tomorrow"], "--as-of"),
    (["--covers", "2025-10..2025-13"], "--covers"),
    (["--format", "xml"], "--format"),
    (["--mnth", "2025-10"], "--mnth"),
])
def test_a_bad_argument_is_one_line_naming_the_option_exit_2(run_cli, tmp_path, change, option):
    code, stdout, stderr = run_cli(*month_args(tmp_path), *change)
    assert code == 2 and stdout == "" and stderr.count("\n") == 1, stderr
    assert stderr.startswith("uof: error UOF-USAGE: ") and option in stderr and "uof run --help" in stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_option_or_command_exits_2(run_cli, tmp_path):
    code, _, stderr = run_cli("run", "--source", tmp_path, "--month", "2025-10", "--out", tmp_path / "out")
    assert code == 2 and "'--profile'" in stderr and stderr.count("\n") == 1
    code, stdout, stderr = run_cli()
    assert code == 2 and stdout == "" and "Usage: uof" in stderr and "Commands:" in stderr
    code, _, stderr = run_cli("-v", "-q", "history", "--state", tmp_path / "l.sqlite")
    assert code == 2 and "exclude each other" in stderr


# ------------------------------------------------------------------------------------ -v and -q

def test_verbose_logs_steps_counts_and_timings_never_values(run_cli, tmp_path):
    args = month_args(tmp_path, rejected_extract(), command="validate", out=False)
    _, plain_out, plain_err = run_cli(*args)
    for argv in (["-v", *args], [*args, "--verbose"]):
        code, stdout, stderr = run_cli(*argv)
        assert code == 1 and stdout == plain_out
        log = stderr.removesuffix(plain_err)
        assert "uof: step read_extract took" in log and "uof: step validate_scope took" in log
        assert "uof: read incidents 2 row(s), subjects 2 row(s), officers 2 row(s)" in log
        assert "uof: checked 2 incident(s)" in log and "1 finding(s)" in log
        assert "uof: month 2025-10 (1/1) took" in log and "uof: done in" in log
        assert "XQZ" not in stderr and "100 Main St" not in stderr and "B-2" not in log
    assert plain_err == ""  # without -v: no log


def test_quiet_prints_only_errors_and_warnings(run_cli, tmp_path):
    args = month_args(tmp_path, rejected_extract())
    code, stdout, stderr = run_cli(*args, "-q")
    assert (code, stdout, stderr) == (1, "", "")  # the exit code tells the outcome; no summary
    loud = run_cli(*args, "--as-of", "2025-11-05T10:00:00")  # a rerun before upload: a warning, and a summary
    code, stdout, stderr = run_cli("-q", *args, "--as-of", "2025-11-05T11:00:00")
    assert loud[1].startswith("2025-10: 2 incident(s)") and "never marked submitted" in loud[2]
    assert code == 1 and stdout == "" and stderr.startswith("uof: warning: run 2025-10-00")
    assert "was never marked submitted" in stderr and stderr.count("\n") == 1
    code, stdout, stderr = run_cli(*args[:-2], "--out", tmp_path / "nowhere.txt", "--month", "2025-13", "-q")
    assert code == 2 and stdout == "" and "UOF-USAGE" in stderr  # errors still shown
    code, stdout, _ = run_cli(*month_args(tmp_path, command="validate", out=False), "-q", "--format", "json")
    assert code == 0 and json.loads(stdout)["exit_code"] == 0  # a document asked for is printed under -q too


# ------------------------------------------------------------------------------------ colour and progress

def test_no_escape_code_when_not_on_a_terminal(run_cli, tmp_path):
    args = month_args(tmp_path, rejected_extract())
    run_cli(*args)
    outputs = [run_cli(*args, "-v"), run_cli(*args[:-2], "--out", tmp_path / "x" / "incidents.csv"),
               run_cli(*args, "--month", "13")]
    assert [o[0] for o in outputs] == [1, 2, 2]
    assert all(ANSI not in o[1] + o[2] for o in outputs), outputs


def test_colour_only_on_a_terminal_and_not_under_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    plain, terminal = io.StringIO(), Terminal()
    for stream in (plain, terminal):
        ui = Output()
        ui._err = console_for(stream, stderr=True)
        ui.error("uof: error UOF-USAGE: bad")
        ui.warn("warning: careful")
    assert plain.getvalue() == "uof: error UOF-USAGE: bad\nuof: warning: careful\n"
    assert f"{ANSI}1;31m" in terminal.getvalue() and "uof: error UOF-USAGE: bad" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    no_color = Terminal()
    ui = Output()
    ui._err = console_for(no_color, stderr=True)
    ui.error("uof: error UOF-USAGE: bad")
    assert "31m" not in no_color.getvalue() and "uof: error UOF-USAGE: bad" in no_color.getvalue()


def run_on_terminal(argv) -> tuple[int, str, str]:
    """Run uof in-process with stderr a terminal (stdout a pipe)."""
    out, err = io.StringIO(), Terminal()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def test_progress_on_a_terminal_for_reading_checking_writing_and_each_month_of_a_backfill(tmp_path):
    source = write_csv_extract(tmp_path / "x", combined(incident("A-1"), incident("C-3", incidents__incident_date="2025-08-02")))
    args = ["backfill", "--profile", write_profile(tmp_path / "cfg"), "--source", source, "--from", "2025-08",
            "--to", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF]
    code, stdout, stderr = run_on_terminal(args)
    assert code == 0 and ANSI not in stdout and stdout.count("\n  -> ") == 3  # stdout, a pipe: plain text
    assert "month 2025-10 (3/3)" in stderr and "3/3" in stderr and "6/6" in stderr  # months and steps
    quiet = run_on_terminal([*args[:-4], "--out", tmp_path / "out2", "--as-of", AS_OF, "-q"])
    assert quiet == (0, "", "")


def test_progress_display_names_each_step_and_month():
    shown = Terminal()
    ui = Output()
    ui._err = console_for(shown, stderr=True)
    with ui.progress():
        for step in ("load_configuration", "read_extract", "validate_scope"):
            progress.report("step-started", step=step)
            progress.report("step-finished", step=step, seconds=0.0)
        for index, month in enumerate(("2025-09", "2025-10"), 1):
            progress.report("month-started", month=month, index=index, total=2)
            progress.report("month-finished", month=month, index=index, total=2, seconds=0.0)
    assert "month 2025-10 (2/2)" in shown.getvalue() and "2/2" in shown.getvalue()
    assert progress._listeners == []  # the display listens only while the command runs


# ------------------------------------------------------------------------------------ --format json

def test_run_and_backfill_json(run_cli, tmp_path):
    code, stdout, stderr = run_cli(*month_args(tmp_path, rejected_extract()), "--format", "json")
    doc = json.loads(stdout)
    assert code == 1 == doc["exit_code"] and doc["command"] == "run" and doc["run_id"] == "2025-10-001"
    assert doc["folder"] == str(tmp_path / "out" / "PA0230100" / "2025-10")
    assert doc["incidents"]["valid"] == 1 and doc["incidents"]["rejected"] == 1
    assert doc["finding_counts"]["errors"] == 1 and doc["finding_counts"]["by_rule"] == {"S3-LOV": 1}
    assert "XQZ" not in stdout and stderr == ""
    code, stdout, _ = run_cli("backfill", *month_args(tmp_path, rejected_extract())[1:5], "--from", "2025-09",
                              "--to", "2025-10", "--out", tmp_path / "out2", "--as-of", AS_OF, "--format", "json",
                              "--covers", "2025-09..2025-10")
    doc = json.loads(stdout)
    assert code == 1 == doc["exit_code"] and [m["month"] for m in doc["months"]] == ["2025-09", "2025-10"]
    assert [m["run_id"] for m in doc["months"]] == ["2025-09-001", "2025-10-001"]
    assert doc["months"][0]["incidents"]["zero_report"] == "AddOnly"


def test_validate_json_lists_findings_without_values(run_cli, tmp_path):
    tables = combined(rejected_extract(), incident("N-1", subjects__injury_type_ids="NONE", incidents__incident_tickler_ids=""))
    code, stdout, _ = run_cli(*month_args(tmp_path, tables, command="validate", out=False), "--format", "json")
    doc = json.loads(stdout)
    assert code == 1 and doc["command"] == "validate" and doc["run_id"] is None and doc["folder"] is None
    assert doc["findings"] == [{"agency_case_number": "B-2", "part": "subject 1", "element": "S3",
                                "rms_column": "gender", "rule_id": "S3-LOV", "severity": "error",
                                "message": doc["findings"][0]["message"]}]
    assert "'{value}'" in doc["findings"][0]["message"] and "XQZ" not in stdout
    assert doc["not_reportable"] == [{"agency_case_number": "N-1", "source_file": "incidents.csv", "source_row": 4}]
    assert doc["pending_review"] == []
    assert not (tmp_path / "out").exists()


def test_ledger_commands_json(run_cli, tmp_path):
    args = month_args(tmp_path)
    assert run_cli(*args)[0] == 0
    ledger = tmp_path / "out" / "PA0230100" / "ledger.sqlite"
    code, stdout, _ = run_cli("history", "--state", ledger, "--format", "json")
    doc = json.loads(stdout)
    assert code == 0 and [r["run_id"] for r in doc["runs"]] == ["2025-10-001"]
    assert doc["runs"][0]["status"] == "generated" and doc["runs"][0]["messages"][0]["agency_case_number"] == "A-1"
    assert doc["runs"][0]["messages"][0]["action"] == "AddOnly"
    code, stdout, _ = run_cli("history", "--state", ledger, "--status", "submitted", "--format", "json")
    assert code == 0 and json.loads(stdout)["runs"] == []
    code, stdout, _ = run_cli("mark-submitted", "2025-10-001", "--state", ledger, "--format", "json")
    doc = json.loads(stdout)
    assert code == 0 and (doc["run_id"], doc["month"], doc["messages_marked"]) == ("2025-10-001", "2025-10", 1)
    code, stdout, _ = run_cli("replay", "2025-10-001", "--out", tmp_path / "out", "--format", "json")
    doc = json.loads(stdout)
    assert code == 0 and doc["identical"] is True and doc["differences"] == [] and doc["compared"]
    code, stdout, _ = run_cli("status", "--profile", tmp_path / "cfg" / "agency.yaml", "--state", ledger,
                              "--as-of", "2025-11-10T00:00:00", "--format", "json")
    doc = json.loads(stdout)
    assert code == doc["exit_code"] and doc["months"][-1]["month"] == "2025-10"
    assert doc["months"][-1]["status"] == "submitted"


def test_crosswalk_json(run_cli, tmp_path):
    source = write_csv_extract(tmp_path / "x", rejected_extract())
    profile = write_profile(tmp_path / "cfg")
    code, stdout, _ = run_cli("crosswalk", "check", "--profile", profile, "--source", source, "--format", "json")
    doc = json.loads(stdout)
    assert code == 1 == doc["exit_code"] and doc["crosswalks"] == 0
    assert {(u["table"], u["column"], u["local_code"], u["rows"]) for u in doc["unmapped"]} == {
        ("subjects", "gender", "XQZ", 1)}
    code, stdout, _ = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source, "--element",
                              "gender", "--format", "json")
    doc = json.loads(stdout)
    assert code == 0 and [(c["table"], c["column"]) for c in doc["columns"]] == [("subjects", "gender"),
                                                                                   ("officers", "gender")]
    assert {c["local_code"]: c["rows"] for c in doc["columns"][0]["codes"]} == {"M": 1, "XQZ": 1}
    assert [w["to_fill"] for w in doc["written"]] == [1] and (tmp_path / "cfg" / "crosswalks.scaffold").is_dir()


def test_scaffold_takes_several_elements_after_one_element_option(run_cli, tmp_path):
    source = write_csv_extract(tmp_path / "x", rejected_extract())
    profile = write_profile(tmp_path / "cfg")
    code, stdout, _ = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source, "--element",
                              "gender", "location_type", "--format", "json")
    assert code == 0 and {c["column"] for c in json.loads(stdout)["columns"]} == {"gender", "location_type"}
