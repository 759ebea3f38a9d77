#!/usr/bin/env python3
"""What a sweep costs against one scoring run, release build.

For each size, writes a synthetic inbox with `vroeg synth` (24 months, seed
1; reused from benches/work/<n>/inbox when bench.py made it), ingests it
into a store once, then alternates, `--repeats` times:

  score-only    vroeg run on that store with an empty inbox (store -> list
                and all outputs), the baseline of issue 11's target
  sweep-rule    vroeg sweep of 10 values of eligible_min_score (1..10): a
                parameter only scoring reads, so the features are computed
                once and shared by every value
  sweep-feature vroeg sweep of 10 values of debt_min_eur (a feature reads
                it: every value but today's is scored anew), for contrast

and prints the median and range of wall time, CPU time and peak RSS, with
the ratios of the medians to score-only, as Markdown, also appended to
benches/RESULTS.md.

Usage: python3 benches/sweep_bench.py [--sizes 1000000] [--repeats 3]
"""

import argparse
import datetime
import os
import pathlib
import shutil
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench import AS_OF, ROOT, measure, pipeline_for  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000")
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "vroeg"))
    ap.add_argument("--work", default=str(ROOT / "benches" / "work"))
    ap.add_argument("--memory-limit", default="4GiB")
    args = ap.parse_args()
    vroeg = args.bin
    limit = ["--memory-limit", args.memory_limit]
    table = "| households | step | runs | wall s median (min-max) | CPU s median | peak RSS MiB median | / score-only |\n|---:|---|---:|---:|---:|---:|---:|\n"
    for n in [int(s) for s in args.sizes.split(",")]:
        work = pathlib.Path(args.work) / str(n)
        inbox = work / "inbox"
        if not inbox.exists():
            measure([vroeg, "synth", "--households", str(n), "--months", str(args.months), "--seed", "1", "--as-of", AS_OF, "--out", str(inbox)])
        for d in ["sweep-store", "sweep-out", "sweep-empty", "sweep-pages"]:
            shutil.rmtree(work / d, ignore_errors=True)
        (work / "sweep-empty").mkdir(parents=True)
        pipe = pipeline_for(work, inbox, work / "sweep-store", work / "sweep-out")
        measure([vroeg, "ingest", "--pipeline", str(pipe)])
        steps = {
            "score-only": [vroeg, "run", "--pipeline", str(pipe), "--as-of", AS_OF, "--inbox", str(work / "sweep-empty"), *limit],
            "sweep-rule": [vroeg, "sweep", "--pipeline", str(pipe), "--as-of", AS_OF, "--param", "eligible_min_score=1..10/1"],
            "sweep-feature": [vroeg, "sweep", "--pipeline", str(pipe), "--as-of", AS_OF, "--param", "debt_min_eur=50..500/50"],
        }
        results = {s: [] for s in steps}
        for i in range(args.repeats):
            for step, cmd in steps.items():
                results[step].append(measure(cmd))
                print(f"{n} {step} #{i + 1}: {results[step][-1][0]:.1f} s", file=sys.stderr)
        base = statistics.median(w for w, _, _ in results["score-only"])
        for step, runs in results.items():
            walls = [w for w, _, _ in runs]
            w = statistics.median(walls)
            c = statistics.median(c for _, c, _ in runs)
            r = statistics.median(r for _, _, r in runs)
            table += f"| {n:,} | {step} | {len(runs)} | {w:.1f} ({min(walls):.1f}-{max(walls):.1f}) | {c:.1f} | {r:.0f} | {w / base:.2f} |\n"
    print(table)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(ROOT / "benches" / "RESULTS.md", "a") as f:
        f.write(
            f"\n## {stamp}, {os.cpu_count()} cores: sweep against one scoring run\n\n"
            f"`python3 benches/sweep_bench.py --sizes {args.sizes} --repeats {args.repeats}` (alternated, sweeps of 10 values; release build)\n\n{table}"
        )


if __name__ == "__main__":
    main()
