#!/usr/bin/env python
"""Regenerate the synthetic CAD (dispatch) sample data/sample/illinois/cad_dispatch.csv (byte-identical every run).

    python scripts/make_cad_sample.py [--out data/sample/illinois/cad_dispatch.csv]

One row per unit dispatched to an incident, as CAD exports are laid out, read by
data/sample/illinois/agency-il.yaml's illinois_mh: section for `uof report illinois-mh`. Everything is fictional
(agency IL0990000, locations "SAMPLE" blocks). The incidents cover each rule of 20 Ill. Adm. Code 1244 Subpart B:

* 2025-09: calls that are no mental-health crisis only (the export covers the month: a month with none);
* 2025-10: crisis calls with several units of several types (patrol, CIT, co-responder, SWAT, psychologist,
  ambulance), units requested by another agency (left out of the levels; an incident with only such units is not
  reported), a unit that answered an ISPERN
  broadcast without being dispatched, an incident only broadcast responders attended (not reported), an incident
  dispatched as a disturbance and reclassified as a crisis later (not reported), a subject not found (reported),
  dispositions listing several outcomes in one cell;
* 2025-11: one crisis call.
"""
from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "sample" / "illinois" / "cad_dispatch.csv"
AGENCY, NEIGHBOUR, FIRE = "IL0990000", "IL0990100", "FD99"
HEADER = ["Incident Number", "Call Received", "Initial Call Type", "Final Call Type", "Unit", "Unit Type",
          "Assignment", "Requested By", "Disposition", "Location"]

# (incident, received, initial call type, final call type, location, [(unit, unit type, assignment, requested by,
#  disposition), ...])
INCIDENTS = [
    ("25-009001", "09/03/2025 08:12:40", "THEFT", "THEFT", "100 BLOCK SAMPLE ST",
     [("P11", "PATROL", "DISPATCHED", AGENCY, "RPT")]),
    ("25-009002", "09/17/2025 22:05:11", "TRAFFIC STOP", "TRAFFIC STOP", "200 BLOCK SAMPLE AVE",
     [("P12", "PATROL", "DISPATCHED", AGENCY, "TKT")]),
    ("25-009003", "09/28/2025 13:47:02", "ALARM", "ALARM", "300 BLOCK SAMPLE RD",
     [("P13", "PATROL", "DISPATCHED", AGENCY, "CLR")]),
    # two units of the agency, both dispatched: Sworn Officer and CIT; released on own recognizance
    ("25-010001", "10/02/2025 09:14:33", "MH CRISIS", "MH CRISIS", "400 BLOCK SAMPLE ST",
     [("P21", "PATROL", "DISPATCHED", AGENCY, "ROR"), ("C1", "CIT", "DISPATCHED", AGENCY, "ROR")]),
    # patrol and the agency's ambulance request; the fire district's engine was requested by the fire district
    ("25-010002", "10/04/2025 17:40:09", "SUICIDAL", "SUICIDAL", "500 BLOCK SAMPLE AVE",
     [("P22", "PATROL", "DISPATCHED", AGENCY, "VOL"), ("M7", "EMS", "DISPATCHED", AGENCY, "TRN;VOL"),
      ("E3", "FIRE", "DISPATCHED", FIRE, "ASSIST")]),
    # the subject was not found: reported all the same (1244.300(d))
    ("25-010003", "10/06/2025 02:21:56", "MH CRISIS", "MH CRISIS", "600 BLOCK SAMPLE RD",
     [("P23", "PATROL", "DISPATCHED", AGENCY, "UTL")]),
    # only an officer answering the ISPERN broadcast, never dispatched: not reported (1244.300(c)(1))
    ("25-010004", "10/09/2025 11:03:27", "MH CRISIS", "MH CRISIS", "700 BLOCK SAMPLE ST",
     [("P24", "PATROL", "ISPERN", AGENCY, "ASSIST")]),
    # dispatched to a disturbance; the crisis came to light on scene: not reported (1244.300(c)(2))
    ("25-010005", "10/11/2025 19:55:48", "DISTURBANCE", "MH CRISIS", "800 BLOCK SAMPLE AVE",
     [("P25", "PATROL", "DISPATCHED", AGENCY, "ARR")]),
    # many units: SWAT, CIT, patrol, ambulance of the agency; a neighbouring agency's social worker it requested
    # itself and its officer answering the broadcast are left out; arrested, then admitted by the officer
    ("25-010006", "10/14/2025 15:30:00", "10-96", "10-96", "900 BLOCK SAMPLE RD",
     [("S1", "SWAT", "DISPATCHED", AGENCY, "ARR"), ("C2", "CIT", "DISPATCHED", AGENCY, "OFA"),
      ("P26", "PATROL", "DISPATCHED", AGENCY, "ARR"), ("M8", "EMS", "DISPATCHED", AGENCY, "TRN"),
      ("SW4", "SW", "DISPATCHED", NEIGHBOUR, "REF"), ("N31", "PATROL", "BROADCAST", NEIGHBOUR, "ASSIST")]),
    # a co-responder car (officer and social worker); released to the family and referred (Other)
    ("25-010007", "10/18/2025 10:02:17", "MH CRISIS", "MH CRISIS", "1000 BLOCK SAMPLE ST",
     [("CR1", "CORESP", "DISPATCHED", AGENCY, "RTF; REF")]),
    # patrol and the agency's psychologist; adjudicated to a facility
    ("25-010008", "10/21/2025 23:48:05", "SUICIDAL", "SUICIDAL", "1100 BLOCK SAMPLE AVE",
     [("P27", "PATROL", "DISPATCHED", AGENCY, "ADJ"), ("Y1", "PSYCH", "DISPATCHED", AGENCY, "ADJ")]),
    ("25-010009", "10/25/2025 07:19:44", "THEFT", "THEFT", "1200 BLOCK SAMPLE RD",
     [("P28", "PATROL", "DISPATCHED", AGENCY, "RPT")]),
    ("25-010010", "10/28/2025 16:26:31", "WELFARE CHECK", "WELFARE CHECK", "1300 BLOCK SAMPLE ST",
     [("P29", "PATROL", "DISPATCHED", AGENCY, "CLR")]),
    # the neighbouring agency requested the agency's unit (mutual aid): its request, not this agency's dispatch
    ("25-010011", "10/30/2025 21:12:50", "MH CRISIS", "MH CRISIS", "1400 BLOCK SAMPLE RD",
     [("P30", "PATROL", "DISPATCHED", NEIGHBOUR, "ASSIST")]),
    ("25-011001", "11/03/2025 12:00:09", "MH CRISIS", "MH CRISIS", "1500 BLOCK SAMPLE AVE",
     [("P21", "PATROL", "DISPATCHED", AGENCY, "ROR")]),
]


def sample_text() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for number, received, initial, final, location, units in INCIDENTS:
        for unit, kind, assignment, requested_by, disposition in units:
            writer.writerow([number, received, initial, final, unit, kind, assignment, requested_by, disposition,
                             location])
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="the CSV file to write")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(sample_text(), encoding="utf-8", newline="")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
