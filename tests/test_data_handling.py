"""Issue 11 item 3: what a run writes is private (0600 files, 0700 folders), temporary files stay inside the
output or state folder, and a cell's text can neither run as a formula nor break the workbook."""
from __future__ import annotations

import stat
import tempfile
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from flows.io.write import as_text_cells
from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile


def modes_that_are_not_private(*roots) -> list[tuple[str, str]]:
    wrong = []
    for root in roots:
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            want = 0o700 if path.is_dir() else 0o600
            if mode != want:
                wrong.append((str(path.relative_to(root.parent)), oct(mode)))
    return wrong


def test_everything_a_run_backfill_and_rerun_write_is_private(run_cli, tmp_path):
    profile = write_profile(tmp_path / "cfg")
    first = write_csv_extract(tmp_path / "x1", combined(incident("A-1"), incident("B-2")))
    second = write_csv_extract(tmp_path / "x2", combined(incident("A-1", incidents__location_type="20")))
    out, state = tmp_path / "out", tmp_path / "state"
    state.mkdir(mode=0o700)
    for args in (["backfill", "--from", "2025-09", "--to", "2025-10", "--covers", "2025-09..2025-10"],
                 ["run", "--month", "2025-10"]):
        for source in (first, second):
            code, _, stderr = run_cli(*args, "--profile", profile, "--source", source, "--out", out,
                                      "--state", state, "--as-of", AS_OF)
            assert code in (0, 1), stderr
    assert (out / "PA0230100" / "2025-10" / "history").exists()  # reruns moved files to history
    assert modes_that_are_not_private(out, state) == []


def test_the_privacy_check_can_fail(tmp_path):
    (tmp_path / "f").write_text("x")
    (tmp_path / "f").chmod(0o644)
    assert modes_that_are_not_private(tmp_path) != []


def test_no_temporary_file_outside_the_output_folder(run_cli, tmp_path, monkeypatch):
    """openpyxl writes each sheet to a temporary file: it must not land in the system temp folder."""
    import openpyxl.worksheet._writer as sheet_writer

    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    used = []
    original = sheet_writer.create_temporary_file

    def spy(*args, **kwargs):
        used.append(tempfile.gettempdir())
        return original(*args, **kwargs)

    monkeypatch.setattr(sheet_writer, "create_temporary_file", spy)
    source = write_csv_extract(tmp_path / "x", incident("A-1", incidents__location_type="99"))
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                              "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 1, stderr
    assert used and all(str(tmp_path / "out") in folder for folder in used)
    assert list(system_temp.iterdir()) == [] and tempfile.tempdir == str(system_temp)
    assert not list((tmp_path / "out").rglob(".uof-tmp-*"))


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\uff1dHYPERLINK(\"x\")", "\uff0b1", "\uff20A"])
def test_formula_prefixes_are_neutralised_in_csv(text):
    assert as_text_cells(pd.DataFrame({"value": [text]}))["value"].tolist() == ["'" + text]


def test_a_control_character_in_a_cell_neither_breaks_the_workbook_nor_leaves_half_a_month(run_cli, tmp_path):
    """A NUL byte is refused at reading (tests/test_bad_inputs.py); the other control characters xlsx cannot
    hold reach the workbook as U+FFFD, the CSV keeping them."""
    source = write_csv_extract(tmp_path / "x", incident("A-1", incidents__location_type="9\x019"))
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                              "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 1, stderr
    folder = tmp_path / "out" / "PA0230100" / "2025-10"
    book = load_workbook(folder / "rejections.xlsx")
    values = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert "9\ufffd9" in values
    assert zipfile.is_zipfile(folder / "rejections.xlsx")


def test_debug_says_it_may_show_personal_data(run_cli, tmp_path):
    code, _, stderr = run_cli("--debug", "history", "--state", tmp_path / "none.sqlite")
    assert code == 2 and "--debug" in stderr and "personal data" in stderr


def test_an_internal_error_in_a_prefect_run_withholds_its_text():
    from flows.errors import InternalError
    from flows.pipeline.engine import _withheld, show_values_in_errors

    def step_that_fails():
        raise ValueError("Jane Doe, 1990-01-01")

    show_values_in_errors(False)  # as a command without --debug sets it
    with pytest.raises(InternalError) as caught:
        _withheld(step_that_fails)()
    assert "Jane Doe" not in str(caught.value) and "ValueError" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    show_values_in_errors(True)
    try:
        with pytest.raises(ValueError, match="Jane Doe"):
            _withheld(step_that_fails)()
    finally:
        show_values_in_errors(False)


def test_prefect_home_is_made_private(tmp_path, monkeypatch):
    from flows.pipeline.engine import private_prefect_home

    home = tmp_path / "prefect-home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    monkeypatch.setenv("PREFECT_HOME", str(home))
    private_prefect_home()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_files_a_command_creates_are_private_whatever_the_umask(run_cli, tmp_path):
    import os

    old = os.umask(0o022)
    try:
        source = write_csv_extract(tmp_path / "x", incident("A-1"))
        code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                                  "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    finally:
        assert os.umask(old) == 0o022  # restored after the command
    assert code == 0, stderr
    assert modes_that_are_not_private(tmp_path / "out") == []


def test_a_cell_longer_than_excel_allows_is_cut_in_the_workbook_and_whole_in_the_csv(run_cli, tmp_path):
    long = "X" * 40_000
    source = write_csv_extract(tmp_path / "x", incident("A-1", incidents__address_1=long))
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source", source,
                              "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 1, stderr
    folder = tmp_path / "out" / "PA0230100" / "2025-10"
    values = [c.value for sheet in load_workbook(folder / "rejections.xlsx") for row in sheet.iter_rows()
              for c in row if isinstance(c.value, str) and c.value.startswith("XXX")]
    assert values and all(len(v) <= 32_767 and v.endswith("rejections.csv)") for v in values)
    assert long in (folder / "rejections.csv").read_text()


def test_the_flow_body_takes_the_parameters_as_prefect_passes_them():
    """Prefect binds a flow's parameters to the wrapped function's signature and passes them positionally
    where it can (the slow Prefect tests caught a body that took keywords only)."""
    from prefect.utilities.callables import call_with_parameters

    from flows.pipeline.engine import engine_name, flow_body

    def body(profile, source, month="2025-10", write=True):
        return (profile, source, month, write, engine_name())

    assert call_with_parameters(flow_body(body), {"profile": "p", "source": "s", "month": "2025-09"}) == (
        "p", "s", "2025-09", True, "prefect")
