"""The profile's `justice_counts:` section (issue 12): where the use-of-force extract records each incident's
force types, and the crosswalk that sorts them into the categories of Justice Counts metric 1.11.

A stand-alone model (schemas/config_models.py imports it for its Profile field): strict keys, text values.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _names(value):
    """One column name or a list of them -> a list of stripped, non-blank names."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("must be a column name or a list of column names (text)")
    return [v.strip() for v in value]


class ForceTypes(_Section):
    """Where the extract records the force types used in an incident, and their crosswalk."""

    table: Literal["incidents", "subjects", "officers"] | None = Field(None, description=(
        "tables layout only: the table (sheet or CSV file) holding the columns; a one-sheet layout (flat, "
        "incident-lists) reads its one sheet."))
    columns: list[str] = Field(default_factory=list, description=(
        "RMS columns holding a local force type code each (a cell may hold several, split on `separator`); "
        "every row of an incident adds its codes to the incident."))
    flags: list[str] = Field(default_factory=list, description=(
        "Yes/no RMS columns, one per kind of force: the column's name is the local force type of a row "
        "whose cell says yes (yes, y, true, 1)."))
    separator: str | None = Field(";", description=(
        "Splits a cell of `columns` holding several codes; null: one code per cell."))
    crosswalk: str | None = Field(None, description=(
        "Crosswalk file (path relative to the profile, inside its folder or an allowed root) with "
        "`element: justice_counts_force_type`, mapping each local force type to PHYSICAL_FORCE, RESTRAINT, "
        "FIREARM, OTHER_WEAPON, OTHER_FORCE, UNKNOWN or DE_MINIMIS (not counted). Without one, only codes "
        "written as those categories are read; `uof crosswalk scaffold` writes its skeleton."))

    @field_validator("columns", "flags", mode="before")
    @classmethod
    def _column_names(cls, value):
        return _names(value)

    @model_validator(mode="after")
    def _something(self):
        if not self.columns and not self.flags:
            raise ValueError("needs 'columns' (RMS columns holding force type codes) or 'flags' (yes/no columns, "
                             "one per kind of force)")
        return self


class JusticeCountsSettings(_Section):
    """Justice Counts metrics built from this profile's extracts (`uof report justice-counts`)."""

    force_types: ForceTypes | None = Field(None, description=(
        "Metric 1.11 Use of Force Incidents: where each incident's force types are recorded and their "
        "crosswalk."))
