"""Offense categories in the manifest: NIBRS crimes-against and Justice Counts, robbery configurable."""
import json

import pytest

from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile

CSA = dict(incidents__initial_contact_id="CRIMINAL_SUSPICIOUS_ACTIVITY", incidents__nibrs_incident_number_pu_ids="PENDING")


@pytest.mark.parametrize("profile_text, robbery", [("", "person"), ("justice_counts_robbery: property\n", "property")])
def test_offense_categories_robbery_configurable(run_cli, tmp_path, profile_text, robbery):
    tables = combined(incident("R-1", incidents__offense1="120", **CSA), incident("D-1", incidents__offense1="35A", **CSA),
                      incident("N-1"))
    source = write_csv_extract(tmp_path / "x", tables)
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg", profile_text), "--source", source,
                              "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 0, stderr
    manifest = json.loads((tmp_path / "out" / "PA0230100" / "2025-10" / "manifest.json").read_text())
    categories = manifest["offense_categories"]
    assert categories["crimes_against"] == {"Property": 1, "Society": 1, "none": 1}
    assert categories["justice_counts"]["drug"] == 1 and categories["justice_counts"][robbery] == 1


def test_offense_categories_bad_setting_is_a_config_error(run_cli, tmp_path):
    source = write_csv_extract(tmp_path / "x", incident())
    code, _, stderr = run_cli("run", "--profile", write_profile(tmp_path / "cfg", "justice_counts_robbery: theft\n"),
                              "--source", source, "--month", "2025-10", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert code == 2 and "justice_counts_robbery" in stderr
