"""Shared fixtures: a small valid extract in canonical form, written as CSV or Excel on demand; the test run's
isolation (fast suite unless --slow, a private PREFECT_HOME, os.environ restored after every test)."""
from __future__ import annotations

import copy
import csv
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.prefect_server import prefect_server  # noqa: F401  (session fixture: one server per run)

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
REAL_EXPORTS = REPO.parent / "shared" / "real-exports"
AS_OF = "2025-11-05T09:30:00"

_ENV_AT_START = pytest.StashKey[tuple[dict, str]]()


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true",
                     help="also run the tests marked slow (a real Prefect server); without it, the fast suite")


def pytest_configure(config):
    """For the whole run: no PREFECT_* from the caller's shell (no API of theirs gets our flow runs), a
    private PREFECT_HOME, so nothing is written to the real ~/.prefect, and DO_NOT_TRACK (importing prefect
    otherwise starts its SDK telemetry). Set before any test imports prefect."""
    config.stash[_ENV_AT_START] = (dict(os.environ), tempfile.mkdtemp(prefix="uof-test-prefect-home-"))
    for key in [k for k in os.environ if k.startswith("PREFECT_")]:
        del os.environ[key]
    os.environ["PREFECT_HOME"] = config.stash[_ENV_AT_START][1]
    os.environ["DO_NOT_TRACK"] = "1"


def pytest_unconfigure(config):
    if _ENV_AT_START in config.stash:
        environ, home = config.stash[_ENV_AT_START]
        restore_environ(environ)
        shutil.rmtree(home, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    """Plain `pytest` is the fast suite; `--slow` (or an explicit -m expression) decides otherwise."""
    if config.getoption("--slow") or config.getoption("markexpr"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


def restore_environ(snapshot: Mapping[str, str]) -> None:
    """Make os.environ equal `snapshot` again: drop added variables, put back changed or removed ones."""
    for key in [k for k in os.environ if k not in snapshot]:
        del os.environ[key]
    for key, value in snapshot.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _restore_environ_after_test():
    """Tests and the code under test (e.g. flows' quiet_telemetry) may set variables directly; none leaks
    into the next test."""
    snapshot = dict(os.environ)
    yield
    restore_environ(snapshot)


BASE_INCIDENT = {
    "agency_case_number": "CASE-1", "incident_date": "2025-10-03", "incident_time_hours": "14",
    "incident_time_minutes": "30", "location_type": "13", "initial_contact_id": "TRAFFIC_STOP",
    "total_officers_involved": "1", "ambushed": "NO", "did_officer_approach": "YES",
    "senior_officer_present": "NO", "address_1": "100 Main St", "address_city": "Springfield",
    "address_state_id": "PA", "address_zip": "15445", "agency_officers_involved": "1",
    "incident_tickler_ids": "INJURY", "total_number_subjects": "1",
}
BASE_SUBJECT = {
    "agency_case_number": "CASE-1", "subject_id": "1", "race_ethnicity_ids": "W", "gender": "M", "age1": "30",
    "height1_feet": "5", "height1_inch": "10", "weight1": "180", "impairment": "NO", "resisted": "YES",
    "resistance_type_ids": "PHYSICAL", "threat_directed_at": "OFFICER", "armed": "NO",
    "force_type_ids": "PHYSICAL", "injury_type_ids": "OTHER_SERIOUS_INJURY", "charged": "YES",
}
BASE_OFFICER = {
    "agency_case_number": "CASE-1", "officer_id": "1", "race_ethnicity_ids": "W", "gender": "M", "age": "35",
    "height_feet": "6", "height_inch": "0", "weight": "200", "years_of_service": "10", "full_part_time": "YES",
    "officer_identifiable": "YES", "on_duty": "YES", "officer_injured": "NO", "shots_fired": "NO",
}


def incident(case: str = "CASE-1", **changes) -> dict[str, list[dict]]:
    """One valid incident (one subject, one officer) with `changes` as `table__column=value` edits."""
    tables = {"incidents": [dict(BASE_INCIDENT)], "subjects": [dict(BASE_SUBJECT)],
              "officers": [dict(BASE_OFFICER)]}
    for rows in tables.values():
        rows[0]["agency_case_number"] = case
    for key, value in changes.items():
        table, _, column = key.partition("__")
        tables[table][0][column] = value
    return tables


def combined(*extracts: dict[str, list[dict]]) -> dict[str, list[dict]]:
    out = {"incidents": [], "subjects": [], "officers": []}
    for extract in extracts:
        for table, rows in extract.items():
            out[table].extend(copy.deepcopy(rows))
    return out


def _columns(rows: list[dict], table: str) -> list[str]:
    base = {"incidents": BASE_INCIDENT, "subjects": BASE_SUBJECT, "officers": BASE_OFFICER}[table]
    names = list(rows[0]) if rows else list(base)
    for row in rows:
        names += [k for k in row if k not in names]
    return names


def write_csv_extract(folder: Path, tables: dict[str, list[dict]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        with open(folder / f"{table}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=_columns(rows, table))
            writer.writeheader()
            writer.writerows(rows)
    return folder


def write_xlsx_extract(path: Path, tables: dict[str, list[dict]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for table, rows in tables.items():
        sheet = workbook.create_sheet(table)
        names = _columns(rows, table)
        sheet.append(names)
        for row in rows:
            sheet.append([row.get(n) for n in names])
    workbook.save(path)
    return path


def write_profile(folder: Path, text: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "agency.yaml"
    path.write_text('agency_ori: "PA0230100"\n' + text, encoding="utf-8")
    return path


def values(series):
    """A Series as a list, NA as None (compact assertions)."""
    import pandas as pd

    return [None if pd.isna(v) else v for v in series.tolist()]


def sheet(rows: list[dict]):
    """A one-sheet export as read: text cells plus source file and row."""
    import pandas as pd

    frame = pd.DataFrame(rows).astype("str")
    frame["_source_file"] = "export.csv"
    frame["_source_row"] = range(2, len(frame) + 2)
    return frame


def write_export_csv(path: Path, rows: list[dict], header_repeat_at: int | None = None, repeated_header=None) -> Path:
    """A one-sheet export; the header may be repeated before row `header_repeat_at`, as paged exports do."""
    names = list(rows[0])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for i, row in enumerate(rows):
            if i == header_repeat_at:
                writer.writerow(repeated_header or names)
            writer.writerow([row.get(n) or "" for n in names])
    return path


@pytest.fixture
def run_cli(tmp_path):
    """Run `uof` in-process; returns (exit code, stdout, stderr)."""
    from flows.cli.main import main

    def _run(*args: str):
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])  # never SystemExit: a bad argument is exit code 2 too
        return code, out.getvalue(), err.getvalue()

    os.environ.pop("PREFECT_API_URL", None)
    return _run
