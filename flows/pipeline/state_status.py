"""The state compliance table from every agency's ledger, and `verify` across the state's agencies."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from flows.config.load import load_reference
from flows.config.state import load_state
from flows.errors import UsageError
from flows.io.ledger import agency_history, agency_ledger
from flows.pipeline.verify import verify
from transforms.deadlines import reporting_months, reporting_program
from transforms.state_compliance import agency_months, agency_summary, state_totals


def state_compliance(state_profile: str, out: str, as_of: pd.Timestamp, only=()):
    """(per-agency summary, per agency and month, totals, state config); `only`: these agencies' ORIs."""
    state = load_state(Path(state_profile), load_reference())
    unknown = sorted(set(only) - {a.ori for a in state.agencies})
    if unknown:
        raise UsageError(f"--agency {', '.join(unknown)}: not an agency of {Path(state_profile).name}")
    chosen = [a for a in state.agencies if not only or a.ori in only]
    frames, ledgers = [], {}
    for agency in chosen:
        settings = agency.profile.settings
        program, first = reporting_program(settings.get("state_program"), settings.get("reporting_start"))
        path = agency_ledger(out, agency.ori)
        ledgers[agency.ori] = path.exists()
        runs, messages = agency_history(path, agency.ori)
        frames.append(agency_months(agency.ori, agency.name, reporting_months(first, as_of), runs, messages,
                                    program, as_of))
    months = pd.concat(frames, ignore_index=True)
    agencies = agency_summary(months, ledgers, {a.ori: a.name for a in chosen})
    return agencies, months, state_totals(agencies), state


def state_verify(state_profile: str, out: str) -> list[tuple[str, object]]:
    """(agency ORI, VerifyReport) for every agency of the state with a ledger under `out`."""
    state = load_state(Path(state_profile), load_reference())
    reports = []
    for agency in state.agencies:
        path = agency_ledger(out, agency.ori)
        if path.exists():
            reports.append((agency.ori, verify(path, path.parent, None)))
    return reports
