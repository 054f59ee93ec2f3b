"""What a month's run hands back to its caller (command line, schedule, replay)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class MonthResult:
    month: str
    exit_code: int
    folder: Path | None
    manifest: dict
    findings: pd.DataFrame = field(repr=False, default=None)
    notes: list[str] = field(default_factory=list)
    # incidents listed by `uof validate` besides the findings: {"not_reportable": frame, "review": frame}
    listings: dict = field(repr=False, default_factory=dict)
