"""As a user has it: the wheel, installed in a fresh venv, trains a model from an empty folder, and runs the
README's precode -> review -> train loop there.

The wheel carries the model (smgov_nlp.models) and the labeled corpus (smgov_nlp.labeled), so
``smgov train --out m`` needs no checkout. The test builds the wheel from a copy of the sources (the
working tree gets no build/ or egg-info), installs it with ``--no-deps`` into a new venv that also
sees this venv's packages (a ``.pth`` line placed after the venv's own site-packages, so the wheel's
smgov_nlp wins over an editable install), and trains with ``--embedder tfidf`` (no sentence encoder to
run: the corpus and the kept settings are what is tested, not the embedder).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO
from openpyxl import load_workbook

SOURCES = ("pyproject.toml", "README.md", "smgov_nlp", "models", "data/labeled")


def _run(args: list, timeout: int, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}  # no source tree on the path
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    assert result.returncode == 0, f"{args[:3]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


@pytest.fixture
def scratch(tmp_path):
    """tmp_path, emptied afterwards (the venv and the wheel are large)."""
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.heavy
def test_the_installed_wheel_trains_from_an_empty_folder(scratch):
    tmp_path = scratch
    src = tmp_path / "src"
    for name in SOURCES:
        target = src / name
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, target, ignore=shutil.ignore_patterns("__pycache__", "reviewed.csv"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / name, target)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", ".", "-w", tmp_path / "dist"],
         timeout=300, cwd=src)
    wheel = next((tmp_path / "dist").glob("smgov_nlp-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"smgov_nlp/labeled/tables_en.csv", "smgov_nlp/labeled/reviewed.csv"} & names == {"smgov_nlp/labeled/tables_en.csv"}
    assert "smgov_nlp/models/default/idea_space.joblib" in names
    assert not any(name.startswith("smgov_nlp/labeled/drafts") for name in names)
    assert {f"smgov_nlp/review/web/static/{asset}" for asset in ("index.html", "app.js", "list.js", "app.css")} <= names

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", venv], timeout=120)
    python = venv / "bin" / "python"
    own = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], timeout=60).stdout.strip())
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q", wheel], timeout=300)
    (own / "zz_shared_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")  # after pip
    where = _run([python, "-c", "import smgov_nlp; print(smgov_nlp.__file__)"], timeout=60, cwd=tmp_path).stdout
    assert Path(where.strip()).is_relative_to(own), where

    work = tmp_path / "empty"
    (work / "data" / "labeled").mkdir(parents=True)
    smgov = venv / "bin" / "smgov"

    # the README's loop: precode -> review (one cell changed in the spreadsheet) -> train -> precode again
    shutil.copy(REPO / "data" / "examples" / "mesa1_notas.txt", work / "notas.txt")
    _run([smgov, "precode", "notas.txt", "--out", "out"], timeout=600, cwd=work)
    _run([smgov, "review", "out/review_queue.csv", "--export", "queue.xlsx"], timeout=300, cwd=work)
    book = load_workbook(work / "queue.xlsx")
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("decision") + 1, value="not a statement")
    text = sheet.cell(row=2, column=header.index("text") + 1).value
    layer = sheet.cell(row=3, column=header.index("layer") + 1)
    layer.value = "technology" if layer.value != "technology" else "general_context"
    book.save(work / "queue.xlsx")
    result = _run([smgov, "review", "--import", "queue.xlsx"], timeout=300, cwd=work)
    assert "imported 2 decisions (0 accepted, 1 corrected, 1 not a statement)" in result.stderr
    result = _run([smgov, "train", "--out", "m", "--embedder", "tfidf"], timeout=900, cwd=work)
    assert "corpus: the labeled corpus shipped with smgov-nlp" in result.stderr
    assert "kept from the model default@" in result.stderr
    config = json.loads((work / "m" / "config.json").read_text(encoding="utf-8"))
    shipped = json.loads((REPO / "models" / "default" / "config.json").read_text(encoding="utf-8"))
    assert config["dedupe"]["threshold"] == shipped["dedupe"]["threshold"]
    assert config["training_rows"] == {**shipped["training_rows"], "review": 1}  # the correction, not the non-statement
    assert config["reviewed_rows"] == 1
    _run([smgov, "precode", "notas.txt", "--out", "out2", "--model", "m"], timeout=600, cwd=work)
    statements = pd.read_csv(work / "out2" / "statements.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    decided = statements[statements["text"] == text]
    assert decided["decision"].tolist() == ["not_statement"] and decided["idea_id"].tolist() == [""]
    assert text not in (work / "out2" / "tables.md").read_text(encoding="utf-8")
