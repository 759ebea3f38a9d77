#!/usr/bin/env python3
"""Ingest and scoring benchmarks of vroeg against DuckDB, release build.

For each size and inbox shape, writes a synthetic inbox with `vroeg synth`
once (24 months, seed 1; cached under --work, reused by later runs), then
runs these steps, each as its own process, `--repeats` times, alternating
the contenders within every repeat:

  vroeg ingest        vroeg ingest into a fresh store (CSV -> Parquet store)
  duckdb end-to-end   benches/duckdb_peer.py all into a fresh peer store
                      (CSV -> its validated Parquet store -> signals.csv)
  vroeg score-only    vroeg run on the store just ingested, with an empty
                      inbox (store -> list and all outputs)
  duckdb score-only   duckdb_peer.py score from its store (store -> list)
  vroeg end-to-end    vroeg run into a fresh store (ingest + score + outputs)
  vroeg re-run        vroeg ingest again, same inbox, into the filled store:
                      the intake check of an unchanged inbox

vroeg runs with `--memory-limit` (default 4GiB); DuckDB with its defaults
(all cores, 80% of RAM) unless --duckdb-memory-limit is given. Every repeat
checks that the four signals.csv are byte-identical. It prints the median
and the spread (min-max) of wall time, CPU time (user + sys) and peak RSS
per step, the ratios of the medians vroeg / DuckDB end to end and score
only, and with --append adds them to benches/RESULTS.md under a UTC
timestamp heading with the exact command line.

Shapes: `monthly` (vroeg synth's default) and any other name, passed as
`vroeg synth --shape NAME` (e.g. school-weekly).

Usage: python3 benches/bench.py [--sizes 100000,1000000] [--shapes monthly,school-weekly]
                                [--repeats 3] [--bin PATH] [--python PATH] [--work DIR]
                                [--memory-limit 4GiB] [--append]
"""

import argparse
import datetime
import json
import os
import pathlib
import shlex
import shutil
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
AS_OF = "2026-10-31"
DEFAULT_SHAPE = "monthly"


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


def pipeline_for(work, inbox, store, out, name="pipeline.toml"):
    text = (ROOT / "pipelines" / "zoetermeer.toml").read_text()
    text = (
        text.replace("../sample-data/inbox", str(inbox))
        .replace("../store/zoetermeer", str(store))
        .replace("../notebooks-out/zoetermeer", str(out))
    )
    p = work / name
    p.write_text(text)
    return p


def ledger_totals(store):
    """(CSV data rows, bytes) of the deliveries in a vroeg store's ledger."""
    rows = size = 0
    for f in (store / "ledger").glob("*.json"):
        try:
            e = json.loads(f.read_text())
            rows += e.get("rows_read", 0)
            size += e.get("bytes", 0)
        except (ValueError, AttributeError):
            pass
    return rows, size


def inbox_for(args, n, shape):
    """The cached synthetic inbox of n households in this shape, written
    once (a `.complete` marker tells a finished inbox from an interrupted one)."""
    name = f"{shape}-{n}" + (f"-r{args.register_every}" if args.register_every else "")
    folder = pathlib.Path(args.work) / name
    inbox = folder / "inbox"
    if not (folder / ".complete").exists():
        shutil.rmtree(inbox, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        cmd = [args.bin, "synth", "--households", n, "--months", args.months, "--seed", 1, "--as-of", AS_OF, "--out", inbox]
        if shape != DEFAULT_SHAPE:
            cmd += ["--shape", shape]
        if args.register_every:
            cmd += ["--register-every", args.register_every]
        print(f"synthesizing {n:,} households, {shape}: {shlex.join(map(str, cmd))}", file=sys.stderr)
        w, c, r = measure(cmd)
        (folder / ".complete").write_text(json.dumps({"cmd": list(map(str, cmd)), "wall_s": w, "cpu_s": c, "rss_mib": r}) + "\n")
    files = sum(1 for _ in inbox.glob("*/*.csv"))
    size = sum(p.stat().st_size for p in inbox.glob("*/*.csv"))
    return folder, inbox, files, size


def signals(out):
    """The signals.csv a vroeg run wrote into out (or out/<as-of>)."""
    for p in (out / AS_OF / "signals.csv", out / "signals.csv"):
        if p.exists():
            return p
    sys.exit(f"no signals.csv in {out}")


def bench_one(args, n, shape):
    """Runs every step `--repeats` times on one inbox; returns (results,
    info) with results[step] = [(wall, cpu, rss), ...]."""
    folder, inbox, files, size = inbox_for(args, n, shape)
    run = folder / "run"
    shutil.rmtree(run, ignore_errors=True)
    (run / "empty").mkdir(parents=True)
    vroeg = args.bin
    limit = ["--memory-limit", args.memory_limit]
    peer = [args.python, ROOT / "benches" / "duckdb_peer.py"]
    peer_opts = ["--temp-dir", run / "duckdb-tmp"]
    if args.duckdb_memory_limit:
        peer_opts += ["--memory-limit", args.duckdb_memory_limit]
    if args.duckdb_threads:
        peer_opts += ["--threads", args.duckdb_threads]
    pipe1 = pipeline_for(run, inbox, run / "store", run / "out-score", "pipeline-ingest.toml")
    pipe2 = pipeline_for(run, inbox, run / "store-e2e", run / "out-e2e", "pipeline-e2e.toml")
    zoetermeer = ROOT / "pipelines" / "zoetermeer.toml"
    fresh = {
        "vroeg ingest": [run / "store", run / "out-score"],
        "vroeg end-to-end": [run / "store-e2e", run / "out-e2e"],
        "duckdb end-to-end": [run / "peer-store"],
    }
    steps = [
        ("vroeg ingest", [vroeg, "ingest", "--pipeline", pipe1]),
        ("duckdb end-to-end", [*peer, "all", "--inbox", inbox, "--pipeline", zoetermeer, "--store", run / "peer-store",
                               "--as-of", AS_OF, "--out", run / "duckdb-e2e.csv", *peer_opts]),
        ("vroeg score-only", [vroeg, "run", "--pipeline", pipe1, "--as-of", AS_OF, "--inbox", run / "empty", *limit]),
        ("duckdb score-only", [*peer, "score", "--store", run / "peer-store", "--as-of", AS_OF,
                               "--out", run / "duckdb-score.csv", *peer_opts]),
        ("vroeg end-to-end", [vroeg, "run", "--pipeline", pipe2, "--as-of", AS_OF, *limit]),
        ("vroeg re-run", [vroeg, "ingest", "--pipeline", pipe1]),
    ]
    if args.skip_duckdb:
        steps = [s for s in steps if not s[0].startswith("duckdb")]
    results = {step: [] for step, _ in steps}
    same = []
    listed = None
    for i in range(args.repeats):
        for step, cmd in steps:
            for d in fresh.get(step, []):
                shutil.rmtree(d, ignore_errors=True)
            if step == "vroeg score-only":
                shutil.rmtree(run / "out-score", ignore_errors=True)
            results[step].append(measure(cmd))
            w, c, r = results[step][-1]
            print(f"{n:,} {shape} #{i + 1} {step}: {w:.1f} s, CPU {c:.1f} s, {r:.0f} MiB", file=sys.stderr)
        lists = {"vroeg score-only": signals(run / "out-score"), "vroeg end-to-end": signals(run / "out-e2e")}
        if not args.skip_duckdb:
            lists["duckdb end-to-end"] = run / "duckdb-e2e.csv"
            lists["duckdb score-only"] = run / "duckdb-score.csv"
        texts = {k: p.read_bytes() for k, p in lists.items()}
        ok = len(set(texts.values())) == 1
        same.append(ok)
        if not ok:
            print(f"{n:,} {shape} #{i + 1}: lists DIFFER: " + ", ".join(f"{k} {len(t)} bytes" for k, t in texts.items()), file=sys.stderr)
        listed = texts["vroeg end-to-end"].count(b"\n") - 1
    rows, _ = ledger_totals(run / "store")
    info = dict(files=files, size=size, rows=rows, listed=listed, same=same)
    print(f"{n:,} households, {shape}: {files:,} files, {size / 2**20:.0f} MiB of CSV, {rows:,} rows, {listed:,} listed, "
          f"lists identical in {sum(same)}/{len(same)} repeats", file=sys.stderr)
    return results, info


def spread(values, fmt):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def main():
    ap = argparse.ArgumentParser(description="vroeg against DuckDB, alternated, with repeats")
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--shapes", default=DEFAULT_SHAPE, help="comma-separated: monthly, school-weekly, ...")
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--register-every", type=int, default=0, help="passed to vroeg synth when given")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "vroeg"))
    ap.add_argument("--work", default=str(ROOT / "benches" / "work"))
    ap.add_argument("--memory-limit", default="4GiB", help="vroeg run's --memory-limit")
    ap.add_argument("--duckdb-memory-limit", default=None, help="DuckDB's memory_limit (default: DuckDB's own)")
    ap.add_argument("--duckdb-threads", type=int, default=0)
    venv = ROOT / "target" / "py" / "bin" / "python"
    ap.add_argument("--python", default=str(venv if venv.exists() else sys.executable), help="a Python with duckdb")
    ap.add_argument("--skip-duckdb", action="store_true")
    ap.add_argument("--append", action="store_true", help="append the tables to benches/RESULTS.md")
    args = ap.parse_args()
    if args.repeats < 1:
        sys.exit("--repeats must be at least 1")
    args.bin = str(pathlib.Path(args.bin).resolve())
    order = ["vroeg ingest", "vroeg score-only", "vroeg end-to-end", "vroeg re-run", "duckdb end-to-end", "duckdb score-only"]
    table = (
        "| households | shape | step | wall s median (min–max) | CPU s median (min–max) | peak RSS MiB median (min–max) | rows/s |\n"
        "|---:|---|---|---:|---:|---:|---:|\n"
    )
    ratios = (
        "| households | shape | files | CSV MiB | lists | end-to-end vroeg / DuckDB | score-only vroeg / DuckDB |\n"
        "|---:|---|---:|---:|---|---:|---:|\n"
    )
    failed = False
    for shape in args.shapes.split(","):
        for n in [int(s) for s in args.sizes.split(",")]:
            results, info = bench_one(args, n, shape)
            med = {}
            for step in order:
                if step not in results:
                    continue
                runs = results[step]
                walls = [w for w, _, _ in runs]
                med[step] = statistics.median(walls)
                rps = f"{info['rows'] / med[step]:,.0f}" if info["rows"] and step != "vroeg re-run" else ""
                table += (
                    f"| {n:,} | {shape} | {step} | {spread(walls, '{:.2f}')} | {spread([c for _, c, _ in runs], '{:.2f}')} "
                    f"| {spread([r for _, _, r in runs], '{:.0f}')} | {rps} |\n"
                )
            same = info["same"]
            failed |= not all(same)
            lists = f"{'identical' if all(same) else 'DIFFERENT'} in {sum(same)}/{len(same)} repeats ({info['listed']:,} listed)"
            ratio = {}
            for kind in ("end-to-end", "score-only"):
                v, d = f"vroeg {kind}", f"duckdb {kind}"
                if d in results:
                    each = [a[0] / b[0] for a, b in zip(results[v], results[d])]
                    ratio[kind] = f"{med[v] / med[d]:.2f} (per repeat {min(each):.2f}–{max(each):.2f})"
                else:
                    ratio[kind] = ""
            ratios += (
                f"| {n:,} | {shape} | {info['files']:,} | {info['size'] / 2**20:,.0f} | {lists} "
                f"| {ratio['end-to-end']} | {ratio['score-only']} |\n"
            )
    note = (
        f"\n{args.repeats} repeats, alternated within each repeat (vroeg ingest, DuckDB end-to-end, vroeg score-only, "
        f"DuckDB score-only, vroeg end-to-end, vroeg re-run); ratios are of the median wall times. vroeg with "
        f"`--memory-limit {args.memory_limit}`, DuckDB {duckdb_version(args.python)} with "
        f"{'memory_limit ' + args.duckdb_memory_limit if args.duckdb_memory_limit else 'its default memory limit'}"
        f"{f', {args.duckdb_threads} threads' if args.duckdb_threads else ''}.\n"
    )
    print(table + "\n" + ratios + note)
    if args.append:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        with open(ROOT / "benches" / "RESULTS.md", "a") as f:
            f.write(f"\n## {stamp}, {os.cpu_count()} cores\n\n`{shlex.join(sys.orig_argv)}`\n\n{table}\n{ratios}{note}")
    if failed:
        sys.exit("vroeg and DuckDB lists differ")


def duckdb_version(python):
    try:
        out = subprocess.run([python, "-c", "import duckdb; print(duckdb.__version__)"], capture_output=True, text=True, timeout=60)
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
