#!/usr/bin/env python
"""Generate a synthetic state extract: many Keystone-RMS agencies in one CSV extract with an agency column.

    python scripts/generate_state_extract.py --agencies 1000 --incidents 1000000 --out ./state-work \\
        [--start 2021-01 --end 2025-10] [--errors-per-agency 1] [--seed 7]

Each agency's rows come from scripts/generate_extract.py (its own seed), with the column `AgencyORI` put first
in every table; case numbers repeat across agencies on purpose (they are unique only within an agency). The
tables are appended agency by agency, so memory stays that of one agency. Also writes `state.yaml` (the table
of agencies) beside a copy of the Keystone agency profile and crosswalks (`agency.yaml`, `crosswalks/`).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_extract as g  # noqa: E402

AGENCY_COLUMN = "AgencyORI"
TABLES = ("incidents", "subjects", "officers")


def agency_ori(i: int) -> str:
    """Nine characters: PA, five digits, 00 (a fictional county-style ORI)."""
    return f"PA{10000 + i:05d}00"


def split_counts(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def write_state_extract(folder: Path, n_agencies: int, n_incidents: int, months: list[str], seed: int = 7,
                        errors_per_agency: int = 0, extra_rows: list[dict] | None = None) -> list[str]:
    """Write incidents/subjects/officers.csv of `n_agencies` agencies into `folder`; return their ORIs.
    `extra_rows`: {table, values} rows appended at the end (rows of unknown or blank agencies, for tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    oris = [agency_ori(i) for i in range(n_agencies)]
    handles = {t: open(folder / f"{t}.csv", "w", encoding="utf-8", newline="") for t in TABLES}
    try:
        for i, (ori, n) in enumerate(zip(oris, split_counts(n_incidents, n_agencies))):
            if n < 1:
                continue
            ex = g.generate(n, seed * 100_003 + i, months, errors=min(errors_per_agency, max(0, n - 1)))
            tmp = folder / f".agency-{i}"
            g.write_csv(ex, tmp)
            for t in TABLES:
                lines = (tmp / f"{t}.csv").read_text(encoding="utf-8").splitlines(keepends=True)
                if handles[t].tell() == 0:
                    handles[t].write(f"{AGENCY_COLUMN}," + lines[0])
                handles[t].writelines(f"{ori}," + line for line in lines[1:])
                (tmp / f"{t}.csv").unlink()
            tmp.rmdir()
        for row in extra_rows or ():
            handles[row["table"]].write(row["line"] + "\n")
    finally:
        for h in handles.values():
            h.close()
    return oris


def state_profile_text(name: str, oris: list[str], agency_profile: str = "agency.yaml",
                       names: dict | None = None, extra: str = "") -> str:
    lines = ["# yaml-language-server: $schema=../../../schemas/json/state.schema.json",
             f'state_name: "{name}"', f"agency_column: {AGENCY_COLUMN}", f"agency_profile: {agency_profile}",
             "agencies:"]
    for i, ori in enumerate(oris):
        label = (names or {}).get(ori, f"Keystone Township {i + 1} Police Department")
        lines.append(f'  - {{ori: {ori}, name: "{label}"}}')
    return "\n".join(lines) + "\n" + extra


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--agencies", type=int, required=True)
    p.add_argument("--incidents", type=int, required=True, help="reportable incidents in all, spread evenly")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--start", default="2021-01")
    p.add_argument("--end", default="2025-10")
    p.add_argument("--errors-per-agency", type=int, default=0)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    oris = write_state_extract(args.out / "extract_csv", args.agencies, args.incidents,
                               g.month_list(args.start, args.end), args.seed, args.errors_per_agency)
    g.write_profile(args.out)
    (args.out / "state.yaml").write_text(state_profile_text("Keystone State (synthetic)", oris), encoding="utf-8")
    print(f"{len(oris)} agencies, {args.incidents} incidents -> {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
