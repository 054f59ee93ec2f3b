"""`uof report ...`: the state and Justice Counts reports built from the same extracts and profiles as the FBI
file (issue 12). Each report's command lives in its own module and is added to the group here."""
from __future__ import annotations

import click

from flows.cli.options import CONTEXT, example
from flows.cli.report_colorado import colorado_command
from flows.cli.report_illinois_mh import illinois_mh_command
from flows.cli.report_justice_counts import justice_counts_command
from flows.cli.report_justice_counts_crime import justice_counts_crime_command


@click.group("report", context_settings=CONTEXT, epilog=example("uof report --help"))
def report_group() -> None:
    """State and Justice Counts reports from the same extracts and profiles (see docs/reports.md)."""


report_group.add_command(colorado_command)
report_group.add_command(justice_counts_crime_command)
report_group.add_command(illinois_mh_command)
report_group.add_command(justice_counts_command)
