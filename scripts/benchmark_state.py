#!/usr/bin/env python
"""Benchmark a state backfill (not a test): one extract of many agencies on Dask, 1 and 2 local workers and a
separately started scheduler with its workers; outputs compared byte for byte.

    python scripts/benchmark_state.py [--agencies 1000] [--incidents 1000000] [--from 2025-08 --to 2025-10]
                                      [--workdir ./bench-state] [--keep]

1. generates the state extract with scripts/generate_state_extract.py (agency column, shared Keystone profile);
2. runs `uof state backfill` on a LocalCluster of 1 worker, then of 2 workers: wall time, and the peak memory
   of the whole process tree (the command, its scheduler and its workers: the sum of their RSS, sampled every
   0.2 s with psutil), and the largest single process;
3. starts `dask scheduler` and 2 `dask worker` processes itself, runs the same backfill with --scheduler, and
   stops them;
4. compares every output file of the three runs (SQLite ledgers aside: their pages are not content; their
   records are compared through `uof state verify` and the manifests) and prints a markdown table.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_extract as g  # noqa: E402
from generate_state_extract import state_profile_text, write_state_extract  # noqa: E402

AS_OF = "2025-11-05T09:30:00"


def bin_of(name: str) -> str:
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise SystemExit(f"cannot find `{name}` beside {sys.executable}: install the project (pip install -e .)")
    return str(path)


def measured(cmd: list[str], env: dict) -> tuple[float, int, int, int]:
    """(wall seconds, exit code, peak RSS of the process tree in bytes, peak RSS of one process)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    tree_peak = single_peak = 0
    while proc.poll() is None:
        try:
            members = [root, *root.children(recursive=True)]
            rss = []
            for p in members:
                try:
                    rss.append(p.memory_info().rss)
                except psutil.Error:
                    pass
            tree_peak, single_peak = max(tree_peak, sum(rss)), max(single_peak, max(rss, default=0))
        except psutil.Error:
            pass
        time.sleep(0.2)
    err = proc.stderr.read().decode(errors="replace")
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{err[-3000:]}")
    return wall, proc.returncode, tree_peak, single_peak


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".sqlite" not in p.name}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--agencies", type=int, default=1000)
    p.add_argument("--incidents", type=int, default=1_000_000)
    p.add_argument("--from", dest="first", default="2025-08")
    p.add_argument("--to", dest="last", default="2025-10")
    p.add_argument("--workdir", type=Path, default=Path("bench-state"))
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    uof = bin_of("uof")
    args.workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="state-", dir=args.workdir.resolve()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    rows = []
    try:
        t0 = time.perf_counter()
        oris = write_state_extract(work / "extract_csv", args.agencies, args.incidents,
                                   g.month_list(args.first, args.last), seed=7, errors_per_agency=1)
        g.write_profile(work)
        (work / "state.yaml").write_text(state_profile_text("Benchmark state", oris), encoding="utf-8")
        size = sum(f.stat().st_size for f in (work / "extract_csv").iterdir()) / 1e6
        print(f"generated {args.incidents:,} incidents of {len(oris)} agencies ({size:.0f} MB CSV) in "
              f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
        base = [uof, "state", "backfill", "--profile", str(work / "state.yaml"), "--source", str(work / "extract_csv"),
                "--from", args.first, "--to", args.last, "--as-of", AS_OF, "-q"]
        results = {}
        for label, extra in (("LocalCluster, 1 worker", ["--workers", "1"]),
                             ("LocalCluster, 2 workers", ["--workers", "2"])):
            out = work / f"out-{len(results)}"
            results[label] = (*measured(base + ["--out", str(out)] + extra, env), out)
            print(f"{label}: {results[label][0]:.0f} s", file=sys.stderr)
        port = free_port()
        address = f"tcp://127.0.0.1:{port}"
        dask_dir = work / "dask"
        dask_dir.mkdir(mode=0o700)
        scheduler = subprocess.Popen([bin_of("dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                      "--dashboard-address", ":0"], env=env, cwd=dask_dir,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        workers = [subprocess.Popen([bin_of("dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                     "--local-directory", str(dask_dir), "--no-dashboard"], env=env, cwd=dask_dir,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        try:
            time.sleep(5)
            label = "separate scheduler + 2 workers (--scheduler)"
            out = work / "out-scheduler"
            results[label] = (*measured(base + ["--out", str(out), "--scheduler", address], env), out)
            print(f"{label}: {results[label][0]:.0f} s", file=sys.stderr)
        finally:
            for proc in [*workers, scheduler]:
                proc.terminate()
            for proc in [*workers, scheduler]:
                proc.wait(timeout=30)
        reference = None
        for label, (wall, code, tree, single, out) in results.items():
            files = digests(out)
            same = "reference" if reference is None else ("byte-identical" if files == reference else "DIFFERENT")
            reference = reference or files
            rows.append((label, f"{wall:,.0f} s", f"{args.incidents / wall:,.0f}", f"{tree / 2**20:,.0f} MiB",
                         f"{single / 2**20:,.0f} MiB", f"{len(files):,}", same, str(code)))
        one, two = results["LocalCluster, 1 worker"][0], results["LocalCluster, 2 workers"][0]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}; "
          f"{args.incidents:,} incidents, {args.agencies} agencies, {args.first}..{args.last}\n")
    print("| run | wall | incidents/s | peak memory, all processes | largest process | files | outputs | exit |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nspeed-up from 1 to 2 local workers: {one / two:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
