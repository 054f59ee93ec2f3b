"""`uof crosswalk scaffold|check` wired: survey the extract's coded columns, write the skeletons planned by
transforms/crosswalk_scaffold.py (never over a crosswalk in use, nor over a skeleton without --force)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from flows.config.load import load_profile, load_reference
from flows.config.yamlio import load_yaml
from flows.errors import UsageError
from flows.io.extract import read_extract
from flows.io.write import check_output_folder, write_private_text
from flows.pipeline.engine import step
from flows.pipeline.report_justice_counts import force_survey, with_force_crosswalk
from transforms.crosswalk_scaffold import Skeleton, Surveyed, skeleton_yaml
from transforms.crosswalk_survey import coded_columns, crosswalk_maps, survey


def survey_extract(profile_path: str, source: str) -> Surveyed:
    ref = load_reference()
    profile = load_profile(Path(profile_path), ref)  # invalid crosswalk targets stop here (exit 2)
    extract = step(read_extract, Path(source), profile, ref)
    # an element with a precedence is crosswalked entry by entry (rows that disagree, list cells)
    columns = [dataclasses.replace(c, multi=True) if c.column in profile.precedence.get(c.table, {}) else c
               for c in coded_columns(ref)]
    rows = survey(extract.local, columns, crosswalk_maps(profile.crosswalks))
    rms = {}
    for table, renames in (profile.columns or {}).items():
        for rms_name, canonical in (renames or {}).items():
            rms[(table, canonical)] = rms_name
    sources = {t: str(s) for t, s in (getattr(extract, "sources", None) or {}).items()}
    force = force_survey(profile, Path(source), ref)  # Justice Counts 1.11 force types, when configured
    if force is not None:
        profile = with_force_crosswalk(profile, force.crosswalk)
        columns.append(force.column)
        maps = crosswalk_maps(profile.crosswalks)
        rows = pd.concat([rows, survey({force.column.table: force.local}, [force.column], maps)], ignore_index=True)
        rms[(force.column.table, force.column.column)] = force.rms_columns
    owner = {target: cw for cw in profile.crosswalks for target in cw.targets}
    originals = {cw.path: dict(load_yaml(cw.path, strings=True)[0]) for cw in profile.crosswalks}
    return Surveyed(profile=profile, columns=columns, table=rows, sources=sources, rms_names=rms, owner=owner,
                    originals=originals)


def write_skeletons(s: Surveyed, skeletons: list[Skeleton], out_dir: Path, force: bool, source_name: str) -> list[Path]:
    """Write the skeletons to `out_dir`: never over a crosswalk in use, nor (without --force) over a skeleton."""
    paths = [out_dir / sk.file_name for sk in skeletons]
    live = {cw.path.resolve() for cw in s.profile.crosswalks}
    in_use = [p for p in paths if p.resolve() in live]
    if in_use:
        raise UsageError(f"{in_use[0]} is one of the profile's crosswalks: scaffold never writes over a crosswalk "
                         "in use; give another --out-dir")
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise UsageError(f"{existing[0]} already exists{more}: scaffold never overwrites a skeleton that may "
                         "hold your edits; move it away, choose another --out-dir, or add --force to replace it")
    check_output_folder(out_dir, "--out-dir")
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for sk, path in zip(skeletons, paths):
        write_private_text(path, skeleton_yaml(sk, s, source_name))
    return paths
