"""One error contract (flows/errors.py): typed errors with stable codes, exit codes from one table, the table in
docs/exit-codes.md, and nothing the user can cause ends in "internal error"."""
import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys

import pytest
import yaml

import flows
from flows import errors
from flows.errors import ENDS, ERROR_CODES, EXIT_CODES, OUTCOMES, ConfigError, UofError
from tests.conftest import AS_OF, REPO, incident, write_csv_extract, write_profile


def one_error_line(code, stderr, error_code, *fragments):
    assert code == EXIT_CODES[error_code] == 2, (code, stderr)
    assert stderr.count("\n") == 1 and stderr.startswith(f"uof: error {error_code}: "), stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    for fragment in fragments:
        assert str(fragment) in stderr, (fragment, stderr)


def run(run_cli, tmp_path, profile_text="", out=None, source=None):
    profile = write_profile(tmp_path / "cfg", profile_text)
    source = source or write_csv_extract(tmp_path / "x", incident())
    out = out or tmp_path / "out"
    return run_cli("run", "--profile", profile, "--source", source, "--month", "2025-10", "--out", out,
                   "--as-of", AS_OF)


# ----------------------------------------------------------------------------- the table and the docs

def doc_table() -> str:
    rows = [(code, name, meaning) for table in (OUTCOMES, ERROR_CODES, ENDS) for name, (code, meaning) in table.items()]
    lines = ["| exit code | code | meaning |", "| --- | --- | --- |"]
    return "\n".join(lines + [f"| {code} | `{name}` | {meaning.replace('|', chr(92) + '|')} |"
                              for code, name, meaning in rows])


def test_docs_exit_code_table_is_the_one_in_flows_errors():
    text = (REPO / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    assert doc_table() in text, "docs/exit-codes.md must carry this table:\n" + doc_table()
    assert {re.search(r"`([^`]+)`", line)[1] for line in doc_table().splitlines()[2:]} == set(EXIT_CODES)


def test_readme_links_the_exit_code_table():
    assert "docs/exit-codes.md" in (REPO / "README.md").read_text(encoding="utf-8")


def all_error_classes():
    for module in pkgutil.walk_packages(flows.__path__, "flows."):
        importlib.import_module(module.name)
    found, todo = [], [UofError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def test_every_typed_error_has_a_stable_user_facing_code():
    classes = all_error_classes()
    assert {c.__name__ for c in classes} >= {"UsageError", "ConfigError", "FatalInputError", "OutputError",
                                             "LedgerError", "LedgerBusy", "FileNumbersExhausted", "ReplayError"}
    wrong = [(c.__name__, c.code) for c in classes if c not in (UofError, errors.InternalError)
             and (c.code not in ERROR_CODES or c.code == "UOF-INTERNAL")]
    assert wrong == []


@pytest.mark.parametrize("error, expected", [
    (ConfigError("p.yaml", "bad"), 2), (errors.OutputError("out", "bad"), 2), (errors.LedgerError("x"), 2),
    (KeyboardInterrupt(), 130), (BrokenPipeError(), 141), (ValueError("bug"), 2),
])
def test_exit_code_comes_from_the_table(error, expected):
    assert errors.exit_code(error) == expected


# ----------------------------------------------------------------------------- the rule catalog

@pytest.mark.parametrize("spoil, fragments", [
    (lambda d: d["rules"][0].update(severity="fatal"), ["rule ACTION-REQUIRED", "severity must be one of"]),
    (lambda d: next(r for r in d["rules"] if r["id"] == "I7-LOV")["check"].update(table="incident.nope"),
     ["rule I7-LOV", "unknown code table 'incident.nope'"]),
    (lambda d: d["rules"].append(dict(d["rules"][0])), ["rule ACTION-REQUIRED", "duplicate id"]),
    (lambda d: d.update(extra=1), ["unknown top-level key(s): extra"]),
    (lambda d: d["rules"].append("not a rule"), ["is not a mapping"]),
])
def test_bad_rule_catalog_is_a_configuration_error_naming_file_and_rule(run_cli, tmp_path, monkeypatch,
                                                                        spoil, fragments):
    import flows.config.load

    schemas = tmp_path / "schemas"
    schemas.mkdir()
    data = yaml.safe_load((REPO / "schemas" / "catalog.yaml").read_text(encoding="utf-8"))
    spoil(data)
    (schemas / "catalog.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    defaults = flows.config.load.load_reference.__defaults__
    monkeypatch.setattr(flows.config.load.load_reference, "__defaults__", (defaults[0], schemas))
    code, _, stderr = run(run_cli, tmp_path, source=tmp_path / "not-read.xlsx")  # stops before any read
    one_error_line(code, stderr, "UOF-CONFIG", schemas / "catalog.yaml", *fragments)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.json"))


# ----------------------------------------------------------------------------- the profile

@pytest.mark.parametrize("text, key", [
    ("state_program: XX\n", "state_program"),
    ("state_program: Colorado\n", "state_program"),
    ("reporting_start: Jan 2024\n", "reporting_start"),
    ("reporting_start: 2024-13\n", "reporting_start"),
])
def test_state_program_and_reporting_start_are_checked_when_the_profile_loads(run_cli, tmp_path, text, key):
    code, _, stderr = run(run_cli, tmp_path, profile_text=text, source=tmp_path / "not-read.xlsx")
    one_error_line(code, stderr, "UOF-CONFIG", "agency.yaml", f"key '{key}'")


def test_a_known_state_program_still_runs(run_cli, tmp_path):
    from transforms.deadlines import DEFAULT_PROGRAM, PROGRAMS

    name = sorted(set(PROGRAMS) - {DEFAULT_PROGRAM})[0]
    code, _, stderr = run(run_cli, tmp_path, profile_text=f"state_program: {name}\nreporting_start: 2024-01\n")
    assert code == 0, stderr


# ----------------------------------------------------------------------------- the output folder

def test_out_naming_an_existing_file_is_an_output_error_before_any_read(run_cli, tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("keep me\n")
    code, _, stderr = run(run_cli, tmp_path, out=target, source=tmp_path / "not-read.xlsx")
    one_error_line(code, stderr, "UOF-OUTPUT", target, "is a file, not a folder")
    assert target.read_text() == "keep me\n"


def test_out_below_a_file_is_an_output_error(run_cli, tmp_path):
    (tmp_path / "report.txt").write_text("")
    code, _, stderr = run(run_cli, tmp_path, out=tmp_path / "report.txt" / "out", source=tmp_path / "nope")
    one_error_line(code, stderr, "UOF-OUTPUT", tmp_path / "report.txt", "is a file")


def unwritable_folder(tmp_path):
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o500)
        return folder
    return "/proc/uof-out"  # root may write anywhere but in /proc


def test_out_in_a_folder_uof_may_not_write_in_is_an_output_error(run_cli, tmp_path):
    folder = unwritable_folder(tmp_path)
    code, _, stderr = run(run_cli, tmp_path, out=folder, source=tmp_path / "not-read.xlsx")
    one_error_line(code, stderr, "UOF-OUTPUT", folder, "give --out a folder you may write in")


def test_state_in_a_folder_uof_may_not_write_in_is_an_output_error(run_cli, tmp_path):
    folder = unwritable_folder(tmp_path)
    profile = write_profile(tmp_path / "cfg")
    code, _, stderr = run_cli("run", "--profile", profile, "--source", tmp_path / "not-read", "--month", "2025-10",
                              "--out", tmp_path / "out", "--state", f"{folder}/ledger.sqlite", "--as-of", AS_OF)
    one_error_line(code, stderr, "UOF-OUTPUT", folder)


def test_a_ledger_folder_that_cannot_be_written_is_a_ledger_error(tmp_path):
    from flows.io.ledger import exclusive

    (tmp_path / "state").write_text("")
    with pytest.raises(errors.LedgerError, match="cannot be opened"):
        with exclusive(tmp_path / "state" / "ledger.sqlite"):
            pass


def test_backfill_checks_the_output_folder_first(run_cli, tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("")
    profile = write_profile(tmp_path / "cfg")
    code, _, stderr = run_cli("backfill", "--profile", profile, "--source", tmp_path / "nope", "--from", "2025-01",
                              "--to", "2025-02", "--out", target, "--as-of", AS_OF)
    one_error_line(code, stderr, "UOF-OUTPUT", target)


# ----------------------------------------------------------------------------- the archive

def test_archive_of_a_file_edited_during_the_run_is_a_configuration_error(tmp_path):
    from flows.io.archive import _verified

    path = tmp_path / "agency.yaml"
    path.write_text("agency_ori: PA0230100\n")
    with pytest.raises(ConfigError, match="changed while the run was using it") as err:
        _verified(path, "0" * 64)
    assert err.value.file == str(path)
    path.unlink()
    with pytest.raises(ConfigError, match="cannot be read again"):
        _verified(path, "0" * 64)


def test_archive_that_cannot_be_written_is_a_ledger_error(tmp_path):
    from flows.io.archive import _store

    (tmp_path / "archive").write_text("")  # a file where the archive folder should be
    with pytest.raises(errors.LedgerError, match="archive"):
        _store(tmp_path / "archive", b"data", "yaml")


# ----------------------------------------------------------------------------- the command line

def test_internal_error_is_one_line_with_its_code_and_no_value(run_cli, tmp_path, monkeypatch):
    import flows.cli.run_commands

    def boom(*args, **kwargs):
        raise ValueError("subject Jane Doe, 1 Main St")

    monkeypatch.setattr(flows.cli.run_commands, "run_month", boom)
    code, _, stderr = run(run_cli, tmp_path)
    assert code == 2 and stderr.startswith("uof: error UOF-INTERNAL: internal error (ValueError)")
    assert "Jane" not in stderr and stderr.count("\n") == 1


def test_a_closed_pipe_ends_quietly_in_process(run_cli, tmp_path, monkeypatch):
    import flows.cli.run_commands

    def reader_went_away(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(flows.cli.run_commands, "run_month", reader_went_away)
    code, stdout, stderr = run(run_cli, tmp_path)
    assert (code, stderr) == (EXIT_CODES["closed-pipe"], "")


def test_history_into_a_closed_pipe_ends_quietly(run_cli, tmp_path):
    code, _, stderr = run(run_cli, tmp_path)
    assert code == 0, stderr
    uof = shutil.which("uof", path=os.path.dirname(sys.executable))
    argv = [uof] if uof else [sys.executable, "-m", "flows.cli.main"]
    child = subprocess.Popen(argv + ["history", "--out", str(tmp_path / "out"), "--profile",
                                     str(tmp_path / "cfg" / "agency.yaml")],
                             cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # `| head -0`: the reader is gone before uof writes a line
    stderr = child.stderr.read().decode()
    child.wait(timeout=120)
    assert stderr == "" and child.returncode in (0, EXIT_CODES["closed-pipe"]), (child.returncode, stderr)


@pytest.mark.parametrize("where", ["file", "unwritable"])
def test_crosswalk_scaffold_out_dir_that_cannot_be_written_is_an_output_error(run_cli, tmp_path, where):
    source = write_csv_extract(tmp_path / "extract", incident(incidents__location_type="RES"))
    profile = write_profile(tmp_path / "cfg")
    if where == "file":
        out_dir = tmp_path / "skeletons.txt"
        out_dir.write_text("")
    else:
        out_dir = unwritable_folder(tmp_path)
    code, _, stderr = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source,
                              "--out-dir", out_dir)
    one_error_line(code, stderr, "UOF-OUTPUT", out_dir, "--out-dir")


def test_a_disk_that_fills_while_writing_is_an_output_error(run_cli, tmp_path, monkeypatch):
    import errno

    from flows.io.write import StagedFolder

    def full(self, name, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.staging / name))

    monkeypatch.setattr(StagedFolder, "write", full)
    code, _, stderr = run(run_cli, tmp_path)
    one_error_line(code, stderr, "UOF-OUTPUT", tmp_path / "out" / "PA0230100" / "2025-10", "No space left")
    assert not any((tmp_path / "out").rglob("*.json"))


def test_state_naming_a_file_that_is_not_a_ledger_is_refused_and_left_untouched(tmp_path, run_cli):
    from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile

    notes = tmp_path / "notes.txt"
    notes.write_text("x", encoding="utf-8")
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source",
                              write_csv_extract(tmp_path / "x", combined(incident("A-1"))), "--month", "2025-10",
                              "--out", tmp_path / "out", "--state", notes, "--as-of", AS_OF)
    assert code == 2 and "not a uof ledger" in stderr
    assert notes.read_text(encoding="utf-8") == "x"
