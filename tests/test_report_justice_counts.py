"""Justice Counts 1.11 Use of Force Incidents (`uof report justice-counts`, issue 12 item 1).

One test per rule of the definition (../shared/reference/justice-counts-law-enforcement-metrics.txt, 1.11):
unique incidents, the one multi-type rule (most severe category), a firearm pointed counts and one displayed
does not, de minimis force is excluded, a missing force type and an unmapped local code count as Unknown and the
code is listed, breakdowns add up to the total and the year to its months; the command end to end with
`uof verify`; `uof crosswalk check|scaffold` on the force types; and every year of the four real exports,
reconciled with the incidents the FBI pipeline counts.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from flows.config.load import load_profile, load_reference
from flows.io.extract import read_extract
from tests.conftest import AS_OF, REAL_EXPORTS, REPO, combined, incident, write_csv_extract, write_profile
from transforms.link import incident_month
from transforms import reports_justice_counts as jc
from transforms.reports_justice_counts import DE_MINIMIS, ForceLookup, classified, counts

LOOKUP = ForceLookup(mapping={"SHOT": "FIREARM", "POINTED": "FIREARM", "DISPLAYED": DE_MINIMIS,
                              "TASER": "OTHER_WEAPON", "CUFFS": "RESTRAINT", "HANDS": "PHYSICAL_FORCE",
                              "K9": "OTHER_FORCE", "OTHER": "UNKNOWN", "ESCORT": DE_MINIMIS}, case="fold",
                     invalid={"Pursuit": "a contact type in the force column"})


def _incidents(*cases: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"agency_case_number": [c for c, _ in cases], "incident_date": [d for _, d in cases]},
                        dtype="str")


def _codes(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"row": range(len(pairs)), "case": [c for c, _ in pairs], "code": [k for _, k in pairs]})


def _category(codes: list[str]) -> str:
    inc, _ = classified(_incidents(("A", "2024-03-01")), _codes(*[("A", c) for c in codes]), LOOKUP)
    return inc["category"].iloc[0]


@pytest.mark.parametrize("codes, expected", [
    (["HANDS", "SHOT"], "FIREARM"),
    (["CUFFS", "TASER"], "OTHER_WEAPON"),
    (["HANDS", "CUFFS"], "RESTRAINT"),
    (["K9", "HANDS"], "PHYSICAL_FORCE"),
    (["OTHER", "K9"], "OTHER_FORCE"),
    (["OTHER"], "UNKNOWN"),
    (["TASER", "SHOT", "K9", "CUFFS", "HANDS"], "FIREARM"),
])
def test_several_force_types_count_once_under_the_most_severe(codes, expected):
    assert _category(codes) == expected


def test_a_firearm_pointed_counts_and_one_displayed_does_not():
    assert _category(["POINTED"]) == "FIREARM"
    assert _category(["DISPLAYED"]) == DE_MINIMIS
    assert _category(["DISPLAYED", "HANDS"]) == "PHYSICAL_FORCE"  # displayed: not the incident's category


def test_de_minimis_force_is_excluded_and_reconciled():
    inc, _ = classified(_incidents(("A", "2024-03-01"), ("B", "2024-03-02"), ("C", "2024-03-09")),
                        _codes(("A", "ESCORT"), ("B", "ESCORT"), ("B", "displayed"), ("C", "hands")), LOOKUP)
    table = counts(inc, ["2024-03"])
    row = table.iloc[0]
    assert (row["incidents"], row["total"], row["de_minimis"], row["PHYSICAL_FORCE"]) == (3, 1, 2, 1)
    assert row["incidents"] == row["total"] + row["de_minimis"]


def test_an_incident_without_force_type_counts_as_unknown():
    inc, codes = classified(_incidents(("A", "2024-03-01"), ("B", "2024-03-01")), _codes(("A", "HANDS")), LOOKUP)
    assert inc.set_index("agency_case_number")["category"].to_dict() == {"A": "PHYSICAL_FORCE", "B": "UNKNOWN"}
    assert inc.set_index("agency_case_number").loc["B", "local_force_types"] == "(no force type recorded)"
    assert codes["code"].tolist() == ["HANDS"]


def test_an_unmapped_local_code_counts_as_unknown_and_is_listed():
    inc, codes = classified(_incidents(("A", "2024-03-01"), ("B", "2024-03-05"), ("C", "2024-03-06")),
                            _codes(("A", "CHOKE"), ("B", "CHOKE"), ("B", "TASER"), ("C", "Pursuit")), LOOKUP)
    assert inc["category"].tolist() == ["UNKNOWN", "OTHER_WEAPON", "UNKNOWN"]
    listed = codes.set_index("code")
    assert listed.loc["CHOKE", "status"] == "unmapped" and listed.loc["CHOKE", "incidents"] == 2
    assert listed.loc["Pursuit", "status"] == "invalid"
    assert listed.loc["Pursuit", "reason"] == "a contact type in the force column"
    text = jc.summary_text("Agency", "2024-03", counts(inc, ["2024-03"]), codes, 0, ["2024-03"], ["2024-03"])
    assert "`CHOKE`: 2 incident(s)" in text and "`Pursuit`: 1 incident(s), invalid" in text


def test_without_a_crosswalk_only_codes_written_as_categories_are_read():
    lookup = ForceLookup(crosswalked=False)
    inc, codes = classified(_incidents(("A", "2024-03-01"), ("B", "2024-03-01")),
                            _codes(("A", "FIREARM"), ("B", "HANDS")), lookup)
    assert inc["category"].tolist() == ["FIREARM", "UNKNOWN"]
    assert codes.set_index("code")["status"].to_dict() == {"FIREARM": "mapped", "HANDS": "unmapped"}


def test_unique_incidents_not_rows_nor_people():
    # three rows (two officers, two subjects) of one incident with the same and other force types: one incident
    inc, codes = classified(_incidents(("A", "2024-03-01")),
                            _codes(("A", "HANDS"), ("A", "HANDS"), ("A", "TASER")), LOOKUP)
    assert counts(inc, ["2024-03"])["total"].tolist() == [1]
    assert codes.set_index("code")["rows"].to_dict() == {"HANDS": 2, "TASER": 1}


def test_breakdowns_add_up_to_the_total_and_the_year_to_its_months():
    cases = [("A", "2024-01-03"), ("B", "2024-01-20"), ("C", "2024-02-11"), ("D", "2024-02-12"),
             ("E", "2024-03-30"), ("F", "2023-12-31")]
    inc, _ = classified(_incidents(*cases), _codes(("A", "SHOT"), ("B", "HANDS"), ("C", "ESCORT"), ("D", "K9"),
                                                   ("D", "CUFFS"), ("E", "TASER"), ("F", "SHOT")), LOOKUP)
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    table = jc.with_year(counts(inc, months))
    total, by_type = jc.metric_files(table)
    assert list(total.columns) == ["year", "month", "value"]
    assert list(by_type.columns) == ["year", "month", "force_type", "value"]
    sums = by_type.groupby("month", sort=False)["value"].sum()
    assert (sums.reindex(total["month"]).to_numpy() == total["value"].to_numpy()).all()
    assert total["month"].tolist() == [str(m) for m in range(1, 13)] + [""]
    assert total["value"].iloc[-1] == total["value"].iloc[:-1].sum() == 4  # F is 2023, C de minimis
    assert by_type[by_type["month"] == ""].set_index("force_type")["value"].to_dict() == {
        "Physical Force": 1, "Restraint": 1, "Firearm": 1, "Other Weapon": 1, "Other Force": 0, "Unknown Force": 0}


def test_local_codes_from_columns_lists_and_yes_no_flags():
    frame = pd.DataFrame({"Case": ["A", "A", "B"], "Weapon 1": ["Hands", "Taser; Hands", None],
                          "Weapon 2": [" ", "OC", None], "K9 Used": ["Yes", "no", "Y"]}, dtype="str")
    rows = jc.row_force_codes(frame, "Case", ["Weapon 1", "Weapon 2"], ["K9 Used"], ";")
    assert sorted(zip(rows["row"], rows["case"], rows["code"])) == [
        (0, "A", "Hands"), (0, "A", "K9 Used"), (1, "A", "Hands"), (1, "A", "OC"), (1, "A", "Taser"),
        (2, "B", "K9 Used")]


# ------------------------------------------------------------------------------------------ the command

SECTION = """
justice_counts:
  force_types:
    table: subjects
    columns: [force_type_ids]
    crosswalk: jc.yaml
"""
CROSSWALK = """element: justice_counts_force_type
case: fold
map:
  PHYSICAL: PHYSICAL_FORCE
  FIREARM: FIREARM
  DISPLAY: DE_MINIMIS
"""


def _setup(tmp_path: Path, crosswalk: str = CROSSWALK):
    source = write_csv_extract(tmp_path / "extract", combined(
        incident("C-1", incidents__incident_date="2025-09-03", subjects__force_type_ids="PHYSICAL;FIREARM"),
        incident("C-2", incidents__incident_date="2025-09-20"),
        incident("C-3", incidents__incident_date="2025-10-02", subjects__force_type_ids="DISPLAY"),
        incident("C-4", incidents__incident_date="2025-10-30", subjects__force_type_ids="CHOKE")))
    profile = write_profile(tmp_path / "cfg", 'agency_name: "Test PD"\n' + SECTION)
    (profile.parent / "jc.yaml").write_text(crosswalk, encoding="utf-8")
    return profile, source


def test_the_command_publishes_the_year_and_verify_checks_it(tmp_path, run_cli):
    profile, source = _setup(tmp_path, CROSSWALK + "  CHOKE: PHYSICAL_FORCE\n")
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("report", "justice-counts", "--profile", profile, "--source", source,
                                   "--year", "2025", "--out", out, "--as-of", AS_OF)
    assert code == 0, stderr
    folder = out / "PA0230100" / "reports" / "justice-counts" / "2025"
    assert sorted(p.name for p in folder.iterdir()) == ["force_types.csv", "incidents.csv", "manifest.json",
                                                        "summary.md", "use_of_force.csv",
                                                        "use_of_force_by_type.csv"]
    rows = list(csv.DictReader((folder / "use_of_force.csv").open()))
    # covered months only, and no calendar-year row: the extract does not cover the whole year
    assert [(r["month"], r["value"]) for r in rows] == [("9", "2"), ("10", "1")]
    manifest = json.loads((folder / "manifest.json").read_text())
    summary = manifest["summary"]
    assert (summary["incidents_in_period"], summary["counted"], summary["de_minimis_excluded"]) == (4, 3, 1)
    assert summary["by_type"]["Firearm"] == 1 and summary["by_type"]["Physical Force"] == 2
    assert "most severe category" in summary["multi_type_rule"]
    assert [c["name"] for c in manifest["inputs"]["crosswalks"]] == ["jc.yaml"]
    text = (folder / "summary.md").read_text()
    assert "**3 use-of-force incident(s)** in 2025" in text and "Firearm > Other Weapon > Restraint" in text
    assert run_cli("verify", "--out", out, "--profile", profile)[0] == 0
    (folder / "use_of_force.csv").write_text("year,month,value\n2025,,99\n")
    assert run_cli("verify", "--out", out, "--profile", profile)[0] == 1


def test_an_unmapped_code_is_exit_1_and_listed(tmp_path, run_cli):
    profile, source = _setup(tmp_path)
    code, stdout, _ = run_cli("report", "justice-counts", "--profile", profile, "--source", source, "--month",
                              "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF, "--format", "json")
    doc = json.loads(stdout)
    assert code == doc["exit_code"] == 1
    assert doc["summary"]["unmapped_local_codes"] == [{"code": "CHOKE", "status": "unmapped", "incidents": 1}]
    assert doc["summary"]["by_type"]["Unknown Force"] == 1 and doc["summary"]["de_minimis_excluded"] == 1


def test_a_month_the_extract_does_not_cover_and_bad_periods_are_refused(tmp_path, run_cli):
    profile, source = _setup(tmp_path)
    base = ["report", "justice-counts", "--profile", profile, "--source", source, "--out", tmp_path / "out"]
    code, _, stderr = run_cli(*base, "--month", "2025-12")
    assert code == 2 and "not covered by the extract" in stderr
    assert run_cli(*base, "--month", "2025-10", "--year", "2025")[0] == 2
    assert run_cli(*base, "--year", "25")[0] == 2
    assert not (tmp_path / "out").exists()


def test_a_crosswalk_target_that_is_not_a_category_is_a_config_error(tmp_path, run_cli):
    profile, source = _setup(tmp_path, CROSSWALK.replace("DE_MINIMIS", "DISPLAYED_ONLY"))
    code, _, stderr = run_cli("report", "justice-counts", "--profile", profile, "--source", source, "--year",
                              "2025", "--out", tmp_path / "out")
    assert code == 2 and "DISPLAY" in stderr and "PHYSICAL_FORCE" in stderr


def test_crosswalk_check_and_scaffold_cover_the_force_types(tmp_path, run_cli):
    profile, source = _setup(tmp_path)
    code, stdout, _ = run_cli("crosswalk", "check", "--profile", profile, "--source", source, "--format", "json")
    unmapped = [u for u in json.loads(stdout)["unmapped"] if u["column"] == "justice_counts_force_type"]
    assert code == 1 and [(u["local_code"], u["problem"]) for u in unmapped] == [
        ("CHOKE", "missing from crosswalk jc.yaml")]
    code, stdout, _ = run_cli("crosswalk", "scaffold", "--profile", profile, "--source", source, "--element",
                              "justice_counts_force_type", "--out-dir", tmp_path / "skel")
    assert code == 0
    skeleton = (tmp_path / "skel" / "jc.yaml").read_text()
    assert 'element: "justice_counts_force_type"' in skeleton and '"CHOKE": ""' in skeleton
    assert '"PHYSICAL": "PHYSICAL_FORCE"' in skeleton and '"DE_MINIMIS"' in skeleton
    (profile.parent / "jc.yaml").write_text(skeleton.replace('"CHOKE": ""', '"CHOKE": "PHYSICAL_FORCE"'))
    _, stdout, _ = run_cli("crosswalk", "check", "--profile", profile, "--source", source, "--format", "json")
    assert [u for u in json.loads(stdout)["unmapped"] if u["column"] == "justice_counts_force_type"] == []
    assert run_cli("report", "justice-counts", "--profile", profile, "--source", source, "--year", "2025",
                   "--out", tmp_path / "out")[0] == 0


# ------------------------------------------------------------------------------------------ real exports

REAL = REPO / "data" / "sample" / "real"
EXPORTS = {  # profile -> (export, years, ORI, reconcile with a backfill's manifests)
    "austin-pd": ("austin-pd-response-to-resistance-2017.csv", ["2017"], "TX9999900", True),
    "bloomington-pd": ("bloomington-pd-use-of-force-2019-q3.xlsx", ["2019"], "IN9999900", True),
    "new-orleans-pd": ("new-orleans-pd-use-of-force.csv", ["2016", "2017", "2018", "2019", "2020"],
                       "LA9999900", False),
    "orlando-pd": ("orlando-pd-response-to-resistance.csv", [str(y) for y in range(2009, 2020)], "FL9999900",
                   False),
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_year_of_a_real_export_reconciles_with_its_incidents(name, tmp_path, run_cli):
    export, years, ori, backfill = EXPORTS[name]
    source = REAL_EXPORTS / export
    if not source.is_file():
        pytest.skip(f"real export {source} not available")
    profile = REAL / f"{name}.yaml"
    ref = load_reference()
    incidents = read_extract(source, load_profile(profile, ref), ref).frames["incidents"]
    per_month = incident_month(incidents).value_counts()
    if backfill:  # the FBI pipeline's own count: incidents.in_month of every month's manifest
        first, last = per_month.index.min(), per_month.index.max()
        assert run_cli("backfill", "--profile", profile, "--source", source, "--from", first, "--to", last,
                       "--out", tmp_path / "fbi", "--as-of", AS_OF)[0] in (0, 1)
        manifests = (tmp_path / "fbi" / ori).glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/manifest.json")
        per_month = pd.Series({p.parent.name: json.loads(p.read_text())["incidents"]["in_month"] for p in manifests})
    out = tmp_path / "out"
    for year in years:
        code, stdout, stderr = run_cli("report", "justice-counts", "--profile", profile, "--source", source,
                                       "--year", year, "--out", out, "--as-of", AS_OF, "--format", "json")
        assert code == 0, stderr  # every local force type of the export is mapped
        summary = json.loads(stdout)["summary"]
        in_year = int(per_month[per_month.index.str.startswith(year)].sum())
        assert summary["incidents_in_period"] == in_year > 0
        assert summary["counted"] == in_year - summary["de_minimis_excluded"]
        assert sum(summary["by_type"].values()) == summary["counted"] == sum(summary["by_month"].values())
        assert summary["unmapped_local_codes"] == []
    assert run_cli("crosswalk", "check", "--profile", profile, "--source", source)[0] == 0
    assert run_cli("verify", "--out", out, "--profile", profile)[0] == 0
