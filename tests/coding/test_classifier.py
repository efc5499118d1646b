"""The two-head classifier: a thin wrapper over one CalibratedHead per head (smgov_nlp.coding.classifier)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FakeEmbedder
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from smgov_nlp.coding.choices import AUX_WEIGHTS
from smgov_nlp.coding.classifier import StatementClassifier
from smgov_nlp.coding.features import CUE_FEATURES
from smgov_nlp.coding.head import CalibratedHead
from smgov_nlp.labels import HEADS, LAYERS, TYPES
from smgov_nlp.specs import EmbedderSpec

# --- the two-head classifier on a fake embedder -------------------------------------------


@pytest.fixture(scope="module")
def fake_setup():
    from conftest import IDEAS

    rows = [{"text": t, "layer": layer, "type": type_, "group": f"g{i}"}
            for i, (layer, type_, en, es) in enumerate(IDEAS) for t in (en, es)]
    table = pd.DataFrame(rows)
    vectors = FakeEmbedder().transform(table["text"].tolist())
    return table, vectors


def fit_fake(table, vectors, **params) -> StatementClassifier:
    # embedder="use" is never called: the embeddings are passed in
    return StatementClassifier(embedder="use", cv=3, **params).fit(
        table["text"].tolist(), table[["layer", "type"]], groups=table["group"].to_numpy(), embeddings=vectors)


@pytest.fixture(scope="module")
def fake_classifier(fake_setup) -> StatementClassifier:
    return fit_fake(*fake_setup)


def test_fit_sets_learned_attributes(fake_classifier):
    assert list(fake_classifier.heads_) == ["layer", "type"]
    assert all(type(head) is CalibratedHead for head in fake_classifier.heads_.values())
    assert set(fake_classifier.thresholds_) == {"layer", "type"}
    for head, threshold in fake_classifier.thresholds_.items():
        assert 0.0 <= threshold <= 1.0
        assert fake_classifier.oof_[head].shape == (36, len(HEADS[head]))
        np.testing.assert_allclose(fake_classifier.oof_[head].sum(1), 1.0, rtol=1e-5)


def test_predict_proba_rows_sum_to_one(fake_classifier, fake_setup):
    table, vectors = fake_setup
    proba = fake_classifier.predict_proba(table["text"].tolist(), embeddings=vectors)
    assert list(proba) == ["layer", "type"]
    assert proba["layer"].shape == (36, 6) and proba["type"].shape == (36, 3)
    for p in proba.values():
        np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
        assert ((p >= 0) & (p <= 1)).all()


def test_predict_frame(fake_classifier, fake_setup):
    table, vectors = fake_setup
    proba = fake_classifier.predict_proba(table["text"].tolist(), embeddings=vectors)
    pred = fake_classifier.predict(table["text"].tolist(), embeddings=vectors)
    assert list(pred.columns) == ["layer", "layer_confidence", "type", "type_confidence"]
    assert set(pred["layer"]) <= set(LAYERS) and set(pred["type"]) <= set(TYPES)
    np.testing.assert_array_equal(pred["layer"], np.asarray(LAYERS)[proba["layer"].argmax(1)])
    np.testing.assert_allclose(pred["type_confidence"], proba["type"].max(1))
    # the training statements themselves are recovered
    assert (pred["layer"] == table["layer"]).mean() >= 0.9
    assert (pred["type"] == table["type"]).mean() >= 0.9


def test_rows_without_a_label_are_left_out_of_that_head(fake_setup):
    table, vectors = fake_setup
    extra = pd.DataFrame({"text": ["Definición de contexto general", "Definition of technology"],
                          "layer": ["general_context", "technology"], "type": ["", ""], "group": ["d1", "d2"]})
    both = pd.concat([table, extra], ignore_index=True)
    clf = fit_fake(both, FakeEmbedder().transform(both["text"].tolist()))
    assert clf.oof_["layer"].shape == (38, 6)
    assert clf.oof_["type"].shape == (36, 3)


def test_a_class_missing_from_training_gets_zero_probability(fake_setup):
    table, vectors = fake_setup
    keep = (table["layer"] != "technology").to_numpy()
    clf = fit_fake(table[keep].reset_index(drop=True), vectors[keep])
    proba = clf.predict_proba(table["text"].tolist(), embeddings=vectors)["layer"]
    assert proba.shape == (36, 6)
    assert (proba[:, LAYERS.index("technology")] == 0).all()
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)


def test_sample_weight(fake_setup):
    table, vectors = fake_setup
    clf = StatementClassifier(embedder="use", cv=3).fit(
        table["text"].tolist(), table[["layer", "type"]], groups=table["group"].to_numpy(),
        sample_weight=np.linspace(0.5, 2, len(table)), embeddings=vectors)
    proba = clf.predict_proba(table["text"].tolist(), embeddings=vectors)["type"]
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)


def test_statement_classifier_is_clone_safe(fake_classifier, fake_setup):
    params = {"embedder": "tfidf", "lexical_weight": 0.5, "cue_weight": 0.0, "C": 2.0, "cv": 3, "target_accuracy": 0.9,
              "random_state": 1, "aux_weight": 0.3, "part_weight": 2.0}
    assert clone(StatementClassifier(**params)).get_params() == params
    fresh = clone(fake_classifier)
    assert fresh.get_params() == fake_classifier.get_params()
    assert not hasattr(fresh, "heads_")
    table, vectors = fake_setup
    with pytest.raises(NotFittedError):
        fresh.predict(table["text"].tolist(), embeddings=vectors)
    refit = fit_fake(table, vectors)  # deterministic: same data, same parameters, same model
    for head in HEADS:
        np.testing.assert_array_equal(refit.predict_proba(table["text"].tolist(), embeddings=vectors)[head],
                                      fake_classifier.predict_proba(table["text"].tolist(), embeddings=vectors)[head])


# --- weighing auxiliary rows -----------------------------------------------------------------


def with_aux(table: pd.DataFrame, vectors: np.ndarray, corrupt: str | None):
    """The table plus one auxiliary copy of each row in the same group; ``corrupt`` makes one head's aux labels wrong."""
    aux = table.copy()
    if corrupt is not None:
        ids = HEADS[corrupt]
        aux[corrupt] = [ids[(ids.index(v) + 1) % len(ids)] for v in aux[corrupt]]
    both = pd.concat([table, aux], ignore_index=True)
    mask = np.r_[np.ones(len(table), bool), np.zeros(len(aux), bool)]
    return both, np.vstack([vectors, vectors + 0.01]), mask


def fit_aux(both, vectors, mask, **params):
    return StatementClassifier(embedder="use", cv=3, **params).fit(
        both["text"].tolist(), both[["layer", "type"]], groups=both["group"].to_numpy(), embeddings=vectors,
        calibration_mask=mask)


def clustered(n_per_cell: int, seed: int, shift_type: bool = False):
    """Statements whose embedding is the sum of a layer centroid and a type centroid, plus noise.

    ``shift_type`` labels every row with the wrong (next) type: auxiliary rows that teach the
    type head the wrong thing.
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(LAYERS) + len(TYPES), 32))
    rows, vectors = [], []
    for i, layer in enumerate(LAYERS):
        for j, type_ in enumerate(TYPES):
            for k in range(n_per_cell):
                label = TYPES[(j + 1) % len(TYPES)] if shift_type else type_
                rows.append({"text": f"s{seed}-{i}-{j}-{k}", "layer": layer, "type": label, "group": f"s{seed}-{i}{j}{k}"})
                vectors.append(centres[i] + centres[len(LAYERS) + j] + 0.3 * rng.normal(size=32))
    return pd.DataFrame(rows), np.asarray(vectors, dtype=np.float32)


def test_auto_aux_weight_drops_auxiliary_rows_with_wrong_labels():
    table, table_vectors = clustered(3, seed=0)
    aux, aux_vectors = clustered(3, seed=0, shift_type=True)  # same points, wrong type
    aux["group"] = table["group"]  # an idea's auxiliary rows share its group
    both = pd.concat([table, aux], ignore_index=True)
    mask = np.r_[np.ones(len(table), bool), np.zeros(len(aux), bool)]
    clf = StatementClassifier(embedder="use", cv=3, lexical_weight=0.0).fit(
        both["text"].tolist(), both[["layer", "type"]], groups=both["group"].to_numpy(),
        embeddings=np.vstack([table_vectors, aux_vectors]), calibration_mask=mask)
    assert set(clf.aux_selection_["type"]) == set(AUX_WEIGHTS)
    scores = clf.aux_selection_["type"]  # mean out-of-fold log-likelihood: higher is better
    assert clf.aux_weights_["type"] == 0.0
    assert scores[0.0] == max(scores.values()) and scores[0.0] > scores[1.0] + 0.3
    assert clf.aux_weights_["layer"] == 1.0  # right labels: every weight fits, ties go to the first candidate
    assert min(clf.aux_selection_["layer"].values()) > -0.05


def test_aux_weight_zero_trains_on_the_calibration_rows_only(fake_setup):
    table, vectors = fake_setup
    both, both_vectors, mask = with_aux(table, vectors, corrupt="layer")
    dropped = fit_aux(both, both_vectors, mask, aux_weight=0.0, lexical_weight=0.0)  # TF-IDF would see the aux texts
    alone = StatementClassifier(embedder="use", cv=3, aux_weight=1.0, lexical_weight=0.0).fit(
        table["text"].tolist(), table[["layer", "type"]], groups=table["group"].to_numpy(), embeddings=vectors)
    for head in HEADS:
        assert dropped.aux_weights_[head] == 0.0 and list(dropped.aux_selection_[head]) == [0.0]
        np.testing.assert_allclose(dropped.heads_[head].estimator_.coef_, alone.heads_[head].estimator_.coef_,
                                   rtol=1e-4, atol=1e-6)


def test_fixed_aux_weight_one_is_plain_training(fake_setup):
    both, vectors, mask = with_aux(*fake_setup, corrupt=None)
    clf = fit_aux(both, vectors, mask, aux_weight=1.0, cue_weight=0.0)
    assert clf.aux_weights_ == {"layer": 1.0, "type": 1.0}
    assert clf.cue_used_ == {"layer": False, "type": False} and clf.cue_selection_ == {}
    assert clf.aux_selection_ == {"layer": {1.0: None}, "type": {1.0: None}}


def test_auto_cue_block_is_used_where_it_carries_the_signal():
    """Embeddings are noise; only the opening word ("Falta", "Crear", "Permite") tells the type."""
    rng = np.random.default_rng(0)
    openers = {"risk": ["Falta de", "Lack of", "Riesgo de"], "benefit": ["Permite", "Improves", "Facilita"],
               "strategy": ["Crear", "Establish", "Definir"]}
    rows = []
    for i in range(72):
        type_ = TYPES[i % 3]
        rows.append({"text": f"{openers[type_][i % 3 if i % 9 < 3 else (i // 3) % 3]} tema{i}",
                     "layer": LAYERS[i % 6], "type": type_, "group": f"g{i}"})
    table = pd.DataFrame(rows)
    vectors = rng.normal(size=(len(table), 16)).astype(np.float32)
    clf = StatementClassifier(embedder="use", cv=3, lexical_weight=0.0).fit(
        table["text"].tolist(), table[["layer", "type"]], groups=table["group"].to_numpy(), embeddings=vectors)
    assert clf.cue_used_["type"]
    assert clf.cue_selection_["type"]["on"] > clf.cue_selection_["type"]["off"] + 0.2
    on_coefs = clf.heads_["type"].estimator_.coef_[:, 16:16 + len(CUE_FEATURES)]
    assert np.abs(on_coefs).max() > 0.1
    if not clf.cue_used_["layer"]:  # a head without the block has exactly zero weight on it
        assert not clf.heads_["layer"].estimator_.coef_[:, 16:16 + len(CUE_FEATURES)].any()
    pred = clf.predict(["Falta de presupuesto", "Crear un comité", "Permite ahorrar"],
                       embeddings=rng.normal(size=(3, 16)).astype(np.float32))
    assert pred["type"].tolist() == ["risk", "strategy", "benefit"]


# --- the weight of a multi-part embedder's later parts --------------------------------------


def test_a_part_weight_is_the_same_model_as_a_weighted_embedder_name(labeled_table):
    """part_weight=3 on 'tfidf+tfidf' is folded into the heads' coefficients, so the model scores the plain
    vectors and predicts what 'tfidf+tfidf*3' (the block scaled before fitting) predicts."""
    texts, labels, groups = labeled_table["text"].tolist(), labeled_table[["layer", "type"]], labeled_table["group"]
    common = {"cv": 3, "aux_weight": 1.0, "cue_weight": 0.0}
    folded = StatementClassifier(embedder="tfidf+tfidf", part_weight=3.0, **common).fit(texts, labels, groups=groups)
    named = StatementClassifier(embedder="tfidf+tfidf*3", **common).fit(texts, labels, groups=groups)
    assert named.part_weights_ == {"layer": 1.0, "type": 1.0}  # "auto" keeps the weight the name sets
    assert named.part_selection_ == {"layer": {}, "type": {}}
    plain = StatementClassifier(embedder="tfidf+tfidf", part_weight=1.0, **common).fit(texts, labels, groups=groups)
    assert folded.part_weights_ == {"layer": 3.0, "type": 3.0} and folded.part_selection_ == {"layer": {}, "type": {}}
    queries = texts[:6] + ["Robo de identidad", "Define a social media strategy"]
    for head in HEADS:
        np.testing.assert_allclose(folded.predict_proba(queries)[head], named.predict_proba(queries)[head], atol=1e-6)
        assert not np.allclose(folded.predict_proba(queries)[head], plain.predict_proba(queries)[head], atol=1e-3)


def test_a_single_encoder_has_no_part_weight_to_choose(fake_setup):
    both, vectors, mask = with_aux(*fake_setup, corrupt=None)
    clf = fit_aux(both, vectors, mask, aux_weight=1.0, cue_weight=0.0)
    assert clf.part_weights_ == {"layer": 1.0, "type": 1.0} and clf.part_selection_ == {"layer": {}, "type": {}}


# --- the two-head classifier end to end on the lexical embedder ----------------------------


def test_tfidf_classifier_end_to_end(labeled_table):
    texts = labeled_table["text"].tolist()
    clf = StatementClassifier(embedder="tfidf", cv=3).fit(texts, labeled_table[["layer", "type"]],
                                                         groups=labeled_table["group"].to_numpy())
    proba = clf.predict_proba(texts + ["Robo de identidad"])
    assert proba["layer"].shape == (37, 6) and proba["type"].shape == (37, 3)
    for p in proba.values():
        np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
    assert all(0.0 <= t <= 1.0 for t in clf.thresholds_.values())
    pred = clf.predict(texts)
    assert (pred["layer"] == labeled_table["layer"]).mean() >= 0.9
    assert clone(clf).get_params() == clf.get_params()


def test_the_embedder_may_be_a_spec(labeled_table):
    texts, labels, groups = labeled_table["text"].tolist(), labeled_table[["layer", "type"]], labeled_table["group"]
    common = {"cv": 3, "aux_weight": 1.0, "cue_weight": 0.0}
    by_name = StatementClassifier(embedder="tfidf+tfidf*3", **common).fit(texts, labels, groups=groups)
    by_spec = StatementClassifier(embedder=EmbedderSpec.parse("tfidf + tfidf * 3"), **common).fit(texts, labels, groups=groups)
    for head in ("layer", "type"):
        np.testing.assert_array_equal(by_spec.predict_proba(texts)[head], by_name.predict_proba(texts)[head])
