"""The profile's `illinois_mh` section: how the CAD (dispatch) export is read for the Illinois mental-health-crisis
report (20 Ill. Adm. Code 1244, Subpart B; transforms/reports_illinois_mh.py applies it).

Self-contained (schemas/config_models.py imports it for the Profile field): unknown keys are refused, each
problem is a message naming the key (flows/config/checked.py).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from transforms.coverage import period_problem
from transforms.parsers import format_problem
from transforms.reports_illinois_mh import LEVELS, OUTCOMES, code_key

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("config", "{message}", {"message": message})


def _one_or_list(value):
    return [value] if isinstance(value, str) else value


def _codes(what: str, minimum: int = 0):
    """A list of codes (one code is a list of one): each non-blank text."""
    def run(value):
        value = _one_or_list(value)
        if (not isinstance(value, list) or len(value) < minimum
                or not all(isinstance(v, str) and v.strip() for v in value)):
            raise problem(f"must be a list of {what} (text, each non-blank)"
                          + (f", at least {minimum}" if minimum else ""))
        return [v.strip() for v in value]
    return BeforeValidator(run)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Level = Literal[LEVELS]
Outcome = Literal[OUTCOMES]
Levels = Annotated[list[Level], BeforeValidator(_one_or_list)]
Outcomes = Annotated[list[Outcome], BeforeValidator(_one_or_list)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(Section):
    """The months the CAD export covers."""

    from_: Annotated[str, StringConstraints(pattern=MONTH_PATTERN)] = Field(
        alias="from", description="The first month covered, YYYY-MM.")
    to: Annotated[str, StringConstraints(pattern=MONTH_PATTERN)] = Field(description="The last month covered, YYYY-MM.")

    @model_validator(mode="after")
    def _ordered(self):
        reason = period_problem(self.from_, self.to)
        if reason:
            raise problem(reason)
        return self


class IllinoisMhColumns(Section):
    """The CAD export's columns (one row per unit dispatched to an incident)."""

    incident_number: Text = Field(description=(
        "The CAD incident (event) number; the rows of one incident share it."))
    date: Text = Field(description=(
        "The date (and time) the call was received: an incident's first date decides its month."))
    call_type: Text = Field(description=(
        "The reason for dispatch: the call type the unit was dispatched for (the initial call type), never the "
        "final one."))
    unit_type: Text = Field(description="The type of the unit dispatched: decides the level of response.")
    disposition: Text = Field(description=(
        "The unit's (or incident's) disposition codes: decide the outcomes; a cell may hold several, separated by "
        "disposition_separator."))
    final_call_type: Text | None = Field(None, description=(
        "The call type after reclassification: only used to list incidents whose crisis came to light after "
        "dispatch as excluded."))
    assignment: Text | None = Field(None, description=(
        "How the unit came to the incident (dispatched, or answered a broadcast); needs `broadcast`."))
    requested_by: Text | None = Field(None, description=(
        "Who requested or dispatched the unit (an ORI or agency code); units of other requesters are left out. "
        "A blank cell counts as the agency's own."))


def _keys_once(mapping: dict, what: str) -> None:
    seen = {}
    for key in mapping:
        folded = code_key(key)
        if folded in seen and seen[folded] != key:
            raise problem(f"{what} '{seen[folded]}' and '{key}' are the same code once spaces are trimmed: list it "
                          "once")
        seen[folded] = key


class IllinoisMhSettings(Section):
    """The Illinois mental-health-crisis dispatch report (20 Ill. Adm. Code 1244.300-1244.500) from a CAD export:
    its columns and the code maps deciding which incidents count, their levels of response and their outcomes."""

    columns: IllinoisMhColumns = Field(description="The CAD export's columns the report reads.")
    sheet: Text | None = Field(None, description="The workbook sheet holding the CAD export (default: the first).")
    date_format: Text | None = Field(None, description=(
        "The format of the date column, e.g. \"%m/%d/%Y %H:%M:%S\" (default: ISO, or MM/DD/YYYY, with or without "
        "a time)."))
    extract_period: Period | None = Field(None, description=(
        "The months the CAD export covers, {from: YYYY-MM, to: YYYY-MM} (default: its first to its last date); a "
        "month without incidents is reported as none only inside it."))
    crisis_call_types: Annotated[list[str], _codes("call types", 1)] = Field(description=(
        "Call types that mean a person in mental-health crisis: a unit dispatched for one of them makes the "
        "incident reportable."))
    other_call_types: Annotated[list[str], _codes("call types")] = Field(
        default_factory=list, description=(
            "Every other call type of the CAD: a call type in neither list is a finding (exit 1), never silently "
            "taken as not a crisis."))
    broadcast: Annotated[list[str], _codes("assignment values")] = Field(
        default_factory=list, description=(
            "Values of the assignment column meaning the unit answered an ISPERN or emergency broadcast without "
            "being dispatched, e.g. [ISPERN, BROADCAST]: left out (1244.300(c)(1))."))
    dispatching_agency: Annotated[list[str], _codes("requested_by values")] = Field(
        default_factory=list, description=(
            "Values of the requested_by column meaning the reporting agency itself (default: its agency_ori); "
            "units requested by others are left out (1244.400(b))."))
    unit_types: dict[str, Levels] = Field(min_length=1, description=(
        "Unit type -> level(s) of response (1244.400(a)): Sworn Officer, Crisis Intervention Team Trained "
        "Officer, SWAT Team, Social Worker, Psychologist, Ambulance or Other; a list for a unit of several "
        "(a co-responder car), [] for a unit that is no level."))
    dispositions: dict[str, Outcomes] = Field(min_length=1, description=(
        "Disposition code -> outcome(s) (1244.500(a)): Released (Own Recognizance), Released (Family Member), "
        "Arrested, Voluntary Admission to Mental Health Facility, Officer Admitted Offender to Mental Health "
        "Facility, Offender Adjudicated to Mental Health Facility or Other; [] for a code that names no outcome."))
    disposition_separator: Annotated[str, Field(min_length=1)] = Field(";", description=(
        "What separates several disposition codes in one cell."))

    @model_validator(mode="after")
    def _consistent(self):
        if self.date_format is not None:
            reason = format_problem(self.date_format, "date")
            if reason:
                raise problem(f"date_format: {reason}")
        crisis = {code_key(c) for c in self.crisis_call_types}
        both = [c for c in self.other_call_types if code_key(c) in crisis]
        if both:
            raise problem(f"call type '{both[0]}' is in both crisis_call_types and other_call_types: keep it in one")
        if bool(self.broadcast) != (self.columns.assignment is not None):
            raise problem("columns.assignment and broadcast go together: name the column saying how a unit came to "
                          "the incident and the values meaning it answered a broadcast without being dispatched")
        if self.dispatching_agency and self.columns.requested_by is None:
            raise problem("dispatching_agency needs columns.requested_by: the column naming who requested the unit")
        _keys_once(self.unit_types, "unit types")
        _keys_once(self.dispositions, "disposition codes")
        return self
