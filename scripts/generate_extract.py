#!/usr/bin/env python
"""Deterministic synthetic RMS extract for the imaginary vendor "Keystone RMS".

Writes what a records management system would export for use-of-force incidents, in the input
contract of `uof run` (docs/architecture.md): three tables `incidents`, `subjects`, `officers`
as a folder of CSV files and/or an .xlsx workbook, with Keystone's LOCAL codes (premise, contact
reason, Y/N/P/U answers, race, gender, force, injuries, offenses) and a few renamed columns, plus
(``--write-profile``) the agency profile and the crosswalks that map those codes to FBI values.

    python scripts/generate_extract.py --incidents 500 --out /tmp/ks --format both --seed 7 \\
        --start 2025-07 --end 2025-10 --errors 8 --not-reportable 20 --write-profile
    uof run --profile /tmp/ks/agency.yaml --source /tmp/ks/rms_extract_csv --month 2025-10 --out /tmp/ks/out

Layout written into --out:
    rms_extract_csv/{incidents,subjects,officers}.csv   (--format csv|both)
    rms_extract.xlsx                                     (--format xlsx|both)
    agency.yaml, crosswalks/*.yaml                       (--write-profile)

Everything is drawn from numpy Generators seeded with --seed (no wall clock): the same arguments
give byte-identical files. Valid incidents satisfy the edits of the FBI flat-file spec v4.7 §3.2;
``--errors K`` then breaks K of them, each with one clearly different violation (listed on
stdout and returned by ``generate``), and ``--not-reportable K`` adds K force incidents that do
not meet the FBI criteria (no death, no serious injury, no firearm discharge).
"""
from __future__ import annotations

import argparse
import calendar
import datetime as dt
import io
import json
import os
import re
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

AGENCY_ORI = "PA0230100"
AGENCY_NAME = "Keystone Regional Police Department"
CASE_PREFIX = "KP"

# --------------------------------------------------------------------------------------------
# Keystone RMS code lists. Each entry: (local code, FBI value or list of values, description,
# weight in the generated data). These lists are the single source of truth for the crosswalk
# files written by --write-profile.
# --------------------------------------------------------------------------------------------
LOCATION = [
    ("RES", "20", "Residence - single family", 22),
    ("APT", "20", "Residence - apartment/condominium", 9),
    ("STR", "13", "Street/sidewalk", 14),
    ("HWY", "13", "Highway/roadway", 7),
    ("ALLEY", "13", "Alley", 2),
    ("PKG", "18", "Parking lot/garage", 7),
    ("CONV", "07", "Convenience store", 4),
    ("BAR", "03", "Bar/nightclub", 3),
    ("COMM", "05", "Commercial/office building", 3),
    ("GAS", "23", "Service/gas station", 3),
    ("PARK", "50", "Park/playground", 3),
    ("HOTEL", "14", "Hotel/motel", 2),
    ("HOSP", "09", "Hospital/doctor's office/pharmacy", 2),
    ("SCH", "53", "School - elementary/secondary", 1),
    ("COLL", "52", "College/university", 0.5),
    ("JAIL", "15", "Jail/holding facility", 1),
    ("WOODS", "10", "Field/woods", 2),
    ("GOVT", "11", "Government/public building", 1),
    ("REST", "21", "Restaurant", 2),
    ("STORE", "24", "Specialty store", 1.5),
    ("DEPT", "08", "Department/discount store", 1),
    ("GROC", "12", "Grocery/supermarket", 1),
    ("LIQ", "17", "Liquor store", 0.5),
    ("MALL", "55", "Shopping mall", 1),
    ("ABND", "37", "Abandoned/condemned structure", 1),
    ("SHELT", "54", "Shelter - mission/homeless", 0.5),
    ("TRANS", "01", "Bus/train station", 1),
    ("WATER", "16", "Lake/waterway/riverfront", 0.3),
    ("OTH", "OTHER", "Other", 2),
    ("UNK", "UNKNOWN", "Unknown", 0.7),
    ("PND", "PENDING", "Pending investigation", 0.7),
]

CONTACT = [
    ("CFS", "CRIMINAL_SUSPICIOUS_ACTIVITY", "Call for service - criminal/suspicious activity", 44),
    ("ONVIEW", "CRIMINAL_SUSPICIOUS_ACTIVITY", "Officer-initiated - crime observed", 8),
    ("TS", "TRAFFIC_STOP", "Traffic stop", 12),
    ("PATROL", "ROUTINE_PATROL", "Routine patrol (not a traffic stop)", 7),
    ("WARR", "WARRANT", "Warrant service", 8),
    ("CRTORD", "COURT_ORDER", "Court order / PFA service", 2),
    ("FOLLOW", "FOLLOWUP", "Follow-up investigation", 3),
    ("MH", "MEDICAL", "Mental health / medical / welfare check", 9),
    ("DEMO", "DEMONSTRATION", "Mass demonstration", 0.5),
    ("OTH", "OTHER", "Other", 3),
    ("PND", "PENDING", "Pending investigation", 2),
    ("UNK", "UNKNOWN", "Unknown", 1),
]

YNPU = [
    ("Y", "YES", "Yes"),
    ("N", "NO", "No"),
    ("P", "PENDING", "Pending investigation"),
    ("U", "UNKNOWN", "Unknown"),
]

RACE = [
    ("WHT", "W", "White"),
    ("BLK", "B", "Black"),
    ("HSP", "H", "Hispanic"),
    ("ASN", "A", "Asian"),
    ("AMI", "I", "American Indian/Alaska Native"),
    ("PAC", "P", "Native Hawaiian/Pacific Islander"),
    ("WHH", ["W", "H"], "White Hispanic"),
    ("BLH", ["B", "H"], "Black Hispanic"),
    ("UNK", "UNKNOWN", "Unknown"),
    ("PND", "PENDING", "Pending investigation"),
]
# Cells as the RMS exports them (several codes separated by ';' for multiracial persons).
SUBJECT_RACE_CELLS = [("BLK", 37), ("WHT", 33), ("HSP", 6), ("WHH", 8), ("BLH", 3), ("ASN", 2),
                      ("AMI", 1), ("PAC", 0.5), ("BLK;AMI", 1), ("WHT;ASN", 0.5), ("UNK", 5), ("PND", 3)]
OFFICER_RACE_CELLS = [("WHT", 70), ("BLK", 12), ("HSP", 3), ("WHH", 7), ("BLH", 2), ("ASN", 3),
                      ("AMI", 0.5), ("PAC", 0.5), ("WHT;AMI", 0.5), ("UNK", 1)]

GENDER = [
    ("MALE", "M", "Male"),
    ("FEMALE", "F", "Female"),
    ("UNK", "UNKNOWN", "Unknown"),
    ("PND", "PENDING", "Pending investigation"),
]

FORCE = [
    ("FA", "FIREARM", "Firearm discharged at a person"),
    ("TASER", "ELECTRONIC", "Conducted energy weapon (Taser)"),
    ("OC", "CHEMICAL", "OC/pepper spray"),
    ("BATON", "BATON", "Baton"),
    ("K9", "CANINE", "Police dog"),
    ("HANDS", "PHYSICAL", "Hands/fists/feet, takedown"),
    ("FLASH", "BLUNT_OBJECT", "Flashlight/blunt object"),
    ("LESSLETH", "PROJECTILE", "Less-lethal launcher (beanbag, 40 mm)"),
    ("FLASHBANG", "EXPLOSIVE", "Noise-flash diversionary device"),
    ("OTH", "OTHER", "Other (vehicle, restraint device, ...)"),
    ("PND", "PENDING", "Pending investigation"),
    ("UNK", "UNKNOWN", "Unknown"),
]
FORCE_CELLS_FIREARM = [("FA", 55), ("FA;HANDS", 14), ("FA;TASER", 8), ("FA;K9", 5), ("TASER;FA", 4),
                       ("FA;LESSLETH", 3), ("FA;HANDS;TASER", 4), ("FA;OC", 2), ("FA;FLASHBANG", 1),
                       ("FA;OTH", 1)]
FORCE_CELLS_OTHER = [("HANDS", 22), ("HANDS;TASER", 16), ("TASER", 13), ("K9", 8), ("HANDS;K9", 7),
                     ("HANDS;BATON", 4), ("OC;HANDS", 5), ("HANDS;FLASH", 2), ("LESSLETH", 3),
                     ("HANDS;LESSLETH", 2), ("TASER;OC;HANDS", 3), ("OTH", 2), ("HANDS;OTH", 2),
                     ("BATON", 2), ("FLASHBANG;HANDS", 0.5)]
FORCE_CELLS_MINOR = [("HANDS", 40), ("HANDS;TASER", 20), ("TASER", 15), ("OC", 8), ("OC;HANDS", 8),
                     ("K9", 4), ("HANDS;BATON", 3)]

SUBJECT_INJURY = [
    ("GSW", "GUNSHOT", "Gunshot wound"),
    ("SBI", "OTHER_SERIOUS_INJURY", "Serious bodily injury (hospital admission, fracture, ...)"),
    ("LOC", "UNCONSCIOUSNESS", "Loss of consciousness"),
    ("DEC", "DEATH", "Deceased"),
    ("NONE", "NONE", "No injury"),
    ("MINOR", "NONE", "Minor injury only (abrasion, taser probe): not a serious bodily injury, FBI has no minor value"),
    ("PND", "PENDING", "Pending investigation"),
    ("UNK", "UNKNOWN", "Unknown"),
]
SERIOUS_INJURY_CELLS = [("SBI", 40), ("GSW", 33), ("LOC", 12), ("GSW;SBI", 8), ("SBI;LOC", 5), ("GSW;LOC", 2)]

OFFICER_INJURY = [
    ("MINOR", "APPARENT_MINOR_INJURY", "Apparent minor injury"),
    ("GSW", "GUNSHOT", "Gunshot wound"),
    ("SBI", "OTHER_SERIOUS_INJURY", "Serious injury requiring medical treatment"),
    ("LOC", "UNCONSCIOUSNESS", "Loss of consciousness"),
    ("DEC", "DEATH", "Line-of-duty death"),
    ("PND", "PENDING", "Pending investigation"),
    ("UNK", "UNKNOWN", "Unknown"),
]
OFFICER_INJURY_CELLS = [("MINOR", 70), ("SBI", 10), ("MINOR;LOC", 3), ("LOC", 3), ("GSW", 4),
                        ("PND", 5), ("UNK", 5)]

OFFENSE = [
    ("HOM", "09A", "Homicide/murder", 2),
    ("KIDNAP", "100", "Kidnapping/abduction", 1),
    ("RAPE", "11A", "Rape", 1),
    ("ROB", "120", "Robbery", 8),
    ("AGGASLT", "13A", "Aggravated assault", 18),
    ("SIMPASLT", "13B", "Simple assault", 10),
    ("TERRTHR", "13C", "Terroristic threats/intimidation", 4),
    ("ARSON", "200", "Arson", 0.5),
    ("BURG", "220", "Burglary", 4),
    ("RETTHEFT", "23C", "Retail theft", 3),
    ("THEFT", "23H", "Theft, all other", 3),
    ("MVTHEFT", "240", "Motor vehicle theft", 3),
    ("FRAUD", "26A", "Fraud/false pretenses", 0.5),
    ("RSP", "280", "Receiving stolen property", 2),
    ("CRIMMIS", "290", "Criminal mischief", 3),
    ("DRUGS", "35A", "Drug/narcotic violation", 10),
    ("PARAPH", "35B", "Drug paraphernalia", 3),
    ("HUMTRAF", "64A", "Human trafficking, commercial sex", 0.2),
    ("WEAPON", "520", "Weapons violation (VUFA)", 9),
    ("CURFEW", "90B", "Curfew/loitering", 0.5),
    ("DISCON", "90C", "Disorderly conduct", 6),
    ("DUI", "90D", "Driving under the influence", 3),
    ("DOMNV", "90F", "Family offense, nonviolent", 1),
    ("LIQLAW", "90G", "Liquor law violation", 0.5),
    ("PEEP", "90H", "Invasion of privacy/peeping tom (90H: remapped to 90Z for incidents since 2021-01-01)", 0.6),
    ("TRESP", "90J", "Criminal trespass", 3),
    ("OTHER", "90Z", "All other offenses", 4),
    # Mapped naively by the agency: 90K is valid only for federal/tribal agencies. Only the
    # deliberate-error incidents use it.
    ("FTA", "90K", "Failure to appear (90K: federal/tribal agencies only)", 0),
]

OTHER_AGENCY_ORIS = ["PA0230200", "PA0230400", "PA0231500", "PA0232100", "PAPSP1400", "PA0232300"]

CITIES = [  # city, zip, latitude, longitude (approximate centre)
    ("Media", "19063", 39.9168, -75.3877),
    ("Chester", "19013", 39.8496, -75.3557),
    ("Upper Darby", "19082", 39.9570, -75.2690),
    ("Springfield", "19064", 39.9307, -75.3202),
    ("Havertown", "19083", 39.9809, -75.3085),
    ("Broomall", "19008", 39.9815, -75.3566),
    ("Folcroft", "19032", 39.8907, -75.2838),
    ("Ridley Park", "19078", 39.8812, -75.3224),
    ("Swarthmore", "19081", 39.9021, -75.3499),
    ("Lansdowne", "19050", 39.9382, -75.2719),
]
STREETS = ["Baltimore Pike", "Providence Rd", "State St", "Jackson St", "Orange St", "Edgmont Ave",
           "MacDade Blvd", "Chester Pike", "Lansdowne Ave", "Township Line Rd", "West Chester Pike",
           "Sproul Rd", "Lincoln Ave", "Walnut St", "Kedron Ave", "Bishop Ave", "Morton Ave",
           "Swarthmore Ave", "Ridley Ave", "Darby Rd", "Eagle Rd", "Church Ln", "Garrett Rd",
           "Long Ln", "Highland Ave", "Yale Ave", "Concord Rd", "Crum Creek Rd", "9th St", "Park Ave"]

# --------------------------------------------------------------------------------------------
# Columns: canonical element names, and how Keystone RMS names them in its export.
# --------------------------------------------------------------------------------------------
RENAMES = {  # table -> {canonical: RMS column}
    "incidents": {"agency_case_number": "CaseNo", "incident_date": "IncDate", "location_type": "Premise",
                  "initial_contact_id": "ContactReason", "address_state_id": "State"},
    "subjects": {"agency_case_number": "CaseNo", "subject_id": "SubjNo"},
    "officers": {"agency_case_number": "CaseNo", "officer_id": "OfcNo"},
}
INCIDENT_COLUMNS = [
    "agency_case_number", "incident_date", "incident_time_hours", "incident_time_minutes", "location_type",
    "initial_contact_id", "total_officers_involved", "agency_officers_involved", "total_number_other_agencies",
    "other_agencies_involved", "ambushed", "did_officer_approach", "senior_officer_present", "offense1",
    "offense2", "offense3", "offense_pu_ids", "nibrs_incident_number", "nibrs_incident_number_pu_ids",
    "address_1", "address_2", "address_city", "address_state_id", "address_zip", "address_latitude",
    "address_longitude", "address_pu_ids", "total_number_subjects", "incident_tickler_ids", "ReportStatus",
]
SUBJECT_COLUMNS = [
    "agency_case_number", "subject_id", "race_ethnicity_ids", "gender", "age1", "age2", "age_estimated",
    "age_pu_ids", "height1_feet", "height1_inch", "height2_feet", "height2_inch", "height_estimated",
    "height_pu_ids", "weight1", "weight2", "weight_estimated", "weight_pu_ids", "impairment",
    "impairment_type_ids", "resisted", "resistance_type_ids", "threat_directed_at", "armed", "force_type_ids",
    "injury_type_ids", "charged",
]
OFFICER_COLUMNS = [
    "agency_case_number", "officer_id", "race_ethnicity_ids", "gender", "age", "age_pu_ids", "height_feet",
    "height_inch", "height_pu_ids", "weight", "weight_pu_ids", "years_of_service", "years_of_service_pu_ids",
    "full_part_time", "officer_identifiable", "on_duty", "officer_injured", "injury_type_ids",
    "nibrs_incident_number", "nibrs_incident_number_pu_ids", "shots_fired",
]
COLUMNS = {"incidents": INCIDENT_COLUMNS, "subjects": SUBJECT_COLUMNS, "officers": OFFICER_COLUMNS}
# Written as numeric cells in the workbook (when the text is an unsigned integer).
INT_COLUMNS = {
    "incident_time_hours", "incident_time_minutes", "total_officers_involved", "agency_officers_involved",
    "total_number_other_agencies", "total_number_subjects", "subject_id", "age1", "age2", "height1_feet",
    "height1_inch", "height2_feet", "height2_inch", "weight1", "weight2", "officer_id", "age", "height_feet",
    "height_inch", "weight", "years_of_service",
}
FLOAT_COLUMNS = {"address_latitude", "address_longitude"}

YES_NO_COLUMNS = {
    "incidents": ["ambushed", "did_officer_approach", "senior_officer_present"],
    "subjects": ["impairment", "resisted", "armed", "charged"],
    "officers": ["full_part_time", "officer_identifiable", "on_duty", "officer_injured", "shots_fired"],
}

TICKLERS = np.array(["", "DISCHARGE", "INJURY", "INJURY;DISCHARGE", "DEATH", "DEATH;DISCHARGE",
                     "DEATH;INJURY", "DEATH;INJURY;DISCHARGE"], dtype=object)

# --------------------------------------------------------------------------------------------
# Deliberate errors: (id, elements, spec section, what is wrong). Applied in this order, cycling.
# --------------------------------------------------------------------------------------------
ERROR_TYPES = [
    ("unmapped_location", "I7 location_type", "3.2.2.7",
     "Premise 'WHSE' is a Keystone code missing from the location_type crosswalk"),
    ("discharge_without_firearm", "I32 incident_tickler_ids / S24 force_type_ids", "3.2.2.32",
     "incident_tickler_ids DISCHARGE but no subject has FIREARM (TASER;HANDS) in force_type_ids"),
    ("age_range_too_wide", "S5 age2", "3.2.3.5",
     "subject 1 age range 22-45: age2 exceeds age1 by more than 20"),
    ("years_of_service_too_high", "O11 years_of_service", "3.2.4.11",
     "officer 1 is 29 with 15 years of service: years_of_service must be less than age minus 18"),
    ("unreadable_date", "I3 incident_date", "3.2.2.3",
     "IncDate '13/45/2025' is not a date (no month 13, no day 45)"),
    ("orphan_subject", "S segment / I2 agency_case_number", "3.2.3",
     "a subject row whose CaseNo matches no incident of the extract"),
    ("federal_only_offense", "I15 offense1", "3.2.2.15",
     "offense1 FTA -> 90K Failure to Appear, valid only for federal/tribal agencies (this one is local)"),
    ("weight_range_too_wide", "S15 weight2", "3.2.3.15",
     "subject 1 weight range 150-230: weight2 exceeds weight1 by more than 50"),
    ("offense_without_criminal_contact", "I15 offense1 / I8 initial_contact_id", "3.2.2.8",
     "offense1 DUI -> 90D (NIBRS number PENDING) on a TRAFFIC_STOP contact: "
     "offenses only with CRIMINAL_SUSPICIOUS_ACTIVITY"),
    ("agency_officers_exceed_total", "I30 agency_officers_involved / I9 total_officers_involved", "3.2.2.30",
     "total_officers_involved is one less than agency_officers_involved (= officer rows)"),
    ("impairment_types_without_yes", "S19 impairment_type_ids", "3.2.3.19",
     "subject 1 impairment N but impairment_type_ids ALCOHOL"),
    ("officer_injured_without_types", "O17 injury_type_ids", "3.2.4.17",
     "officer 1 officer_injured Y but no injury_type_ids"),
    ("death_tickler_without_death", "I32 incident_tickler_ids", "3.2.2.32",
     "incident_tickler_ids DEATH but no subject has DEATH in injury_type_ids"),
    ("latitude_without_longitude", "I24 address_longitude", "3.2.2.24",
     "address_latitude given without address_longitude"),
    ("hour_out_of_range", "I5 incident_time_hours", "3.2.2.5",
     "incident_time_hours 24 (must be 0-23)"),
    ("subject_count_mismatch", "I33 total_number_subjects", "3.2.2.33",
     "total_number_subjects is one more than the number of subject rows"),
]


@dataclass
class Extract:
    """Generated tables with canonical column names; blank cells are ''."""

    incidents: pd.DataFrame  # + _kind (valid|error|not_reportable), _month, _date (datetime64)
    subjects: pd.DataFrame   # + _inc (row of the incident; -1 for an orphan row)
    officers: pd.DataFrame   # + _inc
    errors: list[dict] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    seed: int = 0

    def case_numbers(self, kind: str) -> list[str]:
        return self.incidents.loc[self.incidents["_kind"] == kind, "agency_case_number"].tolist()


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _pick(rng: np.random.Generator, options, size: int) -> np.ndarray:
    """Weighted choice from [(value, weight), ...]; returns an object array."""
    values = np.empty(len(options), dtype=object)
    values[:] = [o[0] for o in options]
    weights = np.array([o[1] for o in options], dtype=float)
    return values[rng.choice(len(options), size=size, p=weights / weights.sum())]


def _s(a) -> np.ndarray:
    """Integers (or anything) to an object array of str."""
    return np.asarray(a).astype(str).astype(object)


def _where(mask, a, b) -> np.ndarray:
    return np.where(mask, a, b).astype(object)


def _contains(cells: np.ndarray, token: str) -> np.ndarray:
    wrapped = pd.Series(cells, dtype=object).fillna("")
    return (";" + wrapped + ";").str.contains(f";{token};", regex=False).to_numpy(dtype=bool)


def month_list(start: str, end: str) -> list[str]:
    s, e = pd.Period(start, "M"), pd.Period(end, "M")
    if e < s:
        raise SystemExit(f"--end {end} is before --start {start}")
    return [str(p) for p in pd.period_range(s, e, freq="M")]


def _group_position(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of the given sizes: (group index per row, 1-based position within the group)."""
    idx = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return idx, np.arange(counts.sum()) - np.repeat(starts, counts) + 1


# --------------------------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------------------------
def generate(n_incidents: int, seed: int, months: list[str], counts: list[int] | None = None,
             errors: int = 0, not_reportable: int = 0, error_types: list[str] | None = None) -> Extract:
    """Generate n_incidents reportable incidents (+ not_reportable others) over `months`.

    counts: optional exact number of reportable incidents per month (sums to n_incidents).
    errors: number of reportable incidents to break (the orphan-row error adds a subject row).
    error_types: which errors (ids of ERROR_TYPES), cycled; default: all of them in their order.
    """
    if n_incidents < 1:
        raise ValueError("need at least one incident")
    if errors > max(0, n_incidents - 1):
        raise ValueError("--errors must be smaller than --incidents")
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    r_inc, r_sub, r_off, r_err, r_misc = streams

    # ---- dates: reportable incidents by month (uniform or exact counts), not-reportable cycling
    m_count = len(months)
    if counts is not None:
        if len(counts) != m_count or sum(counts) != n_incidents:
            raise ValueError("counts must give one number per month, summing to n_incidents")
        month_idx = np.repeat(np.arange(m_count), counts)
    else:
        month_idx = r_inc.integers(0, m_count, n_incidents)
    month_idx = np.concatenate([month_idx, np.arange(not_reportable) % m_count])
    is_nr = np.concatenate([np.zeros(n_incidents, bool), np.ones(not_reportable, bool)])
    total = n_incidents + not_reportable
    month_start = np.array([np.datetime64(f"{m}-01", "D") for m in months])
    month_days = np.array([calendar.monthrange(int(m[:4]), int(m[5:]))[1] for m in months])
    day = (r_inc.random(total) * month_days[month_idx]).astype(int)
    dates = month_start[month_idx] + day.astype("timedelta64[D]")
    hour_w = np.array([5, 4, 3, 3, 2, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 7, 7, 7, 6, 6], float)
    hours = r_inc.choice(24, size=total, p=hour_w / hour_w.sum())
    minutes = r_inc.integers(0, 60, total)
    order = np.lexsort((minutes, hours, dates))  # chronological: case numbers increase with time
    dates, hours, minutes, month_idx, is_nr = (a[order] for a in (dates, hours, minutes, month_idx, is_nr))

    # ---- case numbers: KPyy-nnnnnn, increasing with gaps (the RMS numbers every case, not only UoF)
    gap_max = max(1, min(40, 900_000 // max(total, 1)))
    seq = 100 + int(r_inc.integers(0, 200)) + np.cumsum(r_inc.integers(1, gap_max + 1, total))
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    yy = pd.Series(years % 100).astype(str).str.zfill(2)
    case = (CASE_PREFIX + yy + "-" + pd.Series(seq).astype(str).str.zfill(6)).to_numpy(dtype=object)

    # ---- how many subjects / officers
    n_subj = r_inc.choice([1, 2, 3], size=total, p=[0.78, 0.18, 0.04])
    n_off = r_inc.choice([1, 2, 3, 4], size=total, p=[0.42, 0.30, 0.17, 0.11])

    # ================= subjects =================
    s_inc, s_id = _group_position(n_subj)
    ns = len(s_inc)
    s_nr = is_nr[s_inc]
    # category: S serious injury, D death, N none (firearm discharge), P pending/unknown injury, M minor
    cat = _pick(r_sub, [("S", 70), ("D", 11), ("N", 17), ("P", 2)], ns)
    cat[s_nr] = "M"
    injury = np.empty(ns, dtype=object)
    for c, opts in (("S", SERIOUS_INJURY_CELLS), ("D", [("DEC", 1)]), ("N", [("NONE", 1)]),
                    ("P", [("PND", 7), ("UNK", 3)]), ("M", [("NONE", 45), ("MINOR", 55)])):
        m = cat == c
        injury[m] = _pick(r_sub, opts, int(m.sum()))
    gsw = _contains(injury, "GSW")
    u = r_sub.random(ns)
    needs_fa = (cat == "N") | gsw | ((cat == "D") & (u < 0.7)) | ((cat == "S") & (u < 0.03)) \
        | ((cat == "P") & (u < 0.3))
    force = _where(needs_fa, _pick(r_sub, FORCE_CELLS_FIREARM, ns), _pick(r_sub, FORCE_CELLS_OTHER, ns))
    force = _where(s_nr, _pick(r_sub, FORCE_CELLS_MINOR, ns), force)
    pu_force = (cat == "P") & ~needs_fa & (r_sub.random(ns) < 0.3)
    force[pu_force] = _pick(r_sub, [("PND", 2), ("UNK", 1)], int(pu_force.sum()))
    has_fa = _contains(force, "FA")

    race = _pick(r_sub, SUBJECT_RACE_CELLS, ns)
    gender = _pick(r_sub, [("MALE", 85), ("FEMALE", 12.5), ("UNK", 1.5), ("PND", 1)], ns)

    # age: exact (78%), range (14%), pending/unknown (8%)
    age_mode = _pick(r_sub, [("x", 78), ("r", 14), ("pu", 8)], ns)
    exact_age = np.clip(np.rint(r_sub.normal(31, 11, ns)), 13, 84).astype(int)
    range_lo = np.clip(np.rint(r_sub.normal(28, 8, ns)), 14, 70).astype(int)
    range_hi = range_lo + r_sub.integers(2, 16, ns)  # spread 2..15 (edit: <= 20)
    age1 = _where(age_mode == "x", _s(exact_age), _where(age_mode == "r", _s(range_lo), ""))
    age2 = _where(age_mode == "r", _s(range_hi), "")
    age_est = _where(age_mode == "r", "Y", _where(r_sub.random(ns) < 0.12, "Y", "N"))
    age_est[age_mode == "pu"] = ""
    age_pu = _where(age_mode == "pu", _pick(r_sub, [("UNKNOWN", 6), ("PENDING", 4)], ns), "")

    # height: exact (72%), range (13%), pending/unknown (15%)
    h_mode = _pick(r_sub, [("x", 72), ("r", 13), ("pu", 15)], ns)
    h1 = np.clip(np.rint(r_sub.normal(69, 3.5, ns)), 58, 80).astype(int)
    h2 = h1 + r_sub.integers(1, 7, ns)  # 1..6 inches more (edit: difference <= 6)
    has_h = h_mode != "pu"
    h1f = _where(has_h, _s(h1 // 12), "")
    h1i = _where(has_h, _s(h1 % 12), "")
    h2f = _where(h_mode == "r", _s(h2 // 12), "")
    h2i = _where(h_mode == "r", _s(h2 % 12), "")
    h_est = _where(h_mode == "r", "true", _where(r_sub.random(ns) < 0.35, "true", "false"))
    h_est[~has_h] = ""
    h_pu = _where(has_h, "", _pick(r_sub, [("UNKNOWN", 6), ("PENDING", 4)], ns))

    # weight: exact (72%), range (13%), pending/unknown (15%)
    w_mode = _pick(r_sub, [("x", 72), ("r", 13), ("pu", 15)], ns)
    w_exact = np.clip(np.rint(r_sub.normal(185, 40, ns)), 95, 390).astype(int)
    w_lo = np.clip(np.rint(r_sub.normal(175, 30, ns) / 10) * 10, 100, 330).astype(int)
    w_hi = w_lo + r_sub.choice([10, 15, 20, 25, 30, 40, 50], size=ns)
    w1 = _where(w_mode == "x", _s(w_exact), _where(w_mode == "r", _s(w_lo), ""))
    w2 = _where(w_mode == "r", _s(w_hi), "")
    w_est = _where(w_mode == "r", "1", _where(r_sub.random(ns) < 0.3, "1", "0"))
    w_est[w_mode == "pu"] = ""
    w_pu = _where(w_mode == "pu", _pick(r_sub, [("UNKNOWN", 6), ("PENDING", 4)], ns), "")

    impairment = _pick(r_sub, [("Y", 45), ("N", 30), ("P", 12), ("U", 13)], ns)
    imp_types = _where(impairment == "Y", _pick(r_sub, [
        ("ALCOHOL", 25), ("DRUGS", 25), ("MENTAL", 20), ("ALCOHOL;DRUGS", 10), ("DRUGS;MENTAL", 8),
        ("ALCOHOL;MENTAL", 4), ("PENDING", 5), ("UNKNOWN", 3)], ns), "")
    resisted = _pick(r_sub, [("Y", 78), ("N", 12), ("P", 5), ("U", 5)], ns)
    res_types = _where(resisted == "Y", _pick(r_sub, [
        ("PHYSICAL", 18), ("NONCOMPLIANCE", 10), ("ESCAPE_FLEE", 8), ("PHYSICAL;ESCAPE_FLEE", 10),
        ("FIREARM", 8), ("FIREARM;ESCAPE_FLEE", 4), ("DISPLAY_WEAPON", 7), ("OTHER_WEAPON", 8),
        ("VEHICLE", 5), ("VEHICLE;ESCAPE_FLEE", 4), ("RESISTED;PHYSICAL", 6), ("VERBAL;NONCOMPLIANCE", 4),
        ("BARRICADE", 2), ("THROWING", 2), ("BODY_FLUIDS;RESISTED", 2), ("UNKNOWN", 2)], ns), "")
    weapon = _contains(res_types, "FIREARM") | _contains(res_types, "DISPLAY_WEAPON") \
        | _contains(res_types, "OTHER_WEAPON")
    armed = _where(weapon, "Y", _pick(r_sub, [("Y", 30), ("N", 50), ("P", 10), ("U", 10)], ns))
    threat = _pick(r_sub, [("OFFICER", 55), ("BOTH", 20), ("ANOTHER", 15), ("PENDING", 5), ("UNKNOWN", 5)], ns)
    charged = _pick(r_sub, [("Y", 55), ("N", 10), ("P", 30), ("U", 5)], ns)
    charged = _where(cat == "D", _pick(r_sub, [("N", 9), ("U", 1)], ns), charged)

    subjects = pd.DataFrame({
        "agency_case_number": case[s_inc], "subject_id": _s(s_id), "race_ethnicity_ids": race,
        "gender": gender, "age1": age1, "age2": age2, "age_estimated": age_est, "age_pu_ids": age_pu,
        "height1_feet": h1f, "height1_inch": h1i, "height2_feet": h2f, "height2_inch": h2i,
        "height_estimated": h_est, "height_pu_ids": h_pu, "weight1": w1, "weight2": w2,
        "weight_estimated": w_est, "weight_pu_ids": w_pu, "impairment": impairment,
        "impairment_type_ids": imp_types, "resisted": resisted, "resistance_type_ids": res_types,
        "threat_directed_at": threat, "armed": armed, "force_type_ids": force, "injury_type_ids": injury,
        "charged": charged,
    })
    subjects["_inc"] = s_inc

    # ---- incident-level facts from the subjects
    def any_per_incident(mask):
        return np.bincount(s_inc, weights=mask.astype(float), minlength=total) > 0

    inc_death = any_per_incident(cat == "D")
    inc_injury = any_per_incident(cat == "S")
    inc_none = any_per_incident(cat == "N")
    inc_fa = any_per_incident(has_fa)
    tickler = TICKLERS[inc_death * 4 + inc_injury * 2 + inc_none * 1].copy()
    tickler[(tickler == "") & ~is_nr] = "INJURY"  # only pending/unknown injuries: edits are skipped
    tickler[is_nr] = ""

    # ================= officers =================
    o_inc, o_id = _group_position(n_off)
    no = len(o_inc)
    o_race = _pick(r_off, OFFICER_RACE_CELLS, no)
    o_gender = _pick(r_off, [("MALE", 87), ("FEMALE", 12), ("UNK", 0.7), ("PND", 0.3)], no)
    o_age = np.clip(np.rint(r_off.normal(36, 8, no)), 21, 63).astype(int)
    yos = (r_off.random(no) * (o_age - 18)).astype(int)  # 0 .. age-19: edit "less than age minus 18"
    age_pending = r_off.random(no) < 0.02
    yos_pending = r_off.random(no) < 0.03
    o_height = np.clip(np.rint(r_off.normal(70, 3, no)), 61, 79).astype(int)
    h_pending = r_off.random(no) < 0.04
    o_weight = np.clip(np.rint(r_off.normal(195, 28, no)), 120, 320).astype(int)
    wt_pending = r_off.random(no) < 0.04
    injured = _pick(r_off, [("Y", 18), ("N", 79), ("P", 2), ("U", 1)], no)
    o_inj = _where(injured == "Y", _pick(r_off, OFFICER_INJURY_CELLS, no), "")
    nibrs_choice = r_off.random(no) < 0.55
    o_nibrs = _where((injured == "Y") & nibrs_choice, case[o_inc], "")
    o_nibrs_pu = _where((injured == "Y") & ~nibrs_choice, "PENDING", "")
    shooter = (r_off.random(total) * n_off).astype(int)  # 0-based officer who fired, per incident
    fired = inc_fa[o_inc] & ((o_id - 1 == shooter[o_inc]) | (r_off.random(no) < 0.3))
    quiet = _pick(r_off, [("N", 97), ("U", 3)], no)
    shots = _where(fired, "Y", _where(inc_fa[o_inc] | is_nr[o_inc], "N", quiet))

    officers = pd.DataFrame({
        "agency_case_number": case[o_inc], "officer_id": _s(o_id), "race_ethnicity_ids": o_race,
        "gender": o_gender, "age": _where(age_pending, "", _s(o_age)),
        "age_pu_ids": _where(age_pending, "PENDING", ""),
        "height_feet": _where(h_pending, "", _s(o_height // 12)),
        "height_inch": _where(h_pending, "", _s(o_height % 12)),
        "height_pu_ids": _where(h_pending, "PENDING", ""),
        "weight": _where(wt_pending, "", _s(o_weight)), "weight_pu_ids": _where(wt_pending, "PENDING", ""),
        "years_of_service": _where(yos_pending, "", _s(yos)),
        "years_of_service_pu_ids": _where(yos_pending, "PENDING", ""),
        "full_part_time": _pick(r_off, [("Y", 97), ("N", 2), ("U", 1)], no),
        "officer_identifiable": _pick(r_off, [("Y", 90), ("N", 7), ("U", 2), ("P", 1)], no),
        "on_duty": _pick(r_off, [("Y", 95), ("N", 5)], no),
        "officer_injured": injured, "injury_type_ids": o_inj, "nibrs_incident_number": o_nibrs,
        "nibrs_incident_number_pu_ids": o_nibrs_pu, "shots_fired": shots,
    })
    officers["_inc"] = o_inc

    # ================= incidents =================
    location = _pick(r_inc, [(c, w) for c, _, _, w in LOCATION], total)
    contact = _pick(r_inc, [(c, w) for c, _, _, w in CONTACT], total)
    csa = np.isin(contact, [c for c, v, _, _ in CONTACT if v == "CRIMINAL_SUSPICIOUS_ACTIVITY"])

    # offenses: CSA incidents have 1-3 distinct offenses (85%) or offense_pu_ids (15%)
    off_codes = np.array([c for c, _, _, w in OFFENSE if w > 0], dtype=object)
    off_w = np.array([w for _, _, _, w in OFFENSE if w > 0], float)
    gumbel = np.log(off_w)[None, :] + r_inc.gumbel(size=(total, len(off_codes)))
    top4 = off_codes[np.argsort(-gumbel, axis=1)[:, :4]]
    # PEEP (90H) becomes 90Z after the remap: never together with OTHER (90Z), or offense2 would repeat offense1
    is_peep, is_other = top4 == "PEEP", top4 == "OTHER"
    clash = is_peep.any(axis=1) & is_other.any(axis=1)
    later = np.where((np.argmax(is_peep, axis=1) > np.argmax(is_other, axis=1))[:, None], is_peep, is_other)
    drop = clash[:, None] & later
    top3 = np.take_along_axis(top4, np.argsort(drop, axis=1, kind="stable"), axis=1)[:, :3]
    with_offense = csa & (r_inc.random(total) < 0.85)
    n_offenses = r_inc.choice([1, 2, 3], size=total, p=[0.6, 0.3, 0.1])
    offense = [_where(with_offense & (n_offenses > k), top3[:, k], "") for k in range(3)]
    offense_pu = _where(csa & ~with_offense, _pick(r_inc, [("PENDING", 7), ("UNKNOWN", 3)], total), "")
    nibrs_known = r_inc.random(total) < 0.65
    nibrs = _where(with_offense & nibrs_known, case, "")
    nibrs_pu = _where(with_offense & ~nibrs_known, "PENDING", "")

    # other agencies: 0 (87%), 1 (10%), 2 (3%)
    n_other = r_inc.choice([0, 1, 2], size=total, p=[0.87, 0.10, 0.03])
    n_other[is_nr] = 0
    ori_a = r_inc.integers(0, len(OTHER_AGENCY_ORIS), total)
    ori_b = (ori_a + r_inc.integers(1, len(OTHER_AGENCY_ORIS), total)) % len(OTHER_AGENCY_ORIS)
    oris = np.array(OTHER_AGENCY_ORIS, dtype=object)

    def other_case(r):
        num = pd.Series(r.integers(1, 99999, total)).astype(str).str.zfill(5)
        text = (yy + "-" + num).to_numpy(dtype=object)
        return _where(r.random(total) < 0.12, "UNKNOWN", text)

    pair_a = oris[ori_a] + ":" + other_case(r_inc)
    pair_b = oris[ori_b] + ":" + other_case(r_inc)
    unknown_ori = r_inc.random(total) < 0.03
    pair_b = _where(unknown_ori, "UNKNOWN01:UNKNOWN", pair_b)
    other_agencies = _where(n_other == 0, "", _where(n_other == 1, pair_a, pair_a + ";" + pair_b))
    extra_officers = r_inc.integers(1, 4, total) * (n_other >= 1) + r_inc.integers(1, 3, total) * (n_other >= 2)
    total_officers = n_off + extra_officers
    n_other_text = _where(n_other > 0, _s(n_other), _where(r_inc.random(total) < 0.5, "0", ""))

    # address: street (55%), coordinates (28%), both (12%), pending/unknown (5%)
    a_mode = _pick(r_inc, [("addr", 55), ("geo", 28), ("both", 12), ("pu", 5)], total)
    city_i = r_inc.integers(0, len(CITIES), total)
    cities = np.array([c[0] for c in CITIES], dtype=object)[city_i]
    zips = np.array([c[1] for c in CITIES], dtype=object)[city_i]
    street_a = np.array(STREETS, dtype=object)[r_inc.integers(0, len(STREETS), total)]
    street_b = np.array(STREETS, dtype=object)[r_inc.integers(0, len(STREETS), total)]
    house = _s(r_inc.integers(1, 4000, total))
    prefix = _pick(r_inc, [("", 80), ("N ", 5), ("S ", 5), ("E ", 5), ("W ", 5)], total)
    intersection = (r_inc.random(total) < 0.12) & (street_a != street_b)
    addr1 = _where(intersection, street_a + " & " + street_b, house + " " + prefix + street_a)
    unit = _pick(r_inc, [("Apt 2B", 1), ("Apt 4", 1), ("Unit #12", 1), ("Rear", 1), ("Bldg 3, Apt 210", 1)], total)
    addr2 = _where((r_inc.random(total) < 0.10) & ~intersection, unit, "")
    with_addr = np.isin(a_mode, ["addr", "both"])
    with_geo = np.isin(a_mode, ["geo", "both"])
    lat_c = np.array([c[2] for c in CITIES])[city_i]
    lon_c = np.array([c[3] for c in CITIES])[city_i]
    lat_u = np.rint((lat_c + r_inc.uniform(-0.02, 0.02, total)) * 1e6).astype(np.int64)
    lon_u = np.rint((lon_c + r_inc.uniform(-0.02, 0.02, total)) * 1e6).astype(np.int64)
    lat_u += (np.abs(lat_u) % 100 == 50)  # never exactly halfway between two 4-decimal values
    lon_u += (np.abs(lon_u) % 100 == 50)
    lat_txt = pd.Series(lat_u / 1e6).map("{:.6f}".format).to_numpy(dtype=object)
    lon_txt = pd.Series(lon_u / 1e6).map("{:.6f}".format).to_numpy(dtype=object)
    geo_city = with_geo & (r_inc.random(total) < 0.5)  # approximate location: city only

    incidents = pd.DataFrame({
        "agency_case_number": case,
        "incident_date": pd.DatetimeIndex(dates).strftime("%Y-%m-%d").to_numpy(dtype=object),
        "incident_time_hours": _s(hours), "incident_time_minutes": _s(minutes),
        "location_type": location, "initial_contact_id": contact,
        "total_officers_involved": _s(total_officers), "agency_officers_involved": _s(n_off),
        "total_number_other_agencies": n_other_text, "other_agencies_involved": other_agencies,
        "ambushed": _pick(r_inc, [("N", 88), ("Y", 2), ("P", 5), ("U", 5)], total),
        "did_officer_approach": _pick(r_inc, [("Y", 75), ("N", 15), ("P", 5), ("U", 5)], total),
        "senior_officer_present": _pick(r_inc, [("Y", 45), ("N", 45), ("P", 5), ("U", 5)], total),
        "offense1": offense[0], "offense2": offense[1], "offense3": offense[2], "offense_pu_ids": offense_pu,
        "nibrs_incident_number": nibrs, "nibrs_incident_number_pu_ids": nibrs_pu,
        "address_1": _where(with_addr, addr1, ""), "address_2": _where(with_addr, addr2, ""),
        "address_city": _where(with_addr | geo_city, cities, ""),
        "address_state_id": _where(a_mode == "pu", "", "PA"),
        "address_zip": _where(with_addr, zips, ""),
        "address_latitude": _where(with_geo, lat_txt, ""), "address_longitude": _where(with_geo, lon_txt, ""),
        "address_pu_ids": _where(a_mode == "pu", _pick(r_inc, [("UNKNOWN", 1), ("PENDING", 1)], total), ""),
        "total_number_subjects": _s(n_subj), "incident_tickler_ids": tickler,
        "ReportStatus": _pick(r_inc, [("APPROVED", 9), ("SUPV REVIEW", 1)], total),
    })
    incidents["_kind"] = np.where(is_nr, "not_reportable", "valid")
    incidents["_month"] = np.array(months, dtype=object)[month_idx]
    incidents["_date"] = dates
    incidents["_date_raw"] = ""  # set when the date is deliberately unreadable

    ex = Extract(incidents=incidents, subjects=subjects, officers=officers, months=list(months), seed=seed)
    protected = _ensure_showcase(ex)
    _inject_errors(ex, errors, r_err, protected, error_types)
    ex.subjects = ex.subjects.reset_index(drop=True)
    return ex


def _ensure_showcase(ex: Extract) -> set[int]:
    """Make sure even a small extract shows the 90H -> 90Z remap (local PEEP). Returns protected rows."""
    inc = ex.incidents
    offense_cols = ["offense1", "offense2", "offense3"]
    has_peep = inc[offense_cols].eq("PEEP").any(axis=1)
    if has_peep.any():
        rows = inc.index[has_peep]
        return {int(r) for r in rows} if len(rows) <= 2 else set()
    cand = inc.index[(inc["_kind"] == "valid") & (inc["offense1"] != "") & (inc["offense2"] == "")]
    if not len(cand):
        return set()
    row = cand[len(cand) // 2]
    inc.loc[row, "offense1"] = "PEEP"
    return {int(row)}


def _inject_errors(ex: Extract, k: int, rng: np.random.Generator, protected: set[int],
                   error_types: list[str] | None = None) -> None:
    by_id = {e[0]: e for e in ERROR_TYPES}
    unknown = [t for t in (error_types or []) if t not in by_id]
    if unknown:
        raise ValueError(f"unknown error type(s) {', '.join(unknown)}; known: {', '.join(by_id)}")
    kinds = [by_id[t] for t in error_types] if error_types else ERROR_TYPES
    inc, sub, off = ex.incidents, ex.subjects, ex.officers
    last_month = ex.months[-1]
    used = set(protected)
    n_sub = np.bincount(sub["_inc"], minlength=len(inc))
    n_off = np.bincount(off["_inc"], minlength=len(inc))
    orphan_seq = int(inc["agency_case_number"].str[-6:].astype(int).max()) + 500

    def candidates(i: int, extra=None) -> np.ndarray:
        ok = (inc["_kind"] == "valid").to_numpy() & ~inc.index.isin(list(used))
        if extra is not None:
            ok &= extra
        in_last = (inc["_month"] == last_month).to_numpy()
        prefer = ~in_last if i % 3 == 2 else in_last  # most errors in the last month
        pool = np.flatnonzero(ok & prefer)
        return pool if len(pool) else np.flatnonzero(ok)

    def first(table: pd.DataFrame, row: int) -> int:
        return int(table.index[(table["_inc"] == row).to_numpy()][0])

    for i in range(k):
        kind, element, section, what = kinds[i % len(kinds)]
        extra = None
        if kind == "agency_officers_exceed_total":
            extra = n_off >= 2
        elif kind == "death_tickler_without_death":
            serious = sub["injury_type_ids"].isin([c for c, _ in SERIOUS_INJURY_CELLS]).to_numpy()
            real = sub["_inc"].to_numpy(dtype=np.int64) >= 0
            extra = (n_sub == 1) & (inc["incident_tickler_ids"] == "INJURY").to_numpy() \
                & (np.bincount(sub["_inc"].to_numpy(dtype=np.int64)[real & serious], minlength=len(inc)) > 0)
        if kind == "orphan_subject":
            pool = candidates(i)
            src = int(pool[rng.integers(0, len(pool))]) if len(pool) else int(inc.index[0])
            row = sub.loc[first(sub, src)].copy()
            yy = inc.loc[src, "agency_case_number"][2:4]
            row["agency_case_number"] = f"{CASE_PREFIX}{yy}-{orphan_seq + i:06d}"
            row["subject_id"] = "1"
            row["_inc"] = -1
            ex.subjects = sub = pd.concat([sub, row.to_frame().T], ignore_index=True)
            sub["_inc"] = sub["_inc"].astype(np.int64)
            ex.errors.append({"case_number": row["agency_case_number"], "error": kind, "element": element,
                              "section": section, "description": what, "month": None, "table": "subjects"})
            continue
        pool = candidates(i, extra)
        if not len(pool):
            raise ValueError(f"no incident left to carry error '{kind}': generate more incidents")
        t = int(pool[rng.integers(0, len(pool))])
        used.add(t)
        s1, o1 = first(sub, t), first(off, t)
        if kind == "unmapped_location":
            inc.loc[t, "location_type"] = "WHSE"
        elif kind == "discharge_without_firearm":
            rows = sub.index[sub["_inc"] == t]
            sub.loc[rows, "injury_type_ids"] = "NONE"
            sub.loc[rows, "force_type_ids"] = "TASER;HANDS"
            inc.loc[t, "incident_tickler_ids"] = "DISCHARGE"
            off.loc[o1, "shots_fired"] = "Y"
        elif kind == "age_range_too_wide":
            sub.loc[s1, ["age1", "age2", "age_estimated", "age_pu_ids"]] = ["22", "45", "Y", ""]
        elif kind == "years_of_service_too_high":
            off.loc[o1, ["age", "age_pu_ids", "years_of_service", "years_of_service_pu_ids"]] = ["29", "", "15", ""]
        elif kind == "unreadable_date":
            inc.loc[t, "_date_raw"] = "13/45/2025"
        elif kind == "federal_only_offense":
            inc.loc[t, ["initial_contact_id", "offense1", "offense2", "offense3", "offense_pu_ids",
                        "nibrs_incident_number", "nibrs_incident_number_pu_ids"]] = \
                ["CFS", "FTA", "", "", "", inc.loc[t, "agency_case_number"], ""]
        elif kind == "weight_range_too_wide":
            sub.loc[s1, ["weight1", "weight2", "weight_estimated", "weight_pu_ids"]] = ["150", "230", "1", ""]
        elif kind == "offense_without_criminal_contact":
            inc.loc[t, ["initial_contact_id", "offense1", "offense2", "offense3", "offense_pu_ids",
                        "nibrs_incident_number", "nibrs_incident_number_pu_ids"]] = \
                ["TS", "DUI", "", "", "", "", "PENDING"]
        elif kind == "agency_officers_exceed_total":
            inc.loc[t, ["total_officers_involved", "other_agencies_involved", "total_number_other_agencies"]] = \
                [str(n_off[t] - 1), "", "0"]
        elif kind == "impairment_types_without_yes":
            sub.loc[s1, ["impairment", "impairment_type_ids"]] = ["N", "ALCOHOL"]
        elif kind == "officer_injured_without_types":
            off.loc[o1, ["officer_injured", "injury_type_ids", "nibrs_incident_number",
                         "nibrs_incident_number_pu_ids"]] = ["Y", "", "", "PENDING"]
        elif kind == "death_tickler_without_death":
            inc.loc[t, "incident_tickler_ids"] = "DEATH"
        elif kind == "latitude_without_longitude":
            if inc.loc[t, "address_1"] == "":
                inc.loc[t, ["address_1", "address_2"]] = ["100 Baltimore Pike", ""]
            if inc.loc[t, "address_city"] == "":
                inc.loc[t, ["address_city", "address_zip"]] = ["Media", "19063"]
            if inc.loc[t, "address_latitude"] == "":
                inc.loc[t, "address_latitude"] = "39.916873"
            inc.loc[t, ["address_longitude", "address_pu_ids"]] = ["", ""]
        elif kind == "hour_out_of_range":
            inc.loc[t, "incident_time_hours"] = "24"
        elif kind == "subject_count_mismatch":
            inc.loc[t, "total_number_subjects"] = str(n_sub[t] + 1)
        inc.loc[t, "_kind"] = "error"
        ex.errors.append({"case_number": inc.loc[t, "agency_case_number"], "error": kind, "element": element,
                          "section": section, "description": what,
                          "month": None if kind == "unreadable_date" else inc.loc[t, "_month"],
                          "table": "incidents"})


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
def _date_texts(ex: Extract, rng: np.random.Generator, style: str):
    """incident_date cells. style csv: ISO or MM/DD/YYYY text; xlsx: date objects or MM/DD/YYYY text."""
    inc = ex.incidents
    dates = pd.DatetimeIndex(inc["_date"])
    mdy = dates.strftime("%m/%d/%Y").to_numpy(dtype=object)
    half = rng.random(len(inc)) < 0.5
    if style == "csv":
        other = dates.strftime("%Y-%m-%d").to_numpy(dtype=object)
    else:
        other = np.empty(len(inc), dtype=object)
        other[:] = [d.date() for d in dates]
    cells = np.where(half, other, mdy).astype(object)
    raw = inc["_date_raw"].to_numpy(dtype=object)
    cells[raw != ""] = raw[raw != ""]
    return cells


def write_csv(ex: Extract, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(np.random.SeedSequence(ex.seed).spawn(7)[5])
    for table, frame in (("incidents", ex.incidents), ("subjects", ex.subjects), ("officers", ex.officers)):
        out = frame[COLUMNS[table]].copy()
        if table == "incidents":
            out["incident_date"] = _date_texts(ex, rng, "csv")
        out.rename(columns=RENAMES[table]).to_csv(folder / f"{table}.csv", index=False, lineterminator="\n")


def _xlsx_value(column: str, value):
    if value == "" or value is None:
        return None
    if isinstance(value, str):
        if column in INT_COLUMNS and value.isdigit():
            return int(value)
        if column in FLOAT_COLUMNS:
            try:
                return float(value)
            except ValueError:
                return value
    return value


FIXED_TIME = "2025-11-03T06:00:00Z"


def write_xlsx(ex: Extract, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(np.random.SeedSequence(ex.seed).spawn(7)[6])
    wb = Workbook(write_only=True)
    wb.properties.creator = "Keystone RMS 9.4 export"
    wb.properties.created = dt.datetime(2025, 11, 3, 6, 0, 0)
    for table, frame in (("incidents", ex.incidents), ("subjects", ex.subjects), ("officers", ex.officers)):
        ws = wb.create_sheet(table)
        columns = COLUMNS[table]
        ws.append([RENAMES[table].get(c, c) for c in columns])
        data = frame[columns].to_numpy(dtype=object)
        if table == "incidents":
            data[:, columns.index("incident_date")] = _date_texts(ex, rng, "xlsx")
        date_col = columns.index("incident_date") if table == "incidents" else -1
        for row in data:
            cells = []
            for j, (column, value) in enumerate(zip(columns, row)):
                if j == date_col and isinstance(value, dt.date):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = "mm/dd/yyyy"
                    cells.append(cell)
                else:
                    cells.append(_xlsx_value(column, value))
            ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_normalised_zip(buffer.getvalue()))


def _normalised_zip(data: bytes) -> bytes:
    """Re-pack the workbook with fixed timestamps so that the same seed gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                                 rb"\g<1>" + FIXED_TIME.encode() + rb"\g<3>", content)
            zi = zipfile.ZipInfo(info.filename, date_time=(2025, 11, 3, 6, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# profile and crosswalks
# --------------------------------------------------------------------------------------------
def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _crosswalk_text(element, entries, description: str, table: str | None = None, notes: str | None = None) -> str:
    """entries: [(local, fbi value or list, comment)]"""
    lines = ["# Keystone RMS -> FBI National Use-of-Force crosswalk.",
             "# Written by scripts/generate_extract.py --write-profile "
             "(edit the generator's code lists, not this file).",
             "# Every local code found in the column must appear under 'map'; a ';'-separated cell maps code by code."]
    if isinstance(element, list):
        lines.append("element: [" + ", ".join(element) + "]")
    else:
        lines.append(f"element: {element}")
    if table:
        lines.append(f"table: {table}")
    lines.append(f"description: {_q(description)}")
    if notes:
        lines.append(f"notes: {_q(notes)}")
    lines.append("map:")
    width = max(len(_q(local)) for local, _, _ in entries) + 1
    for local, fbi, comment in entries:
        target = "[" + ", ".join(_q(v) for v in fbi) + "]" if isinstance(fbi, list) else _q(fbi)
        lines.append(f"  {(_q(local) + ':').ljust(width)} {target}" + (f"   # {comment}" if comment else ""))
    return "\n".join(lines) + "\n"


CROSSWALK_FILES = {
    "location_type.yaml": lambda: _crosswalk_text(
        "location_type", [(c, v, d) for c, v, d, _ in LOCATION], "Keystone RMS premise codes (column Premise)"),
    "initial_contact_id.yaml": lambda: _crosswalk_text(
        "initial_contact_id", [(c, v, d) for c, v, d, _ in CONTACT],
        "Keystone RMS contact reasons (column ContactReason)"),
    "offenses.yaml": lambda: _crosswalk_text(
        ["offense1", "offense2", "offense3"], [(c, v, d) for c, v, d, _ in OFFENSE],
        "Keystone RMS statute groups -> NIBRS offense codes",
        notes="PEEP maps to 90H, which the pipeline remaps to 90Z for incidents on or after 2021-01-01; "
              "FTA maps to 90K, valid only for federal/tribal agencies."),
    "yes_no_incident.yaml": lambda: _crosswalk_text(
        YES_NO_COLUMNS["incidents"], YNPU, "Keystone RMS Y/N/P/U answers", table="incidents"),
    "yes_no_subject.yaml": lambda: _crosswalk_text(
        YES_NO_COLUMNS["subjects"], YNPU, "Keystone RMS Y/N/P/U answers", table="subjects"),
    "yes_no_officer.yaml": lambda: _crosswalk_text(
        YES_NO_COLUMNS["officers"], YNPU, "Keystone RMS Y/N/P/U answers", table="officers"),
    "race_ethnicity_ids.yaml": lambda: _crosswalk_text(
        "race_ethnicity_ids", RACE, "Keystone RMS race/ethnicity codes (subjects and officers)"),
    "gender.yaml": lambda: _crosswalk_text("gender", GENDER, "Keystone RMS sex codes (subjects and officers)"),
    "force_type_ids.yaml": lambda: _crosswalk_text("force_type_ids", FORCE, "Keystone RMS force codes"),
    "subject_injury_type_ids.yaml": lambda: _crosswalk_text(
        "injury_type_ids", SUBJECT_INJURY, "Keystone RMS subject injury codes", table="subjects",
        notes="MINOR maps to NONE: the FBI collects only serious injuries for subjects."),
    "officer_injury_type_ids.yaml": lambda: _crosswalk_text(
        "injury_type_ids", OFFICER_INJURY, "Keystone RMS officer injury codes", table="officers"),
}


def profile_text() -> str:
    def block(key, per_table):
        lines = [f"{key}:"]
        for table, entries in per_table.items():
            lines.append(f"  {table}:")
            lines += [f"    {k}: {v}" for k, v in entries.items()]
        return lines

    columns = {t: {rms: canonical for canonical, rms in r.items()} for t, r in RENAMES.items()}
    lines = [
        "# Agency profile for the Keystone RMS sample extract (synthetic data, fictional agency).",
        "# Written by scripts/generate_extract.py --write-profile.",
        f"agency_ori: {AGENCY_ORI}",
        f"agency_name: {_q(AGENCY_NAME)}",
        "agency_kind: local",
        "# First month `uof status` tracks (default 2019-01, when the FBI collection began).",
        'reporting_start: "2025-07"',
        "# reporting_agency_ori defaults to agency_ori (the agency reports its own incidents).",
        "crosswalks:",
        *[f"  - crosswalks/{name}" for name in CROSSWALK_FILES],
        "# RMS column -> canonical element name",
        *block("columns", columns),
        "# Constants for elements the extract lacks (table: {element: value}), e.g. for an RMS without a",
        "# State column. Not used here: a constant state would contradict address_pu_ids (I31).",
        "# defaults:",
        "#   incidents:",
        "#     address_state_id: PA",
    ]
    return "\n".join(lines) + "\n"


SCHEMA_JSON = Path(__file__).resolve().parent.parent / "schemas" / "json"


def schema_line(kind: str, folder: Path) -> str:
    """The first line of a profile or crosswalk written into `folder`: it names its JSON Schema (relative to
    the file, as the shipped files do) so that an editor checks the file as it is edited."""
    target = SCHEMA_JSON / f"{kind}.schema.json"
    try:
        where = Path(os.path.relpath(target, folder.resolve())).as_posix()
    except ValueError:  # another drive (Windows): no relative path
        where = target.as_uri()
    return f"# yaml-language-server: $schema={where}\n"


def write_profile(out: Path) -> Path:
    (out / "crosswalks").mkdir(parents=True, exist_ok=True)
    first = schema_line("crosswalk", out / "crosswalks")
    for name, make in CROSSWALK_FILES.items():
        (out / "crosswalks" / name).write_text(first + make(), encoding="utf-8")
    path = out / "agency.yaml"
    path.write_text(schema_line("profile", out) + profile_text(), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------------
def summary(ex: Extract) -> str:
    inc = ex.incidents
    lines = [f"incidents: {len(inc)}  subject rows: {len(ex.subjects)}  officer rows: {len(ex.officers)}"]
    by = inc.assign(_m=np.where(inc["_date_raw"] != "", "(unreadable date)", inc["_month"])) \
        .groupby(["_m", "_kind"]).size().unstack(fill_value=0)
    lines.append(by.to_string())
    if ex.errors:
        lines.append("deliberate errors:")
        for e in ex.errors:
            lines.append(f"  {e['case_number']}  {e['error']:<34} {e['element']} (§{e['section']}): {e['description']}")
    nr = ex.case_numbers("not_reportable")
    if nr:
        shown = ", ".join(nr[:10]) + (f", ... ({len(nr)} in all)" if len(nr) > 10 else "")
        lines.append(f"not reportable: {shown}")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--incidents", type=int, required=True, help="number of reportable incidents")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--format", choices=["csv", "xlsx", "both"], default="csv")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", default="2025-07", help="first month YYYY-MM (default 2025-07)")
    p.add_argument("--end", default="2025-10", help="last month YYYY-MM (default 2025-10)")
    p.add_argument("--months", help="explicit comma-separated months, e.g. 2025-07,2025-09 (overrides --start/--end)")
    p.add_argument("--errors", type=int, default=0, help="number of deliberate spec violations to inject")
    p.add_argument("--error-types", help="comma-separated error ids to cycle through (default: all, in order: "
                   + ", ".join(e[0] for e in ERROR_TYPES) + ")")
    p.add_argument("--not-reportable", type=int, default=0, help="force incidents below the FBI criteria to add")
    p.add_argument("--write-profile", action="store_true", help="also write agency.yaml and crosswalks/")
    p.add_argument("--report", type=Path, help="write the injected errors and not-reportable cases as JSON")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)

    months = [m.strip() for m in args.months.split(",")] if args.months else month_list(args.start, args.end)
    for m in months:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m):
            p.error(f"bad month '{m}' (expected YYYY-MM)")
    t0 = time.perf_counter()
    try:
        ex = generate(args.incidents, args.seed, months, errors=args.errors, not_reportable=args.not_reportable,
                      error_types=args.error_types.split(",") if args.error_types else None)
    except ValueError as exc:
        p.error(str(exc))
    t1 = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.format in ("csv", "both"):
        write_csv(ex, args.out / "rms_extract_csv")
    if args.format in ("xlsx", "both"):
        write_xlsx(ex, args.out / "rms_extract.xlsx")
    if args.write_profile:
        write_profile(args.out)
    t2 = time.perf_counter()
    if args.report:
        args.report.write_text(json.dumps({"errors": ex.errors, "not_reportable": ex.case_numbers("not_reportable")},
                                          indent=2) + "\n", encoding="utf-8")
    if not args.quiet:
        print(summary(ex))
        print(f"generated in {t1 - t0:.2f} s, written in {t2 - t1:.2f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
