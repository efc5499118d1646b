# ruff: noqa: F811  (pytest fixtures imported from dask_fixtures are parameters of the tests)
"""``--scheduler`` on a LocalCluster of two worker processes: equality with the local run, faults, checks."""

from __future__ import annotations

import json
import os
import shutil
import signal

import pytest
from dask_fixtures import assert_same_output, listening_ips, local_cluster, read, statements_csv, tree  # noqa: F401 (fixtures)

from smgov_nlp import __version__
from smgov_nlp.distributed import worker as dask_worker
from smgov_nlp.distributed.cluster import check_workers, engine_error
from smgov_nlp.distributed.embed import embed_ahead, encoders_of
from smgov_nlp.distributed.score import distributed_predictor
from smgov_nlp.distributed.worker import WORKER_MODEL_ENV, identity, model_hash
from smgov_nlp.errors import SmgovError
from smgov_nlp.model.folder import default_model_dir, load_model
from smgov_nlp.workflows.score import score_file

pytestmark = pytest.mark.slow  # the workers load the real model and encoder


@pytest.fixture(scope="module")
def local_reference(statements_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "scored.csv"
    score_file(statements_csv, out, chunk_rows=50)
    return read(out)


def _set_version(version):
    dask_worker.VERSION = version


def _set_env(name, value):
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def test_score_on_workers_equals_local_run(local_cluster, statements_csv, local_reference, tmp_path):
    mine = identity(None, on_worker=False)
    out = tmp_path / "scored.csv"
    rows = score_file(statements_csv, out, chunk_rows=37, predict_chunks=distributed_predictor(local_cluster, mine))
    assert rows == len(local_reference)
    assert_same_output(local_reference, read(out))
    # the partitions really ran on both workers, each of which loaded the model once
    loaded = local_cluster.run(lambda: len(dask_worker._MODELS))
    assert sorted(loaded.values()) == [1, 1]
    threads = local_cluster.run(lambda: os.environ.get("SMGOV_THREADS"))
    assert set(threads.values()) == {"1"}  # sized to the worker's nthreads, not to the machine's cores


def test_worker_killed_mid_job_completes_with_the_same_output(local_cluster, statements_csv, local_reference, tmp_path):
    mine = identity(None, on_worker=False)
    pids = local_cluster.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed = []

    def kill_once(n):
        if not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    out = tmp_path / "scored.csv"
    score_file(statements_csv, out, chunk_rows=20, progress=kill_once,
               predict_chunks=distributed_predictor(local_cluster, mine))
    assert killed
    assert_same_output(local_reference, read(out))
    assert [p.name for p in tmp_path.iterdir()] == ["scored.csv"]  # no temporary file left behind
    local_cluster.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
    assert victim not in local_cluster.run(os.getpid).values()


def test_failing_job_leaves_the_old_output_intact(local_cluster, statements_csv, tmp_path):
    mine = identity(None, on_worker=False)
    out = tmp_path / "scored.csv"
    out.write_text("old output\n", encoding="utf-8")
    local_cluster.run(_set_version, "9.9.9")  # after the connect-time check: every partition is refused
    try:
        with pytest.raises(SmgovError) as caught:
            score_file(statements_csv, out, chunk_rows=20, predict_chunks=distributed_predictor(local_cluster, mine))
    finally:
        local_cluster.run(_set_version, __version__)
    message = str(caught.value)
    assert "\n" not in message and "9.9.9" in message and __version__ in message
    assert out.read_text(encoding="utf-8") == "old output\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scored.csv"]


def test_worker_with_another_version_is_refused_naming_both(local_cluster):
    mine = identity(None, on_worker=False)
    assert check_workers(local_cluster, mine, None) == 2
    local_cluster.run(_set_version, "0.0.9")
    try:
        with pytest.raises(SmgovError, match=r"smgov-nlp 0\.0\.9 .*the client smgov-nlp " + __version__.replace(".", r"\.")):
            check_workers(local_cluster, mine, None)
    finally:
        local_cluster.run(_set_version, __version__)


def test_worker_with_another_model_is_refused_naming_both_hashes(local_cluster, statements_csv, tmp_path):
    other = tmp_path / "other-model"
    shutil.copytree(default_model_dir(), other)
    config = json.loads((other / "config.json").read_text(encoding="utf-8"))
    config["thresholds"] = {head: value + 0.01 for head, value in config["thresholds"].items()}  # same data_hash
    (other / "config.json").write_text(json.dumps(config), encoding="utf-8")
    mine = identity(None, on_worker=False)
    theirs = model_hash(other)
    assert theirs != mine.model_hash and config["data_hash"] == load_model().config["data_hash"]
    local_cluster.run(_set_env, WORKER_MODEL_ENV, str(other))
    try:
        with pytest.raises(SmgovError) as at_connect:
            check_workers(local_cluster, mine, None)
        with pytest.raises(SmgovError) as in_task:  # a worker that joins later is refused by its first task
            score_file(statements_csv, tmp_path / "out.csv", predict_chunks=distributed_predictor(local_cluster, mine))
    finally:
        local_cluster.run(_set_env, WORKER_MODEL_ENV, None)
    for caught in (at_connect, in_task):
        assert mine.model_hash in str(caught.value) and theirs in str(caught.value)
    assert not (tmp_path / "out.csv").exists()


def test_embedding_on_workers_fills_the_client_cache(local_cluster, statements_csv, tmp_path, monkeypatch):
    import pandas as pd

    from smgov_nlp.embeddings.backends import encode

    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "cache"))
    model = load_model()
    texts = pd.read_csv(statements_csv, dtype=str, keep_default_na=False)["text"].tolist()[:60]
    names = encoders_of(model)
    assert names == ["use", "e5"]
    done = embed_ahead(local_cluster, model, texts, partition=16)
    distinct = len({t for t in texts if t.strip()})
    assert done == {"use": distinct, "e5": distinct}
    assert embed_ahead(local_cluster, model, texts) == {"use": 0, "e5": 0}  # all in the client's cache now
    from_cache = encode("use+e5", [t for t in texts if t.strip()])
    monkeypatch.setenv("SMGOV_CACHE_DIR", "off")
    fresh = encode("use+e5", [t for t in texts if t.strip()])
    assert (from_cache == fresh).all()  # the workers' vectors are the client's own, bit for bit


def test_nothing_listens_beyond_loopback(local_cluster):
    assert local_cluster.scheduler.address.startswith("tcp://127.0.0.1:")
    assert all(a.startswith("tcp://127.0.0.1:") for a in local_cluster.scheduler_info()["workers"])
    ips = listening_ips(tree(os.getpid()))
    assert ips and ips <= {"127.0.0.1", "::1"}, ips


def test_engine_failures_become_one_line_errors():
    class KilledWorker(Exception):
        pass

    error = engine_error(KilledWorker("('score_partition-1', <WorkerState 'tcp://127.0.0.1:1'>)"))
    assert isinstance(error, SmgovError) and "\n" not in str(error) and "no output was written" in str(error)
    assert isinstance(engine_error(ConnectionResetError("gone")), SmgovError)
    assert engine_error(ValueError("a bug")) is None
