"""Data and checks of the FBI spec: the rule catalog, element checks, configuration models."""
from pathlib import Path

SCHEMAS_DIR = Path(__file__).resolve().parent
