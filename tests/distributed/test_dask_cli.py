"""``--scheduler`` at the command line without a cluster: an unreachable scheduler, and dask kept off the light path."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
from conftest import REPO
from dask_fixtures import subprocess_env


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_scheduler_is_a_one_line_error_within_10_s(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text\nUsar redes sociales para informar\n", encoding="utf-8")
    address = f"tcp://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "smgov_nlp.cli", "score", str(source), "--out", str(tmp_path / "out.csv"),
                           "--scheduler", address], capture_output=True, text=True, cwd=REPO, env=subprocess_env(),
                          timeout=30)
    elapsed = time.monotonic() - started
    assert done.returncode != 0
    assert elapsed < 10, elapsed
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and address in lines[0], done.stderr
    assert not (tmp_path / "out.csv").exists()


def test_not_a_scheduler_address_is_a_one_line_error(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text\nUsar redes sociales\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "smgov_nlp.cli", "cluster", str(source), "--out", str(tmp_path / "o.csv"),
                           "--scheduler", "nowhere"], capture_output=True, text=True, cwd=REPO, env=subprocess_env(),
                          timeout=30)
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and "not a scheduler address" in done.stderr, done.stderr


@pytest.mark.slow
def test_without_scheduler_dask_is_never_imported(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text\nUsar redes sociales para informar\nThe risk of fake news\n", encoding="utf-8")
    code = ("import sys\nfrom smgov_nlp.cli import app\n"
            f"app(['score', {str(source)!r}, '--out', {str(tmp_path / 'out.csv')!r}], standalone_mode=False)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=subprocess_env(),
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").exists()
    assert done.stdout.strip().splitlines()[-1] == "[]"
