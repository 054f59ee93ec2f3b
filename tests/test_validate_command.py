"""`uof validate`: same checks as `uof run`, a table of errors per element and rule, nothing written."""
from tests.conftest import AS_OF, combined, incident, write_csv_extract, write_profile


def validate(run_cli, tmp_path, tables, month="2025-10"):
    source = write_csv_extract(tmp_path / "x", tables)
    return run_cli("validate", "--profile", write_profile(tmp_path / "cfg"), "--source", source, "--month", month,
                   "--as-of", AS_OF)


def test_validate_clean_month_exits_0(run_cli, tmp_path):
    code, stdout, _ = validate(run_cli, tmp_path, incident())
    assert code == 0 and "0 error(s)" in stdout


def test_validate_prints_counts_per_element_and_rule(run_cli, tmp_path):
    tables = combined(incident("A-1", incidents__location_type="99"), incident("B-2", incidents__location_type="98"),
                      incident("C-3", subjects__gender="X"))
    code, stdout, _ = validate(run_cli, tmp_path, tables)
    assert code == 1
    lines = [line.split() for line in stdout.splitlines()]
    assert ["I7", "I7-LOV", "error", "2"] in lines and ["S3", "S3-LOV", "error", "1"] in lines
    assert not any(tmp_path.glob("**/*.json"))


def test_validate_lists_every_incident_concerned_without_values(run_cli, tmp_path):
    tables = combined(incident("A-1", incidents__Premise="PARKLOT"), incident("C-3", subjects__gender="XQZ"),
                      incident("U-1", subjects__injury_type_ids="PENDING", incidents__incident_tickler_ids=""),
                      incident("N-1", subjects__injury_type_ids="NONE", incidents__incident_tickler_ids=""))
    for rows in tables["incidents"]:
        rows.pop("location_type")
    source = write_csv_extract(tmp_path / "x", tables)
    profile = write_profile(tmp_path / "cfg", "columns:\n  incidents: {Premise: location_type}\n")
    code, stdout, _ = run_cli("validate", "--profile", profile, "--source", source, "--month", "2025-10",
                              "--as-of", AS_OF)
    assert code == 1
    lines = [line.split()[:6] for line in stdout.splitlines()]
    # case number, part, element, the RMS column as configured, rule, severity
    assert ["A-1", "incident", "I7", "Premise", "I7-LOV", "error"] in lines
    assert ["C-3", "subject", "1", "S3", "gender", "S3-LOV"] in lines
    assert ["U-1", "incident", "I32", "incident_tickler_ids", "I32-REQUIRED", "error"] in lines
    assert ["U-1", "subject", "1", "S25", "injury_type_ids", "whether"] in lines  # pending review
    assert "Not reportable: 1 incident(s)" in stdout and ["N-1", "incidents.csv", "5"] in lines
    assert "gender (S3) '{value}' is not valid" in stdout  # the rule's message, its value left out
    assert "PARKLOT" not in stdout and "XQZ" not in stdout  # no value from the extract on the terminal
    assert "see not_reportable.csv" not in stdout and "listed in review.csv" not in stdout  # written by run only
    assert "`uof run` writes not_reportable.csv" in stdout and "rejections.csv" in stdout
    assert sorted(p.name for p in tmp_path.glob("**/*") if p.is_file() and p.parent.name != "x") == ["agency.yaml"]


def test_validate_fatal_exits_2(run_cli, tmp_path):
    code, _, stderr = run_cli("validate", "--profile", write_profile(tmp_path / "cfg"), "--source",
                              tmp_path / "none.xlsx", "--month", "2025-10", "--as-of", AS_OF)
    assert code == 2 and "none.xlsx" in stderr
