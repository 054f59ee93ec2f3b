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
    assert "A-1" not in stdout  # counts only
    assert not any(tmp_path.glob("**/*.json"))


def test_validate_fatal_exits_2(run_cli, tmp_path):
    code, _, stderr = run_cli("validate", "--profile", write_profile(tmp_path / "cfg"), "--source",
                              tmp_path / "none.xlsx", "--month", "2025-10", "--as-of", AS_OF)
    assert code == 2 and "none.xlsx" in stderr
