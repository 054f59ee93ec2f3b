"""A state program's run: one extract of many agencies, split by agency and fanned out over Dask.

1. The state profile and every agency profile are loaded and checked before any data is read.
2. The extract is streamed into per-agency Parquet partitions inside the output folder (flows/io/staging.py):
   memory is bounded by the block size, not by the extract. Rows of no listed agency are counted and listed.
3. Agencies are grouped into chunks (transforms/state_plan.py): agencies sharing a submitting ORI share its
   file-number sequence, so they run one after another in one chunk, in table order; the others run in
   parallel. Every chunk runs on a Dask worker (flows/pipeline/fan_out.py) the same single-agency backfill as
   `uof backfill` (flows/pipeline/monthly.py:backfill_configured), into `<out>/<ORI>/` with its own ledger.
4. An agency's fatal error (its rows unreadable, nothing to send) stops that agency only: nothing of it is
   written, its reason is in the state summary, and the state run exits 2.
5. The state summary `<out>/state/runs/<first>_<last>_<as-of>/summary.json` accounts for every row read.
"""
from __future__ import annotations

import functools
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.config.load import TABLES, load_reference
from flows.config.state import StateConfig, load_state
from flows.errors import ConfigError, UofError, exit_code
from flows.io.memory import use_lean_arrow_memory
from flows.io.source_options import code_columns
from flows.io.staging import remove_stale_state_temp, stage_extract, state_temp_folder
from flows.io.write import check_output_folder, private_files, write_private_text
from flows.pipeline.fan_out import default_workers, fan_out
from flows.pipeline.monthly import Configuration, backfill_configured, backfill_months
from schemas.catalog import CatalogError, parse_catalog
from transforms.state_plan import agency_chunks, row_accounting, state_exit_code

log = logging.getLogger("uof")


@dataclass
class StateResult:
    summary: dict
    exit_code: int
    agencies: list = field(default_factory=list)
    path: Path | None = None


def load_state_configuration(state_profile) -> tuple[StateConfig, object, object]:
    ref = load_reference()
    state = load_state(Path(state_profile), ref)
    try:
        catalog = parse_catalog(ref.catalog_data, elements=ref.elements, codes=ref.codes)
    except CatalogError as exc:
        raise ConfigError(ref.catalog_path, exc.detail, rule=exc.rule) from None
    return state, ref, catalog


@functools.lru_cache(maxsize=4)
def _worker_configuration(state_profile: str, sha256: str):
    """Loaded once per worker process (a chunk reuses it); refused if the state profile changed meanwhile."""
    state, ref, catalog = load_state_configuration(state_profile)
    if state.sha256 != sha256:
        raise ConfigError(state_profile, "changed while the state run was using it; rerun once nobody is editing it")
    return state, ref, catalog


def _month_summary(result) -> dict:
    manifest = result.manifest or {}
    rows = manifest.get("rows") or {}
    incidents = rows.get("incidents") or {}
    return {"month": result.month, "exit_code": result.exit_code,
            "folder": f"{Path(result.folder).parent.name}/{Path(result.folder).name}" if result.folder else None,
            "skipped": bool(manifest.get("skipped")),
            "emitted": incidents.get("emitted", 0), "rejected": incidents.get("rejected", 0),
            "not_reportable": incidents.get("not_reportable", 0),
            "zero_report": (manifest.get("incidents") or {}).get("zero_report"),
            "notes": len(result.notes)}


def run_agency_chunk(job: dict) -> list[dict]:
    """On a worker: each agency of the chunk, one after another (module level: Dask pickles it by name)."""
    os.umask(0o077)  # the worker writes the agency's files: 0600 files, 0700 folders, as every command does
    use_lean_arrow_memory()  # as run_flow does for a command (flows/io/memory.py)
    results = []
    try:
        state, ref, catalog = _worker_configuration(job["state"], job["sha256"])
    except UofError as exc:
        return [{"ori": ori, "error": {"code": exc.code, "exit_code": exit_code(exc), "message": str(exc)},
                 "months": []} for ori in job["oris"]]
    for ori, source, n_rows in zip(job["oris"], job["sources"], job["rows"]):
        agency = state.agency(ori)
        if not n_rows and not (job["covers"] or agency.profile.settings.get("extract_period")):
            results.append({"ori": ori, "error": None, "months": [
                {"month": m, "exit_code": 1, "folder": None, "skipped": True, "emitted": 0, "rejected": 0,
                 "not_reportable": 0, "zero_report": None, "notes": 1} for m in job["months"]],
                "note": "the extract holds no row of this agency and declares no period: nothing was written, "
                        "not even a zero report (its months stay missing); if the agency had no incident, "
                        "declare the period the extract covers (--covers or the state profile's extract_period)"})
            continue
        config = Configuration(ref=ref, profile=agency.profile, catalog=catalog)
        try:
            months = backfill_configured(config, source, job["months"], job["out"], pd.Timestamp(job["as_of"]),
                                         None, job["covers"], job["kind"])
            results.append({"ori": ori, "error": None, "months": [_month_summary(m) for m in months]})
        except UofError as exc:
            results.append({"ori": ori, "error": {"code": exc.code, "exit_code": exit_code(exc),
                                                  "message": str(exc)}, "months": []})
        except Exception as exc:  # noqa: BLE001 -- one agency's bug must not hide the others' results
            results.append({"ori": ori, "error": {"code": "UOF-INTERNAL", "exit_code": 2, "message":
                                                  f"internal error ({type(exc).__name__}); its details are withheld "
                                                  "as they may quote the extract: rerun this agency alone with "
                                                  "`uof backfill --debug`"}, "months": []})
    return results


def state_backfill(state_profile: str, source: str, first: str, last: str, out: str, as_of: str,
                   covers: str | None = None, scheduler: str | None = None, workers: int | None = None,
                   kind: str = "backfill") -> StateResult:
    as_of_ts = pd.Timestamp(as_of)
    months = backfill_months(first, last)
    check_output_folder(out)
    state, ref, _ = load_state_configuration(state_profile)
    out_path = Path(out)
    with private_files():
        out_path.mkdir(parents=True, exist_ok=True, mode=0o700)
    first_profile = state.agencies[0].profile
    for warning in remove_stale_state_temp(out_path):
        log.warning(warning)
    staging = state_temp_folder(out_path, "stage")
    scratch = state_temp_folder(out_path, "dask")
    try:
        staged = stage_extract(Path(source), first_profile.layout.kind, TABLES, state.agency_column,
                               frozenset(a.ori for a in state.agencies), first_profile.encoding, staging,
                               first_profile.sheet, {t: code_columns(first_profile, ref, t) for t in TABLES})
        agencies = pd.DataFrame({"ori": [a.ori for a in state.agencies],
                                 "submitter": [a.profile.reporting_agency_ori for a in state.agencies]})
        chunks = agency_chunks(agencies)
        jobs = [{"state": str(Path(state_profile).resolve()), "sha256": state.sha256, "oris": chunk,
                 "sources": [staged.source(ori) for ori in chunk], "rows": [staged.agency_rows(ori) for ori in chunk],
                 "months": months, "out": str(out_path.resolve()),
                 "as_of": as_of_ts.isoformat(), "covers": covers, "kind": kind} for chunk in chunks]
        done = fan_out(run_agency_chunk, jobs, scheduler, workers or default_workers(), scratch, "uof-state-backfill")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    agencies_done = sorted((a for chunk in done for a in chunk), key=lambda a: a["ori"])
    names = {a.ori: a.name for a in state.agencies}
    for a in agencies_done:
        a["name"] = names[a["ori"]]
        a["rows"] = {t: staged.rows.get(t if staged.kind == "tables" else "single", {}).get(a["ori"], 0)
                     for t in ([*TABLES] if staged.kind == "tables" else ["single"])}
    accounting = row_accounting(staged.read, staged.blank, staged.rows, staged.unassigned)
    summary = {"state": state.name, "state_profile": Path(state_profile).name, "state_profile_sha256": state.sha256,
               "kind": kind, "from": months[0], "to": months[-1], "as_of": as_of_ts.isoformat(),
               "inputs": [{"name": f.name, "sha256": f.sha256} for f in staged.files],
               "rows": accounting, "unassigned": staged.unassigned, "agencies": agencies_done}
    code = state_exit_code(agencies_done, staged.unassigned, accounting)
    summary["exit_code"] = code
    folder = out_path / "state" / "runs" / f"{months[0]}_{months[-1]}_{as_of_ts.strftime('%Y%m%dT%H%M')}"
    with private_files():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private_text(folder / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return StateResult(summary=summary, exit_code=code, agencies=agencies_done, path=folder / "summary.json")
