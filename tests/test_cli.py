from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from smgov_nlp import __version__
from smgov_nlp.cli import app
from smgov_nlp.errors import SmgovError
from smgov_nlp.workflows.score import OUTPUT_COLUMNS

pytestmark = pytest.mark.slow  # scoring runs the real default model

SMGOV = Path(sys.executable).parent / "smgov"
PROGRESS_MARKS = ("━", "\r", "\x1b[", "%", "it/s")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def notes(tmp_path) -> Path:
    path = tmp_path / "notes.csv"
    path.write_text("id,text,lang\n1,Robo de identidad,es\n2,,\n3,Define a strategy for social media,en\n",
                    encoding="utf-8")
    return path


def smgov(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the installed console script (``main()``) with stdout and stderr piped, as in a shell pipe."""
    env = os.environ | {"COLUMNS": "80"}
    env.pop("SMGOV_DEBUG", None)
    return subprocess.run([str(SMGOV), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


# --- CliRunner: the typer app -------------------------------------------------------------


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"smgov {__version__}\n"


def test_no_arguments_shows_help(runner):
    result = runner.invoke(app, [])
    assert "Usage" in result.output and "score" in result.output


def test_score_happy_path(runner, notes, tmp_path):
    out = tmp_path / "out" / "scored.csv"
    result = runner.invoke(app, ["score", str(notes), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"scored 3 rows -> {out}" in result.stderr
    assert "warning: the input already has column(s) ['lang']; kept them as ['lang_input']" in result.stderr
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["id", "text", "lang_input"] + OUTPUT_COLUMNS
    assert frame["id"].tolist() == ["1", "2", "3"]


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet(runner, tmp_path, where):
    path = tmp_path / "notes.txt"
    path.write_text("Robo de identidad\n", encoding="utf-8")
    out = tmp_path / "scored.jsonl"
    command = ["score", str(path), "-o", str(out)]
    result = runner.invoke(app, ["--quiet", *command] if where == "before" else [*command, "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
    loud = runner.invoke(app, command)  # the next run is not quiet: nothing sticks between calls
    assert "scored 1 rows" in loud.stderr


@pytest.mark.parametrize("command", ["score", "train", "cluster", "precode", "evaluate", "review"])
def test_every_command_takes_quiet(runner, command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "--quiet" in result.stdout


def test_text_col_and_explicit_model(runner, tmp_path):
    from smgov_nlp.model.folder import default_model_dir

    path = tmp_path / "notes.csv"
    path.write_text("body\nFalta de presupuesto\n", encoding="utf-8")
    out = tmp_path / "scored.xlsx"
    result = runner.invoke(app, ["-q", "score", str(path), "--out", str(out), "--text-col", "body",
                                 "--model", str(default_model_dir())])
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_library_errors_reach_main_as_smgov_error(runner, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("body,id\nhola,1\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(path), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code != 0
    assert isinstance(result.exception, SmgovError)
    assert not (tmp_path / "o.csv").exists()


# --- the console script: main() formats every error as one line -------------------------------


def test_console_script_version(tmp_path):
    result = smgov("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"smgov {__version__}\n"


def test_module_entry_point(tmp_path):
    result = subprocess.run([sys.executable, "-m", "smgov_nlp.cli", "--version"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0 and result.stdout == f"smgov {__version__}\n"


def test_piped_run_prints_no_progress_bar(notes, tmp_path):
    result = smgov("score", str(notes), "--out", "scored.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == "scored 3 rows -> scored.csv"
    for mark in PROGRESS_MARKS:
        assert mark not in result.stderr, mark
    assert len(pd.read_csv(tmp_path / "scored.csv")) == 3


def test_piped_quiet_run_prints_nothing(tmp_path):
    (tmp_path / "notes.txt").write_text("Robo de identidad\n", encoding="utf-8")
    result = smgov("-q", "score", "notes.txt", "--out", "scored.csv", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "" and result.stderr == ""


def make_inputs(folder: Path) -> None:
    (folder / "body.csv").write_text("body,id\nhola,1\n", encoding="utf-8")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "binary.csv").write_bytes(b"PK\x03\x04\x00\x00\x08\x00binary")
    (folder / "ok.csv").write_text("text\nhola\n", encoding="utf-8")
    (folder / "not_a_model").mkdir()


@pytest.mark.parametrize("args, message", [
    (["score", "body.csv", "--out", "o.csv"],
     "error: expected a column 'text' in body.csv, found ['body', 'id']; pass --text-col body"),
    (["score", "empty.csv", "--out", "o.csv"], "error: input file 'empty.csv' is empty"),
    (["score", "binary.csv", "--out", "o.csv"], "error: 'binary.csv' looks binary (it has NUL bytes)"),
    (["score", "missing.csv", "--out", "o.csv"], "error: input file 'missing.csv' does not exist"),
    (["score", "ok.csv", "--out", "o.csv", "--model", "not_a_model"],
     "error: 'not_a_model' is not a smgov model folder: missing config.json"),
    (["score", "ok.csv", "--out", "o.csv", "--model", "no_such_folder"],
     "error: model folder 'no_such_folder' does not exist"),
    (["score", "ok.csv", "--out", "o.pdf"], "error: cannot write 'o.pdf': expected an output ending in .csv"),
], ids=["missing-column", "empty", "binary", "missing-file", "invalid-model", "missing-model", "bad-output"])
def test_bad_input_is_one_error_line(tmp_path, args, message):
    make_inputs(tmp_path)
    (tmp_path / "o.csv").write_text("previous\n", encoding="utf-8")
    result = smgov(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(message)
    assert "Traceback" not in result.stderr
    assert (tmp_path / "o.csv").read_text(encoding="utf-8") == "previous\n"
    if "model" in args[-2]:
        assert "smgov train" in lines[0]


@pytest.mark.parametrize("args", [["score", "ok.csv"], ["score", "ok.csv", "--out", "o.csv", "--bogus"], ["bogus"]],
                         ids=["missing-out", "unknown-option", "unknown-command"])
def test_usage_errors_are_not_internal_errors(tmp_path, args):
    make_inputs(tmp_path)
    result = smgov(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "Usage:" in result.stderr or "Error" in result.stderr


def test_console_script_without_arguments_shows_help(tmp_path):
    result = smgov(cwd=tmp_path)
    assert "Usage" in result.stdout
    assert "internal error" not in result.stderr
