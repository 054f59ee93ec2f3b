"""I15-I17: 90A, 90E and 90H become 90Z for incidents on or after 2021-01-01 and are kept before."""
import json

import pandas as pd
import pytest

from flows.config.load import load_reference
from tests.conftest import combined, incident, write_csv_extract, write_profile
from transforms.remap import remap_totals, remapped


@pytest.mark.parametrize("date, code, expected", [
    ("2020-12-31", "90A", "90A"), ("2021-01-01", "90A", "90Z"),
    ("2020-12-31", "90E", "90E"), ("2021-01-01", "90E", "90Z"),
    ("2020-12-31", "90H", "90H"), ("2021-01-01", "90H", "90Z"),
    ("2021-01-01", "90J", "90J"),
])
def test_remap_90aeh_boundary(date, code, expected):
    frame = pd.DataFrame({"incident_date": pd.Series([date], dtype="str"),
                          "offense1": pd.Series(["13B"], dtype="str"), "offense2": pd.Series([code], dtype="str")})
    out, counts = remapped(frame, load_reference().remaps)
    assert out["offense2"].iloc[0] == expected and out["offense1"].iloc[0] == "13B"
    assert remap_totals(counts) == {"I15-90AEH-TO-90Z": int(expected != code)}


@pytest.mark.parametrize("date, month, as_of, expected", [
    ("2020-12-31", "2020-12", "2021-01-10T08:00:00", "90H"),
    ("2021-01-01", "2021-01", "2021-02-10T08:00:00", "90Z"),
])
def test_remap_90aeh_end_to_end(run_cli, tmp_path, date, month, as_of, expected):
    tables = incident(incidents__incident_date=date, incidents__initial_contact_id="CRIMINAL_SUSPICIOUS_ACTIVITY",
                      incidents__offense1="13B", incidents__offense2="90H",
                      incidents__nibrs_incident_number_pu_ids="PENDING", subjects__charged="")
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source",
                              write_csv_extract(tmp_path / "x", tables), "--month", month,
                              "--out", tmp_path / "out", "--as-of", as_of)
    assert code == 0, stderr
    folder = tmp_path / "out" / "PA0230100" / month
    msg = json.loads(next(folder.glob("PA*_0001.json")).read_text())
    assert msg["Incident"]["offense2"] == expected


OFFENSES = ["offense1", "offense2", "offense3"]


@pytest.mark.parametrize("date, given, expected", [
    # repeats the remap creates collapse into one 90Z; the other offenses move up, in order
    ("2021-02-01", ["90A", "90E", "90H"], ["90Z", "", ""]),
    ("2021-02-01", ["90Z", "90A", ""], ["90Z", "", ""]),
    ("2021-02-01", ["90Z", "90A", "90E"], ["90Z", "", ""]),
    ("2021-02-01", ["90Z", "90H", "13B"], ["90Z", "13B", ""]),
    ("2021-02-01", ["13B", "90A", "90Z"], ["13B", "90Z", ""]),
    ("2021-02-01", ["90A", "13B", "90E"], ["90Z", "13B", ""]),
    ("2021-02-01", ["90A", "", "90H"], ["90Z", "", ""]),      # offense2 blank between: the gap stays
    ("2021-02-01", ["90A", "", "13B"], ["90Z", "", "13B"]),   # nothing to collapse: I17-NEEDS reports the gap
    # repeats the RMS itself wrote stay for the I16/I17 repeat edits
    ("2021-02-01", ["13A", "13A", ""], ["13A", "13A", ""]),
    ("2021-02-01", ["13B", "90Z", "90Z"], ["13B", "90Z", "90Z"]),
    ("2021-02-01", ["90A", "90A", ""], ["90Z", "90Z", ""]),
    ("2021-02-01", ["90A", "90A", "90H"], ["90Z", "90Z", ""]),
    # before 2021 nothing is remapped, so nothing collapses
    ("2020-12-31", ["90A", "90E", "90H"], ["90A", "90E", "90H"]),
    ("2020-12-31", ["90Z", "90A", ""], ["90Z", "90A", ""]),
])
def test_remap_collapses_only_the_repeats_it_creates(date, given, expected):
    frame = pd.DataFrame({"incident_date": [date], **{c: [v or None] for c, v in zip(OFFENSES, given)}},
                         dtype="str")
    out, counts = remapped(frame, load_reference().remaps)
    assert out[OFFENSES].fillna("").values.tolist() == [expected]
    assert remap_totals(counts) == {"I15-90AEH-TO-90Z": sum(v in ("90A", "90E", "90H") for v in given) if date >= "2021" else 0}


def test_remap_collapse_is_row_by_row():
    frame = pd.DataFrame({"incident_date": ["2021-02-01", "2021-02-01", "2020-06-01"], "offense1": ["90Z", "13B", "90A"],
                          "offense2": ["90H", "13B", "90E"], "offense3": ["13B", "90A", None]}, dtype="str")
    out, counts = remapped(frame, load_reference().remaps)
    assert out[OFFENSES].fillna("").values.tolist() == [["90Z", "13B", ""], ["13B", "13B", "90Z"],
                                                        ["90A", "90E", ""]]
    assert counts["I15-90AEH-TO-90Z"].tolist() == [1, 1, 0]
    assert remap_totals(counts, [1, 2]) == {"I15-90AEH-TO-90Z": 1}


@pytest.mark.parametrize("date, month, given, code, expected, rules, remapped_codes", [
    ("2021-01-05", "2021-01", ["90A", "90E", "90H"], 0, ["90Z", None, None], [], 3),
    ("2021-01-05", "2021-01", ["90Z", "90A", ""], 0, ["90Z", None, None], [], 1),
    ("2021-01-05", "2021-01", ["90Z", "90A", "90E"], 0, ["90Z", None, None], [], 2),
    ("2021-01-05", "2021-01", ["90A", "", "90H"], 0, ["90Z", None, None], [], 2),
    ("2021-01-05", "2021-01", ["90H", "13B", "90A"], 0, ["90Z", "13B", None], [], 2),
    ("2021-01-05", "2021-01", ["13A", "13A", ""], 1, None, ["I16-REPEATS-I15"], 0),
    ("2021-01-05", "2021-01", ["90A", "13B", "13B"], 1, None, ["I17-REPEATS"], 1),
    ("2020-12-05", "2020-12", ["90A", "90E", "90H"], 0, ["90A", "90E", "90H"], [], 0),
])
def test_remap_through_the_monthly_run(run_cli, tmp_path, date, month, given, code, expected, rules, remapped_codes):
    tables = incident(incidents__incident_date=date, incidents__initial_contact_id="CRIMINAL_SUSPICIOUS_ACTIVITY",
                      **{f"incidents__{c}": v for c, v in zip(OFFENSES, given)},
                      incidents__nibrs_incident_number_pu_ids="PENDING", subjects__charged="")
    as_of = f"{month}-28T08:00:00"
    exit_code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg"), "--source",
                                   write_csv_extract(tmp_path / "x", tables), "--month", month,
                                   "--out", tmp_path / "out", "--as-of", as_of)
    assert exit_code == code, stderr
    folder = tmp_path / "out" / "PA0230100" / month
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(manifest["findings"]["by_rule"]) == rules
    assert manifest["remapped_codes"] == {"I15-90AEH-TO-90Z": remapped_codes}
    messages = [json.loads(p.read_text())["Incident"] for p in folder.glob("PA*_0001.json")]
    assert [[m.get(c) for c in OFFENSES] for m in messages] == ([expected] if expected else [])


def test_manifest_counts_the_remapped_codes_of_its_month(run_cli, tmp_path):
    """The manifest is per month: codes remapped in other months' incidents of the extract are not counted."""
    def case(name, date, offenses):
        return incident(name, incidents__incident_date=date, incidents__initial_contact_id="CRIMINAL_SUSPICIOUS_ACTIVITY",
                        **{f"incidents__{c}": v for c, v in zip(OFFENSES, offenses)},
                        incidents__nibrs_incident_number_pu_ids="PENDING", subjects__charged="")
    tables = combined(case("CASE-1", "2021-01-05", ["90A", "90E", ""]), case("CASE-2", "2021-02-03", ["90H", "", ""]),
                      case("CASE-3", "2020-12-03", ["90H", "", ""]))
    source = write_csv_extract(tmp_path / "x", tables)
    profile = write_profile(tmp_path / "cfg")
    counts = {}
    for month in ("2021-01", "2021-02"):
        code, _, stderr = run_cli("run", "--profile", profile, "--source", source, "--month", month,
                                  "--out", tmp_path / "out", "--as-of", "2021-03-10T08:00:00")
        assert code == 0, stderr
        manifest = json.loads((tmp_path / "out" / "PA0230100" / month / "manifest.json").read_text())
        counts[month] = manifest["remapped_codes"]
    assert counts == {"2021-01": {"I15-90AEH-TO-90Z": 2}, "2021-02": {"I15-90AEH-TO-90Z": 1}}
