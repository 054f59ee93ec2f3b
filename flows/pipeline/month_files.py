"""One month's files: the plan (transforms/submission.py) serialised and named; flows/io/month_folder.py writes them."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import orjson
import pandas as pd

from flows.io.workbook import workbook_bytes
from flows.io.write import csv_bytes, json_bytes, nested_json, pack_all, packed_batches, sha256, streamed_zip, zip_of
from flows.pipeline.engine import engine_name
from flows.pipeline.results import MonthResult
from flows.version import tool_version
from transforms.derive import REPORTABILITY
from transforms.file_names import file_stem, message_file_names, zip_file_name
from transforms.link import incident_month
from transforms.messages import collector_paused, incident_messages
from transforms.submission import REJECTION_COLUMNS, plan_month, run_context


@dataclass
class Built:
    result: MonthResult
    files: list[tuple[str, bytes]]  # still to write (with a folder, the messages and zip are written already)
    ledger_run: dict | None
    ledger_messages: pd.DataFrame | None


def content_sha256(incident: dict) -> str:
    """Hash of the incident payload alone: Action and ActionTime do not make content differ."""
    return hashlib.sha256(orjson.dumps(incident, option=orjson.OPT_SORT_KEYS)).hexdigest()


def incident_parents(prepared) -> dict[str, pd.Series]:
    """Per row of each table, the `_row` of its incident (the incident's own for incidents); computed once."""
    cached = getattr(prepared, "_parents", None)
    if cached is not None:
        return cached
    incidents = prepared.extract.frames["incidents"]
    first = incidents[["agency_case_number", "_row"]].dropna(subset=["agency_case_number"])
    first = first.drop_duplicates("agency_case_number").rename(columns={"_row": "_parent"})
    parents = {"incidents": incidents["_row"]}
    for table in ("subjects", "officers"):
        frame = prepared.extract.frames[table]
        parent = frame[["agency_case_number"]].merge(first, on="agency_case_number", how="left")["_parent"]
        parent.index = frame.index
        parents[table] = parent
    prepared._parents = parents
    return parents


PAYLOAD_CHUNK = 2_000  # incidents whose messages exist as Python objects at once (memory)


def valid_payloads(prepared, as_of: pd.Timestamp, month: str | None = None) -> tuple[dict, dict]:
    """Message and content hash of every valid incident of `month` (None: of the run's months).

    Built a chunk of incidents at a time; each message's Incident is kept serialised (flows/io/write.py:
    nested_json), so the run holds bytes rather than millions of small objects; built per month, so a month's
    are freed once its files exist.
    """
    scoped = prepared.scoped
    inc = scoped.incidents
    good = inc[inc["incident_date"].notna() & ~inc["_row"].isin(prepared.rejected)]
    if month is not None:
        good = good[(incident_month(good) == month).fillna(False).astype(bool)]
    chunk_of = pd.Series(np.arange(len(good)) // PAYLOAD_CHUNK, index=good["_row"].to_numpy())
    children = {}  # per table: its rows of valid incidents grouped by chunk (stable), and where each chunk starts
    for table, frame in (("subjects", scoped.subjects), ("officers", scoped.officers)):
        of = frame["_incident_row"].map(chunk_of).to_numpy(dtype=float, na_value=np.nan)
        order = np.argsort(of, kind="stable")  # rows of no valid incident (NaN) sort last and are never taken
        bounds = np.searchsorted(of[order], np.arange(len(good) // PAYLOAD_CHUNK + 2))
        children[table] = (frame.take(order), bounds)
    by_row, hashes = {}, {}
    with collector_paused():
        for chunk, start in enumerate(range(0, len(good), PAYLOAD_CHUNK)):
            part = good.iloc[start:start + PAYLOAD_CHUNK]
            rows = part["_row"]
            mine = {t: frame.iloc[bounds[chunk]:bounds[chunk + 1]] for t, (frame, bounds) in children.items()}
            messages = incident_messages(part, mine["subjects"], mine["officers"], prepared.config.ref.elements,
                                         "Add", as_of)
            for row, message in zip(rows.tolist(), messages):
                hashes[row] = content_sha256(message["Incident"])
                message["Incident"] = nested_json(message["Incident"])
                by_row[row] = message
    return by_row, hashes


def serialised(names: list[str], messages: list):
    """(name, bytes) of each message's file, made as they are asked for; `messages` is emptied as it goes, so
    each message's serialised Incident is freed once its file's bytes exist."""
    messages.reverse()
    for name in names:
        yield name, json_bytes(messages.pop())


def month_files(prepared, month: str, as_of: pd.Timestamp, run_id: str | None, run_seq: int | None,
                kind: str, history: dict | None, archived: dict | None = None, numbering=None,
                warnings: list[str] | None = None, folder=None) -> Built:
    """The month's files, in the order they are listed in the manifest.

    `numbering(count)` gives the first of `count` file sequence numbers (flows/io/ledger.py:FileNumbers, or a
    replay's recorded one); without it (`uof validate`, which writes nothing) files are numbered from 0001.
    With `folder` (the month's StagedFolder) the message files and their zip are written there as they are
    made, so that a month of messages is never held whole in memory (issue 13); Built.files is then the rest.
    Without it (`uof validate`, `uof replay`) every file is returned as bytes.
    """
    by_row, hashes = valid_payloads(prepared, as_of, month)
    plan = plan_month(prepared, month, as_of, run_id, kind, history, by_row, hashes, incident_parents(prepared),
                      tool_version(), engine_name(), archived=archived, warnings=warnings)
    del by_row, hashes  # the plan's messages hold what is sent
    manifest, profile = plan.manifest, prepared.config.profile
    stem = file_stem(profile.reporting_agency_ori, as_of)
    first = numbering(len(plan.messages)) if numbering is not None else 1
    names = message_file_names(stem, first, len(plan.messages))
    zip_name = zip_file_name(stem, first, len(names)) if names else None
    messages = serialised(names, plan.messages)  # serialised, hashed, deflated (and written) in one pass
    files, listed = [], []
    if folder is not None:
        if names:
            listed, zip_sha256 = streamed_zip(packed_batches(messages, folder), folder, zip_name, as_of)
            listed.append((zip_name, zip_sha256))
    else:
        packed = pack_all(messages)
        listed = [(p.name, p.sha256) for p in packed]
        files = [(p.name, p.raw) for p in packed]
        if packed:
            files.append((zip_name, zip_of(packed, as_of)))
            listed.append((zip_name, sha256(files[-1][1])))
    for i, row in enumerate(plan.ledger_rows):
        row.update(seq=i + 1, month=month, file_name=names[i])
    others = [("rejections.csv", csv_bytes(plan.report.reindex(columns=REJECTION_COLUMNS)))]
    if run_id is not None:  # `uof validate` writes nothing: no workbook (and none of its temporary files)
        counts = {k: manifest["incidents"][k] for k in ("in_month",) + REPORTABILITY}
        others.append(("rejections.xlsx", workbook_bytes(plan.report, prepared.extract.local, profile.columns,
                                                        as_of, incidents=counts, review=plan.review,
                                                        context=run_context(manifest))))
    others.append(("not_reportable.csv", csv_bytes(plan.not_reportable)))
    if len(plan.review):
        others.append(("review.csv", csv_bytes(plan.review)))
    manifest["files"] = ([{"name": n, "sha256": h} for n, h in listed]
                         + [{"name": n, "sha256": sha256(d)} for n, d in others])
    files += others + [("manifest.json", json_bytes(manifest))]
    result = MonthResult(month=month, exit_code=plan.exit_code, folder=None, manifest=manifest,
                         findings=plan.report, notes=plan.notes,
                         listings={"not_reportable": plan.not_reportable, "review": plan.review})
    ledger_run = None if run_id is None else {
        "run_id": run_id, "run_seq": run_seq, "agency_ori": profile.agency_ori, "month": month,
        "as_of": manifest["as_of"], "kind": kind, "tool_version": manifest["tool"]["version"],
        "exit_code": plan.exit_code, "manifest": manifest}
    return Built(result=result, files=files, ledger_run=ledger_run,
                 ledger_messages=pd.DataFrame(plan.ledger_rows) if plan.ledger_rows else pd.DataFrame())
