"""Typed configuration of a state program: one extract holding many agencies, and the table of those agencies.

A state profile names the column that says which agency each row belongs to, the agency profile every agency
shares (layout, columns, crosswalks) and the agencies themselves: each with its ORI, its name and what differs
from the shared profile (its kind, its submitting ORI, its first tracked month), or a complete profile of its
own. Or, instead of the table, a folder holding one complete agency profile per agency.
"""
from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from schemas.config_models import (ORI, ROOTS, STATE_PROGRAMS, ExtractPeriod, Month, SchemaHook, Strict,
                                   StrictText, _one_or_list_schema, _text_list, problem)


class AgencyEntry(Strict):
    """One agency of the state program."""

    noun: ClassVar[str] = "key"

    ori: ORI = Field(description="The agency's nine-character ORI (I1), as the extract's agency column writes it.")
    name: StrictText | None = Field(None, description="The agency's name (shown in the compliance table).")
    profile: StrictText | None = Field(None, description=(
        "A complete agency profile of its own (path relative to the state profile); default: the state "
        "profile's agency_profile with this entry's ORI, name and settings."))
    agency_kind: Literal["local", "federal", "tribal"] | None = Field(None, description=(
        "local, federal or tribal; default: the shared profile's."))
    reporting_agency_ori: ORI | None = Field(None, description=(
        "The ORI submitting this agency's reports (I4); default: the agency's own ORI. Agencies sharing one "
        "submitting ORI share its file-number sequence, so a state run processes them one after another, in "
        "the order of this table."))
    reporting_start: Month | None = Field(None, description=(
        "The first month the compliance table tracks for this agency, YYYY-MM; default: the shared profile's."))


class StateProfile(Strict):
    """A state program's profile: many agencies in one extract (`uof state ...`)."""

    noun: ClassVar[str] = "key"

    state_name: StrictText = Field(description="The program's name, e.g. \"Keystone State Police UoF program\".")
    agency_column: StrictText = Field(description=(
        "The RMS column holding each row's agency ORI. In a tables layout every table must have it (case "
        "numbers are unique only within an agency)."))
    agency_profile: StrictText | None = Field(None, description=(
        "The agency profile the agencies of the table share (layout, columns, crosswalks), relative to the "
        "state profile. Its own agency_ori and agency_name are replaced by each agency's."))
    agencies: list[AgencyEntry] | None = Field(None, description=(
        "The program's agencies. Rows of an ORI not listed here are excluded with the reason and listed."))
    agencies_folder: StrictText | None = Field(None, description=(
        "Instead of `agencies`: a folder (relative to the state profile) of complete agency profiles, one per "
        "agency (*.yaml); each profile's agency_ori says which agency it is."))
    state_program: Literal[STATE_PROGRAMS] | None = Field(None, description=(
        "A state program whose deadlines apply to every agency (the shared profile's otherwise)."))
    extract_period: ExtractPeriod | None = Field(None, description=(
        "The months the state extract covers for EVERY agency of the table, {from: YYYY-MM, to: YYYY-MM}: an "
        "agency without incidents in a covered month gets a zero report. Default: each agency's own first to "
        "last incident date, so an agency absent from the extract gets no zero report."))
    allowed_roots: Annotated[list[str], _text_list(ROOTS), SchemaHook(_one_or_list_schema)] = Field(
        default_factory=list, description=(
            "Folders outside the state profile's folder that agency profiles may be read from."))

    @model_validator(mode="after")
    def _one_agency_source(self):
        if (self.agencies is None) == (self.agencies_folder is None):
            raise problem("needs either 'agencies' (the table of agencies) or 'agencies_folder' (one profile per "
                          "agency), not both and not neither")
        if self.agencies is not None:
            if not self.agencies:
                raise problem("'agencies' lists no agency")
            seen = set()
            for entry in self.agencies:
                if entry.ori in seen:
                    raise problem(f"agency {entry.ori} is listed twice in 'agencies'")
                seen.add(entry.ori)
            if self.agency_profile is None and any(e.profile is None for e in self.agencies):
                raise problem("needs 'agency_profile' (the profile the agencies share) unless every agency of "
                              "the table names its own 'profile'")
        return self
