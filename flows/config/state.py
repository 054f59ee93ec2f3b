"""Loading a state profile: the agencies of one multi-agency extract, each with its effective agency profile.

Everything is checked here, before any data is read: the state profile's structure, every agency profile it
names, that no two agencies share an ORI. A table entry's profile is the shared `agency_profile` loaded once,
with the entry's identity put in (ORI, name, kind, submitting ORI, first month): what differs is recorded as
`settings["agency_overrides"]`, archived with each run so that `uof replay` applies it again.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from flows.config.checked import located, validated
from flows.config.load import Profile, Reference, confined_file, load_profile
from flows.config.yamlio import load_yaml, plain
from flows.errors import ConfigError
from schemas.state_models import StateProfile


@dataclass(frozen=True)
class StateAgency:
    ori: str
    name: str
    profile: Profile


@dataclass(frozen=True)
class StateConfig:
    path: Path
    sha256: str
    name: str
    agency_column: str
    agencies: tuple[StateAgency, ...]
    program: str | None
    period: tuple[str, str] | None

    def agency(self, ori: str) -> StateAgency | None:
        return next((a for a in self.agencies if a.ori == ori), None)


def with_overrides(profile: Profile, overrides: dict) -> Profile:
    """`profile` as the agency `overrides` describes (keys: agency_ori, agency_name, agency_kind,
    reporting_agency_ori, reporting_start, state_program, extract_period); also used by replay."""
    if not overrides:
        return profile
    settings = dict(profile.settings)
    for key in ("agency_name", "reporting_start", "state_program"):
        if overrides.get(key) is not None:
            settings[key] = overrides[key]
    if overrides.get("extract_period") is not None:
        settings["extract_period"] = tuple(overrides["extract_period"])
    settings["agency_overrides"] = dict(overrides)
    ori = overrides.get("agency_ori", profile.agency_ori)
    return dataclasses.replace(profile, agency_ori=ori,
                               reporting_agency_ori=overrides.get("reporting_agency_ori") or profile.reporting_agency_ori,
                               agency_kind=overrides.get("agency_kind") or profile.agency_kind, settings=settings)


def _overrides(entry, base: Profile, spec: StateProfile) -> dict:
    shared_submitter = base.reporting_agency_ori != base.agency_ori  # the shared profile names a submitter
    out = {"agency_ori": entry.ori,
           "agency_name": entry.name,
           "agency_kind": entry.agency_kind,
           "reporting_agency_ori": entry.reporting_agency_ori or (base.reporting_agency_ori if shared_submitter
                                                                  else entry.ori),
           "reporting_start": entry.reporting_start,
           "state_program": spec.state_program,
           "extract_period": [spec.extract_period.from_, spec.extract_period.to] if spec.extract_period else None}
    return {k: v for k, v in out.items() if v is not None}


def load_state(path: Path, ref: Reference) -> StateConfig:
    path = Path(path)
    with located(path):
        data, digest = load_yaml(path, strings=True)
        spec = validated(StateProfile, data, path)
    folder = path.parent.resolve()
    roots = (folder, *((folder / r).resolve() for r in spec.allowed_roots))
    loaded: dict[Path, Profile] = {}

    def profile_at(entry: str, key: str) -> Profile:
        file = confined_file(path, roots, entry, key, what="agency profile")
        if file not in loaded:
            if not file.is_file():
                raise ConfigError(path, f"agency profile '{entry}' ({file}) does not exist", key)
            loaded[file] = load_profile(file, ref)
        return loaded[file]

    agencies = []
    if spec.agencies is not None:
        for i, entry in enumerate(spec.agencies):
            own = entry.profile is not None
            base = profile_at(entry.profile if own else spec.agency_profile,
                              f"agencies[{i}].profile" if own else "agency_profile")
            if own and base.agency_ori != entry.ori:
                raise ConfigError(path, f"agency {entry.ori}'s profile {entry.profile} is the profile of agency "
                                  f"{base.agency_ori}", f"agencies[{i}].profile")
            profile = with_overrides(base, _overrides(entry, base, spec))
            agencies.append(StateAgency(entry.ori, entry.name or profile.settings.get("agency_name") or entry.ori,
                                        profile))
    else:
        where = confined_file(path, roots, spec.agencies_folder, "agencies_folder", what="agency folder")
        if not where.is_dir():
            raise ConfigError(path, f"agencies_folder '{spec.agencies_folder}' ({where}) is not a folder",
                              "agencies_folder")
        files = sorted(where.glob("*.yaml"))
        if not files:
            raise ConfigError(path, f"agencies_folder '{spec.agencies_folder}' holds no agency profile (*.yaml)",
                              "agencies_folder")
        seen = {}
        for file in files:
            profile = profile_at(str(file.relative_to(folder)) if file.is_relative_to(folder) else str(file),
                                 "agencies_folder")
            if profile.agency_ori in seen:
                raise ConfigError(file, f"agency {profile.agency_ori} has two profiles: {seen[profile.agency_ori]} "
                                  f"and {file.name}")
            seen[profile.agency_ori] = file.name
            extra = {k: v for k, v in (("state_program", spec.state_program),
                                       ("extract_period", [spec.extract_period.from_, spec.extract_period.to]
                                        if spec.extract_period else None)) if v is not None}
            profile = with_overrides(profile, {"agency_ori": profile.agency_ori, **extra} if extra else {})
            agencies.append(StateAgency(profile.agency_ori, profile.settings.get("agency_name") or profile.agency_ori,
                                        profile))
    kinds = {a.profile.layout.kind for a in agencies}
    if len(kinds) > 1:
        raise ConfigError(path, "the agency profiles read different layouts (" + ", ".join(sorted(kinds)) + "); "
                          "one state extract has one layout")
    period = (spec.extract_period.from_, spec.extract_period.to) if spec.extract_period else None
    return StateConfig(path=path, sha256=digest, name=plain(spec.state_name), agency_column=plain(spec.agency_column),
                       agencies=tuple(sorted(agencies, key=lambda a: a.ori)), program=spec.state_program,
                       period=period)
