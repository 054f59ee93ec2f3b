"""I15-I17: 90A, 90E and 90H become 90Z for incidents on or after 2021-01-01 and are kept before."""
import json

import pandas as pd
import pytest

from flows.config import load_reference
from tests.conftest import incident, write_csv_extract, write_profile
from transforms.remap import remapped


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
    assert counts["I15-90AEH-TO-90Z"] == (expected != code)


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


def test_remap_does_not_leave_a_repeated_offense():
    frame = pd.DataFrame({"incident_date": ["2021-02-01", "2021-02-01"], "offense1": ["90Z", "13B"],
                          "offense2": ["90H", "90A"], "offense3": ["13B", "90Z"]}, dtype="str")
    out, _ = remapped(frame, load_reference().remaps)
    assert out[["offense1", "offense2", "offense3"]].fillna("").values.tolist() == [["90Z", "13B", ""],
                                                                                    ["13B", "90Z", ""]]
