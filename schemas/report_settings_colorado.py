"""The profile's `colorado:` section (C.R.S. 24-31-903 report, `uof report colorado`): which officer columns of
the export carry what the FBI file does not (name, POST number, weapon drawn or carried, force used), and what
their local codes mean. Every key is optional: a column the export lacks is reported per incident as an element
the state requires, or as a fact that cannot be decided, never guessed.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from transforms.reports_colorado import ACTIONS, USED_FORCE_VALUES, WEAPONS

Action = Literal[ACTIONS]
Weapon = Literal[WEAPONS]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WeaponDisplay(_Section):
    """What one local code of the weapon-display column means."""

    action: Action = Field(description=(
        "USED (applied: a baton strike, a Taser deployed), DISCHARGED (fired), DRAWN_OR_POINTED (unholstered, "
        "brandished, pointed, or a long gun in the hands in a ready position), CARRIED_NOT_READY (slung on the back "
        "or secured so that it could not be used at once: not brandished even though visible), or NONE."))
    weapon: Weapon | None = Field(None, description=(
        "FIREARM, LONG_GUN, TASER, BATON, NUNCHUCKS, PROJECTILE (the weapons C.R.S. 24-31-903 lists) or OTHER (a "
        "weapon it does not list: OC spray, a flashlight); leave it out when the weapon-kind column says it."))


class ColoradoSettings(_Section):
    """The Colorado report's officer columns (RMS names, officers table of a `tables` export) and code maps."""

    officer_name: str | None = Field(None, description=(
        "Officers' column holding the officer's name (reported for the officers who used reportable force)."))
    post_number: str | None = Field(None, description=(
        "Officers' column holding the officer's P.O.S.T. certification number (reported for every officer at the "
        "scene)."))
    weapon_display: str | None = Field(None, description=(
        "Officers' column saying whether and how the officer drew, pointed, used or carried a weapon (several "
        "entries separated by ';'); without it, an incident without death, serious bodily injury or a discharge "
        "cannot be decided."))
    weapon_display_map: dict[str, WeaponDisplay] = Field(default_factory=dict, description=(
        "Local code of the weapon-display column -> {action: ..., weapon: ...}; a code not listed leaves the "
        "incident undecided and is named."))
    weapon_kind: str | None = Field(None, description=(
        "Officers' column naming the weapon when the display code does not (one entry, or one per display entry)."))
    weapon_kind_map: dict[str, Weapon] = Field(default_factory=dict, description=(
        "Local code of the weapon-kind column -> FIREARM, LONG_GUN, TASER, BATON, NUNCHUCKS, PROJECTILE or OTHER."))
    used_force: str | None = Field(None, description=(
        "Officers' column saying whether the officer used force on a subject: decides who used the force in an "
        "incident with a death or serious bodily injury and several officers."))
    used_force_map: dict[str, Literal[USED_FORCE_VALUES]] = Field(default_factory=dict, description=(
        "Local code of the used-force column -> YES or NO."))

    def columns(self) -> list[str]:
        """The export columns the section names."""
        return [c for c in (self.officer_name, self.post_number, self.weapon_display, self.weapon_kind,
                            self.used_force) if c]
