"""Code tables, crosswalk defaults and the data dictionary shipped with the product (data, not code)."""
from pathlib import Path

MAPPINGS_DIR = Path(__file__).resolve().parent
