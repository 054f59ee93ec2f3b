"""Ledger commands: backfill, mark-submitted, history."""
from __future__ import annotations

from pathlib import Path

from flows.errors import UsageError


def ledger_path(args) -> Path:
    if args.state:
        from flows.io.ledger import ledger_file

        return ledger_file(args.state)
    if not args.out:
        raise UsageError("give --state LEDGER or --out DIR (with --profile to name the agency)")
    out = Path(args.out)
    if getattr(args, "profile", None):
        from flows.config.load import load_profile, load_reference

        return out / load_profile(Path(args.profile), load_reference()).agency_ori / "ledger.sqlite"
    found = sorted(out.glob("*/ledger.sqlite"))
    if len(found) != 1:
        raise UsageError(f"{'no' if not found else 'several'} ledger(s) under {out}: give --state or --profile")
    return found[0]


def _state_options(p) -> None:
    p.add_argument("--out", default=None, help="output folder of the runs")
    p.add_argument("--state", default=None, help="ledger file (default: OUT/<agency_ori>/ledger.sqlite)")
    p.add_argument("--profile", default=None, help="agency profile, to find the agency's ledger under --out")


def _cmd_backfill(args) -> int:
    from flows.cli.main import _summary, now_arg, say_notes
    from flows.pipeline.monthly import run_backfill
    from transforms.submission import WARNING_PREFIX

    results = run_backfill(args.profile, args.source, args.first, args.last, args.out, args.as_of or now_arg(),
                           state=args.state, covers=args.covers)
    for result in results:
        if result.manifest.get("skipped"):
            print(f"{result.month}: left out, nothing written - {result.notes[0]}")
        else:
            print(_summary(result))
            say_notes([n for n in result.notes if n.startswith(WARNING_PREFIX)])
    return max((r.exit_code for r in results), default=0)


def _cmd_mark_submitted(args) -> int:
    from datetime import datetime

    from flows.io.ledger import Ledger, exclusive

    path = ledger_path(args)
    if not path.exists():
        raise UsageError(f"no ledger at {path}")
    with exclusive(path):
        ledger = Ledger(path)
        try:
            record = ledger.run(args.run_id)
            if record.status == "submitted":  # a second marking is a mix-up of run ids more often than not
                raise UsageError(f"run {args.run_id} was already marked submitted on {record.submitted_at}; "
                                 "nothing changed. If another run's files were uploaded, mark that run: "
                                 f"`uof history --status generated` lists the runs not marked yet")
            n = ledger.mark_submitted(args.run_id, datetime.now().replace(microsecond=0).isoformat())
        finally:
            ledger.close()
    print(f"run {args.run_id}: {n} message(s) marked submitted")
    return 0


def _cmd_history(args) -> int:
    from flows.io.ledger import Ledger

    path = ledger_path(args)
    if not path.exists():
        raise UsageError(f"no ledger at {path}")
    ledger = Ledger(path)
    try:
        runs = ledger.runs(args.month)
        messages = ledger.messages(args.month)
    finally:
        ledger.close()
    if args.status:
        runs = runs[runs["status"] == args.status]
    if runs.empty:
        which = " ".join(filter(None, [args.month, args.status and f"marked {args.status}"]))
        print(f"no run recorded{' (' + which + ')' if which else ''}")
        return 0
    for run in runs.itertuples(index=False):
        mine = messages[messages["run_id"] == run.run_id]
        counts = mine.groupby(["kind", "action"]).size()
        summary = ", ".join(f"{n} {a}{' zero report' if k == 'zero_report' else ''}" for (k, a), n in counts.items())
        print(f"{run.run_id}  as of {run.as_of}  {run.kind:<8} exit {run.exit_code}  {run.status:<9} "
              f"{summary or 'no message'}")
        for m in mine.itertuples(index=False):
            what = "zero report" if m.kind == "zero_report" else f"{m.incident_date} {m.agency_case_number}"
            print(f"    {m.action:<8} {what:<34} {m.file_name}  {m.status}")
    return 0


def register(sub) -> dict:
    from flows.cli.main import add_covers_option, as_of_arg, month_arg

    back = sub.add_parser("backfill", help="process every month of a range from one extract, in one pass")
    back.add_argument("--profile", required=True)
    back.add_argument("--source", required=True)
    back.add_argument("--from", dest="first", required=True, type=month_arg)
    back.add_argument("--to", dest="last", required=True, type=month_arg)
    back.add_argument("--out", required=True)
    back.add_argument("--state", default=None)
    back.add_argument("--as-of", type=as_of_arg, default=None)
    add_covers_option(back)
    mark = sub.add_parser("mark-submitted", help="record that a run's files were uploaded to the FBI")
    mark.add_argument("run_id")
    _state_options(mark)
    hist = sub.add_parser("history", help="runs, actions and statuses, of every month or of one")
    hist.add_argument("--month", default=None, type=month_arg, help="only the runs of this month, YYYY-MM")
    hist.add_argument("--status", default=None, choices=("generated", "submitted"),
                      help="only the runs not yet marked submitted (generated) or marked submitted")
    _state_options(hist)
    return {"backfill": _cmd_backfill, "mark-submitted": _cmd_mark_submitted, "history": _cmd_history,
            **register_replay(sub)}


def _cmd_replay(args) -> int:
    from flows.pipeline.replay import replay

    path = ledger_path(args)
    if not path.exists():
        raise UsageError(f"no ledger at {path}")
    report = replay(path, args.run_id)
    if report.identical:
        print(f"run {report.run_id}: regenerated from the archive; all {len(report.compared)} file(s) are "
              "byte-identical to those produced then")
        return 0
    print(f"run {report.run_id}: regenerated files DIFFER from those produced then:")
    for line in report.differences:
        print(f"  {line}")
    return 1


def register_replay(sub) -> dict:
    rep = sub.add_parser("replay", help="re-run a recorded run from its archive and compare the files byte for byte")
    rep.add_argument("run_id")
    _state_options(rep)
    return {"replay": _cmd_replay}
