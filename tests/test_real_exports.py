"""The two public RMS exports (../shared/real-exports/) run end to end from their YAML profiles alone.

One `uof backfill` pass per export over every month it contains: every month's manifest accounts for
every row (rows and layout), every JSON file has the Appendix A/B shape, nothing is lost, and the run
never fails as a whole (exit 0 or 1, never 2). The exports are reference data: read in place, never
copied into the repository; the tests skip when they are absent.
"""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from flows.config.load import load_reference
from tests.conftest import AS_OF, REAL_EXPORTS, REPO

REAL = REPO / "data" / "sample" / "real"
EXPORTS = {  # profile -> (export file, first month, last month it contains)
    "new-orleans-pd": ("new-orleans-pd-use-of-force.csv", "2016-01", "2020-09"),
    "orlando-pd": ("orlando-pd-response-to-resistance.csv", "2009-01", "2019-05"),
    "austin-pd": ("austin-pd-response-to-resistance-2017.csv", "2017-01", "2017-12"),
}
ORIS = {"new-orleans-pd": "LA9999900", "orlando-pd": "FL9999900", "austin-pd": "TX9999900"}
REF = load_reference()
NAMES = {segment: [e["name"] for e in REF.elements[segment]] for segment in ("incident", "subject", "officer")}


def source_of(name: str):
    path = REAL_EXPORTS / EXPORTS[name][0]
    if not path.is_file():
        pytest.skip(f"real export {path} not available")
    return path


def months_of(name: str) -> list[str]:
    _, first, last = EXPORTS[name]
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


@pytest.fixture(scope="module", params=sorted(EXPORTS))
def backfill(request, tmp_path_factory):
    from flows.cli.main import main

    name = request.param
    source = source_of(name)
    out = tmp_path_factory.mktemp(name) / "out"
    _, first, last = EXPORTS[name]
    code = main(["backfill", "--profile", str(REAL / f"{name}.yaml"), "--source", str(source),
                 "--from", first, "--to", last, "--out", str(out), "--as-of", AS_OF])
    folder = out / ORIS[name]
    manifests = {m: json.loads((folder / m / "manifest.json").read_text()) for m in months_of(name)}
    return name, code, folder, manifests


def check_message_shape(message: dict) -> None:
    assert message["Action"] in ("AddOnly", "Add", "Remove")
    assert re.fullmatch(r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}", message["ActionTime"])
    if "ZeroReport" in message:
        assert list(message) == ["Action", "ActionTime", "ZeroReport"]
        assert list(message["ZeroReport"]) == ["agency_ori", "month_year"]
        return
    assert list(message) == ["Action", "ActionTime", "Incident"]
    incident = message["Incident"]
    assert list(incident) == NAMES["incident"] + ["subjects", "officers"]
    assert incident["subjects"] and incident["officers"]
    assert all(list(s) == NAMES["subject"] for s in incident["subjects"])
    assert all(list(o) == NAMES["officer"] for o in incident["officers"])
    assert re.fullmatch(r"[0-9]{2}/[0-9]{2}/[0-9]{4}", incident["incident_date"])
    assert isinstance(incident["incident_time_hours"], int) and incident["incident_tickler_ids"]


def test_backfill_over_every_month_never_fails_as_a_whole(backfill):
    name, code, folder, manifests = backfill
    assert code in (0, 1)
    assert sorted(p.name for p in folder.iterdir() if re.fullmatch(r"[0-9]{4}-[0-9]{2}", p.name)) == months_of(name)
    # every month of the range holds incidents of the export: the range is the export's months
    assert all(m["incidents"]["in_month"] > 0 for m in manifests.values())


def test_every_row_is_accounted_for_in_every_month(backfill):
    _, _, _, manifests = backfill
    for month, manifest in manifests.items():
        layout = manifest["layout"]
        assert layout["source_rows"] == (layout["rows_collapsed"] + layout["header_repeats"] + layout["blank_rows"]
                                         + layout["rows_with_errors"]), month
        rows = manifest["rows"]
        for table in ("incidents", "subjects", "officers"):
            parts = sum(v for k, v in rows[table].items() if k != "read")
            assert parts == rows[table]["read"], (month, table)
        assert rows["incidents"]["read"] == layout["incidents"]
        assert rows["subjects"]["read"] == layout["subjects"] and rows["officers"]["read"] == layout["officers"]


def test_nothing_is_lost_across_the_months(backfill):
    _, _, _, manifests = backfill
    layout = next(iter(manifests.values()))["layout"]
    assert all(m["layout"] == layout for m in manifests.values())
    assert all(m["incidents"]["rejected_undated"] == 0 for m in manifests.values())
    for table in ("incidents", "subjects", "officers"):
        placed = sum(m["rows"][table][k] for m in manifests.values()
                     for k in ("emitted", "rejected", "not_reportable", "orphaned") if k in m["rows"][table])
        assert placed == layout[table], table  # each segment lands in exactly one month
    assert sum(m["incidents"]["in_month"] for m in manifests.values()) == layout["incidents"]


def test_every_json_file_has_the_appendix_shape_and_the_reports_match(backfill):
    _, _, folder, manifests = backfill
    for month, manifest in manifests.items():
        files = sorted(p for p in (folder / month).glob("*.json") if p.name != "manifest.json")
        messages = [json.loads(p.read_text()) for p in files]
        for message in messages:
            check_message_shape(message)
        incidents = [m for m in messages if "Incident" in m]
        assert len(incidents) == manifest["incidents"]["valid"], month
        not_reportable = pd.read_csv(folder / month / "not_reportable.csv", dtype=str)
        assert len(not_reportable) == manifest["incidents"]["not_reportable"], month
        assert not_reportable["reason"].notna().all()


def test_real_profiles_keep_their_mapping_decisions(backfill):
    """The reportability screen works on real data: most incidents are not reportable; the rest are
    rejected only for what the export cannot say (NOPD: no time of day; OPD: injury seriousness)."""
    name, _, _, manifests = backfill
    total = {k: sum(m["incidents"][k] for m in manifests.values()) for k in ("in_month", "not_reportable", "rejected")}
    assert total["not_reportable"] > total["in_month"] / 2
    rules = set().union(*(m["findings"]["by_rule"] for m in manifests.values()))
    expected = {"new-orleans-pd": {"I5-REQUIRED", "I6-REQUIRED"},
                "orlando-pd": {"I32-REQUIRED", "LAYOUT-LIST-LENGTH"},
                "austin-pd": {"I5-REQUIRED", "LAYOUT-CONFLICT"}}[name]
    assert expected <= rules


# --------------------------------------------------------------- reportable incidents emit valid JSON

def _variant(tmp_path, name: str) -> str:
    """A test-only copy of the real profile that supplies what the export lacks (never for real use):
    NOPD a time of day (00:00), OPD a decision that injured-and-treated offenders were seriously injured."""
    text = (REAL / f"{name}.yaml").read_text(encoding="utf-8")
    text = text.replace("  - crosswalks/", f"  - {REAL}/crosswalks/")
    text = f"allowed_roots: [{REAL}/crosswalks]\n" + text  # the shipped crosswalks, outside tmp_path
    if name == "new-orleans-pd":
        text = re.sub(r'incident_time_(hours|minutes): ""', r'incident_time_\1: "0"', text)
    elif name == "orlando-pd":
        injury = (REAL / "crosswalks/orlando/injury_type_ids.yaml").read_text(encoding="utf-8")
        (tmp_path / "injury.yaml").write_text(injury.replace('"Yes / Yes": PENDING', '"Yes / Yes": OTHER_SERIOUS_INJURY'),
                                              encoding="utf-8")
        text = text.replace(f"{REAL}/crosswalks/orlando/injury_type_ids.yaml", str(tmp_path / "injury.yaml"))
    path = tmp_path / f"{name}-variant.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_reportable_incidents_of_a_real_export_emit_valid_json(backfill, tmp_path, run_cli):
    name, _, _, manifests = backfill
    blockers = {"new-orleans-pd": {"I5-REQUIRED", "I6-REQUIRED"}, "orlando-pd": {"I32-REQUIRED"},
                "austin-pd": set()}[name]
    month = next(m for m, d in manifests.items() if m >= "2017-01" and d["incidents"]["reportable"]
                 and set(d["findings"]["by_rule"]) <= blockers)
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", _variant(tmp_path, name), "--source", source_of(name),
                              "--month", month, "--out", out, "--as-of", AS_OF)
    assert code == 0, stderr
    folder = out / ORIS[name] / month
    manifest = json.loads((folder / "manifest.json").read_text())
    messages = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json")) if p.name != "manifest.json"]
    assert len(messages) == manifest["incidents"]["valid"] >= 1
    for message in messages:
        check_message_shape(message)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_real_profile_passes_crosswalk_check(name, run_cli):
    """A clean check means the configuration is complete: combinations of disagreeing rows are ranked by a
    precedence, known-bad values are marked invalid with a reason; nothing is bent to pass."""
    code, stdout, stderr = run_cli("crosswalk", "check", "--profile", REAL / f"{name}.yaml", "--source", source_of(name))
    assert code == 0, stdout + stderr
