#!/usr/bin/env python
"""Benchmark `uof run` (not a test): the run beside an I/O floor, peak memory, and the fixed cost of a run.

    python scripts/benchmark.py [--incidents 50000] [--best-of 3] [--memory-incidents 100000] [--workdir DIR]

Everything below is measured in one invocation, on this machine, each figure the best (least) of --best-of
runs, each run with its own fresh output folder:

1. generates a Keystone RMS CSV extract of --incidents incidents, all in one month (so that the run processes
   every one of them), plus its profile and crosswalks (scripts/generate_extract.py), into a fresh folder under
   --workdir (mode 0700). The default workdir is on the RAM disk /dev/shm when there is one, so that the disk
   does not decide the figures; the table says where the outputs went;
2. the I/O FLOOR, a standalone Python subprocess (FLOOR below: it pays its own interpreter start and imports,
   as `uof run` does): read the CSVs with pyarrow, build one JSON document per incident with its subjects and
   officers nested, serialise it with orjson, write one file per incident and the deflate zip of them. No
   mapping, no checks, no manifest: what no implementation of the run can avoid;
3. `uof run` on the same extract, alternating with the floor; the ratio of the best run to the best floor;
4. unless --layout tables: the same data as one flat CSV (layout: flat), and the run without the catalog's checks;
5. peak memory (the child's peak RSS, os.wait4) of `uof run` on --memory-incidents incidents (0: skipped);
6. the fixed cost: `uof run` on a generated one-incident extract beside `python -c "import pandas, pyarrow"`,
   best of --repeat each, and the median of --repeat runs on the shipped sample (Excel);
7. prints a markdown table to paste into the README.
"""
from __future__ import annotations

import argparse
import os
import platform
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
RAM_DISK = Path("/dev/shm")

# The I/O floor (step 2), run as `python -c FLOOR <csv folder> <out folder> <case-number column>`. The zip is
# written as flows/io/write.py:zip_bytes writes it (deflate level 6, one entry per file, fixed timestamps).
FLOOR = r"""
import sys, zipfile
from pathlib import Path
import orjson
import pyarrow as pa
import pyarrow.csv as pacsv

src, out, key = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
def rows(name):  # every cell as text, as the run reads them
    table = pacsv.read_csv(src / f"{name}.csv")
    return table.cast(pa.schema([(f.name, pa.string()) for f in table.schema])).to_pylist()
children = {}
for name in ("subjects", "officers"):
    for row in rows(name):
        children.setdefault((name, row[key]), []).append(row)
out.mkdir(mode=0o700)
names = []
with zipfile.ZipFile(out / "all.zip", "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
    for i, incident in enumerate(rows("incidents"), 1):
        incident["subjects"] = children.get(("subjects", incident[key]), [])
        incident["officers"] = children.get(("officers", incident[key]), [])
        data = orjson.dumps({"Action": "AddOnly", "Incident": incident}, option=orjson.OPT_INDENT_2) + b"\n"
        name = f"{i:06d}.json"
        (out / name).write_bytes(data)
        info = zipfile.ZipInfo(name, date_time=(2025, 11, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)
"""
IMPORT_ONLY = "import pandas, pyarrow"

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


def find_uof() -> str:
    beside = Path(sys.executable).parent / "uof"
    if beside.exists():
        return str(beside)
    found = shutil.which("uof")
    if not found:
        raise SystemExit("cannot find the `uof` command: install the project (pip install -e .) in this environment")
    return found


def measured(cmd: list[str], ok=(0,)) -> tuple[float, int, int]:
    """Run `cmd` without a Prefect server: (wall seconds, exit code, the child's peak RSS in KiB)."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # plain runner, no Prefect server
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            out.seek(0)
            err.seek(0)
            sys.stderr.write(f"`{' '.join(cmd)}` exited with {code}\n{out.read()[-2000:].decode(errors='replace')}"
                             f"{err.read()[-4000:].decode(errors='replace')}\n")
            raise SystemExit(1)
    return wall, code, usage.ru_maxrss  # kilobytes on Linux


def uof_command(uof: str, profile: Path, source: Path, month: str, out: Path, as_of: str | None,
                full_catalog: bool = True) -> list[str]:
    cmd = [uof, "run", "--profile", str(profile), "--source", str(source), "--month", month, "--out", str(out)]
    if not full_catalog:
        cmd = [sys.executable, "-c", WITHOUT_CATALOG] + cmd[1:]
    return cmd + (["--as-of", as_of] if as_of else [])


def run_uof(uof: str, profile: Path, source: Path, month: str, out: Path, as_of: str | None,
            full_catalog: bool = True) -> tuple[float, int, int]:
    return measured(uof_command(uof, profile, source, month, out, as_of, full_catalog), OK_EXIT_CODES)


def run_floor(source: Path, out: Path) -> float:
    key = g.RENAMES["incidents"].get("agency_case_number", "agency_case_number")
    return measured([sys.executable, "-c", FLOOR, str(source), str(out), key])[0]


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


def default_workdir() -> Path:
    if RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK):
        return RAM_DISK / "uof-bench"
    return Path("bench-work")


def make_workdir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return Path(tempfile.mkdtemp(prefix="bench-", dir=path))  # mkdtemp: mode 0700 too


def generated(work: Path, name: str, incidents: int, seed: int, month: str, errors: int = 0,
              not_reportable: int = 0) -> tuple[Path, Path, object, float]:
    """A generated CSV extract and its profile in work/name: (profile, CSV folder, extract, seconds)."""
    t0 = time.perf_counter()
    ex = g.generate(incidents, seed, [month], errors=errors, not_reportable=not_reportable)
    folder = work / name
    folder.mkdir(mode=0o700)
    g.write_csv(ex, folder / "rms_extract_csv")
    profile = g.write_profile(folder)
    return profile, folder / "rms_extract_csv", ex, time.perf_counter() - t0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--incidents", type=int, default=50_000)
    p.add_argument("--best-of", type=int, default=3, help="runs of the floor and of `uof run` (best reported)")
    p.add_argument("--memory-incidents", type=int, default=100_000,
                   help="incidents of the peak-memory run (0: not measured)")
    p.add_argument("--workdir", type=Path, default=None,
                   help=f"where extracts and outputs go (default: {RAM_DISK}/uof-bench, else ./bench-work)")
    p.add_argument("--repeat", type=int, default=5, help="one-incident, import and sample runs (fixed cost)")
    p.add_argument("--layout", choices=["tables", "both"], default="both",
                   help="tables: the floor and the three CSV tables only; both (default): also the same data as "
                        "one flat CSV (layout: flat) and the run without the catalog's checks")
    p.add_argument("--month", default="2025-10", help="month of every generated incident")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--errors", type=int, default=25, help="deliberate errors in the large extract")
    p.add_argument("--not-reportable", type=int, default=0)
    p.add_argument("--as-of", help="passed to uof run")
    p.add_argument("--keep", action="store_true", help="keep the generated extract and outputs")
    args = p.parse_args(argv)

    uof = find_uof()
    workdir = (args.workdir or default_workdir()).resolve()
    on_ram_disk = RAM_DISK in workdir.parents
    work = make_workdir(workdir)
    say = lambda text: print(text, file=sys.stderr)  # noqa: E731
    try:
        # ---- 1. generate
        profile, src, ex, t_gen = generated(work, "large", args.incidents, args.seed, args.month,
                                            errors=args.errors, not_reportable=args.not_reportable)
        size_mb = sum(f.stat().st_size for f in src.iterdir()) / 1e6
        n_inc, n_sub, n_off = len(ex.incidents), len(ex.subjects), len(ex.officers)
        del ex
        say(f"generated {n_inc} incidents / {n_sub} subject rows / {n_off} officer rows ({size_mb:.1f} MB CSV) "
            f"in {t_gen:.2f} s")

        # ---- 2./3. the floor and the run, alternating
        floors, walls, peaks = [], [], []
        for i in range(args.best_of):
            floors.append(run_floor(src, work / f"out-floor-{i}"))
            wall, code, peak = run_uof(uof, profile, src, args.month, work / f"out-run-{i}", args.as_of)
            walls.append(wall)
            peaks.append(peak)
            say(f"round {i + 1}: floor {floors[-1]:.2f} s, uof run {wall:.2f} s (exit {code}, peak {peak / 1024:.0f} MiB)")
            shutil.rmtree(work / f"out-floor-{i}", ignore_errors=True)
            shutil.rmtree(work / f"out-run-{i}", ignore_errors=True)

        # ---- 4. flat layout, and without the catalog
        wall_bare = wall_flat = None
        if args.layout == "both":
            wall_bare = run_uof(uof, profile, src, args.month, work / "out-bare", args.as_of, full_catalog=False)[0]
            say(f"without the rule catalog's checks: {wall_bare:.2f} s")
            flat_profile, flat_source, flat_rows = write_flat(src, profile.parent)
            wall_flat, code, _ = run_uof(uof, flat_profile, flat_source, args.month, work / "out-flat", args.as_of)
            say(f"flat layout ({flat_rows} rows): {wall_flat:.2f} s, exit {code}")
        shutil.rmtree(profile.parent, ignore_errors=True)

        # ---- 5. peak memory
        memory = None
        if args.memory_incidents:
            m_profile, m_src, m_ex, _ = generated(work, "memory", args.memory_incidents, args.seed, args.month,
                                                  errors=args.errors)
            del m_ex
            m_wall, _, m_peak = run_uof(uof, m_profile, m_src, args.month, work / "out-memory", args.as_of)
            memory = (args.memory_incidents, m_wall, m_peak)
            say(f"{args.memory_incidents} incidents: {m_wall:.2f} s, peak {m_peak / 1024:.0f} MiB")
            shutil.rmtree(m_profile.parent, ignore_errors=True)

        # ---- 6. fixed cost
        one_profile, one_src, _, _ = generated(work, "one", 1, args.seed, args.month)
        ones, imports, sample_walls = [], [], []
        for i in range(args.repeat):
            imports.append(measured([sys.executable, "-c", IMPORT_ONLY])[0])
            ones.append(run_uof(uof, one_profile, one_src, args.month, work / f"out-one-{i}", args.as_of)[0])
            sample_walls.append(run_uof(uof, SAMPLE / "agency.yaml", SAMPLE / "rms_extract.xlsx", SAMPLE_MONTH,
                                        work / f"out-sample-{i}", args.as_of)[0])
            say(f"fixed cost {i + 1}: import pandas, pyarrow {imports[-1]:.2f} s; one incident {ones[-1]:.2f} s; "
                f"shipped sample {sample_walls[-1]:.2f} s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    floor, wall = min(floors), min(walls)
    where = f"RAM disk ({RAM_DISK})" if on_ram_disk else f"{workdir} (no RAM disk: the disk is part of the figures)"
    rows = [
        ("machine", f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}; "
                    f"outputs on {where}"),
        ("extract (CSV, tables layout)", f"{n_inc:,} incidents, {n_sub:,} subject rows, {n_off:,} officer rows, "
                                         f"{size_mb:.1f} MB, one month ({args.month}), {args.errors} deliberate errors"),
        (f"I/O floor (pyarrow read, orjson, one file per incident, zip): best of {len(floors)}",
         f"{floor:.2f} s (all: {', '.join(f'{x:.2f}' for x in floors)})"),
        (f"`uof run`, tables layout: best of {len(walls)}",
         f"{wall:.2f} s (all: {', '.join(f'{x:.2f}' for x in walls)}): {n_inc / wall:,.0f} incidents/s"),
        ("**run / floor**", f"**{wall / floor:.2f}**"),
        (f"`uof run` peak RSS, {n_inc:,} incidents", f"{max(peaks) / 1024:,.0f} MiB"),
    ]
    if wall_bare:
        rows.append(("same extract without the catalog's checks (engine rules only)",
                     f"{wall_bare:.2f} s (the full catalog keeps {100 * wall_bare / wall:.0f} % of its throughput)"))
    if wall_flat:
        rows.append((f"same data as one flat CSV ({flat_rows:,} rows, layout: flat)",
                     f"{wall_flat:.2f} s: {n_inc / wall_flat:,.0f} incidents/s"))
    if memory:
        rows.append((f"`uof run` peak RSS, {memory[0]:,} incidents", f"**{memory[2] / 1024:,.0f} MiB** "
                                                                    f"({memory[1]:.2f} s)"))
    rows += [
        (f"`python -c \"{IMPORT_ONLY}\"`: best of {len(imports)}", f"{min(imports):.2f} s"),
        (f"`uof run`, one incident (CSV): best of {len(ones)}", f"{min(ones):.2f} s"),
        ("**one-incident run / import**", f"**{min(ones) / min(imports):.2f}**"),
        (f"`uof run`, shipped sample ({SAMPLE_MONTH}, xlsx, 14 incidents): median of {len(sample_walls)}",
         f"{statistics.median(sample_walls):.2f} s (min {min(sample_walls):.2f}, max {max(sample_walls):.2f})"),
    ]
    print("| measurement | value |")
    print("| --- | --- |")
    for k, v in rows:
        print(f"| {k} | {v} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
