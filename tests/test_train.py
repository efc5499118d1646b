"""``smgov train``: the duplicate-idea space's encoders are a training option."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import LABELED
from typer.testing import CliRunner

from smgov_nlp.cli import app
from smgov_nlp.errors import SmgovError
from smgov_nlp.model import load_model
from smgov_nlp.train import train_model


@pytest.mark.parametrize("spec", ["tfidf", "use+tfidf", "bert"])
def test_idea_embedder_must_be_dense_encoders(tmp_path, spec):
    with pytest.raises(SmgovError, match="--idea-embedder must be made of dense encoders.*--idea-embedder use"):
        train_model(LABELED, tmp_path / "model", idea_embedder=spec)
    assert not (tmp_path / "model").exists()  # refused before any training


@pytest.mark.slow
def test_train_cli_with_a_use_only_idea_space(tmp_path):
    data = tmp_path / "labeled"
    data.mkdir()
    for name in ("tables_en.csv", "tables_es.csv"):  # the 244 hand-coded rows: a small, quick corpus
        shutil.copy(LABELED / name, data / name)
    out = tmp_path / "fast"
    result = CliRunner().invoke(app, ["-q", "train", "--data", str(data), "--out", str(out), "--idea-embedder", "use"])
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert (config["dedupe"]["embedder"], config["dedupe"]["weights"]) == ("use", [1.0])
    assert "idea space on `use` (1)" in (out / "README.md").read_text(encoding="utf-8")
    model = load_model(out)
    assert model.idea_space.projection_.shape[0] == 512  # USE only: no e5 block
    vectors = model.idea_vectors(["Robo de identidad", "Identity theft", "Definir una estrategia"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
