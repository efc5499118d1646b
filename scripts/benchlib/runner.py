"""Running one command as a measured subprocess: wall time, CPU time, peak RSS, optionally cProfile.

Every ``smgov`` command runs as a subprocess, so the times are whole-process wall times
(interpreter start, imports, model load, reading and writing files included); peak RSS comes from
``os.wait4`` (the kernel's ``ru_maxrss`` of that one child).
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchlib.settings import ENTRY, ROOT

PROFILE_LISTS = ("smgov_nlp functions by cumulative time", "functions by self time")


@dataclass
class Run:
    """One whole-process measurement."""

    what: str
    n: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    load1: float
    inner_s: float | None = None  # time measured inside a worker (raw encode only)
    extra: dict = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        seconds = self.inner_s if self.inner_s is not None else self.wall_s
        return self.n / seconds if seconds > 0 else float("nan")


class Bench:
    """One benchmark run: its temporary folder, the ``smgov`` and python it runs, every measurement made."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="smgov-bench-"))
        self.smgov = _smgov_executable()
        self.python = sys.executable
        self.runs: list[Run] = []
        self.cache_counter = 0
        self.log = self.tmp / "commands.log"

    # ---------------------------------------------------------------- helpers
    def fresh_cache(self) -> Path:
        self.cache_counter += 1
        path = self.tmp / f"cache{self.cache_counter:03d}"
        path.mkdir()
        return path

    def env(self, cache: Path) -> dict:
        env = dict(os.environ)
        env.update({"SMGOV_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                    "PYTHONDONTWRITEBYTECODE": "1"})
        env.pop("SMGOV_DEBUG", None)
        return env

    def run(self, what: str, n: int, argv: list[str], cache: Path, cwd: Path = ROOT) -> tuple[Run, str]:
        """Run ``argv`` to completion; wall time, CPU time and peak RSS of that child alone."""
        load1 = os.getloadavg()[0]
        out_path, err_path = self.tmp / "last.stdout", self.tmp / "last.stderr"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd, env=self.env(cache))
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:  # interrupted: do not leave the child running
                proc.kill()
                proc.wait()
                raise
            wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout = out_path.read_text(encoding="utf-8", errors="replace")
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(f"{what} n={n} wall={wall:.2f}s rc={proc.returncode}: {' '.join(map(str, argv))}\n")
        if proc.returncode != 0:
            stderr = err_path.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"{what} failed (exit {proc.returncode}): {' '.join(map(str, argv))}\n{stderr[-3000:]}")
        result = Run(what, n, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, load1)
        self.runs.append(result)
        return result, stdout

    def say(self, message: str) -> None:
        print(message, flush=True)

    # ---------------------------------------------------------------- measurements
    def score(self, csv_path: Path, n: int, cache: Path, model: Path | None = None, what: str = "score") -> Run:
        argv = [self.smgov, "-q", "score", str(csv_path), "--out", str(self.tmp / "score_out.csv")]
        if model is not None:
            argv += ["--model", str(model)]
        run, _ = self.run(what, n, argv, cache)
        return run

    def raw(self, csv_path: Path, n: int, embedder: str = "use", what: str = "raw_use") -> Run:
        """Warmed raw encode in a worker process; ``inner_s`` is the timed encode alone."""
        argv = [self.python, str(ENTRY), "--worker", embedder, str(csv_path)]
        run, stdout = self.run(what, n, argv, self.tmp)
        report = json.loads(stdout.strip().splitlines()[-1])
        run.inner_s, run.extra = report["seconds"], {"encode_cpu_s": report["cpu_seconds"], "warmup_s": report["warmup_s"]}
        return run

    def cluster(self, csv_path: Path, n: int, cache: Path, by: str | None, what: str) -> Run:
        argv = [self.smgov, "-q", "cluster", str(csv_path), "--out", str(self.tmp / "cluster_out.csv")]
        if by:
            argv += ["--by", by]
        run, _ = self.run(what, n, argv, cache)
        return run

    def profiled(self, what: str, n: int, cli: list[str], cache: Path, prof: Path) -> Run:
        """``smgov -q *cli`` under cProfile, the statistics dumped to ``prof``."""
        run, _ = self.run(what, n, [self.python, "-m", "cProfile", "-o", str(prof), "-m", "smgov_nlp.cli", "-q", *cli],
                          cache)
        return run


def _smgov_executable() -> str:
    beside = Path(sys.executable).parent / "smgov"
    if beside.exists():
        return str(beside)
    found = shutil.which("smgov")
    if found:
        return found
    raise SystemExit("cannot find the smgov command: run this with the project's virtualenv python (.venv/bin/python)")


def where(key: tuple) -> str:
    """``folder/file.py:line(function)`` for a pstats key."""
    file, line, func = key
    return f"{Path(file).parent.name}/{Path(file).name}:{line}({func})"


def hot_spots(prof: Path) -> dict[str, list]:
    """The top entries of a cProfile dump, as ``{list title: [(key, (cc, ncalls, tottime, cumtime, callers))]}``.

    The library's own functions by cumulative time, then the hottest functions by self time.
    """
    stats = pstats.Stats(str(prof))
    own = sorted(((k, v) for k, v in stats.stats.items() if "smgov_nlp" in k[0] and not k[0].endswith("cli.py")),
                 key=lambda kv: -kv[1][3])[:15]
    hot = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:12]
    return dict(zip(PROFILE_LISTS, (own, hot)))
