"""``smgov train``: the duplicate-idea space's encoders are a training option."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import LABELED
from typer.testing import CliRunner

from smgov_nlp import __version__
from smgov_nlp.cli import app
from smgov_nlp.coding.choices import PART_WEIGHTS
from smgov_nlp.errors import SmgovError
from smgov_nlp.model.folder import load_model
from smgov_nlp.model.train import train_model
from smgov_nlp.review.decision import Decision
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.workflows.precode import run_precode


@pytest.mark.parametrize("spec", ["tfidf", "use+tfidf", "bert"])
def test_idea_embedder_must_be_dense_encoders(tmp_path, spec):
    with pytest.raises(SmgovError, match="--idea-embedder must be made of dense encoders.*--idea-embedder use"):
        train_model(LABELED, tmp_path / "model", idea_embedder=spec)
    assert not (tmp_path / "model").exists()  # refused before any training


@pytest.mark.slow
@pytest.mark.heavy
def test_train_cli_with_a_use_only_idea_space(tmp_path):
    data = tmp_path / "labeled"
    data.mkdir()
    for name in ("tables_en.csv", "tables_es.csv"):  # the 244 hand-coded rows: a small, quick corpus
        shutil.copy(LABELED / name, data / name)
    out = tmp_path / "fast"
    result = CliRunner().invoke(app, ["-q", "train", "--data", str(data), "--out", str(out), "--idea-embedder", "use",
                                      "--dev", str(LABELED.parent / "dev")])
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert (config["dedupe"]["embedder"], config["dedupe"]["weights"]) == ("use", [1.0])
    assert "dev/paraphrase_tune.csv and data/dev/examples_ideas.csv (" in config["dedupe"]["tuned_on"]
    assert config["training_sources"]["kept_from"] is None
    assert "idea space on `use` (1)" in (out / "README.md").read_text(encoding="utf-8")
    model = load_model(out)
    assert model.idea_space.projection_.shape[0] == 512  # USE only: no e5 block
    vectors = model.idea_vectors(["Robo de identidad", "Identity theft", "Definir una estrategia"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_new_idea_space_needs_a_dev_folder_to_tune_it(tmp_path):
    """Without --dev the shipped space is kept, so asking for another one is refused before any training."""
    with pytest.raises(SmgovError, match="asks for a new duplicate-idea space.*pass --dev with a folder holding paraphrase_tune.csv"):
        train_model(tmp_path / "nothing", tmp_path / "model", idea_embedder="use")
    assert not (tmp_path / "model").exists()


def test_train_cli_refuses_a_bad_embedder_weight_in_one_line(tmp_path):
    """Through the console script, as a shell runs it: one error line, exit 2, nothing written."""
    smgov = Path(sys.executable).parent / "smgov"
    result = subprocess.run([str(smgov), "-q", "train", "--data", str(LABELED), "--out", str(tmp_path / "m"),
                             "--embedder", "use+e5*x"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: an embedder weight must be a positive number, found 'e5*x'; write a weighted part like e5*3 "
        "(for example --embedder 'use+e5*3')"]
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
@pytest.mark.heavy
def test_train_and_score_with_the_e5_classifier(tmp_path):
    """The opt-in ``use+e5`` build of the README end to end: training chooses e5's weight per head,
    records it in config.json and the card, and scoring runs through heads.npz."""
    data = tmp_path / "labeled"
    data.mkdir()
    for name in ("tables_en.csv", "tables_es.csv"):
        shutil.copy(LABELED / name, data / name)
    out = tmp_path / "e5"
    result = CliRunner().invoke(app, ["-q", "train", "--data", str(data), "--out", str(out), "--embedder", "use+e5"])
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["embedder"] == "use+e5" and config["classifier"]["part_weight"] == "auto"
    for head in ("layer", "type"):
        scores = config["part_selection"][head]
        assert set(scores) == {f"{w:g}" for w in PART_WEIGHTS}
        assert config["part_weights"][head] == float(max(scores, key=scores.get))
    card = (out / "README.md").read_text(encoding="utf-8")
    assert f"weight of the embedder's parts after the first: layer {config['part_weights']['layer']:g}" in card
    model = load_model(out)
    assert model.runtime is not None and str(model.runtime.embedder) == "use+e5"
    source = tmp_path / "in.csv"
    source.write_text("text\nRobo de identidad\n\nDefine a social media strategy\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["-q", "score", str(source), "--out", str(tmp_path / "out.csv"), "--model", str(out)])
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert scored["text"].tolist() == ["Robo de identidad", "", "Define a social media strategy"]
    assert scored.loc[0, "type"] == "risk" and scored.loc[2, "type"] == "strategy"
    assert scored.loc[1, "layer"] == "" and scored.loc[1, "needs_review"] == "true"


# --- retraining from your own folder: the shipped corpus + your decisions, the shipped tuned settings ----------

EXAMPLES = [LABELED.parent / "examples" / name for name in ("mesa1_notas.txt", "mesa2_notes.md", "mesa3_notas.docx")]


def _partition(statements: pd.DataFrame, leave_out: set[str]) -> set[frozenset[str]]:
    """The ideas as sets of statement ids, the ``leave_out`` statements removed."""
    ideas = statements[~statements["statement_id"].isin(leave_out)].groupby("idea_id")["statement_id"]
    return {frozenset(ids) for _, ids in ideas}


@pytest.mark.slow
@pytest.mark.heavy
def test_retrain_in_an_empty_folder_with_three_decisions(tmp_path, monkeypatch):
    """A user's loop: precode, decide three statements, train (shipped corpus + the decisions, cv=2 to keep it
    quick), precode again. The model keeps the shipped idea space and thresholds, so the example transcripts
    group into the same ideas as with the default model, the decided statements apart."""
    monkeypatch.chdir(tmp_path)
    before = run_precode(EXAMPLES, tmp_path / "before")
    coded = pd.read_csv(tmp_path / "before" / "statements.csv", dtype=str, keep_default_na=False)
    picked = coded.iloc[[0, 10, 20]]
    flip = {"risk": "benefit", "benefit": "strategy", "strategy": "risk"}
    DecisionStore(tmp_path / "data" / "labeled").append(
        [Decision.new(row.text, "technology", flip[row.type], lang=row.lang) for row in picked.itertuples()])
    lines = []
    model = train_model(None, tmp_path / "mine", cv=2, progress=lines.append)

    shipped = load_model()
    assert lines[0] == f"corpus: the labeled corpus shipped with smgov-nlp {__version__}"
    assert lines[-1] == "reviewed decisions: 3 rows from data/labeled/reviewed.csv"
    assert any(line.startswith(f"kept from the model {shipped.version} (shipped") for line in lines)
    config = json.loads((tmp_path / "mine" / "config.json").read_text(encoding="utf-8"))
    assert config["reviewed_rows"] == 3 and config["training_rows"]["review"] == 3
    assert {k: v for k, v in config["dedupe"].items() if k != "kept_from"} == shipped.config["dedupe"]
    assert config["training_sources"]["kept_from"]["settings"][:1] == ["idea_space"]
    assert config["training_sources"]["reviewed"] == "data/labeled/reviewed.csv"
    assert f"kept from the model `{shipped.version}" in (tmp_path / "mine" / "README.md").read_text(encoding="utf-8")

    loaded = load_model(tmp_path / "mine")
    assert loaded.dedupe == shipped.dedupe and model.version == loaded.version
    np.testing.assert_allclose(loaded.idea_space.projection_, shipped.idea_space.projection_)
    after = run_precode(EXAMPLES, tmp_path / "after", model_dir=tmp_path / "mine")
    assert after["human"] == 3 and after["statements"] == before["statements"]
    recoded = pd.read_csv(tmp_path / "after" / "statements.csv", dtype=str, keep_default_na=False)
    decided = set(picked["statement_id"])
    assert set(recoded.loc[recoded["layer_source"] == "human", "statement_id"]) == decided
    assert _partition(recoded, decided) == _partition(coded, decided)
