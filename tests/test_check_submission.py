"""`uof check-submission`: the catalog's mutants rejected as JSON, the project's own files accepted, a vendor zip
with mixed messages, unreadable inputs, the ledger rules and the structure rules of a service message."""
from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from flows.io.submission_files import Inputs
from flows.pipeline.check_submission import Submitter, checked
from tests.test_catalog_rules import (
    AS_OF, CATALOG, ELEMENTS, MUTATIONS, SCHEMA_RULE_IDS, baseline, expected, mutated,
)
from transforms.messages import incident_messages, remove_message, zero_report_message
from transforms.submission_check import ZipFacts, message_outcomes
from transforms.submission_frames import ParsedFile, submission_frames

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PROFILE = ROOT / "data" / "sample" / "agency.yaml"
SAMPLE_EXTRACT = ROOT / "data" / "sample" / "rms_extract.xlsx"
SAMPLE_AS_OF = "2025-11-05T09:30:00"
SUBMITTER = Submitter(agency_oris=("TORI01201",), reporting_agency_ori="TORI01201")
STAMP = "TORI01201_20240315_1000"
PAIRS = {e["name"] for e in ELEMENTS["incident"] if e["type"] == "agencies"}

# Non-engine catalog rules a JSON service message cannot break at all, with the reason. Every rule of the catalog
# reads element values the message carries (the date as written included: I3-VALID-DATE reads it as the raw text),
# so none is left out; the test below keeps this list exact.
NOT_IN_JSON: dict[str, str] = {}
# Findings a mutant gives as JSON besides the rule the frame test expects, and why.
EXTRA = {
    "I4-FORMAT": {"FILE-NAME-ORI"},  # 'TORI-1201' cannot name a file: the file keeps the submitter's ORI
}


def files_of(messages: dict[str, object], submission: str = "") -> list[ParsedFile]:
    """Parsed files (name -> JSON value) as flows/io/submission_files.py hands them over."""
    return [ParsedFile(source=name, name=name, submission=submission, payload=json.loads(json.dumps(payload)))
            for name, payload in messages.items()]


def check(files: list[ParsedFile], zips=(), submitter=SUBMITTER, as_of=AS_OF, history=None):
    frames, findings, _ = checked(Inputs(files=files, zips=list(zips)), as_of, submitter, history)
    return frames, findings


def rules_by_file(findings: pd.DataFrame) -> list[tuple[str, str]]:
    return sorted(set(zip(findings["source_file"], findings["rule_id"])))


# ---- the catalog's mutants, as JSON --------------------------------------------------------------------------

def _child_position(frame: pd.DataFrame, id_column: str) -> dict[int, int]:
    """Baseline row -> position in the message's list (transforms/messages.py orders by id, then row)."""
    order = frame.assign(_o=pd.to_numeric(frame[id_column], errors="coerce")).sort_values(["_o", "_row"], kind="stable")
    return {int(row): i for i, row in enumerate(order["_row"])}


def _same(got, want) -> bool:
    """The same cell, an integer written 05 in the frame being 5 in JSON."""
    if got == want:
        return True
    return got is not None and want is not None and got.isdigit() and want.isdigit() and int(got) == int(want)


def _read_back(message: dict) -> dict[str, pd.DataFrame]:
    frames = submission_frames(files_of({"m.json": message}), ELEMENTS, CATALOG.by_id)
    return {"incident": frames.incidents, "subject": frames.subjects, "officer": frames.officers}


def mutant_messages(mutation: dict) -> tuple[dict, dict, bool]:
    """(incident message, zero-report message, edited directly) of one mutant of the baseline.

    Built by the project's writer (transforms/messages.py); a cell the writer cannot carry (text in an integer
    element, a boolean that is not one, a date that is not real, an estimate flag beside PENDING) is then written
    into the JSON directly, as a vendor's file could hold it.
    """
    frames = mutated(baseline(), mutation)
    message = incident_messages(frames["incident"], frames["subject"], frames["officer"], ELEMENTS, "Add", AS_OF)[0]
    for column, value in ((mutation.get("message") or {}).get(0) or {}).items():
        message[column] = value
    direct = False
    back = _read_back(message)
    for segment in ("incident", "subject", "officer"):
        mine = frames[segment]
        positions = _child_position(mine, f"{segment}_id") if segment != "incident" else {0: 0}
        columns = [e["name"] for e in ELEMENTS[segment] if e["name"] not in PAIRS] + (
            ["_incident_date_raw"] if segment == "incident" else [])
        for row in mine["_row"]:
            position = positions[int(row)]
            for column in columns:
                value = mine.loc[row, column]
                want = None if pd.isna(value) else str(value)
                got = back[segment].iloc[position][column]
                if _same(None if pd.isna(got) else got, want):
                    continue
                element = "incident_date" if column == "_incident_date_raw" else column
                target = message["Incident"] if segment == "incident" else message["Incident"][segment + "s"][position]
                target[element] = want
                direct = True
    zero = zero_report_message("TORI01201", "2024-01", "Add", AS_OF)
    for column, value in ((mutation.get("zero_report") or {}).get(0) or {}).items():
        zero["ZeroReport"][column] = value
        direct = True
    return message, zero, direct


@pytest.fixture(scope="module")
def mutant_results():
    """Every mutant as its own submission (an incident file and a zero-report file), checked in one pass."""
    files, owner, direct = [], {}, set()
    for n, (rule_id, mutation) in enumerate(MUTATIONS.items()):
        message, zero, edited = mutant_messages(mutation)
        if edited:
            direct.add(rule_id)
        i4 = message["Incident"].get("reporting_agency_ori")
        ori = i4 if isinstance(i4, str) and len(i4) == 9 and i4.isalnum() and i4.isupper() else "TORI01201"
        names = [f"{ori}_20240315_1000_{2 * n + 1:04d}.json", f"TORI01201_20240315_1000_{2 * n + 2:04d}.json"]
        files += files_of(dict(zip(names, (message, zero))), submission=rule_id)
        owner.update({name: rule_id for name in names})
    frames, findings = check(files)
    found: dict[str, set] = {rule_id: set() for rule_id in MUTATIONS}
    for source, rule_id in zip(findings["source_file"], findings["rule_id"]):
        found[owner[source]].add(rule_id)
    outcomes = message_outcomes(frames, findings)
    rejected = {owner[f] for f, s in zip(outcomes["file"], outcomes["status"]) if s == "rejected"}
    return found, rejected, direct


@pytest.mark.parametrize("rule_id", [r for r in SCHEMA_RULE_IDS if r not in NOT_IN_JSON])
def test_every_mutant_as_json_is_rejected_with_its_rule(rule_id, mutant_results):
    found, rejected, _ = mutant_results
    wanted = {rule for _, _, _, rule in expected(rule_id, MUTATIONS[rule_id])} | EXTRA.get(rule_id, set())
    assert found[rule_id] - {"MSG-VALUE-TYPE"} == wanted
    assert (rule_id in rejected) == (CATALOG.by_id[rule_id].severity == "error" or bool(EXTRA.get(rule_id)))


def test_only_the_listed_rules_cannot_be_expressed_in_json(mutant_results):
    found, _, _ = mutant_results
    skipped = {r for r in SCHEMA_RULE_IDS if r not in found or r not in found[r]}
    assert skipped == set(NOT_IN_JSON)


def test_most_mutants_are_built_by_the_projects_own_writer(mutant_results):
    _, _, direct = mutant_results
    assert "S5-RANGE" in direct and "S6-VS-S7" in direct and "I3-VALID-DATE" in direct  # the writer cannot carry them
    assert "I7-LOV" not in direct and "S25-ALONE" not in direct
    assert len(direct) < len(MUTATIONS) / 3


def test_valid_baseline_is_accepted():
    message, zero, _ = mutant_messages({})
    _, findings = check(files_of({f"{STAMP}_0001.json": message, f"{STAMP}_0002.json": zero}))
    assert rules_by_file(findings) == []


# ---- the project's own files -----------------------------------------------------------------------------------

def uof(*args) -> tuple[int, str, str]:
    import contextlib

    from flows.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def sample_backfill(tmp_path_factory):
    out = tmp_path_factory.mktemp("backfill")
    code, _, err = uof("backfill", "--profile", SAMPLE_PROFILE, "--source", SAMPLE_EXTRACT, "--from", "2025-07",
                       "--to", "2025-10", "--out", out, "--as-of", SAMPLE_AS_OF)
    assert code == 1, err  # the sample's 2025-07 and 2025-10 hold deliberate errors: the valid incidents are emitted
    return out / "PA0230100"


def emitted(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".json", ".zip") and p.name != "manifest.json")


@pytest.mark.parametrize("month", ["2025-07", "2025-08", "2025-09", "2025-10"])
@pytest.mark.parametrize("with_profile", [True, False])
def test_every_file_the_project_emits_checks_clean(sample_backfill, month, with_profile):
    files = emitted(sample_backfill / month)
    assert any(p.suffix == ".zip" for p in files) and any(p.suffix == ".json" for p in files)
    extra = ["--profile", SAMPLE_PROFILE, "--out", sample_backfill.parent] if with_profile else []
    code, stdout, err = uof("check-submission", *files, *extra, "--as-of", SAMPLE_AS_OF, "--format", "json")
    doc = json.loads(stdout)
    assert (code, doc["errors"], doc["warnings"], doc["findings"]) == (0, 0, 0, []), err
    kinds = {f["kind"] for f in doc["files"]}
    assert kinds == ({"zero_report"} if month == "2025-08" else {"incident"})
    assert doc["messages"]["read"] == 2 * (len(files) - 1)  # every JSON file once loose and once in the zip
    assert ("I1-NOT-PROFILE" in {s["rule_id"] for s in doc["skipped_rules"]}) != with_profile


def test_a_month_folder_is_checked_without_its_manifest(sample_backfill):
    code, stdout, _ = uof("check-submission", sample_backfill / "2025-09", "--as-of", SAMPLE_AS_OF, "--format", "json")
    doc = json.loads(stdout)
    assert code == 0 and str(sample_backfill / "2025-09" / "manifest.json") in doc["ignored"]


# ---- a vendor's zip ------------------------------------------------------------------------------------------------

def incident_message(case: str, **changes) -> dict:
    frames = baseline()
    frames["incident"].loc[0, "agency_case_number"] = case
    for seg in ("subject", "officer"):
        frames[seg]["agency_case_number"] = case
    for column, value in changes.items():
        frames["incident"].loc[0, column] = value
    return incident_messages(frames["incident"], frames["subject"], frames["officer"], ELEMENTS, "AddOnly", AS_OF)[0]


def write_zip(path: Path, members: list[tuple[str, bytes]], method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def as_bytes(message) -> bytes:
    return json.dumps(message, indent=2).encode()


def vendor_zip(folder: Path) -> Path:
    members = [
        (f"{STAMP}_0001.json", as_bytes(incident_message("UOF-2024-0001"))),
        (f"{STAMP}_0002.json", as_bytes(incident_message("UOF-2024-0002"))),
        (f"{STAMP}_0003.json", as_bytes(incident_message("UOF-2024-0003", location_type="22"))),  # I7-LOV
        ("incident 4.json", as_bytes(incident_message("UOF-2024-0004"))),  # bad file name
        ("readme.txt", b"exported by RMS 9.1"),  # not a service message
        (f"{STAMP}_0005.json", as_bytes(incident_message("UOF-2024-0001"))),  # the first incident again
        (f"{STAMP}_0006.json", b'{"Action": "Add", "ActionTime": "03/15/2024 10:00:00", "Incident": {'),  # cut short
    ]
    return write_zip(folder / "vendor_batch.zip", members)


def test_vendor_zip_with_mixed_messages(tmp_path):
    archive = vendor_zip(tmp_path)
    reports = tmp_path / "reports"
    code, stdout, err = uof("check-submission", archive, "--as-of", "2024-03-15T10:00:00", "--report-dir", reports,
                            "--format", "json")
    doc = json.loads(stdout)
    z = str(archive)
    assert code == 1, err
    assert sorted({(f["file"], f["rule_id"]) for f in doc["findings"]}) == sorted([
        (f"{z}:{STAMP}_0001.json", "SUB-DUPLICATE"),
        (f"{z}:{STAMP}_0003.json", "I7-LOV"),
        (f"{z}:incident 4.json", "FILE-NAME"),
        (f"{z}:readme.txt", "ZIP-MEMBER"),
        (f"{z}:{STAMP}_0005.json", "SUB-DUPLICATE"),
        (f"{z}:{STAMP}_0006.json", "FILE-JSON"),
    ])
    status = {(f["file"].rsplit(":", 1)[1], f["status"]) for f in doc["files"]}
    assert status == {(f"{STAMP}_0001.json", "rejected"), (f"{STAMP}_0002.json", "valid"),
                      (f"{STAMP}_0003.json", "rejected"), ("incident 4.json", "rejected"),
                      (f"{STAMP}_0005.json", "rejected")}
    assert doc["messages"] == {"read": 5, "incidents": 5, "zero_reports": 0, "valid": 1, "rejected": 4}
    assert all("value" not in f and "message" not in f for f in doc["findings"])  # stdout: never a value
    assert "line 1" in next(f for f in json.loads((reports / "check-submission.json").read_text())["findings"]
                            if f["rule_id"] == "FILE-JSON")["value"]
    # the report files: whole, private, the workbook's incident sheet holding the I7 cell
    assert stat.S_IMODE(reports.stat().st_mode) == 0o700
    for name in ("check-submission.json", "check-submission.xlsx"):
        assert stat.S_IMODE((reports / name).stat().st_mode) == 0o600
    report = json.loads((reports / "check-submission.json").read_text())
    assert report["exit_code"] == 1 and {f["rule_id"] for f in report["findings"]} >= {"I7-LOV", "FILE-JSON"}
    assert next(f for f in report["findings"] if f["rule_id"] == "I7-LOV")["value"] == "22"
    from openpyxl import load_workbook

    book = load_workbook(reports / "check-submission.xlsx")
    assert {"summary", "incidents"} <= set(book.sheetnames)
    assert sorted(p.name for p in reports.iterdir()) == ["check-submission.json", "check-submission.xlsx"]


def test_text_output_never_shows_a_value(tmp_path):
    code, stdout, _ = uof("check-submission", vendor_zip(tmp_path), "--as-of", "2024-03-15T10:00:00")
    assert code == 1 and "I7-LOV" in stdout and "'22'" not in stdout and "exported by" not in stdout


@pytest.mark.parametrize("make, words", [
    (lambda d: d / "missing.json", "does not exist"),
    (lambda d: (d / "corrupt.zip").write_bytes(b"PK\x03\x04 this is no zip at all") and d / "corrupt.zip",
     "is not a readable zip file"),
    (lambda d: _crc_broken(d / "crc.zip"), "cannot be extracted"),
    (lambda d: d / "empty", "holds no .json or .zip file"),
])
def test_unreadable_input_exits_2_with_one_line_and_writes_nothing(tmp_path, make, words):
    (tmp_path / "empty").mkdir()
    path = make(tmp_path)
    reports = tmp_path / "reports"
    code, stdout, err = uof("check-submission", path, "--report-dir", reports)
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1, err
    assert "UOF-INPUT" in err and words in err and str(path) in err
    assert not reports.exists()


def _crc_broken(path: Path) -> Path:
    write_zip(path, [(f"{STAMP}_0001.json", as_bytes(incident_message("UOF-2024-0001")))], zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    at = data.index(b'"Action"')
    data[at + 1] = ord("a")  # the stored content no longer matches its CRC
    path.write_bytes(bytes(data))
    return path


# ---- the ledger ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """A real `uof run` of the sample's 2025-07 (incidents) and 2025-08 (zero report) into a fresh folder."""
    out = tmp_path_factory.mktemp("run")
    for month in ("2025-07", "2025-08"):
        code, _, err = uof("run", "--profile", SAMPLE_PROFILE, "--source", SAMPLE_EXTRACT, "--month", month,
                           "--out", out, "--as-of", SAMPLE_AS_OF)
        assert code in (0, 1), err
    return out


def _sent_message(out: Path) -> dict:
    first = next(p for p in emitted(out / "PA0230100" / "2025-07") if p.suffix == ".json")
    return json.loads(first.read_text())


@pytest.mark.parametrize("case, rules, code", [
    ("addonly-again", ["LEDGER-ADDONLY-SENT"], 0),
    ("add-update", [], 0),
    ("remove-sent", [], 0),
    ("remove-never-sent", ["LEDGER-REMOVE-NOT-SENT"], 1),
    ("zero-report-month-with-incidents", ["Z2-WITH-INCIDENTS"], 1),
    ("zero-report-again", ["LEDGER-ADDONLY-SENT"], 0),
    ("zero-report-remove-never-sent", ["LEDGER-REMOVE-NOT-SENT"], 1),
])
def test_ledger_rules_against_a_real_run(sample_run, tmp_path, case, rules, code):
    sent = _sent_message(sample_run)
    key = sent["Incident"]
    when = pd.Timestamp(SAMPLE_AS_OF) + pd.Timedelta(days=1)
    iso = f"{key['incident_date'][6:]}-{key['incident_date'][:2]}-{key['incident_date'][3:5]}"
    message = {
        "addonly-again": sent,
        "add-update": dict(sent, Action="Add"),
        "remove-sent": remove_message(key["agency_ori"], iso, key["agency_case_number"], when),
        "remove-never-sent": remove_message(key["agency_ori"], iso, "NEVER-SENT-1", when),
        "zero-report-month-with-incidents": zero_report_message("PA0230100", "2025-07", "AddOnly", when),
        "zero-report-again": zero_report_message("PA0230100", "2025-08", "AddOnly", when),
        "zero-report-remove-never-sent": zero_report_message("PA0230100", "2025-09", "Remove", when),
    }[case]
    path = tmp_path / "PA0230100_20251106_0930_0900.json"
    path.write_text(json.dumps(message))
    args = ["check-submission", path, "--profile", SAMPLE_PROFILE, "--as-of", "2025-11-06T09:30:00", "--format", "json"]
    found_code, stdout, err = uof(*args, "--out", sample_run)
    doc = json.loads(stdout)
    assert ([f["rule_id"] for f in doc["findings"]], found_code) == (rules, code), err
    state_code, stdout, _ = uof(*args, "--state", sample_run / "PA0230100" / "ledger.sqlite")
    assert [f["rule_id"] for f in json.loads(stdout)["findings"]] == rules and state_code == code
    _, stdout, _ = uof(*args)  # no ledger: only what the inputs show
    assert [f["rule_id"] for f in json.loads(stdout)["findings"]] == []


def test_a_missing_ledger_is_an_error_not_a_silent_skip(tmp_path):
    path = tmp_path / f"{STAMP}_0001.json"
    path.write_text(json.dumps(incident_message("UOF-2024-0001")))
    code, _, err = uof("check-submission", path, "--state", tmp_path / "nothing.sqlite")
    assert code == 2 and "no ledger" in err


# ---- structure, names and zips ------------------------------------------------------------------------------------

def _valid() -> dict:
    return incident_message("UOF-2024-0001")


def _edited(edit) -> dict:
    message = _valid()
    edit(message)
    return message


@pytest.mark.parametrize("payload, rules", [
    (_valid(), []),
    ([_valid(), _valid()], ["MSG-ONE-PER-FILE", "SUB-DUPLICATE"]),
    ({"Action": "Add", "ActionTime": "03/15/2024 10:00:00"}, ["MSG-PAYLOAD"]),
    (dict(_valid(), ZeroReport={"agency_ori": "TORI01201", "month_year": "01/2024"}), ["MSG-PAYLOAD"]),
    ("just text", ["MSG-PAYLOAD"]),
    (_edited(lambda m: m["Incident"].update(Location_Type="13")), ["MSG-UNKNOWN-KEY"]),
    (_edited(lambda m: m.update(Comment="x")), ["MSG-UNKNOWN-KEY"]),
    (_edited(lambda m: m["Incident"]["other_agencies_involved"][0].update(name="x")), ["MSG-UNKNOWN-KEY"]),
    (_edited(lambda m: m["Incident"].update(location_type=["13"])), ["I7-REQUIRED", "MSG-TYPE"]),
    (_edited(lambda m: m["Incident"].update(incident_tickler_ids="INJURY")), ["I32-REQUIRED", "MSG-TYPE"]),
    (_edited(lambda m: m["Incident"]["subjects"][0].update(race_ethnicity_ids=["H", 7])), ["MSG-TYPE"]),
    (_edited(lambda m: m["Incident"].update(subjects={"subject_id": 1})), [
        "I32-DISCHARGE-NEEDS-FIREARM", "I32-DISCHARGE-NEEDS-SUBJECT-NONE", "I32-INJURY-NEEDS-SERIOUS-INJURY",
        "I33-MATCHES-SUBJECT-ROWS", "I33-NO-SUBJECT-ROWS", "MSG-TYPE"]),
    (_edited(lambda m: m["Incident"].update(location_type=13)), ["MSG-VALUE-TYPE"]),
    (_edited(lambda m: m["Incident"].update(incident_time_hours="23")), ["MSG-VALUE-TYPE"]),
    (_edited(lambda m: m["Incident"].update(incident_time_hours=23.5)), ["I5-RANGE", "MSG-VALUE-TYPE"]),
    (_edited(lambda m: m["Incident"].update(incident_date="2024-02-10")), ["I3-VALID-DATE"]),
    (_edited(lambda m: m["Incident"].update(address_2="", nibrs_incident_number="NIBRS-2024-0077")), []),
    (_edited(lambda m: m.update(Action="Update")), ["ACTION-LOV"]),
    (remove_message("TORI01201", "2024-02-10", "UOF-2024-0001", AS_OF), []),
    (remove_message("TORI01201", "2024-02-30", "UOF 2024/1", AS_OF), ["I2-FORMAT", "I3-VALID-DATE"]),
    (zero_report_message("TORI01201", "2024-01", "AddOnly", AS_OF), []),
    (zero_report_message("TORI01201", "2024-03", "AddOnly", AS_OF), ["Z2-CURRENT-OR-FUTURE"]),
    (zero_report_message("TORI01201", "2016-12", "AddOnly", AS_OF), ["Z2-BEFORE-2017"]),
    (zero_report_message("TORI01201", "2024-03", "Remove", AS_OF), []),
    (dict(zero_report_message("TORI01201", "2024-01", "Add", AS_OF), Action="Delete"), ["ACTION-LOV"]),
])
def test_message_structure(payload, rules):
    _, findings = check(files_of({f"{STAMP}_0001.json": payload}))
    assert sorted(set(findings["rule_id"])) == rules


def test_zero_report_beside_an_incident_of_its_month():
    incident = incident_message("UOF-2024-0001", incident_date="2024-01-20", _incident_date_raw="01/20/2024")
    files = files_of({f"{STAMP}_0001.json": incident,
                      f"{STAMP}_0002.json": zero_report_message("TORI01201", "2024-01", "AddOnly", AS_OF)})
    _, findings = check(files)
    assert rules_by_file(findings) == [(f"{STAMP}_0002.json", "Z2-WITH-INCIDENTS")]


@pytest.mark.parametrize("name, submitter, rules", [
    (f"{STAMP}_0001.json", SUBMITTER, []),
    (f"{STAMP}_1.json", SUBMITTER, []),
    (f"{STAMP}_12345678901.json", SUBMITTER, ["FILE-NAME"]),
    ("TORI01201_20240230_1000_0001.json", SUBMITTER, ["FILE-NAME"]),
    ("TORI01201_20240315_2400_0001.json", SUBMITTER, ["FILE-NAME"]),
    ("tori01201_20240315_1000_0001.json", SUBMITTER, ["FILE-NAME"]),
    (f"{STAMP}_0001.JSON", SUBMITTER, ["FILE-NAME"]),
    ("TORI01299_20240315_1000_0001.json", SUBMITTER, ["FILE-NAME-ORI"]),
    ("TORI01299_20240315_1000_0001.json", None, ["FILE-NAME-ORI"]),
])
def test_file_names(name, submitter, rules):
    _, findings = check(files_of({name: _valid()}), submitter=submitter)
    assert sorted(set(findings["rule_id"]) - {"I4-NOT-PROFILE"}) == rules


@pytest.mark.parametrize("submitter, rules", [(SUBMITTER, ["FILE-NAME-ORI"]), (None, [])])
def test_zero_report_file_names_need_a_profile(submitter, rules):
    name = "TORI01299_20240315_1000_0001.json"
    _, findings = check(files_of({name: zero_report_message("TORI01201", "2024-01", "Add", AS_OF)}),
                        submitter=submitter)
    assert sorted(set(findings["rule_id"])) == rules


def test_sequence_numbers_unique_in_a_submission_only():
    same = {f"{STAMP}_0001.json": _valid(), f"{STAMP}_001.json": incident_message("UOF-2024-0002")}
    _, findings = check(files_of(same))
    assert rules_by_file(findings) == [(f"{STAMP}_0001.json", "FILE-NUMBER-UNIQUE"),
                                       (f"{STAMP}_001.json", "FILE-NUMBER-UNIQUE")]
    apart = files_of({f"{STAMP}_0001.json": _valid()}, "a.zip") + files_of(
        {f"{STAMP}_001.json": incident_message("UOF-2024-0002")}, "b.zip")
    assert rules_by_file(check(apart)[1]) == []


@pytest.mark.parametrize("zip_name, members, rules", [
    ("batch_2024-03.zip", ((f"{STAMP}_0001.json", 8),), []),
    ("batch_2024-03.zip", ((f"{STAMP}_0001.json", 0),), []),
    ("batch 2024.zip", ((f"{STAMP}_0001.json", 8),), ["ZIP-NAME"]),
    ("batch.ZIP.zip" + "x" * 120, ((f"{STAMP}_0001.json", 8),), ["ZIP-NAME"]),
    ("batch.zip", (("2024/", 0), (f"2024/{STAMP}_0001.json", 8)), ["ZIP-FOLDER"]),
    ("batch.zip", ((f"{STAMP}_0001.json", 12),), ["ZIP-COMPRESSION"]),
    ("batch.zip", ((f"{STAMP}_0001.json", 8), ("notes.xml", 8)), ["ZIP-MEMBER"]),
])
def test_zip_rules(zip_name, members, rules):
    files = [ParsedFile(source=f"{zip_name}:{m}", name=m.rsplit("/", 1)[-1], submission=zip_name, payload=_valid())
             for m, _ in members if m.endswith(".json")]
    _, findings = check(files, zips=[ZipFacts(source=zip_name, name=zip_name, members=members)])
    assert sorted(set(findings["rule_id"])) == rules
