"""Legal and spec citations in docs, README, profiles, code and rule messages point at the right text.

Known-wrong citations fail without the reference texts; the others are checked against
../shared/reference/*.txt (skipped when that folder is absent).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO.parent / "shared" / "reference"
SCANNED = ["README.md", "docs/*.md", "data/sample/**/*.md", "data/sample/**/*.yaml", "schemas/*.yaml",
           "schemas/*.py", "mappings/*.yaml", "flows/*.py", "transforms/*.py", "scripts/*.py"]


def _lines() -> list[tuple[str, int, str]]:
    out = []
    for pattern in SCANNED:
        for path in sorted(REPO.glob(pattern)):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                out.append((str(path.relative_to(REPO)), n, line))
    return out


LINES = _lines()

# (what is wrong, pattern that finds it on one line)
KNOWN_WRONG = [
    ("1244.20 is the Purpose section; the zero report by the 15th is 20 Ill. Adm. Code 1244.30(d)",
     re.compile(r"1244\.20(?!0)")),
    ("1244.300(f) is the mental-health crisis deadline, not the use-of-force zero report",
     re.compile(r"(?i)zero.*1244\.300|1244\.300.*zero")),
    ("the samples are in Appendix A (samples A-E); Appendix B is file names",
     re.compile(r"Appendix B (sends|shows|'s `false`|\(AddOnly)|Appendices A and B")),
    ("Remove is §2.1.1 / Appendix A sample C; Appendix C is Mandatories",
     re.compile(r"Remove.*Appendix C\b|Appendix C\b.*Remove")),
]


@pytest.mark.parametrize("problem, pattern", KNOWN_WRONG, ids=[p.pattern for _, p in KNOWN_WRONG])
def test_no_known_wrong_citation(problem, pattern):
    assert [f"{path}:{n}" for path, n, line in LINES if pattern.search(line)] == [], problem


def test_known_wrong_patterns_catch_the_old_texts():
    old = ["15th of the following month, zero report included (20 Ill. Adm. Code 1244.20 d, f)",
           "incidents, or a zero report (FBI spec §2, Illinois 20 IAC 1244.20 d, f).",
           "zero report due per 1244.300(f)", "| 2 | Appendix B sends `age_estimated`",
           "deleted or moved ones as `Remove` (Appendix C); unchanged ones"]
    assert [any(p.search(text) for _, p in KNOWN_WRONG) for text in old] == [True] * len(old)


def test_illinois_zero_report_deadline_is_cited_as_1244_30_d():
    status = (REPO / "docs" / "status.md").read_text(encoding="utf-8")
    row = next(line for line in status.splitlines() if line.startswith("| `illinois`"))
    assert "1244.30(d)" in row


def _reference(name: str) -> str:
    files = sorted(REFERENCE.glob(name))
    if not files:
        pytest.skip(f"reference text {name} not in {REFERENCE}")
    return files[0].read_text(encoding="utf-8")


def test_illinois_citations_exist_in_20_iac_1244():
    text = _reference("illinois-20iac1244*.txt")
    sections = {}
    for block in re.split(r"\nSection (?=1244\.\d+ )", text)[1:]:
        number = block.split(" ", 1)[0]
        sections[number] = sections.get(number, "") + block
    found = [(path, n, m.group(1), m.group(2)) for path, n, line in LINES
             for m in re.finditer(r"1244\.(\d+)(?:\s*\(([a-z])\))?", line)]
    assert found, "no Illinois citation left to check"
    bad = [f"{path}:{n} 1244.{s}({sub})" for path, n, s, sub in found
           if f"1244.{s}" not in sections or (sub and not re.search(rf"(?m)^{sub}\) ", sections[f"1244.{s}"]))]
    assert bad == []


def test_serious_bodily_injury_cites_18_usc_2246_4():
    text = _reference("fbi-use-of-force-flat-file-spec-v4.7.txt") + _reference("illinois-20iac1244*.txt")
    cited = {m.groups() for _, _, line in LINES for m in re.finditer(r"18 U\.?S\.?C\.? (?:§ ?)?(\d+) ?\((\d+)\)", line)}
    assert cited and all(f"Section {s} ({p})" in text for s, p in cited), cited


def test_colorado_statute_citations_exist():
    text = _reference("colorado-*.txt")
    cited = {m.group(1) for _, _, line in LINES for m in re.finditer(r"(\d{2}-\d{2}-\d{3}),? C\.R\.S", line)}
    assert cited and all(f"{c}, C.R.S." in text or f"C.R.S. {c}" in text for c in cited), cited


def test_spec_section_citations_exist():
    text = _reference("fbi-use-of-force-flat-file-spec-v4.7.txt")
    headings = set(re.findall(r"(?m)^(\d+(?:\.\d+)*)\s", text))
    cited = {(path, n, m.group(1)) for path, n, line in LINES for m in re.finditer(r"§ ?(\d+(?:\.\d+)*)", line)}
    assert sorted(f"{path}:{n} §{s}" for path, n, s in cited if s not in headings) == []
