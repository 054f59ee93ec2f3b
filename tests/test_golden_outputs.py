"""Byte-identical outputs (issue 10): the shipped sample and the four real-export profiles produce exactly
the files recorded in tests/golden/digests.json (scripts/golden_outputs.py --write rewrites it when an
output changes on purpose). A real export that is absent is skipped."""
from __future__ import annotations

import importlib.util
import json

import pytest

from tests.conftest import REPO

SPEC = importlib.util.spec_from_file_location("golden_outputs", REPO / "scripts" / "golden_outputs.py")
golden = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(golden)
RECORDED = json.loads(golden.DIGESTS.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(golden.CASES))
def test_outputs_are_byte_identical_to_the_recorded_digests(name, tmp_path):
    found = golden.digests(name, tmp_path)
    if found is None:
        pytest.skip(f"source of {name} not available")
    recorded = RECORDED[name]
    changed = sorted(p for p in recorded.keys() & found.keys() if recorded[p] != found[p])
    assert (sorted(recorded.keys() - found.keys()), sorted(found.keys() - recorded.keys()), changed) == ([], [], []), (
        "outputs differ from tests/golden/digests.json: (missing, new, changed); rerun "
        "`python scripts/golden_outputs.py --write` only if the change is intended")
