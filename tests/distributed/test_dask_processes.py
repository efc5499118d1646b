# ruff: noqa: F811  (pytest fixtures imported from dask_fixtures are parameters of the tests)
"""The CLI against a real ``dask scheduler`` and two ``dask worker`` processes, compared with the local run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO
from dask_fixtures import (  # noqa: F401 (fixtures)
    assert_same_output,
    listening_ips,
    read,
    real_cluster,
    statements_csv,
    subprocess_env,
    tree,
)

from smgov_nlp.model.folder import load_model
from smgov_nlp.workflows.cluster import cluster_file
from smgov_nlp.workflows.precode import run_precode
from smgov_nlp.workflows.score import score_file

pytestmark = pytest.mark.slow  # real model and encoders on both sides
EXAMPLES = [REPO / "data" / "examples" / name for name in ("mesa1_notas.txt", "mesa2_notes.md", "mesa3_notas.docx")]
TIMEOUT = 180


def smgov(*args: str, cache: Path) -> subprocess.CompletedProcess:
    """``python -m smgov_nlp.cli ARGS`` with its own, fresh embedding cache (so the workers do the encoding)."""
    return subprocess.run([sys.executable, "-m", "smgov_nlp.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env=subprocess_env(SMGOV_CACHE_DIR=str(cache)), timeout=TIMEOUT)


def test_cli_score_on_a_real_cluster_equals_the_local_run(real_cluster, statements_csv, tmp_path):
    address, _ = real_cluster
    score_file(statements_csv, tmp_path / "local.csv")
    done = smgov("score", str(statements_csv), "--out", str(tmp_path / "remote.csv"), "--scheduler", address,
                 cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    assert f"on {address}" in done.stderr
    assert_same_output(read(tmp_path / "local.csv"), read(tmp_path / "remote.csv"))


def test_real_cluster_listens_only_on_loopback(real_cluster):
    address, processes = real_cluster
    assert address.startswith("tcp://127.0.0.1:")
    pids = set().union(*(tree(p.pid) for p in processes))
    ips = listening_ips(pids)
    assert ips and ips <= {"127.0.0.1", "::1"}, ips


def test_cli_cluster_on_a_real_cluster_groups_as_the_local_run(real_cluster, statements_csv, tmp_path, monkeypatch):
    address, _ = real_cluster
    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "local-cache"))
    cluster_file(statements_csv, tmp_path / "local.csv", load_model(), by="type")
    done = smgov("cluster", str(statements_csv), "--out", str(tmp_path / "remote.csv"), "--by", "type",
                 "--scheduler", address, cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    texts = pd.read_csv(statements_csv, dtype=str, keep_default_na=False)["text"]
    distinct = texts[texts.str.strip() != ""].nunique()
    assert f"encoded on the workers: {distinct} use, {distinct} e5" in done.stderr
    local, remote = read(tmp_path / "local.csv"), read(tmp_path / "remote.csv")
    pd.testing.assert_frame_equal(local, remote)
    assert local["idea_id"].nunique() < len(local)  # some statements were grouped


def test_cli_precode_on_a_real_cluster_equals_the_local_run(real_cluster, tmp_path, monkeypatch):
    address, _ = real_cluster
    decisions = tmp_path / "no-decisions"
    decisions.mkdir()
    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "local-cache"))
    run_precode(EXAMPLES, tmp_path / "local", data_dir=decisions)
    done = smgov("precode", *map(str, EXAMPLES), "--out", str(tmp_path / "remote"), "--data", str(decisions),
                 "--scheduler", address, cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    assert "encoded on the workers:" in done.stderr
    for name in ("statements.csv", "ideas.csv", "review_queue.csv"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "remote" / name).read_bytes(), name
