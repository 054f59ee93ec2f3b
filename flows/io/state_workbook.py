"""The state compliance table as a workbook: a sheet per agency summary and one row per agency and month."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from flows.io.workbook import _filtered_table, _fit_widths, _fixed_timestamps
from flows.io.write import private_files, private_temp_folder, write_private_bytes


def compliance_workbook(path: Path, agencies: pd.DataFrame, months: pd.DataFrame, head: list[tuple[str, str]],
                        as_of: pd.Timestamp) -> Path:
    shown_months = months.assign(due=months["due"].dt.strftime("%Y-%m-%d"),
                                 final_due=months["final_due"].dt.strftime("%Y-%m-%d"),
                                 zero_report=months["zero_report"].map({True: "yes", False: "no"}),
                                 missing=months["missing"].map({True: "yes", False: "no"}))
    path = Path(path)
    with private_files():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with private_temp_folder(path.parent):
        book = Workbook()
        sheet = book.active
        sheet.title = "agencies"
        _filtered_table(sheet, agencies)
        _fit_widths(sheet, [agencies])
        sheet = book.create_sheet("months")
        _filtered_table(sheet, shown_months)
        _fit_widths(sheet, [shown_months])
        sheet = book.create_sheet("run")
        _filtered_table(sheet, pd.DataFrame(head, columns=["item", "value"]), numbers=False)
        moment = as_of.to_pydatetime()
        book.properties.created = book.properties.modified = moment
        book.properties.creator = "uof"
        buffer = io.BytesIO()
        book.save(buffer)
    write_private_bytes(path, _fixed_timestamps(buffer.getvalue(), as_of))
    return path
