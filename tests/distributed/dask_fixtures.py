"""Dask fixtures: one LocalCluster for the session, and a real scheduler with two worker processes.

Imported by the test modules (not a conftest.py: tests/conftest.py holds that module name). Everything listens
on 127.0.0.1 only, without dashboards: ``--no-dashboard`` alone still leaves an HTTP server (health, metrics)
on all interfaces (port 8787 for the scheduler), so the real cluster also gets ``--dashboard-address
127.0.0.1:0``. Every process started here is stopped at the end (terminate, then kill). Statement inputs are small (a few hundred rows) so the set stays quick on 2 cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import LABELED, REPO

distributed = pytest.importorskip("distributed")

START_TIMEOUT = 60  # seconds for a scheduler and its workers to come up
CONFIDENCE_COLUMNS = ("layer_confidence", "type_confidence", "error_risk")


def dask_command() -> list[str]:
    script = Path(sys.executable).parent / "dask"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dask"]


def subprocess_env(**extra: str) -> dict[str, str]:
    """The test's environment for a child process, with this worktree importable first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.update(extra)
    return env


def stop(processes: list[subprocess.Popen]) -> None:
    """Terminate (workers first, then the scheduler), wait, kill what is left."""
    processes = processes[::-1]
    for proc in processes:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 10
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def statements_csv(tmp_path_factory) -> Path:
    """244 labeled statements (English and Spanish tables) with their type, one of them blank."""
    frame = pd.concat([pd.read_csv(LABELED / f"tables_{lang}.csv", dtype=str) for lang in ("en", "es")])
    frame = frame[["id", "text", "type"]].reset_index(drop=True)
    frame.loc[5, "text"] = ""
    path = tmp_path_factory.mktemp("dask-input") / "statements.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def local_cluster():
    """LocalCluster(processes=True, dashboard_address=None, n_workers=2, threads_per_worker=1), started once."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      silence_logs=50) as cluster, Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=START_TIMEOUT)
        yield client


@pytest.fixture(scope="module")
def real_cluster(tmp_path_factory):
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1; yields (address, processes)."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask-real")
    scheduler_file = folder / "scheduler.json"
    env = subprocess_env()
    processes: list[subprocess.Popen] = []
    logs = []
    try:
        log = open(folder / "scheduler.log", "wb")
        logs.append(log)
        processes.append(subprocess.Popen(
            [*dask_command(), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(scheduler_file)], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder))
        deadline = time.monotonic() + START_TIMEOUT
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert processes[0].poll() is None, (folder / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for i in range(2):
            log = open(folder / f"worker{i}.log", "wb")
            logs.append(log)
            processes.append(subprocess.Popen(
                [*dask_command(), "worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1",
                 "--dashboard-address", "127.0.0.1:0", "--name", f"w{i}"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder))
        with Client(address, timeout=START_TIMEOUT, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT)
        yield address, processes
    finally:
        stop(processes)
        for log in logs:
            log.close()


def assert_same_output(local: pd.DataFrame, remote: pd.DataFrame) -> None:
    """Same rows, columns and labels; confidences within 1e-6."""
    assert list(local.columns) == list(remote.columns)
    assert len(local) == len(remote)
    for column in local.columns:
        if column in CONFIDENCE_COLUMNS:
            assert np.allclose(local[column].astype(float), remote[column].astype(float), atol=1e-6, equal_nan=True), column
        else:
            pd.testing.assert_series_equal(local[column], remote[column], check_names=True)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False).pipe(
        lambda f: f.assign(**{c: pd.to_numeric(f[c].replace("", np.nan)) for c in CONFIDENCE_COLUMNS if c in f}))


def listening_ips(pids: set[int]) -> set[str]:
    """The addresses the processes ``pids`` listen on (TCP)."""
    import psutil

    found = set()
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            connections = proc.net_connections(kind="inet") if hasattr(proc, "net_connections") else proc.connections("inet")
        except psutil.NoSuchProcess:
            continue
        found |= {c.laddr.ip for c in connections if c.status == psutil.CONN_LISTEN}
    return found


def tree(pid: int) -> set[int]:
    import psutil

    return {pid} | {child.pid for child in psutil.Process(pid).children(recursive=True)}
