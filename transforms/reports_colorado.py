"""Colorado, C.R.S. 24-31-903(2)(a): which use-of-force incidents the state wants, and who was there.

Pure functions: frames in, frames out; no I/O.

The state threshold (the Division of Criminal Justice's submission page and FAQ, reference text in
../shared/reference/colorado-lei-contacts-use-of-force-submission.txt): "all use of force by its peace officers
that results in death or serious bodily injury or that involves the use of a weapon". Use of a weapon includes
unholstering, brandishing or discharging a firearm, long gun, Taser, baton, nunchucks or projectile weapon; a
weapon carried so that it could not be used at once (slung on the back, secured) is not brandished even though it
is visible; a long gun in the hands in a ready position is. Force of any kind that results in death or serious
bodily injury is reportable (a control hold that breaks a wrist); a control hold without one is not.

The facts come from the extract:

* death and serious bodily injury: the subjects' injuries (S25, as the FBI pipeline derives them: DEATH;
  GUNSHOT, UNCONSCIOUSNESS, OTHER_SERIOUS_INJURY taken as serious bodily injury);
* a weapon used on a subject: the subjects' force types (S24) FIREARM, ELECTRONIC (Taser), BATON, PROJECTILE;
* a firearm discharged: the officer's shots_fired (O20) YES;
* drawing, pointing, brandishing, carrying (which the FBI file does not carry): the officer column the profile's
  `colorado.weapon_display` names, each local code mapped to an action (USED, DISCHARGED, DRAWN_OR_POINTED,
  CARRIED_NOT_READY, NONE) and a weapon (FIREARM, LONG_GUN, TASER, BATON, NUNCHUCKS, PROJECTILE, or OTHER: not a
  weapon the statute lists);
* who used the force that caused a death or serious bodily injury: the officer column `colorado.used_force`
  names (YES/NO through its map), or the only officer of the incident.

Nothing is guessed. An incident is `reportable` when one established fact meets the threshold, `not_reportable`
when every fact it hangs on is settled and none does, else `undecided`, with one row per open fact saying what
the analyst must establish ("the export has no weapon-display column"). In a reportable incident each officer
is `used_reportable_force`, `present`, or `undetermined` when the export cannot tell; every element the state
requires that the export lacks (name of an officer who used force, POST number of every officer, which officer
used the force) is listed per incident.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from schemas.primitives import SEP, has_any_token, has_token
from transforms.deadlines import PROGRAMS
from transforms.derive import SERIOUS, unsettled_injuries, with_sequential_ids
from transforms.link import linked

COLLECTION_START = PROGRAMS["colorado"].first_month  # 2022-08: nothing earlier is submitted
ACTIONS = ("USED", "DISCHARGED", "DRAWN_OR_POINTED", "CARRIED_NOT_READY", "NONE")
WEAPON_ACTIONS = ("USED", "DISCHARGED", "DRAWN_OR_POINTED")  # with a statute weapon: reportable
WEAPONS = ("FIREARM", "LONG_GUN", "TASER", "BATON", "NUNCHUCKS", "PROJECTILE", "OTHER")
STATUTE_WEAPONS = WEAPONS[:-1]  # "firearm, long gun, Taser, baton, nunchucks, or projectile weapons"
FORCE_TYPE_WEAPONS = {"FIREARM": "FIREARM", "ELECTRONIC": "TASER", "BATON": "BATON", "PROJECTILE": "PROJECTILE"}
OPEN_FORCE_TYPES = ("PENDING", "UNKNOWN")
USED_FORCE_VALUES = ("YES", "NO")
ROLES = ("used_reportable_force", "present", "undetermined")

INCIDENT_COLUMNS = ["incident", "incident_date", "death", "serious_bodily_injury", "weapons", "why_reportable",
                    "officers_used_force", "officers_present", "officers_undetermined", "missing_elements"]
OFFICER_COLUMNS = ["incident", "incident_date", "officer_id", "role", "officer_name", "post_number", "weapon_use"]
OPEN_COLUMNS = ["incident", "incident_date", "status", "kind", "subject_id", "officer_id", "element", "detail"]


@dataclass(frozen=True)
class Rules:
    """What the profile's `colorado:` section says about the officer columns (None: the export has none)."""

    officer_name: str | None = None
    post_number: str | None = None
    weapon_display: str | None = None
    display_map: dict = field(default_factory=dict)  # local code -> (action, weapon or None)
    weapon_kind: str | None = None
    kind_map: dict = field(default_factory=dict)  # local code -> weapon
    used_force: str | None = None
    used_force_map: dict = field(default_factory=dict)  # local code -> YES / NO


@dataclass
class Classified:
    reportable: pd.DataFrame  # INCIDENT_COLUMNS
    officers: pd.DataFrame  # OFFICER_COLUMNS
    open: pd.DataFrame  # OPEN_COLUMNS: undecided facts and missing elements
    counts: dict


# Officer frame columns the pipeline fills from the profile's `colorado:` columns (NA where it has none).
NAME, POST, DISPLAY, KIND, USED = "_co_name", "_co_post", "_co_display", "_co_kind", "_co_used_force"


def period_months(period: str) -> list[str]:
    """`YYYY-MM` -> that month; `YYYY` -> its twelve months."""
    if len(period) == 4:
        return [f"{period}-{m:02d}" for m in range(1, 13)]
    return [period]


def _entries(cells: pd.Series) -> pd.DataFrame:
    """One row per `;`-separated entry of each non-blank cell: (`_officer`, `position`, `value`)."""
    text = cells.dropna().astype("str").str.split(SEP).explode().str.strip()
    frame = pd.DataFrame({"_officer": text.index.to_numpy(), "value": text.to_numpy()})
    frame = frame[frame["value"] != ""]
    frame["position"] = frame.groupby("_officer").cumcount()
    return frame


def weapon_entries(officers: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Each officer's weapon actions: `_officer` (the officer row's index), `value`, `action`, `weapon`, `problem`.

    The weapon comes from the display map's entry, else from the weapon-kind column (its entry at the same
    position of a `;` list, or its only entry). `problem` is set where an entry cannot be read: a local code the
    map does not hold, or a weapon used, discharged, drawn or pointed whose kind is unknown. An officer with a
    blank display cell has no entry.
    """
    display = _entries(officers[DISPLAY] if rules.weapon_display else officers[DISPLAY].iloc[:0])
    mapped = display["value"].map(lambda v: rules.display_map.get(v))
    display["action"] = mapped.map(lambda m: m[0] if m else pd.NA).astype("str")
    display["weapon"] = mapped.map(lambda m: m[1] if m and m[1] else pd.NA).astype("str")
    kinds = _entries(officers[KIND] if rules.weapon_kind else officers[KIND].iloc[:0])
    n_kinds = display["_officer"].map(kinds.groupby("_officer").size())
    at = display["position"].where(n_kinds != 1, 0)
    key = pd.MultiIndex.from_arrays([display["_officer"], at])
    raw_kind = pd.Series(kinds.set_index(["_officer", "position"])["value"].reindex(key).to_numpy(),
                         index=display.index, dtype="str")
    kind = raw_kind.map(lambda v: rules.kind_map.get(v, pd.NA) if isinstance(v, str) else pd.NA).astype("str")
    display["weapon"] = display["weapon"].fillna(kind)
    problem = pd.Series(pd.NA, index=display.index, dtype="str")
    problem = problem.mask(display["action"].isna(), "the local value is not in colorado.weapon_display_map")
    unknown = display["action"].isin(WEAPON_ACTIONS) & display["weapon"].isna() & problem.isna()
    why = pd.Series("the kind of weapon is not recorded (colorado.weapon_kind)", index=display.index, dtype="str")
    why = why.mask(raw_kind.notna(), "the weapon kind is not in colorado.weapon_kind_map")
    display["problem"] = problem.mask(unknown, why)
    return display[["_officer", "value", "action", "weapon", "problem"]]


def _officer_facts(officers: pd.DataFrame, entries: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Per officer row: weapon user (a statute weapon used, discharged, drawn or pointed, or shots fired), whether
    its weapon display is open, its weapon use as text, and its used_force (YES / NO / NA)."""
    reportable = entries["action"].isin(WEAPON_ACTIONS) & entries["weapon"].isin(STATUTE_WEAPONS)
    text = (entries.loc[reportable, "weapon"] + " " + entries.loc[reportable, "action"]).groupby(
        entries.loc[reportable, "_officer"]).agg("; ".join)
    fired = officers["shots_fired"] == "YES"
    use = text.reindex(officers.index).astype("str")
    use = use.mask(fired & use.isna(), "FIREARM DISCHARGED (shots_fired)")
    user = fired | pd.Series(officers.index.isin(entries.loc[reportable, "_officer"]), index=officers.index)
    troubled = officers.index.isin(entries.loc[entries["problem"].notna(), "_officer"])
    blank = officers[DISPLAY].isna() if rules.weapon_display else pd.Series(True, index=officers.index)
    shots_open = ~officers["shots_fired"].isin(("YES", "NO"))
    display_open = ~user & (blank | troubled | shots_open)
    used = officers[USED].map(lambda v: rules.used_force_map.get(v, pd.NA) if isinstance(v, str) else pd.NA)
    return pd.DataFrame({"user": user.astype(bool), "display_open": display_open.astype(bool), "use": use,
                         "used_force": used.astype("str")}, index=officers.index)


def _per_incident(mask: pd.Series, parents: pd.Series, rows: pd.Index) -> pd.Series:
    return mask.groupby(parents).any().reindex(rows, fill_value=False).astype(bool)


def _open_row(incidents: pd.DataFrame, rows, status: str, kind: str, element: str, detail,
              subject_id=pd.NA, officer_id=pd.NA) -> pd.DataFrame:
    chosen = incidents.loc[list(rows)]
    return pd.DataFrame({"incident": chosen["agency_case_number"].to_numpy(),
                         "incident_date": chosen["incident_date"].to_numpy(), "status": status, "kind": kind,
                         "subject_id": subject_id, "officer_id": officer_id, "element": element, "detail": detail,
                         "_row": chosen["_row"].to_numpy()})


def classify(frames: dict[str, pd.DataFrame], rules: Rules, period: str) -> Classified:
    """The period's incidents (`frames`: canonical incidents/subjects/officers, officers with the `_co_*` columns)
    against the state threshold."""
    months = period_months(period)
    blank = {c: pd.Series(pd.NA, index=frames["officers"].index, dtype="str") for c in (NAME, POST, DISPLAY, KIND, USED)
             if c not in frames["officers"].columns}
    frames = {**frames, "officers": frames["officers"].assign(**blank)}
    incidents = frames["incidents"].set_index("_row", drop=False)
    month = incidents["incident_date"].str.slice(0, 7)
    undated = incidents["incident_date"].isna()
    in_period = month.isin(months).fillna(False).astype(bool)
    before = in_period & (month < COLLECTION_START).fillna(False).astype(bool)
    scope = incidents[(in_period & ~before) | undated]
    subjects = linked(frames["subjects"], frames["incidents"])
    subjects = subjects[subjects["_incident_row"].isin(scope["_row"])]
    officers = linked(frames["officers"], frames["incidents"])
    officers = officers[officers["_incident_row"].isin(scope["_row"])]
    subjects, _ = with_sequential_ids(subjects, "subject_id")
    officers, _ = with_sequential_ids(officers, "officer_id")
    rows = pd.Index(scope["_row"])
    s_parent, o_parent = subjects["_incident_row"], officers["_incident_row"]

    injuries, force = subjects["injury_type_ids"], subjects["force_type_ids"]
    death = _per_incident(has_token(injuries, "DEATH"), s_parent, rows)
    serious = _per_incident(has_any_token(injuries, SERIOUS), s_parent, rows)
    injury_open = _per_incident(unsettled_injuries(injuries), s_parent, rows)
    force_open_rows = force.isna() | has_any_token(force, OPEN_FORCE_TYPES)
    force_open = _per_incident(force_open_rows, s_parent, rows)
    force_weapons = {w: _per_incident(has_token(force, t), s_parent, rows) for t, w in FORCE_TYPE_WEAPONS.items()}
    n_subjects = s_parent.value_counts().reindex(rows, fill_value=0)
    n_officers = o_parent.value_counts().reindex(rows, fill_value=0)

    entries = weapon_entries(officers, rules)
    facts = _officer_facts(officers, entries, rules)
    officer_user = _per_incident(facts["user"], o_parent, rows)
    display_open = _per_incident(facts["display_open"], o_parent, rows)
    s24_weapon = pd.concat(force_weapons.values(), axis=1).any(axis=1)
    weapon = officer_user | s24_weapon
    harm = death | serious
    reportable = (harm | weapon) & ~undated.reindex(rows).to_numpy()
    settled = ~(injury_open | force_open | display_open) & (n_subjects > 0) & (n_officers > 0)
    not_reportable = ~reportable & settled & ~undated.reindex(rows).to_numpy()
    status = pd.Series("undecided", index=rows, dtype="str").mask(reportable, "reportable").mask(
        not_reportable, "not_reportable")

    opened = _undecided_facts(scope, subjects, officers, entries, facts, status, rules, undated)
    listed, officer_rows, missing = _roles(scope, officers, facts, status, death, serious, force_weapons, rules)
    listed["death"] = death.reindex(listed.index).map({True: "yes", False: "no"})
    listed["serious_bodily_injury"] = serious.reindex(listed.index).map({True: "yes", False: "no"})
    open_frame = pd.concat([opened, missing], ignore_index=True)
    n_missing = missing.groupby("_row").size()
    listed["missing_elements"] = n_missing.reindex(listed.index, fill_value=0).astype("int64")
    open_frame = open_frame.sort_values("_row", kind="stable")[OPEN_COLUMNS].reset_index(drop=True)
    counts = {
        "incidents_in_period": int(in_period.sum()),
        "before_collection": int(before.sum()),
        "undated": int(undated.sum()),
        "reportable": int((status == "reportable").sum()),
        "not_reportable": int((status == "not_reportable").sum()),
        "undecided": int((status == "undecided").sum()),
        "reportable_with_missing_elements": int((listed["missing_elements"] > 0).sum()),
        "by_reason": {"death": int((death & reportable).sum()),
                      "serious_bodily_injury": int((serious & reportable).sum()),
                      "weapon": int((weapon & reportable).sum())},
        "officers": {r: int((officer_rows["role"] == r).sum()) for r in ROLES},
    }
    return Classified(reportable=listed[INCIDENT_COLUMNS].reset_index(drop=True),
                      officers=officer_rows[OFFICER_COLUMNS].reset_index(drop=True), open=open_frame, counts=counts)


def _undecided_facts(scope, subjects, officers, entries, facts, status, rules: Rules, undated) -> pd.DataFrame:
    """One row per open fact of each undecided incident."""
    open_rows = status.index[status == "undecided"]
    parts = []

    def add(rows, element, detail, subject_id=pd.NA, officer_id=pd.NA):
        parts.append(_open_row(scope, rows, "undecided", "cannot be decided", element, detail, subject_id,
                               officer_id))

    add(open_rows.intersection(scope.index[undated.reindex(scope.index)]), "incident_date",
        "the incident date is blank or unreadable: the incident cannot be placed in a month")
    mine = subjects[subjects["_incident_row"].isin(open_rows)]
    hit = mine[unsettled_injuries(mine["injury_type_ids"])]
    add(hit["_incident_row"], "injury_type_ids (S25)", "whether this subject died or suffered serious bodily "
        "injury: the injury is blank, pending, unknown or not mapped", hit["subject_id"].to_numpy())
    hit = mine[mine["force_type_ids"].isna() | has_any_token(mine["force_type_ids"], OPEN_FORCE_TYPES)]
    add(hit["_incident_row"], "force_type_ids (S24)", "which force was used on this subject (a weapon?): the "
        "force type is blank, pending, unknown or not mapped", hit["subject_id"].to_numpy())
    no_subject = open_rows.difference(pd.Index(subjects["_incident_row"].dropna()))
    add(no_subject, "subjects", "who the subject was and whether they died or were seriously injured: the export "
        "has no subject row for this incident")
    no_officer = open_rows.difference(pd.Index(officers["_incident_row"].dropna()))
    add(no_officer, "officers", "whether an officer used, drew or pointed a weapon: the export has no officer row "
        "for this incident")
    mine = officers[officers["_incident_row"].isin(open_rows) & facts["display_open"]]
    if not rules.weapon_display:
        by_incident = mine.drop_duplicates("_incident_row")
        add(by_incident["_incident_row"], "weapon display", "cannot be decided: the export has no weapon-display "
            "column (colorado.weapon_display), so whether an officer drew, pointed or brandished a weapon is "
            "unknown")
    else:
        blank = mine[mine[DISPLAY].isna()]
        add(blank["_incident_row"], rules.weapon_display, "whether this officer drew, pointed, used or carried a "
            "weapon: the cell is blank", officer_id=blank["officer_id"].to_numpy())
        bad = entries[entries["problem"].notna() & entries["_officer"].isin(mine.index)]
        add(officers.loc[bad["_officer"], "_incident_row"], rules.weapon_display, bad["problem"].to_numpy(),
            officer_id=officers.loc[bad["_officer"], "officer_id"].to_numpy())
    shots = mine[~mine["shots_fired"].isin(("YES", "NO"))]
    add(shots["_incident_row"], "shots_fired (O20)", "whether this officer discharged a firearm: blank, pending, "
        "unknown or not mapped", officer_id=shots["officer_id"].to_numpy())
    return pd.concat(parts, ignore_index=True)


def _roles(scope, officers, facts, status, death, serious, force_weapons, rules: Rules):
    """Reportable incidents' rows, their officers with roles, and the missing elements."""
    rows = status.index[status == "reportable"]
    mine = officers[officers["_incident_row"].isin(rows)]
    f = facts.loc[mine.index]
    parent = mine["_incident_row"]
    harm = pd.Series((death | serious).reindex(parent).to_numpy(), index=mine.index)
    only = parent.map(parent.value_counts()) == 1
    users_weapons = f["use"].dropna().groupby(parent.loc[f["use"].dropna().index]).agg(
        lambda uses: "; ".join(dict.fromkeys("; ".join(uses).split("; "))))
    users_weapons = users_weapons.reindex(rows, fill_value="").astype("str")
    unattributed = pd.Series(False, index=rows)
    for kind, has in force_weapons.items():
        unattributed |= has.reindex(rows) & ~users_weapons.str.contains(kind, regex=False)
    loose = pd.Series(unattributed.reindex(parent).to_numpy(), index=mine.index)
    used_yes, used_no = f["used_force"] == "YES", f["used_force"] == "NO"
    role = pd.Series("undetermined", index=mine.index, dtype="str")
    role = role.mask(~f["user"] & ~f["display_open"] & ~loose & (~harm | used_no), "present")
    role = role.mask(f["user"] | (harm & used_yes) | only, "used_reportable_force")
    table = pd.DataFrame({
        "incident": mine["agency_case_number"], "incident_date": mine["_incident_date"],
        "officer_id": mine["officer_id"], "role": role,
        "officer_name": mine[NAME].where(role == "used_reportable_force"), "post_number": mine[POST],
        "weapon_use": f["use"], "_row": parent, "_order": pd.to_numeric(mine["officer_id"], errors="coerce")})
    table = table.sort_values(["_row", "_order"], kind="stable")
    why_open = _why_undetermined(f, role, harm, loose, rules)
    missing = _missing(scope, mine, role, why_open, rows, rules)

    from_force = pd.Series("", index=rows, dtype="str")
    for kind, has in force_weapons.items():
        from_force = from_force.mask(has.reindex(rows), from_force + f"; {kind} used on a subject (S24)")
    by_officer = users_weapons.map(lambda w: f"; by officers: {w}" if w else "")
    weapons = (from_force + by_officer).str.lstrip("; ")
    why = pd.Series("", index=rows, dtype="str")
    why = why.mask(death.reindex(rows), why + "; death")
    why = why.mask(serious.reindex(rows), why + "; serious bodily injury")
    why = why.mask(weapons != "", why + "; use of a weapon")
    per_role = pd.crosstab(parent, role).reindex(index=rows, columns=list(ROLES), fill_value=0)
    listed = pd.DataFrame({
        "incident": scope.loc[rows, "agency_case_number"], "incident_date": scope.loc[rows, "incident_date"],
        "weapons": weapons, "why_reportable": why.str.lstrip("; "),
        "officers_used_force": per_role["used_reportable_force"], "officers_present": per_role["present"],
        "officers_undetermined": per_role["undetermined"]}, index=rows)
    return listed, table, missing


def _why_undetermined(f: pd.DataFrame, role: pd.Series, harm: pd.Series, loose: pd.Series, rules: Rules) -> pd.Series:
    """Per officer whose role is undetermined, what the export leaves open."""
    used_why = ("this officer's used-force cell is blank or not mapped" if rules.used_force
                else "the export has no used-force column (colorado.used_force)")
    display_why = ("this officer's weapon display is blank or not mapped" if rules.weapon_display
                   else "the export has no weapon-display column (colorado.weapon_display)")
    reasons = pd.DataFrame({
        "harm": harm.map({True: f"the subject died or was seriously injured and {used_why}", False: ""}),
        "loose": loose.map({True: "a weapon the subjects' force types (S24) record is not attributed to any "
                                  "officer's weapon display", False: ""}),
        "display": f["display_open"].map({True: display_why, False: ""})}).astype("str")
    text = reasons.agg(lambda r: "; ".join(v for v in r if v), axis=1) if len(reasons) else reasons.iloc[:, 0]
    return ("whether this officer used the reportable force: " + text)[role == "undetermined"]


def _missing(scope, mine, role, why_open, rows, rules: Rules) -> pd.DataFrame:
    """Elements the state requires that the export lacks, per reportable incident."""
    parts = []

    def add(chosen, element, detail):
        parts.append(_open_row(scope, chosen["_incident_row"], "reportable", "missing element", element, detail,
                               officer_id=chosen["officer_id"].to_numpy()))

    for column, value, chosen, what in (
            (rules.officer_name, NAME, mine[role == "used_reportable_force"],
             "the name of this officer, who used reportable force"),
            (rules.post_number, POST, mine, "this officer's P.O.S.T. number")):
        element = "officer name" if value == NAME else "POST number"
        if column:
            add(chosen[chosen[value].isna()], element, f"{what}: the cell of {column} is blank")
        else:
            add(chosen, element, f"{what}: the export has no {element} column (colorado."
                                 f"{'officer_name' if value == NAME else 'post_number'})")
    add(mine.loc[why_open.index], "officer role", why_open.to_numpy())
    no_officer = rows.difference(pd.Index(mine["_incident_row"]))
    parts.append(_open_row(scope, no_officer, "reportable", "missing element", "officers", "the officers at the "
                           "scene (names of those who used force, POST numbers of all): the export has no officer "
                           "row for this incident"))
    return pd.concat(parts, ignore_index=True)
