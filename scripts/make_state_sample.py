#!/usr/bin/env python
"""Write the shipped 20-agency state sample, data/sample/state/ (synthetic, deterministic):

    python scripts/make_state_sample.py

- 19 agencies with rows, 2025-07..2025-10, each from scripts/generate_extract.py with its own seed; every
  third agency has one deliberate error (a rejection); case numbers repeat across agencies on purpose;
- a 20th agency listed in the state profile with no row at all (it never reported: the compliance table shows
  its months missing);
- PA1000400 is federal; PA1000500 and PA1000600 are submitted by the state police (PAKSP0000), so they
  share its file numbers and run one after the other;
- two rows that belong to no listed agency (an unknown ORI, a blank agency cell): counted and listed.
The agencies share the Keystone profile data/sample/agency.yaml (its layout, columns and crosswalks).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_extract as g  # noqa: E402
from generate_state_extract import AGENCY_COLUMN, agency_ori, split_counts  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "sample" / "state"
MONTHS = ["2025-07", "2025-08", "2025-09", "2025-10"]
N_WITH_ROWS, N_LISTED = 19, 20
SHARED_SUBMITTER = "PAKSP0000"
TABLES = ("incidents", "subjects", "officers")


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    folder = OUT / "extract_csv"
    folder.mkdir(parents=True)
    oris = [agency_ori(i) for i in range(N_LISTED)]
    counts = split_counts(150, N_WITH_ROWS)
    parts = {t: [] for t in TABLES}
    for i, ori in enumerate(oris[:N_WITH_ROWS]):
        ex = g.generate(counts[i], 900 + i, MONTHS, errors=1 if i % 3 == 0 else 0)
        tmp = OUT / ".tmp"
        g.write_csv(ex, tmp)
        for t in TABLES:
            lines = (tmp / f"{t}.csv").read_text(encoding="utf-8").splitlines()
            if not parts[t]:
                parts[t].append(f"{AGENCY_COLUMN},{lines[0]}")
            parts[t] += [f"{ori},{line}" for line in lines[1:]]
        shutil.rmtree(tmp)
    # a row of an agency the state does not list, and one whose agency cell is blank
    stray = parts["incidents"][1].split(",", 1)[1]
    parts["incidents"].append(f"PA9999900,{stray}")
    parts["subjects"].append("," + parts["subjects"][1].split(",", 1)[1])
    for t in TABLES:
        (folder / f"{t}.csv").write_text("\n".join(parts[t]) + "\n", encoding="utf-8")
    entries = []
    for i, ori in enumerate(oris):
        extra = ""
        if ori == agency_ori(3):
            extra = ", agency_kind: federal"
        if ori in (agency_ori(4), agency_ori(5)):
            extra = f", reporting_agency_ori: {SHARED_SUBMITTER}"
        entries.append(f'  - {{ori: {ori}, name: "Keystone Township {i + 1} Police Department"{extra}}}')
    (OUT / "state.yaml").write_text("\n".join([
        "# yaml-language-server: $schema=../../../schemas/json/state.schema.json",
        "# State profile of the shipped 20-agency sample (synthetic). Written by scripts/make_state_sample.py.",
        'state_name: "Keystone State use-of-force program (sample)"',
        "# the column of every table that says which agency a row belongs to",
        f"agency_column: {AGENCY_COLUMN}",
        "# the agency profile the agencies share: layout, columns, crosswalks (its own ORI and name are replaced)",
        "agency_profile: ../agency.yaml",
        "allowed_roots: [..]",
        "agencies:", *entries, ""]), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
