from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, FakeEmbedder

from smgov_nlp.coding.classifier import StatementClassifier
from smgov_nlp.coding.head import CalibratedHead
from smgov_nlp.errors import SmgovError
from smgov_nlp.labels import HEADS
from smgov_nlp.model.folder import FILES, FORMAT_VERSION, Model, default_model_dir, load_model, save_model
from smgov_nlp.specs import DedupeSettings, EmbedderSpec

# --- the committed default model ----------------------------------------------------------


def test_default_model_dir_is_the_committed_folder():
    assert default_model_dir().resolve() == (REPO / "models" / "default").resolve()


@pytest.mark.slow
def test_load_default_model(default_model):
    model = default_model
    assert isinstance(model.classifier, StatementClassifier)
    assert model.config["format_version"] == FORMAT_VERSION
    assert model.config["embedder"] == "use"
    assert model.config["labels"] == {head: list(ids) for head, ids in HEADS.items()}
    assert set(model.thresholds) == {"layer", "type"}
    assert all(0 < t <= 1 for t in model.thresholds.values())
    assert model.thresholds == pytest.approx(model.classifier.thresholds_, abs=1e-6)
    assert list(model.examples.columns) == ["id", "text", "layer", "type", "lang"]
    assert len(model.examples) == 244
    assert model.example_vectors.shape == (244, 512)
    assert model.example_vectors.dtype == np.float16
    assert model.version == "default@" + model.config["data_hash"][:12]
    assert model.path == default_model_dir()


def test_committed_classifier_and_heads_agree():
    """The committed folder's pickled classifier (heads as CalibratedHead) scores as its heads.npz does.

    Fast: random vectors stand in for the sentence embeddings, so no encoder is loaded.
    """
    model = load_model(default_model_dir())
    assert all(type(head) is CalibratedHead for head in model.classifier.heads_.values())
    texts = ["Robo de identidad", "Falta de capacitación del personal", "Crear un comité", "", "Identity theft"]
    vectors = np.random.default_rng(0).normal(size=(len(texts), 512)).astype(np.float32)
    expected = model.classifier.predict_proba(texts, embeddings=vectors)
    for head, proba in model.runtime.predict_proba(texts, embeddings=vectors).items():
        np.testing.assert_allclose(proba, expected[head], atol=1e-9)
    assert model.thresholds == pytest.approx(model.classifier.thresholds_, abs=1e-6)
    assert model.classifier.aux_weights_ == model.config["aux_weights"]
    assert model.classifier.cue_used_ == model.config["cue_used"]


def test_committed_idea_space_loads_with_its_weights_in_the_spec():
    """Saved before EmbedderSpec, as ``embedder='use+e5', weights=(1, 3)``: unpickled as ``use+e5*3``."""
    space = load_model(default_model_dir()).idea_space
    assert space.embedder == EmbedderSpec.parse("use+e5*3")
    assert "weights" not in space.get_params()
    assert space.projection_.shape[0] == 512 + 384


@pytest.mark.slow
def test_default_model_nearest_example_of_a_bank_text_is_itself(default_model):
    texts = ["Identity theft", "Robo de identidad"]
    vectors = default_model.embed(texts)
    nearest = default_model.nearest(vectors, k=3)
    ids = default_model.examples["id"].to_numpy()[nearest]
    assert ids[0, 0] == "t1-017" and ids[1, 0] == "es-t1-017"
    assert set(ids[0, :2]) == set(ids[1, :2]) == {"t1-017", "es-t1-017"}


# --- broken model folders -----------------------------------------------------------------


@pytest.fixture
def model_copy(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(default_model_dir(), folder)
    return folder


def test_missing_model_folder(tmp_path):
    with pytest.raises(SmgovError, match="does not exist.*smgov train"):
        load_model(tmp_path / "nope")


def test_empty_model_folder(tmp_path):
    with pytest.raises(SmgovError, match="is not a smgov model folder: missing config.json, examples.csv, "
                                         "examples.npy, idea_space.joblib, classifier.joblib.*smgov train"):
        load_model(tmp_path)


def test_model_folder_without_config(model_copy):
    (model_copy / "config.json").unlink()
    with pytest.raises(SmgovError, match=r"missing config\.json;.*smgov train"):
        load_model(model_copy)


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00garbage", b""])
def test_corrupted_config(model_copy, content):
    (model_copy / "config.json").write_bytes(content)
    with pytest.raises(SmgovError, match="config.json in .* is not valid JSON.*smgov train"):
        load_model(model_copy)


@pytest.mark.parametrize("content", [b"[1, 2]", b"null", b'"a string"'])
def test_config_that_is_not_an_object(model_copy, content):
    (model_copy / "config.json").write_bytes(content)
    with pytest.raises(SmgovError, match="smgov train"):
        load_model(model_copy)


@pytest.mark.parametrize("change", [{"format_version": 99}, {"labels": {"layer": ["a"], "type": ["b"]}}])
def test_incompatible_config(model_copy, change):
    config = json.loads((model_copy / "config.json").read_text(encoding="utf-8"))
    (model_copy / "config.json").write_text(json.dumps(config | change), encoding="utf-8")
    with pytest.raises(SmgovError, match="incompatible smgov version or with other label ids.*smgov train"):
        load_model(model_copy)


def test_corrupted_heads(model_copy):
    (model_copy / "heads.npz").write_bytes(b"not an npz file at all")
    with pytest.raises(SmgovError, match="cannot load heads.npz.*smgov train"):
        load_model(model_copy)


def test_corrupted_classifier_without_heads(model_copy):
    (model_copy / "heads.npz").unlink()
    (model_copy / "classifier.joblib").write_bytes(b"not a pickle at all")
    with pytest.raises(SmgovError, match="cannot load the classifier.*smgov train"):
        load_model(model_copy)


def test_corrupted_classifier_is_reported_when_first_needed(model_copy):
    (model_copy / "classifier.joblib").write_bytes(b"not a pickle at all")
    model = load_model(model_copy)  # scoring needs only heads.npz
    assert model.predict_proba(["Robo de identidad"], embeddings=np.zeros((1, 512), np.float32))["layer"].shape == (1, 6)
    with pytest.raises(SmgovError, match="cannot load the classifier.*smgov train"):
        _ = model.classifier


@pytest.mark.slow
def test_model_without_heads_scores_with_the_classifier(model_copy, default_model):
    (model_copy / "heads.npz").unlink()
    model = load_model(model_copy)
    assert model.runtime is None
    texts = ["Robo de identidad", "Capacitar a los servidores públicos en redes sociales"]
    vectors = default_model.embed(texts)
    for head, proba in model.predict_proba(texts, embeddings=vectors).items():
        np.testing.assert_allclose(proba, default_model.predict_proba(texts, embeddings=vectors)[head], atol=1e-9)


# --- nearest examples ---------------------------------------------------------------------


@pytest.fixture
def toy_model() -> Model:
    bank = np.array([[1, 0, 0], [0, 1, 0], [0.8, 0.6, 0], [0.6, 0.8, 0], [0, 0, 1]], dtype=np.float16)
    examples = pd.DataFrame({"id": list("abcde"), "text": list("ABCDE")})
    return Model(None, examples, bank, {})


def test_nearest_most_similar_first(toy_model):
    queries = np.array([[1, 0, 0], [0, 5, 0], [0.1, 0.1, 3]], dtype=np.float32)
    assert toy_model.nearest(queries, k=3).tolist() == [[0, 2, 3], [1, 3, 2], [4, 2, 3]]
    assert toy_model.nearest(queries, k=1).tolist() == [[0], [1], [4]]


def test_nearest_k_larger_than_the_bank(toy_model):
    out = toy_model.nearest(np.array([[1, 0, 0]], dtype=np.float32), k=10)
    assert out.tolist() == [[0, 2, 3, 1, 4]] or out.tolist() == [[0, 2, 3, 4, 1]]  # 1 and 4 tie at 0


def test_nearest_of_nothing(toy_model):
    assert toy_model.nearest(np.zeros((0, 3), dtype=np.float32), k=3).shape == (0, 3)


def test_nearest_zero_vector_does_not_crash(toy_model):
    out = toy_model.nearest(np.zeros((1, 3), dtype=np.float32), k=2)
    assert out.shape == (1, 2)


# --- saving -------------------------------------------------------------------------------


def test_save_and_load_roundtrip(tmp_path, labeled_table):
    texts = labeled_table["text"].tolist()
    vectors = FakeEmbedder().transform(texts)
    classifier = StatementClassifier(embedder="use", cv=3).fit(
        texts, labeled_table[["layer", "type"]], groups=labeled_table["group"].to_numpy(), embeddings=vectors)
    config = {"format_version": FORMAT_VERSION, "name": "toy", "labels": {h: list(v) for h, v in HEADS.items()},
              "thresholds": classifier.thresholds_, "data_hash": "ab" * 32, "embedder": "use"}
    examples = labeled_table[["id", "text", "layer", "type", "lang"]]
    folder = tmp_path / "toy"
    save_model(Model(classifier, examples, vectors, config), folder, metrics={"layer": {"macro_f1": 0.5}},
               card="# toy\n")
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, "heads.npz", "metrics.json", "README.md"])
    loaded = load_model(folder)
    assert loaded.config == json.loads(json.dumps(config))
    assert loaded.version == "toy@" + "ab" * 6
    pd.testing.assert_frame_equal(loaded.examples, examples.reset_index(drop=True))
    assert loaded.example_vectors.dtype == np.float16
    np.testing.assert_array_equal(loaded.example_vectors, vectors.astype(np.float16))
    np.testing.assert_array_equal(loaded.classifier.predict_proba(texts, embeddings=vectors)["layer"],
                                  classifier.predict_proba(texts, embeddings=vectors)["layer"])
    assert loaded.runtime is not None
    np.testing.assert_allclose(loaded.predict_proba(texts, embeddings=vectors)["layer"],
                               classifier.predict_proba(texts, embeddings=vectors)["layer"], atol=1e-9)
    assert (folder / "README.md").read_text(encoding="utf-8") == "# toy\n"
    assert json.loads((folder / "metrics.json").read_text(encoding="utf-8")) == {"layer": {"macro_f1": 0.5}}


@pytest.mark.slow
def test_wheel_ships_the_default_model(tmp_path):
    """A plain, non-editable `pip install .` has the model: it is inside the wheel."""
    import subprocess
    import sys
    import zipfile

    from conftest import REPO

    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("smgov_nlp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("config.json", "classifier.joblib", "heads.npz", "examples.csv", "examples.npy", "idea_space.joblib"):
        assert f"smgov_nlp/models/default/{name}" in names


# --- the dedupe settings ------------------------------------------------------------------


def test_dedupe_settings_come_from_the_config(toy_model):
    assert toy_model.dedupe == DedupeSettings(0.5, 0.5, 0.6)
    tuned = Model(None, toy_model.examples, toy_model.example_vectors,
                  {"dedupe": {"threshold": 0.7, "threshold_no_by": 0.75, "type_weight": 0.4}})
    assert tuned.dedupe == DedupeSettings(0.7, 0.75, 0.4)
    assert (tuned.dedupe_threshold(True), tuned.dedupe_threshold(False)) == (0.7, 0.75)


def test_a_bad_dedupe_setting_says_what_to_fix(toy_model):
    broken = Model(None, toy_model.examples, toy_model.example_vectors, {"dedupe": {"threshold": 7}})
    with pytest.raises(SmgovError, match="dedupe threshold must be a number from 0 to 1, found 7.*config.json"):
        broken.dedupe_threshold()


def test_close_examples_leave_out_unrelated_ones(toy_model):
    bank = toy_model.example_vectors.astype(np.float32)
    unrelated = np.zeros((1, bank.shape[1]), dtype=np.float32)
    unrelated[0, -1] = 1.0  # orthogonal to nothing in particular: low similarity to the bank
    sims = (bank / np.linalg.norm(bank, axis=1, keepdims=True)) @ unrelated[0]
    kept = toy_model.close_examples(np.vstack([bank[:1], unrelated]), k=3, floor=0.4)
    assert kept[0][0] == 0  # a bank text's own example is kept
    assert kept[1] == [j for j in toy_model.nearest(unrelated, k=3)[0] if sims[j] >= 0.4]
    assert toy_model.close_examples(bank[:1], k=3, floor=1.01) == [[]]
