"""I/O and wiring: the command line (cli), configuration loading (config), readers, writers and the ledger (io),
the monthly run (pipeline) and its schedule (schedule). docs/architecture.md draws the layers."""
import os

# Extracts hold criminal-justice data: nothing about the runs leaves the machine by default. Set before any
# submodule imports Prefect, whose settings read these variables (an operator may still set them otherwise).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
