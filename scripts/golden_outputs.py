#!/usr/bin/env python
"""Digests of every file the shipped sample and the real-export profiles produce (issue 10).

    python scripts/golden_outputs.py            # print the digests as JSON
    python scripts/golden_outputs.py --write    # rewrite tests/golden/digests.json

Each case is one `uof backfill` with a fixed `--as-of` into a fresh folder; the digest of every file
under the agency's folder (month folders, history, archive; not the ledger database, whose pages are
not byte-stable) is recorded by its path relative to the output folder. tests/test_golden_outputs.py
compares a new run with the committed digests, so that a restructure that changes no behaviour is
proven to change no byte; a deliberate change of output rewrites the file in the same commit.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_EXPORTS = ROOT.parent / "shared" / "real-exports"
DIGESTS = ROOT / "tests" / "golden" / "digests.json"
AS_OF = "2026-11-01T10:00:00"
CASES = {  # name -> (profile, source, first month, last month)
    "sample": ("data/sample/agency.yaml", ROOT / "data" / "sample" / "rms_extract.xlsx", "2025-07", "2025-10"),
    "new-orleans-pd": ("data/sample/real/new-orleans-pd.yaml", REAL_EXPORTS / "new-orleans-pd-use-of-force.csv",
                       "2016-01", "2020-09"),
    "orlando-pd": ("data/sample/real/orlando-pd.yaml", REAL_EXPORTS / "orlando-pd-response-to-resistance.csv",
                   "2009-01", "2019-05"),
    "austin-pd": ("data/sample/real/austin-pd.yaml", REAL_EXPORTS / "austin-pd-response-to-resistance-2017.csv",
                  "2017-01", "2017-12"),
    "bloomington-pd": ("data/sample/real/bloomington-pd.yaml",
                       REAL_EXPORTS / "bloomington-pd-use-of-force-2019-q3.xlsx", "2019-07", "2019-09"),
}
NOT_BYTE_STABLE = ("ledger.sqlite", "file-numbers.sqlite")


def digests(name: str, workdir: Path) -> dict[str, str] | None:
    """{relative path: sha256} of one case's outputs, or None when its source is absent."""
    from flows.cli.main import main

    profile, source, first, last = CASES[name]
    if not Path(source).exists():
        return None
    out = workdir / name
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(["backfill", "--profile", str(ROOT / profile), "--source", str(source), "--from", first, "--to", last,
              "--out", str(out), "--as-of", AS_OF])
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(NOT_BYTE_STABLE)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {DIGESTS.relative_to(ROOT)}")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        found = {name: digests(name, Path(tmp)) for name in CASES}
    missing = [n for n, d in found.items() if d is None]
    if missing and args.write:
        print(f"refusing to write: sources missing for {', '.join(missing)}", file=sys.stderr)
        return 2
    text = json.dumps(found, indent=1, sort_keys=True) + "\n"
    if args.write:
        DIGESTS.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
