#!/usr/bin/env python
"""Regenerate the shipped offense/arrest sample for `uof report justice-counts-crime` (byte-identical on every
run): data/sample/justice-counts/offenses.csv and arrests.csv.

    python scripts/make_offense_sample.py [--out data/sample/justice-counts]

Synthetic records of the fictional Keystone Regional Police Department (ORI PA0230100) for 2025, in Keystone
RMS's local codes (its profile agency-jc.yaml and crosswalks/offense-codes.yaml sit beside them, written by
hand). A fixed seed draws the everyday incidents and arrests; the cases the report must get right are written
out below (SCENARIOS), each with the category it must land in:
  - every category: person, property, public order, drug, other (a local ordinance code), unknown;
  - a robbery alone (person by default, property with `justice_counts_robbery: property`);
  - incidents with several offenses of different categories (the most serious decides);
  - an unmapped local code (HARASS), counted as Unknown and listed;
  - an incident referred to another agency and an arrest made outside the jurisdiction (both excluded);
  - arrests with several charges, a person arrested twice (two arrests), blank and unmapped race and sex.
No real person or incident is described.
"""
from __future__ import annotations

import argparse
import csv
import io
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 12
YEAR = 2025
# Keystone local codes by the category they must reach (through the crosswalk to NIBRS, or the profile's map)
CODES = {
    "person": ["SIMPASLT", "AGGASLT", "TERRTHR"],
    "property": ["THEFT", "RETTHEFT", "BURG", "CRIMMIS", "MVTHEFT"],
    "public_order": ["DISCON", "DUI", "TRESP", "WEAPON"],
    "drug": ["DRUGS", "PARAPH"],
    "other": ["ORDVIOL"],
}
RACES = ["WHT", "WHT", "BLK", "BLK", "ASN", "AMI", "PAC", "MUL", "UNK"]
ETHNICITIES = ["N", "N", "N", "H", "U"]
SEXES = ["M", "M", "F"]
OFFENSE_HEADER = ["IncidentNo", "ReportDate", "OffenseSeq", "OffenseCode", "Referred"]
ARREST_HEADER = ["ArrestNo", "ArrestDate", "ChargeSeq", "ChargeCode", "PersonNo", "Race", "Ethnicity", "Sex",
                 "Jurisdiction"]

# (incident, report date, offense codes, referred) -> the category 1.10 must give
SCENARIOS = [
    ("KJ25-00101", "01/06/2025", ["ROB"], "", "person (robbery; property with the NIBRS switch)"),
    ("KJ25-00102", "01/09/2025", ["DRUGS", "THEFT", "SIMPASLT"], "", "person (person > property > drug)"),
    ("KJ25-00103", "01/14/2025", ["DISCON", "BURG"], "", "property (property > public order)"),
    ("KJ25-00104", "01/20/2025", ["PARAPH", "TRESP"], "", "public order (public order > drug)"),
    ("KJ25-00105", "01/27/2025", ["ORDVIOL", "DRUGS"], "", "drug (drug > other)"),
    ("KJ25-00106", "02/03/2025", ["ORDVIOL"], "", "other (local ordinance, mapped to other)"),
    ("KJ25-00107", "02/11/2025", ["HARASS"], "", "unknown (HARASS is unmapped: listed)"),
    ("KJ25-00108", "02/18/2025", ["HARASS", "CRIMMIS"], "", "property (an unmapped code decides nothing)"),
    ("KJ25-00109", "02/25/2025", [""], "", "unknown (blank offense code)"),
    ("KJ25-00110", "03/04/2025", ["AGGASLT"], "Y", "not counted (referred to another agency)"),
    ("KJ25-00111", "03/10/2025", ["ROB", "MVTHEFT"], "", "person (robbery > property; property either way)"),
]
# (arrest, date, charges, person, race, ethnicity, sex, jurisdiction) -> what 1.7-1.9 must give
ARREST_SCENARIOS = [
    ("KA25-0201", "01/07/2025", ["ROB"], "P-9001", "BLK", "N", "M", "IN", "person; Black / Not Hispanic; male"),
    ("KA25-0202", "01/10/2025", ["DRUGS", "SIMPASLT"], "P-9002", "WHT", "H", "F", "IN",
     "person (most serious charge); White / Hispanic; female"),
    ("KA25-0203", "02/12/2025", ["HARASS"], "P-9003", "", "", "", "IN", "unknown charge (unmapped); all unknown"),
    ("KA25-0204", "02/19/2025", ["DUI"], "P-9002", "WHT", "H", "F", "IN", "public order: the same person again, "
                                                                        "a second arrest"),
    ("KA25-0205", "03/05/2025", ["THEFT"], "P-9004", "ZZZ", "N", "X", "IN",
     "property; race ZZZ and sex X unmapped (Unknown, listed)"),
    ("KA25-0206", "03/11/2025", ["AGGASLT"], "P-9005", "ASN", "N", "M", "OUT",
     "not counted (offense outside the jurisdiction)"),
]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _date(rng: random.Random, month: int) -> str:
    return f"{month:02d}/{rng.randint(1, 28):02d}/{YEAR}"


def offenses(rng: random.Random) -> list[list[str]]:
    rows = []
    for incident, date, codes, referred, _ in SCENARIOS:
        rows += [[incident, date, str(i), code, referred] for i, code in enumerate(codes, 1)]
    number = 200
    weights = [("person", 3), ("property", 6), ("public_order", 3), ("drug", 2), ("other", 1)]
    pool = [c for c, w in weights for _ in range(w)]
    for month in range(1, 13):
        for _ in range(rng.randint(3, 6)):
            number += 1
            codes = [rng.choice(CODES[rng.choice(pool)]) for _ in range(rng.choice([1, 1, 1, 2]))]
            date = _date(rng, month)
            rows += [[f"KJ25-{number:05d}", date, str(i), code, ""] for i, code in enumerate(codes, 1)]
    return rows


def arrests(rng: random.Random) -> list[list[str]]:
    rows = []
    for arrest, date, charges, person, race, eth, sex, where, _ in ARREST_SCENARIOS:
        rows += [[arrest, date, str(i), code, person, race, eth, sex, where] for i, code in enumerate(charges, 1)]
    number, person = 300, 9100
    pool = [c for c in CODES for _ in range(2 if c in ("property", "public_order") else 1)]
    for month in range(1, 13):
        for _ in range(rng.randint(2, 4)):
            number, person = number + 1, person + 1
            charges = [rng.choice(CODES[rng.choice(pool)]) for _ in range(rng.choice([1, 1, 2]))]
            people = [rng.choice(RACES), rng.choice(ETHNICITIES), rng.choice(SEXES)]
            date = _date(rng, month)
            rows += [[f"KA25-{number:04d}", date, str(i), code, f"P-{person}", *people, "IN"]
                     for i, code in enumerate(charges, 1)]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "sample" / "justice-counts")
    args = parser.parse_args(argv)
    rng = random.Random(SEED)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "offenses.csv").write_bytes(_csv(OFFENSE_HEADER, offenses(rng)))
    (args.out / "arrests.csv").write_bytes(_csv(ARREST_HEADER, arrests(rng)))
    print(f"wrote {args.out / 'offenses.csv'} and {args.out / 'arrests.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
