#!/usr/bin/env python3
"""Ingest and scoring benchmarks of vroeg against DuckDB, release build.

For each size, writes a synthetic inbox with `vroeg synth` (24 months), then
measures, each as its own process:

  ingest       vroeg ingest into an empty store (CSV -> Parquet store)
  score-only   vroeg run on that store with an empty inbox (store -> list)
  end-to-end   vroeg run into a fresh store (ingest + score + all outputs)
  duckdb       benches/duckdb_peer.py on the same inbox (CSV -> signals.csv)

vroeg runs with `--memory-limit` (default 4GiB); DuckDB with its defaults.
It checks that the two signals.csv are byte-identical, and prints wall time,
CPU time (user + sys), peak RSS and throughput as a Markdown table, with the
time ratios vroeg / DuckDB and the scaling between sizes, which it also
appends to benches/RESULTS.md.

Usage: python3 benches/bench.py [--sizes 100000,1000000,8000000] [--bin PATH]
                                [--python PATH] [--memory-limit 4GiB]
"""

import argparse
import datetime
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
AS_OF = "2026-10-31"


WRAP = (
    "import json, resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps([p.returncode, u.ru_utime + u.ru_stime, u.ru_maxrss, p.stderr[-2000:]]))\n"
)


def measure(cmd):
    """Runs cmd under a fresh wrapper process, so that peak RSS and CPU time
    are those of this command alone; returns (wall s, cpu s, peak RSS MiB)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WRAP, *map(str, cmd)], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    code, cpu, rss_kib, err = json.loads(out.stdout)
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(map(str, cmd))}\n{err}")
    return wall, cpu, rss_kib / 1024


def pipeline_for(work, inbox, store, out):
    text = (ROOT / "pipelines" / "zoetermeer.toml").read_text()
    text = (
        text.replace("../sample-data/inbox", str(inbox))
        .replace("../store/zoetermeer", str(store))
        .replace("../notebooks-out/zoetermeer", str(out))
    )
    p = work / "pipeline.toml"
    p.write_text(text)
    return p


def ledger_totals(store):
    rows = size = 0
    for f in (store / "ledger").glob("*.json"):
        e = json.loads(f.read_text())
        rows += e["rows_read"]
        size += e["bytes"]
    return rows, size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000,8000000")
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "vroeg"))
    ap.add_argument("--work", default=str(ROOT / "benches" / "work"))
    ap.add_argument("--memory-limit", default="4GiB")
    venv = ROOT / "target" / "py" / "bin" / "python"
    ap.add_argument("--python", default=str(venv if venv.exists() else sys.executable), help="a Python with duckdb")
    ap.add_argument("--skip-duckdb", action="store_true")
    args = ap.parse_args()
    vroeg = args.bin
    rows_out = []
    checks = []
    for n in [int(s) for s in args.sizes.split(",")]:
        work = pathlib.Path(args.work) / str(n)
        inbox = work / "inbox"
        if not inbox.exists():
            synth = [vroeg, "synth", "--households", str(n), "--months", str(args.months), "--seed", "1", "--as-of", AS_OF, "--out", str(inbox)]
            w, c, r = measure(synth)
            rows_out.append((n, "synth", w, c, r, None, None))
        for d in ["store", "store2", "out", "empty"]:
            shutil.rmtree(work / d, ignore_errors=True)
        (work / "empty").mkdir(parents=True)
        pipe = pipeline_for(work, inbox, work / "store", work / "out")
        w, c, r = measure([vroeg, "ingest", "--pipeline", str(pipe)])
        rows, size = ledger_totals(work / "store")
        rows_out.append((n, "ingest", w, c, r, rows / w, size / w / 2**20))
        limit = ["--memory-limit", args.memory_limit]
        w, c, r = measure([vroeg, "run", "--pipeline", str(pipe), "--as-of", AS_OF, "--inbox", str(work / "empty"), *limit])
        rows_out.append((n, "score-only", w, c, r, rows / w, None))
        w, c, r = measure([vroeg, "run", "--pipeline", str(pipe), "--as-of", AS_OF, "--store", str(work / "store2"), *limit])
        rows_out.append((n, "end-to-end", w, c, r, rows / w, size / w / 2**20))
        ours = (work / "out" / AS_OF / "signals.csv").read_bytes()
        listed = json.loads((work / "out" / AS_OF / "summary.json").read_text())["listed"]
        same = "not run"
        if not args.skip_duckdb:
            peer = work / "duckdb-signals.csv"
            w, c, r = measure([args.python, ROOT / "benches" / "duckdb_peer.py", "--inbox", inbox, "--as-of", AS_OF, "--out", peer, "--temp-dir", work / "duckdb-tmp"])
            rows_out.append((n, "duckdb", w, c, r, rows / w, size / w / 2**20))
            same = "identical" if peer.read_bytes() == ours else "DIFFERENT"
        checks.append((n, rows, size, listed, same))
        print(f"{n} households: {rows} rows, {size / 2**20:.0f} MiB of CSV, {listed} listed, lists {same}", file=sys.stderr)
    header = "| households | step | wall s | CPU s | peak RSS MiB | rows/s | MB/s |\n|---:|---|---:|---:|---:|---:|---:|\n"
    body = ""
    for n, step, w, c, r, rps, mbs in rows_out:
        body += f"| {n:,} | {step} | {w:.1f} | {c:.1f} | {r:.0f} | {'' if rps is None else f'{rps:,.0f}'} | {'' if mbs is None else f'{mbs:.1f}'} |\n"
    wall = {(n, step): w for n, step, w, *_ in rows_out}
    sizes = sorted({n for n, *_ in rows_out})
    ratios = "\n| households | lists | end-to-end / DuckDB | score-only / DuckDB |\n|---:|---|---:|---:|\n"
    for n, rows, size, listed, same in checks:
        duck = wall.get((n, "duckdb"))
        e2e = f"{wall[(n, 'end-to-end')] / duck:.2f}" if duck else ""
        so = f"{wall[(n, 'score-only')] / duck:.2f}" if duck else ""
        ratios += f"| {n:,} | {same} ({listed:,} listed) | {e2e} | {so} |\n"
    scaling = ""
    for a, b in zip(sizes, sizes[1:]):
        parts = [f"{step} {wall[(b, step)] / wall[(a, step)]:.2f}x" for step in ["ingest", "score-only", "end-to-end", "duckdb"] if (a, step) in wall and (b, step) in wall]
        scaling += f"\n{b:,} / {a:,} households ({b / a:.0f}x): " + ", ".join(parts) + "\n"
    print(header + body + ratios + scaling)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(ROOT / "benches" / "RESULTS.md", "a") as f:
        f.write(
            f"\n## {stamp}, {os.cpu_count()} cores\n\n`python3 benches/bench.py --sizes {args.sizes} --months {args.months} --memory-limit {args.memory_limit}`\n\n"
            f"{header}{body}{ratios}{scaling}"
        )
    if any(same == "DIFFERENT" for *_, same in checks):
        sys.exit("vroeg and DuckDB lists differ")


if __name__ == "__main__":
    main()
