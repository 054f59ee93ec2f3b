"""`source:` options of a profile: null tokens (`null_values`) and row filters (`keep_rows`), for the three
layouts, with the row accounting that still adds up."""
import json

import pandas as pd
import pytest

from flows.config.load import load_profile, load_reference
from flows.errors import ConfigError
from transforms.source_rows import RowFilter, filtered_rows, without_null_tokens
from tests import test_layouts_flat as flat
from tests import test_layouts_incident_lists as lists
from tests.conftest import AS_OF, combined, incident, values, write_csv_extract, write_export_csv, write_profile


# ------------------------------------------------------------------------------------ pure functions

def test_null_tokens_are_exact_trimmed_and_case_sensitive():
    frame = pd.DataFrame({"a": [" - ", "-1", "NULL", "null", None, "N/A"], "_source_row": range(2, 8)})
    frame["a"] = frame["a"].astype("str")
    out = without_null_tokens(frame, ("-", "NULL", "N/A"))
    assert values(out["a"]) == [None, "-1", None, "null", None, None]
    assert values(out["_source_row"]) == [2, 3, 4, 5, 6, 7]  # meta columns untouched
    assert without_null_tokens(frame, ()) is frame


def test_row_filters_count_each_excluded_row_once_for_the_first_condition_it_fails():
    frame = pd.DataFrame({"Level": ["1", " 2 ", "3", None, "3"], "Type": ["A", "B", "TEST", "A", "A"]}).astype("str")
    kept, counts = filtered_rows(frame, (RowFilter("Level", ("1", "2")), RowFilter("Type", ("TEST",), keep=False)))
    assert kept.tolist() == [True, True, False, False, False] and counts == [3, 0]
    kept, counts = filtered_rows(frame, (RowFilter("Level", ("1", "2", "")),))  # "" keeps blank cells
    assert kept.tolist() == [True, True, False, True, False] and counts == [2]


# ------------------------------------------------------------------------------------ configuration

@pytest.mark.parametrize("text, key, fragment", [
    ("source: {null_values: NULL}\n", "source.null_values", "list of cell texts"),
    ("source: {null_values: [\"NULL\", \" \"]}\n", "source.null_values", "non-blank"),
    ("source: {keep_rows: {column: Level}}\n", "source.keep_rows", "exactly one of 'in'"),
    ("source: {keep_rows: {column: Level, in: [\"1\"], not_in: [\"2\"]}}\n", "source.keep_rows", "exactly one"),
    ("source: {keep_rows: {in: [\"1\"]}}\n", "source.keep_rows", "needs 'column'"),
    ("source: {keep_rows: [{column: Level, in: []}]}\n", "source.keep_rows[0].in", "list of cell values"),
    ("source: {keep_rows: {column: Level, values: [\"1\"]}}\n", "source.keep_rows", "unknown option(s): values"),
    ("source: {keep_rows: {column: Level, in: [\"1\"]}}\n", "source.keep_rows", "needs 'table'"),
    ("layout: {kind: flat, incident_key: Case}\nsource: {keep_rows: {table: incidents, column: L, in: [\"1\"]}}\n",
     "source.keep_rows", "tables layout only"),
    ("source: {skip: 1}\n", "source", "allowed: keep_rows, null_values, sheet"),
])
def test_source_option_errors_name_the_key(tmp_path, text, key, fragment):
    with pytest.raises(ConfigError) as caught:
        load_profile(write_profile(tmp_path, text), load_reference())
    assert caught.value.key == key and fragment in caught.value.detail, caught.value


def test_valid_source_options(tmp_path):
    profile = load_profile(write_profile(tmp_path, "source:\n  null_values: [NULL, \" - \", N/A, NULL]\n"
                                                   "  keep_rows:\n    - {table: incidents, column: Level, in: [1, 2]}\n"
                                                   "    - {table: subjects, column: Kind, not_in: TEST}\n"),
                           load_reference())
    assert profile.null_values == ("NULL", "-", "N/A")
    assert profile.keep_rows == (RowFilter("Level", ("1", "2"), True, "incidents"),
                                 RowFilter("Kind", ("TEST",), False, "subjects"))


# ------------------------------------------------------------------------------------ tables layout

def run_tables(run_cli, tmp_path, tables, profile_text):
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg", profile_text), "--source",
                              write_csv_extract(tmp_path / "x", tables), "--month", "2025-10", "--out", out,
                              "--as-of", AS_OF)
    return code, stderr, out / "PA0230100" / "2025-10"


def emitted(folder):
    return {m["Incident"]["agency_case_number"]: m["Incident"]
            for m in (json.loads(p.read_text()) for p in folder.glob("PA0230100_*.json"))}


def test_null_values_blank_a_token_the_export_writes_for_nothing(run_cli, tmp_path):
    tables = combined(incident("A", incidents__address_2="N/A"), incident("B", incidents__address_2="n/a"))
    code, stderr, folder = run_tables(run_cli, tmp_path, tables, "")
    assert code == 0, stderr
    assert emitted(folder)["A"]["address_2"] == "N/A"  # without the setting: sent as an address
    code, stderr, folder = run_tables(run_cli, tmp_path / "2", tables, "source: {null_values: [N/A]}\n")
    assert code == 0, stderr
    sent = emitted(folder)
    assert "address_2" not in sent["A"] or sent["A"]["address_2"] in (None, "")
    assert sent["B"]["address_2"] == "n/a"  # case-sensitive: list every spelling the export uses


def test_null_token_in_a_required_column_is_a_missing_value_not_a_code(run_cli, tmp_path):
    code, stderr, folder = run_tables(run_cli, tmp_path, incident("A", incidents__location_type="-"),
                                      "source: {null_values: [\"-\"]}\n")
    assert code == 1, stderr
    rejections = pd.read_csv(folder / "rejections.csv", dtype=str)
    assert rejections["rule_id"].tolist() == ["I7-REQUIRED"] and rejections["value"].isna().all()


TABLES_FILTER = "source:\n  keep_rows: {table: incidents, column: Kind, in: [UOF, \"\"]}\n"


def test_tables_filter_excludes_incidents_with_their_rows_and_accounts_for_them(run_cli, tmp_path):
    tables = combined(incident("A", incidents__Kind="UOF"), incident("B", incidents__Kind="TEST"),
                      incident("C", incidents__Kind=""))
    tables["subjects"].append(dict(tables["subjects"][1], subject_id="2"))  # B has two subjects
    code, stderr, folder = run_tables(run_cli, tmp_path, tables, TABLES_FILTER)
    assert code == 0, stderr  # B's subjects and officers go with it: no orphan
    assert sorted(emitted(folder)) == ["A", "C"]
    manifest = json.loads((folder / "manifest.json").read_text())
    rows = manifest["rows"]
    assert rows["incidents"] == {"read": 3, "blank": 0, "filtered": 1, "emitted": 2, "rejected": 0,
                                 "not_reportable": 0, "other_months": 0}
    assert rows["subjects"]["read"] == 4 and rows["subjects"]["filtered"] == 2 and rows["subjects"]["emitted"] == 2
    assert rows["officers"]["filtered"] == 1
    layout = manifest["layout"]
    assert layout["rows_filtered"] == 4 and layout["row_filters"] == [
        {"table": "incidents", "filter": 'Kind in ["UOF", ""]', "rows": 1},
        {"table": "subjects", "filter": "its incident was filtered out", "rows": 2},
        {"table": "officers", "filter": "its incident was filtered out", "rows": 1}]
    for table, entry in rows.items():
        parts = sum(v for k, v in entry.items() if k != "read")
        assert parts == entry["read"], (table, entry)


def test_tables_filter_on_a_child_table_keeps_the_incident(run_cli, tmp_path):
    tables = incident("A", subjects__Kind="REAL")
    tables["subjects"].append(dict(tables["subjects"][0], subject_id="2", Kind="TEST"))
    code, stderr, folder = run_tables(run_cli, tmp_path, tables,
                                      "source: {keep_rows: {table: subjects, column: Kind, not_in: [TEST]}}\n")
    assert code == 0, stderr
    assert len(emitted(folder)["A"]["subjects"]) == 1
    assert json.loads((folder / "manifest.json").read_text())["rows"]["subjects"]["filtered"] == 1


# ------------------------------------------------------------------------------------ one-sheet layouts

def run_sheet(run_cli, tmp_path, module, rows, source_text):
    cfg = tmp_path / "cfg"
    cfg.mkdir(parents=True)
    for name, text in module.CROSSWALKS.items():
        (cfg / name).write_text(text, encoding="utf-8")
    profile = write_profile(cfg, module.PROFILE + source_text)
    out = tmp_path / "out"
    code, _, stderr = run_cli("run", "--profile", profile, "--source", write_export_csv(tmp_path / "export.csv", rows),
                              "--month", "2025-10", "--out", out, "--as-of", AS_OF)
    folder = out / "PA0230100" / "2025-10"
    return code, stderr, folder, json.loads((folder / "manifest.json").read_text()) if code in (0, 1) else None


def adds_up(layout):
    return layout["source_rows"] == (layout["rows_collapsed"] + layout["header_repeats"] + layout["blank_rows"]
                                     + layout.get("rows_filtered", 0) + layout["rows_with_errors"])


def test_flat_filter_keeps_rows_of_the_given_levels_and_accounts_for_the_rest(run_cli, tmp_path):
    code, stderr, folder, manifest = run_sheet(run_cli, tmp_path, flat, flat.ROWS,
                                               "source:\n  keep_rows: {column: Level, in: [L2, L4]}\n")
    assert code == 0, stderr
    layout = manifest["layout"]
    assert (layout["source_rows"], layout["rows_filtered"], layout["rows_collapsed"]) == (5, 2, 3)
    assert layout["row_filters"] == [{"filter": 'Level in ["L2", "L4"]', "rows": 2}]
    assert (layout["incidents"], layout["officers"]) == (2, 2)  # incident A keeps its one L2 row
    assert adds_up(layout)
    assert "Level" not in manifest.get("extra_columns_ignored", {}).get("incidents", [])


def test_flat_filter_column_missing_is_fatal(run_cli, tmp_path):
    code, stderr, _, _ = run_sheet(run_cli, tmp_path, flat, flat.ROWS,
                                   "source:\n  keep_rows: {column: R2R Level, in: [\"1\"]}\n")
    assert code == 2 and "column 'R2R Level'" in stderr and "source.keep_rows" in stderr, stderr


def test_flat_null_values_apply_before_the_layout_and_parsers(run_cli, tmp_path):
    rows = [dict(r) for r in flat.ROWS]
    rows[3]["Subj Age"] = "-"
    code, stderr, folder, manifest = run_sheet(run_cli, tmp_path, flat, rows, "source:\n  null_values: [\"-\"]\n")
    assert code == 1, stderr
    rejections = pd.read_csv(folder / "rejections.csv", dtype=str)
    # the age is missing (S4-REQUIRED), not the unreadable text '-' the number_range parser would keep
    assert rejections["rule_id"].tolist() == ["S4-REQUIRED"] and rejections["value"].isna().all()
    assert adds_up(manifest["layout"]) and "rows_filtered" not in manifest["layout"]


def test_incident_lists_filter_excludes_whole_rows(run_cli, tmp_path):
    rows = [dict(r, Kind=k) for r, k in zip(lists.ROWS, ("UOF", "TEST"))]
    code, stderr, folder, manifest = run_sheet(run_cli, tmp_path, lists, rows,
                                               "source:\n  keep_rows: {column: Kind, not_in: [TEST]}\n")
    assert code == 0, stderr
    layout = manifest["layout"]
    assert (layout["rows_filtered"], layout["incidents"], layout["officers"]) == (1, 1, 3) and adds_up(layout)
    assert manifest["rows"]["incidents"]["read"] == 1
