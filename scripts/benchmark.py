#!/usr/bin/env python
"""Benchmark `uof run` (not a test): throughput on a large synthetic extract and fixed cost on the sample.

    python scripts/benchmark.py [--incidents 50000] [--workdir ./bench-work] [--repeat 5]

1. generates a Keystone RMS CSV extract of --incidents incidents, all in one month (so that the run
   processes every one of them), plus its profile and crosswalks, into a fresh folder under
   --workdir (created with mode 0700);
2. runs `uof run` on it once as a subprocess: wall time, incidents per second, peak RSS of the
   child (resource.getrusage(RUSAGE_CHILDREN).ru_maxrss);
3. runs `uof run` --repeat times on the shipped sample (data/sample/rms_extract.xlsx, 2025-10) and
   reports the median wall time: the fixed cost of a run;
4. prints a markdown table to paste into the README.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_extract as g  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SAMPLE_MONTH = "2025-10"
OK_EXIT_CODES = (0, 1)  # 1: the run completed but rejected some incidents


def find_uof() -> str:
    beside = Path(sys.executable).parent / "uof"
    if beside.exists():
        return str(beside)
    found = shutil.which("uof")
    if not found:
        raise SystemExit("cannot find the `uof` command: install the project (pip install -e .) in this environment")
    return found


# Runs `uof` with a rule catalog reduced to the rules raised by pipeline steps (no pandera checks), to
# measure what the full catalog costs. Benchmark-only: the product always validates with the full catalog.
WITHOUT_CATALOG = """
import sys
import schemas.build as build
import flows.pipeline.monthly as monthly
from schemas.catalog import Catalog
real = build.build_schemas
def engine_only(catalog, ctx):
    return real(Catalog(rules=tuple(r for r in catalog.rules if r.kind == "engine")), ctx)
monthly.build_schemas = engine_only
from flows.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def run_uof(uof: str, profile: Path, source: Path, month: str, out: Path, as_of: str | None,
            full_catalog: bool = True) -> tuple[float, int, str]:
    cmd = [uof, "run", "--profile", str(profile), "--source", str(source), "--month", month, "--out", str(out)]
    if not full_catalog:
        cmd = [sys.executable, "-c", WITHOUT_CATALOG] + cmd[1:]
    if as_of:
        cmd += ["--as-of", as_of]
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # plain runner, no Prefect server
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode not in OK_EXIT_CODES:
        sys.stderr.write(f"`{' '.join(cmd)}` exited with {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr[-4000:]}\n")
        raise SystemExit(1)
    return wall, proc.returncode, proc.stdout


def write_flat(src: Path, work: Path) -> tuple[Path, Path, int]:
    """The generated tables joined into one flat CSV (incident x subject x officer) and a flat profile."""
    import pandas as pd
    import yaml

    tables = {t: pd.read_csv(src / f"{t}.csv", dtype=str, keep_default_na=False) for t in
              ("incidents", "subjects", "officers")}
    key = "CaseNo"
    subjects = tables["subjects"].add_prefix("S.").rename(columns={"S." + key: key})
    officers = tables["officers"].add_prefix("O.").rename(columns={"O." + key: key})
    flat = tables["incidents"].merge(subjects, on=key).merge(officers, on=key)
    folder = work / "flat"
    folder.mkdir(mode=0o700)
    flat.to_csv(folder / "rms_extract_flat.csv", index=False)
    profile = yaml.safe_load((work / "agency.yaml").read_text())
    renames = profile.get("columns", {})
    columns = {
        "incidents": {c: renames.get("incidents", {}).get(c, c) for c in tables["incidents"].columns if c != key},
        "subjects": {"S." + c: renames.get("subjects", {}).get(c, c) for c in tables["subjects"].columns if c != key},
        "officers": {"O." + c: renames.get("officers", {}).get(c, c) for c in tables["officers"].columns if c != key},
    }
    columns["incidents"].pop("ReportStatus", None)  # not an FBI element
    profile.update(columns=columns, layout={"kind": "flat", "incident_key": key,
                                            "subjects": {"key": ["S.SubjNo"]}, "officers": {"key": ["O.OfcNo"]}})
    profile["crosswalks"] = [str((work / c).resolve()) for c in profile["crosswalks"]]
    profile["allowed_roots"] = [str((work / "crosswalks").resolve())]  # the shared crosswalks, one folder up
    path = folder / "agency-flat.yaml"
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return path, folder / "rms_extract_flat.csv", len(flat)


def make_workdir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return Path(tempfile.mkdtemp(prefix="bench-", dir=path))  # mkdtemp: mode 0700 too


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--incidents", type=int, default=50_000)
    p.add_argument("--workdir", type=Path, default=Path("bench-work"))
    p.add_argument("--repeat", type=int, default=5, help="runs on the shipped sample (median reported)")
    p.add_argument("--layout", choices=["tables", "flat", "both"], default="both",
                   help="tables: three CSV tables; flat: the same data as one CSV, one row per subject and "
                        "officer pair with the incident repeated (profile layout: flat); both (default)")
    p.add_argument("--month", default="2025-10", help="month of every generated incident")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--errors", type=int, default=25, help="deliberate errors in the large extract")
    p.add_argument("--not-reportable", type=int, default=0)
    p.add_argument("--as-of", help="passed to uof run")
    p.add_argument("--keep", action="store_true", help="keep the generated extract and outputs")
    args = p.parse_args(argv)

    uof = find_uof()
    work = make_workdir(args.workdir.resolve())
    try:
        # ---- 1. generate
        t0 = time.perf_counter()
        ex = g.generate(args.incidents, args.seed, [args.month], errors=args.errors,
                        not_reportable=args.not_reportable)
        t_gen = time.perf_counter() - t0
        src = work / "rms_extract_csv"
        g.write_csv(ex, src)
        profile = g.write_profile(work)
        t_write = time.perf_counter() - t0 - t_gen
        size_mb = sum(f.stat().st_size for f in src.iterdir()) / 1e6
        n_inc, n_sub, n_off = len(ex.incidents), len(ex.subjects), len(ex.officers)
        print(f"generated {n_inc} incidents / {n_sub} subject rows / {n_off} officer rows "
              f"({size_mb:.1f} MB CSV) in {t_gen:.2f} s + {t_write:.2f} s writing", file=sys.stderr)

        # ---- 2. large runs
        wall = wall_bare = wall_flat = None
        peak_kb = 0
        if args.layout in ("tables", "both"):
            wall, code, _ = run_uof(uof, profile, src, args.month, work / "out-large", args.as_of)
            peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kilobytes on Linux
            print(f"large run: {wall:.2f} s, exit {code}", file=sys.stderr)
            wall_bare, _, _ = run_uof(uof, profile, src, args.month, work / "out-large-bare", args.as_of,
                                      full_catalog=False)
            print(f"large run without the rule catalog's checks: {wall_bare:.2f} s", file=sys.stderr)
        if args.layout in ("flat", "both"):
            flat_profile, flat_source, flat_rows = write_flat(src, work)
            wall_flat, code, _ = run_uof(uof, flat_profile, flat_source, args.month, work / "out-flat", args.as_of)
            print(f"large run, flat layout ({flat_rows} rows): {wall_flat:.2f} s, exit {code}", file=sys.stderr)

        # ---- 3. sample runs
        sample_walls = []
        for i in range(args.repeat):
            w, c, _ = run_uof(uof, SAMPLE / "agency.yaml", SAMPLE / "rms_extract.xlsx", SAMPLE_MONTH,
                              work / f"out-sample-{i}", args.as_of)
            sample_walls.append(w)
            print(f"sample run {i + 1}: {w:.2f} s, exit {c}", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    median = statistics.median(sample_walls) if sample_walls else float("nan")
    rows = [
        ("machine", f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}"),
        ("extract (CSV, tables layout)", f"{n_inc:,} incidents, {n_sub:,} subject rows, {n_off:,} officer rows, "
                                         f"{size_mb:.1f} MB, one month ({args.month}), {args.errors} deliberate errors"),
        ("generation (scripts/generate_extract.py)", f"{t_gen:.2f} s + {t_write:.2f} s writing CSV"),
    ]
    if wall:
        rows += [
            ("`uof run`, large extract: wall time", f"{wall:.2f} s"),
            ("`uof run`, large extract: throughput", f"{n_inc / wall:,.0f} incidents/s"),
            ("`uof run`, large extract: peak RSS", f"{peak_kb / 1024:,.0f} MiB"),
            ("same extract without the catalog's checks (engine rules only)", f"{n_inc / wall_bare:,.0f} incidents/s"),
            ("throughput kept with the full catalog", f"{100 * wall_bare / wall:.0f} %"),
        ]
    if wall_flat:
        rows.append((f"`uof run`, same data as one flat CSV ({flat_rows:,} rows, layout: flat): throughput",
                     f"{n_inc / wall_flat:,.0f} incidents/s ({wall_flat:.2f} s)"))
    rows += [
        (f"`uof run`, shipped sample ({SAMPLE_MONTH}, xlsx): median of {len(sample_walls)}",
         f"{median:.2f} s (min {min(sample_walls):.2f}, max {max(sample_walls):.2f})" if sample_walls else "-"),
    ]
    print("| measurement | value |")
    print("| --- | --- |")
    for k, v in rows:
        print(f"| {k} | {v} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
