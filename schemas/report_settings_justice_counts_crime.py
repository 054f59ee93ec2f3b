"""The profile's `justice_counts_offenses:` section: where the offense and arrest extract's columns are, and how
its local codes become Justice Counts categories (1.10 Reported Crime, 1.7 Arrests, 1.8 by race and ethnicity,
1.9 by biological sex). Read by flows/pipeline/report_justice_counts_crime.py; see docs/reports.md.

The models check structure only (keys, allowed values). That a crosswalk names NIBRS offense codes is checked
when the report loads it (flows/config/load.py:load_crosswalk, the FBI's own crosswalk check).

Deliberately self-contained (plain pydantic, unknown keys refused): schemas/config_models.py imports this
module, so it cannot import that one back.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

# Justice Counts offense categories, most serious first (Global Definitions: the summary reporting hierarchy
# person, property, public order, drug; then other; unknown only when no offense of the incident is known).
CATEGORIES = ("person", "property", "public_order", "drug", "other", "unknown")
# Justice Counts race and ethnicity breakdown values (the Publisher's spelling; "Race / Ethnicity" pairs).
RACES = ("American Indian or Alaska Native", "Asian", "Black", "More than one race",
         "Native Hawaiian or Pacific Islander", "White", "Other", "Unknown")
ETHNICITIES = ("Hispanic or Latino", "Not Hispanic or Latino", "Unknown Ethnicity")
SEXES = ("Male", "Female", "Unknown")

Category = Literal[CATEGORIES]
Ethnicity = Literal[ETHNICITIES]
Sex = Literal[SEXES]
RACE_VALUES = (*RACES, *(f"{r} / {e}" for e in ETHNICITIES for r in RACES))
RaceValue = Literal[RACE_VALUES]


def _problem(message: str) -> PydanticCustomError:
    """An error shown as written (flows/config/checked.py renders the `config` kind's message)."""
    return PydanticCustomError("config", "{message}", {"message": message})


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _column(description: str):
    return Field(min_length=1, description=description)


class Excluded(_Section):
    """Rows left out of the counts: the column and the cell values that exclude a row."""

    column: str = _column("The export column read, e.g. Referred.")
    values: list[str] = Field(min_length=1, description=(
        "Cell values (trimmed, exact) that exclude the row, e.g. [Y]; \"\" stands for a blank cell."))


class OffenseTable(_Section):
    """The offense extract: one row per offense of an incident (offenses.csv, or the workbook's sheet offenses)."""

    incident: str = _column("The column identifying the incident (its case number): the unit of 1.10.")
    date: str = _column("The column holding the date the incident was reported to the agency (its month counts).")
    code: str = _column("The column holding the offense's local code.")
    date_format: str | None = Field(None, description=(
        "A strict date format such as %m/%d/%Y; default: ISO or US month-first, a time after the date ignored."))
    exclude: list[Excluded] = Field(default_factory=list, description=(
        "Rows left out, e.g. incidents referred to another agency (1.10 EXCLUDE): [{column: Referred, values: [Y]}]."))


class ArrestTable(_Section):
    """The arrest extract: one row per charge of an arrest, citation or summons (arrests.csv, or sheet arrests)."""

    arrest: str = _column("The column identifying the arrest event: the unit of 1.7 (events, not people).")
    date: str = _column("The column holding the arrest date (its month counts).")
    charge: str = _column("The column holding the charge's local offense code.")
    race: str | None = Field(None, description="The column holding the arrested person's race (1.8).")
    ethnicity: str | None = Field(None, description=(
        "The column holding the person's ethnicity (1.8); leave it out when the race column holds both."))
    sex: str | None = Field(None, description="The column holding the person's biological sex (1.9).")
    date_format: str | None = Field(None, description=(
        "A strict date format such as %m/%d/%Y; default: ISO or US month-first, a time after the date ignored."))
    exclude: list[Excluded] = Field(default_factory=list, description=(
        "Rows left out, e.g. arrests for offenses committed outside the jurisdiction (1.7 EXCLUDE)."))


class JusticeCountsOffenses(_Section):
    """Justice Counts 1.10 Reported Crime and 1.7-1.9 Arrests from an offense/arrest extract (`uof report
    justice-counts-crime`)."""

    offenses: OffenseTable | None = Field(None, description="The offense extract's columns (for 1.10).")
    arrests: ArrestTable | None = Field(None, description="The arrest extract's columns (for 1.7, 1.8, 1.9).")
    offense_crosswalk: str | None = Field(None, description=(
        "A crosswalk file (path relative to the profile, inside its folder) mapping local offense codes to NIBRS "
        "offense codes, written like the FBI offense crosswalk (element: [offense1, offense2, offense3]); the "
        "category of a NIBRS code is mappings/offenses.yaml's. Default: the extract holds NIBRS codes."))
    categories: dict[str, Category] = Field(default_factory=dict, description=(
        "Local offense code -> Justice Counts category (person, property, public_order, drug, other, unknown), "
        "for codes with no NIBRS offense; checked before the crosswalk. Codes match whatever their case."))
    race: dict[str, RaceValue] = Field(default_factory=dict, description=(
        "Local race code -> a Justice Counts race (White, Black, ...), or a race and ethnicity pair such as "
        "\"White / Hispanic or Latino\" when one column holds both. Codes match whatever their case."))
    ethnicity: dict[str, Ethnicity] = Field(default_factory=dict, description=(
        "Local ethnicity code -> Hispanic or Latino, Not Hispanic or Latino or Unknown Ethnicity."))
    sex: dict[str, Sex] = Field(default_factory=dict, description="Local sex code -> Male, Female or Unknown.")

    @field_validator("categories", "race", "ethnicity", "sex")
    @classmethod
    def _one_code_once(cls, value: dict) -> dict:
        seen = {}
        for local, target in value.items():
            key = " ".join(str(local).split()).casefold()
            if key in seen and value[seen[key]] != target:
                raise _problem(f"local codes '{seen[key]}' and '{local}' are the same code once case is folded "
                                 "and spaces trimmed, but map to different values")
            seen.setdefault(key, local)
        return value

    @model_validator(mode="after")
    def _some_extract(self):
        if self.offenses is None and self.arrests is None:
            raise _problem("needs 'offenses' (for 1.10), 'arrests' (for 1.7-1.9) or both")
        return self
