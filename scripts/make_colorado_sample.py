#!/usr/bin/env python
"""Regenerate the synthetic Colorado sample extract in data/sample/colorado/extract/ (byte-identical every run).

    python scripts/make_colorado_sample.py [--out data/sample/colorado/extract]

Three CSV tables (incidents, subjects, officers) in the FBI element names, a valid FBI extract, plus the officer
columns the Colorado report reads (named by data/sample/colorado/agency-co.yaml's colorado: section):
OfficerName, PostNumber (obviously fake: "SAMPLE OFFICER A", "FAKE-0001"), WeaponDisplay, WeaponKind, UsedForce.
One incident per case of the Division of Criminal Justice's FAQ (its five numbered examples), a long gun carried
slung on the back, a SWAT entry with long guns in a ready position, a Taser, a discharge, and an incident of July
2022 (before the collection began); in 2025-11 an officer whose weapon display is blank (cannot be decided) and a
backup officer without a POST number (missing element).
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "sample" / "colorado" / "extract"

INCIDENT = {  # the model: tests/conftest.py BASE_INCIDENT, in Colorado; counts and tickler derived by uof
    "agency_case_number": "", "incident_date": "", "incident_time_hours": "10", "incident_time_minutes": "15",
    "location_type": "13", "initial_contact_id": "TRAFFIC_STOP", "total_officers_involved": "1", "ambushed": "NO",
    "did_officer_approach": "YES", "senior_officer_present": "NO", "address_1": "1 Sample Way",
    "address_city": "Testville", "address_state_id": "CO", "address_zip": "80000",
}
SUBJECT = {
    "agency_case_number": "", "subject_id": "1", "race_ethnicity_ids": "W", "gender": "M", "age1": "30",
    "height1_feet": "5", "height1_inch": "10", "weight1": "180", "impairment": "NO", "resisted": "YES",
    "resistance_type_ids": "PHYSICAL", "threat_directed_at": "OFFICER", "armed": "NO", "force_type_ids": "PHYSICAL",
    "injury_type_ids": "NONE", "charged": "YES",
}
OFFICER = {
    "agency_case_number": "", "officer_id": "1", "race_ethnicity_ids": "W", "gender": "F", "age": "35",
    "height_feet": "5", "height_inch": "8", "weight": "150", "years_of_service": "10", "full_part_time": "YES",
    "officer_identifiable": "YES", "on_duty": "YES", "officer_injured": "NO", "shots_fired": "NO",
    "OfficerName": "", "PostNumber": "", "WeaponDisplay": "NONE", "WeaponKind": "", "UsedForce": "N",
}

# case, date, subject changes, officers' changes (one dict per officer), what it shows
CASES = [
    ("CO25-0001", "2025-10-02", {"force_type_ids": "OTHER"}, [{"WeaponDisplay": "DRAWN", "WeaponKind": "HANDGUN"}],
     "example 1: an officer draws a weapon: reportable"),
    ("CO25-0002", "2025-10-04", {"force_type_ids": "OTHER"},
     [{"WeaponDisplay": "DRAWN", "WeaponKind": "HANDGUN"}, {}],
     "example 2: an officer draws, a backup officer does not: reportable, the backup's POST number listed"),
    ("CO25-0003", "2025-10-06", {"force_type_ids": "BATON"},
     [{"WeaponDisplay": "STRIKE", "WeaponKind": "BATON", "UsedForce": "Y"}],
     "example 3: a baton used without serious injury: reportable"),
    ("CO25-0004", "2025-10-09", {}, [{"UsedForce": "Y"}],
     "example 4: a control hold without serious bodily injury: not reportable"),
    ("CO25-0005", "2025-10-11", {"injury_type_ids": "OTHER_SERIOUS_INJURY"}, [{"UsedForce": "Y"}],
     "example 5: a control hold breaks a wrist (serious bodily injury): reportable"),
    ("CO25-0006", "2025-10-14", {}, [{"WeaponDisplay": "SLUNG", "WeaponKind": "RIFLE", "UsedForce": "Y"}, {}],
     "a long gun slung on the back (could not be used at once): not brandished, not reportable"),
    ("CO25-0007", "2025-10-17", {},
     [{"WeaponDisplay": "READY", "WeaponKind": "RIFLE"}, {"WeaponDisplay": "READY", "WeaponKind": "RIFLE"},
      {"UsedForce": "Y"}],
     "SWAT: two long guns in the hands in a ready position (brandished): reportable, both officers named"),
    ("CO25-0008", "2025-10-20", {"force_type_ids": "ELECTRONIC"},
     [{"WeaponDisplay": "DEPLOYED", "WeaponKind": "CEW", "UsedForce": "Y"}],
     "a Taser deployed without injury: reportable"),
    ("CO25-0009", "2025-10-23", {"force_type_ids": "FIREARM", "injury_type_ids": "GUNSHOT", "armed": "YES"},
     [{"WeaponDisplay": "FIRED", "WeaponKind": "HANDGUN", "shots_fired": "YES", "UsedForce": "Y"}, {}],
     "a firearm discharged, the subject hit: reportable"),
    ("CO22-0001", "2022-07-20", {"force_type_ids": "OTHER"}, [{"WeaponDisplay": "DRAWN", "WeaponKind": "HANDGUN"}],
     "July 2022, before the collection began (2022-08): not submitted"),
    ("CO25-0010", "2025-11-03", {}, [{"WeaponDisplay": ""}],
     "the officer's weapon display is blank: cannot be decided"),
    ("CO25-0011", "2025-11-07", {"force_type_ids": "OTHER"},
     [{"WeaponDisplay": "DRAWN", "WeaponKind": "HANDGUN"}, {"PostNumber": ""}],
     "an officer draws; the backup officer's POST number is blank: a missing element"),
]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def tables() -> dict[str, list[dict]]:
    out = {"incidents": [], "subjects": [], "officers": []}
    badge = 0
    for case, date, subject, officers, _ in CASES:
        out["incidents"].append({**INCIDENT, "agency_case_number": case, "incident_date": date,
                                 "total_officers_involved": str(len(officers))})
        out["subjects"].append({**SUBJECT, "agency_case_number": case, **subject})
        for number, changes in enumerate(officers, start=1):
            badge += 1
            out["officers"].append({**OFFICER, "agency_case_number": case, "officer_id": str(number),
                                    "OfficerName": f"SAMPLE OFFICER {LETTERS[badge - 1]}",
                                    "PostNumber": f"FAKE-{badge:04d}", **changes})
    return out


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables().items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    write(parser.parse_args().out)


if __name__ == "__main__":
    main()
