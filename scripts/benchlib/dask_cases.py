"""The distributed (Dask) benchmarks: ``score`` and the embedding step of ``cluster`` on workers, the linkage
that stays on the client, and the paper estimate for 10 million statements.

- ``score`` on ``n`` statements (default 100,000), each with a fresh cache: the single process, ``--scheduler
  local`` (the LocalCluster's start inside the timed command) and a real cluster (a ``dask scheduler`` and two
  ``dask worker --nthreads 1`` processes started beforehand, on 127.0.0.1), and the outputs compared;
- the embedding step of ``cluster --by type`` on ``embed_n`` statements (default 10,000): a cold-cache run minus
  a cached run on the same statements, locally and with ``--scheduler`` on the real cluster (fresh client cache:
  the workers encode USE and e5, the client caches the vectors), and the outputs compared;
- the linkage (``group_ideas`` with three type blocks) on synthetic idea vectors (64-d unit vectors around
  ``n/3`` idea centres, cosine about 0.8 within an idea), at 100,000 and 200,000, in a subprocess of its own
  (wall time, peak RSS);
- the client's own share of a distributed score: reading the input and writing the output (``client_io``).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchlib.runner import Bench
from benchlib.settings import ENTRY
from benchlib.vocabulary import generate_statements, write_csv

WORKERS = 2
START_TIMEOUT = 120


def run_dask(bench: Bench, n: int, embed_n: int, linkage_sizes: list[int], seed: int, salt: str, out: dict) -> None:
    """Every distributed measurement; results go into ``out["dask"]`` as they are made."""
    found = out.setdefault("dask", {"workers": WORKERS, "threads_per_worker": 1})
    with real_cluster(bench) as address:
        found["score"] = score_cases(bench, n, address, seed, salt)
        found["client_io"] = client_io(bench, n)
        found["embed"] = embed_cases(bench, embed_n, address, seed, salt)
    found["linkage"] = [linkage_case(bench, size, seed) for size in linkage_sizes]
    found["estimate"] = estimate(found)


def score_cases(bench: Bench, n: int, address: str, seed: int, salt: str) -> dict:
    bench.say(f"\ndask: smgov score on {n:,} statements: one process, --scheduler local, a real 2-worker cluster")
    csv_path = write_csv(generate_statements(n, seed, f"{salt}-dask{n}", near_dup=0.3), bench.tmp / f"dask{n}.csv")
    runs = {}
    for name, extra in (("local", []), ("scheduler_local", ["--scheduler", "local"]), ("cluster", ["--scheduler", address])):
        target = bench.tmp / f"dask_score_{name}.csv"
        run, _ = bench.run(f"dask_score_{name}", n, [bench.smgov, "-q", "score", str(csv_path), "--out", str(target),
                                                    *extra], bench.fresh_cache())
        runs[name] = {"wall_s": round(run.wall_s, 2), "per_s": round(run.per_s, 1),
                      "client_peak_rss_mb": round(run.peak_rss_mb), "client_cpu_s": round(run.cpu_s, 1)}
        bench.say(f"  {name:16s} {run.wall_s:7.1f} s  {run.per_s:8,.0f} stmt/s  client peak {run.peak_rss_mb:,.0f} MB")
    local = (bench.tmp / "dask_score_local.csv").read_bytes()
    equal = {name: (bench.tmp / f"dask_score_{name}.csv").read_bytes() == local for name in ("scheduler_local", "cluster")}
    ratio = runs["cluster"]["wall_s"] / runs["local"]["wall_s"]
    bench.say(f"  outputs byte-identical to the local run: {equal}; cluster / local wall time {ratio:.2f}")
    return {"n": n, "runs": runs, "identical": equal, "cluster_over_local": round(ratio, 3),
            "scheduler_local_over_local": round(runs["scheduler_local"]["wall_s"] / runs["local"]["wall_s"], 3)}


def client_io(bench: Bench, n: int) -> dict:
    """The client's part of a distributed score: read the scored file in chunks and write it again, atomically."""
    code = ("import sys, time\nfrom smgov_nlp.io.readers import iter_table\nfrom smgov_nlp.io.writers import TableWriter\n"
            "start = time.perf_counter()\nwith TableWriter(sys.argv[2]) as w:\n"
            "    for chunk in iter_table(sys.argv[1], chunksize=5000):\n        w.write(chunk)\n"
            "print(time.perf_counter() - start)\n")
    run, stdout = bench.run("dask_client_io", n, [bench.python, "-c", code, str(bench.tmp / "dask_score_local.csv"),
                                                  str(bench.tmp / "client_io.csv")], bench.tmp)
    seconds = float(stdout.strip().splitlines()[-1])
    bench.say(f"  client read + write of the {n:,} scored rows: {seconds:.1f} s ({n / seconds:,.0f} rows/s)")
    return {"n": n, "seconds": round(seconds, 2), "per_s": round(n / seconds, 1)}


def embed_cases(bench: Bench, n: int, address: str, seed: int, salt: str) -> dict:
    bench.say(f"\ndask: the embedding step of cluster --by type on {n:,} statements (cold minus cached run)")
    csv_path = write_csv(generate_statements(n, seed, f"{salt}-embed{n}", near_dup=0.3), bench.tmp / f"embed{n}.csv")

    def cluster(name: str, cache: Path, extra: list[str]):
        target = bench.tmp / f"dask_cluster_{name}.csv"
        run, _ = bench.run(f"dask_cluster_{name}", n, [bench.smgov, "-q", "cluster", str(csv_path), "--out", str(target),
                                                      "--by", "type", *extra], cache)
        return run

    local_cache, remote_cache = bench.fresh_cache(), bench.fresh_cache()
    local_cold = cluster("local_cold", local_cache, [])
    cached = cluster("cached", local_cache, [])
    remote_cold = cluster("cluster_cold", remote_cache, ["--scheduler", address])
    local_step, remote_step = local_cold.wall_s - cached.wall_s, remote_cold.wall_s - cached.wall_s
    identical = (bench.tmp / "dask_cluster_cluster_cold.csv").read_bytes() == (bench.tmp / "dask_cluster_local_cold.csv").read_bytes()
    bench.say(f"  cold local {local_cold.wall_s:.1f} s, cold on the cluster {remote_cold.wall_s:.1f} s, cached "
              f"{cached.wall_s:.1f} s -> embedding step {local_step:.1f} s local ({n / local_step:,.0f} stmt/s), "
              f"{remote_step:.1f} s distributed ({n / remote_step:,.0f} stmt/s); grouping identical: {identical}")
    return {"n": n, "local_cold_s": round(local_cold.wall_s, 2), "cluster_cold_s": round(remote_cold.wall_s, 2),
            "cached_s": round(cached.wall_s, 2), "local_step_s": round(local_step, 2), "cluster_step_s": round(remote_step, 2),
            "local_step_per_s": round(n / local_step, 1), "cluster_step_per_s": round(n / remote_step, 1),
            "identical": identical}


def linkage_case(bench: Bench, n: int, seed: int) -> dict:
    bench.say(f"\nlinkage (group_ideas, 3 type blocks) on {n:,} synthetic idea vectors")
    run, stdout = bench.run(f"linkage_{n}", n, [bench.python, str(ENTRY), "--linkage-worker", str(n), str(seed)], bench.tmp)
    report = json.loads(stdout.strip().splitlines()[-1])
    bench.say(f"  {report['seconds']:.1f} s for the linkage ({run.wall_s:.1f} s whole process), peak RSS "
              f"{run.peak_rss_mb:,.0f} MB, {report['ideas']:,} ideas from {report['centres']:,} centres")
    return {"n": n, "linkage_s": round(report["seconds"], 2), "process_s": round(run.wall_s, 2),
            "peak_rss_mb": round(run.peak_rss_mb), "ideas": report["ideas"], "centres": report["centres"]}


def linkage_worker(n: int, seed: int) -> None:
    """Print {"seconds", "ideas", "centres"}: ``group_ideas`` on ``n`` synthetic idea vectors in three blocks."""
    import numpy as np

    from smgov_nlp.ideas.grouping import group_ideas

    rng = np.random.default_rng(seed)
    centres = n // 3
    dim = 64  # the idea space's projection
    base = rng.standard_normal((centres, dim)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    owner = rng.integers(0, centres, n)
    vectors = base[owner] + 0.5 / np.sqrt(dim) * rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    blocks = np.array(["risk", "benefit", "strategy"])[owner % 3].tolist()
    texts = [f"statement {i} about idea {o}" for i, o in enumerate(owner)]
    langs = ["es" if i % 5 < 3 else "en" for i in range(n)]
    start = time.perf_counter()
    ideas = group_ideas(texts, vectors, 0.675, blocks=blocks, langs=langs)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "ideas": int(ideas["idea_id"].nunique()), "centres": centres}))


def estimate(found: dict, total: int = 10_000_000, fleets: tuple[int, ...] = (10, 50)) -> dict:
    """Paper estimate for ``total`` statements on 10 and 50 two-core workers, from the measured rates.

    One two-core worker machine = this machine's two one-thread workers, so its rate is the measured cluster
    rate. Score: the workers' time, or the client's read + write, whichever is longer (they overlap). Cluster:
    the workers' embedding, then the client's linkage, extrapolated from 100k/200k with the measured exponent.
    """
    score_rate = found["score"]["runs"]["cluster"]["per_s"]
    embed_rate = found["embed"]["cluster_step_per_s"]
    client_rate = found["client_io"]["per_s"]
    link = sorted(found["linkage"], key=lambda e: e["n"])
    rows = []
    if len(link) >= 2:
        import math

        (n1, t1), (n2, t2) = (link[0]["n"], link[0]["linkage_s"]), (link[-1]["n"], link[-1]["linkage_s"])
        exponent = math.log(t2 / t1) / math.log(n2 / n1)
        link_s = t2 * (total / n2) ** exponent
        per_row_mb = (link[-1]["peak_rss_mb"] - link[0]["peak_rss_mb"]) / (n2 - n1)  # the marginal memory per row
        link_gb = (link[0]["peak_rss_mb"] + per_row_mb * (total - n1)) / 1024
    else:
        exponent, link_s, link_gb = None, None, None
    for workers in fleets:
        score_s = max(total / (score_rate * workers), total / client_rate)
        embed_s = total / (embed_rate * workers)
        rows.append({"workers": workers, "score_h": round(score_s / 3600, 2), "embed_h": round(embed_s / 3600, 2),
                     "linkage_h": None if link_s is None else round(link_s / 3600, 2),
                     "cluster_h": None if link_s is None else round((embed_s + link_s) / 3600, 2)})
    return {"total": total, "score_rate_per_machine": score_rate, "embed_rate_per_machine": embed_rate,
            "client_io_per_s": client_rate, "linkage_exponent": None if exponent is None else round(exponent, 2),
            "linkage_s": None if link_s is None else round(link_s), "linkage_rss_gb_linear": None if link_gb is None
            else round(link_gb, 1), "rows": rows}


@contextlib.contextmanager
def real_cluster(bench: Bench) -> Iterator[str]:
    """A ``dask scheduler`` and :data:`WORKERS` ``dask worker --nthreads 1`` on 127.0.0.1; yields the address."""
    folder = bench.tmp / "dask"
    folder.mkdir(exist_ok=True)
    dask = [str(Path(sys.executable).parent / "dask")]
    env = bench.env(bench.fresh_cache())
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH")]))
    scheduler_file = folder / "scheduler.json"
    loopback = ["--host", "127.0.0.1", "--no-dashboard", "--dashboard-address", "127.0.0.1:0"]
    processes: list[subprocess.Popen] = []
    try:
        with open(folder / "scheduler.log", "wb") as log:
            processes.append(subprocess.Popen([*dask, "scheduler", "--port", "0", *loopback, "--scheduler-file",
                                               str(scheduler_file)], env=env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + START_TIMEOUT
        while not (scheduler_file.exists() and scheduler_file.read_text().strip()):
            if time.monotonic() > deadline or processes[0].poll() is not None:
                raise RuntimeError(f"the dask scheduler did not start: {(folder / 'scheduler.log').read_text()}")
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for i in range(WORKERS):
            with open(folder / f"worker{i}.log", "wb") as log:
                processes.append(subprocess.Popen([*dask, "worker", address, "--nthreads", "1", *loopback],
                                                  env=env, stdout=log, stderr=subprocess.STDOUT))
        from distributed import Client

        with Client(address, timeout=START_TIMEOUT, set_as_default=False) as client:
            client.wait_for_workers(WORKERS, timeout=START_TIMEOUT)
        bench.say(f"  real cluster: scheduler {address}, {WORKERS} workers x 1 thread")
        yield address
    finally:
        for proc in processes[::-1]:
            proc.terminate()
        for proc in processes[::-1]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
