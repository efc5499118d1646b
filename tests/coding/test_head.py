"""One head as a scikit-learn classifier on the numeric feature matrix (smgov_nlp.coding.head and .choices)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import FakeEmbedder
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score

from smgov_nlp.coding.choices import AUX_WEIGHTS, PART_WEIGHTS, Choice
from smgov_nlp.coding.head import CalibratedHead
from smgov_nlp.labels import LAYERS, TYPES


@pytest.fixture(scope="module")
def features_and_labels():
    from conftest import IDEAS

    texts = [t for _, _, en, es in IDEAS for t in (en, es)]
    layers = np.array([layer for layer, _, _, _ in IDEAS for _ in range(2)])
    groups = np.repeat(np.arange(len(IDEAS)), 2)
    return FakeEmbedder().transform(texts), layers, groups


def test_calibrated_head(features_and_labels):
    X, y, groups = features_and_labels
    head = CalibratedHead(cv=3).fit(X, y, groups=groups)
    assert list(head.classes_) == sorted(LAYERS)
    assert head.temperature_ > 0
    assert head.oof_proba_.shape == (36, 6)
    np.testing.assert_allclose(head.oof_proba_.sum(1), 1.0, rtol=1e-5)
    proba = head.predict_proba(X)
    assert proba.shape == (36, 6)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(head.predict(X), head.classes_[proba.argmax(1)])
    assert 0.0 <= head.threshold_ <= 1.0
    # nothing to choose without auxiliary rows, cue or part columns: one candidate each, not scored
    assert head.aux_choice_ == Choice(1.0, (1.0,), {1.0: None})
    assert head.part_choice_ == Choice(1.0, (1.0,), {}) and head.cue_choice_ is None


def test_sparse_input_gives_the_dense_answer(features_and_labels):
    X, y, groups = features_and_labels
    dense = CalibratedHead(cv=3).fit(X, y, groups=groups)
    sparse = CalibratedHead(cv=3).fit(sp.csr_matrix(X), y, groups=groups)
    np.testing.assert_allclose(sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), atol=1e-6)


def test_calibrated_head_is_clone_safe(features_and_labels):
    X, y, groups = features_and_labels
    head = CalibratedHead(C=2.0, cv=3, random_state=7)
    assert clone(head).get_params() == {"C": 2.0, "cv": 3, "random_state": 7, "target_accuracy": 0.95,
                                        "aux_weight": "auto", "cue_columns": None, "part_weight": "auto",
                                        "part_columns": None}
    fitted = head.fit(X, y, groups=groups)
    fresh = clone(fitted)
    assert not hasattr(fresh, "estimator_")
    with pytest.raises(NotFittedError):
        fresh.predict_proba(X)
    np.testing.assert_array_equal(fresh.fit(X, y, groups=groups).predict_proba(X), fitted.predict_proba(X))


def test_a_head_goes_into_scikit_learn_model_selection(features_and_labels):
    X, y, _ = features_and_labels
    scores = cross_val_score(CalibratedHead(cv=2, aux_weight=1.0), X, y, cv=2)
    assert scores.shape == (2,) and ((0 <= scores) & (scores <= 1)).all()


def test_wrong_number_of_columns_is_refused(features_and_labels):
    X, y, groups = features_and_labels
    head = CalibratedHead(cv=3).fit(X, y, groups=groups)
    with pytest.raises(ValueError, match="features"):
        head.predict_proba(X[:, :10])


# --- the auto choices ----------------------------------------------------------------------------


def clustered(n_per_cell: int, seed: int, shift_type: bool = False):
    """Rows whose vector is a layer centroid + a type centroid + noise; ``shift_type`` labels each with the next type."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(LAYERS) + len(TYPES), 32))
    labels, vectors = [], []
    for i in range(len(LAYERS)):
        for j, type_ in enumerate(TYPES):
            for _ in range(n_per_cell):
                labels.append(TYPES[(j + 1) % len(TYPES)] if shift_type else type_)
                vectors.append(centres[i] + centres[len(LAYERS) + j] + 0.3 * rng.normal(size=32))
    return np.asarray(vectors, dtype=np.float32), np.asarray(labels)


def test_auto_aux_weight_drops_auxiliary_rows_with_wrong_labels():
    X, y = clustered(3, seed=0)
    _, wrong = clustered(3, seed=0, shift_type=True)  # same points, wrong type
    groups = np.tile(np.arange(len(y)), 2)  # an idea's auxiliary row shares its group
    mask = np.r_[np.ones(len(y), bool), np.zeros(len(y), bool)]
    head = CalibratedHead(cv=3).fit(np.vstack([X, X]), np.r_[y, wrong], groups=groups, calibration_mask=mask)
    choice = head.aux_choice_
    assert choice.candidates == AUX_WEIGHTS and set(choice.scores) == set(AUX_WEIGHTS)
    assert choice.chosen == 0.0
    assert choice.scores[0.0] == max(choice.scores.values()) and choice.scores[0.0] > choice.scores[1.0] + 0.3


def test_auto_part_weight_raises_a_weak_informative_part():
    """Columns 0-15 are noise; 16-18 carry the type at a small scale, which the regularised head uses well
    only once they are weighted up. The factor is folded into the coefficients: the head scores plain rows."""
    rng = np.random.default_rng(0)

    def rows(n):
        y = np.asarray([TYPES[i % 3] for i in range(n)])
        signal = np.eye(3)[[TYPES.index(t) for t in y]] * 0.2
        X = np.hstack([rng.normal(size=(n, 16)), signal + rng.normal(scale=0.07, size=signal.shape)])
        return X.astype(np.float32), y, np.arange(n) // 2

    (X, y, groups), (X_new, y_new, _) = rows(96), rows(60)

    def fit(part_weight):
        return CalibratedHead(C=0.2, cv=3, aux_weight=1.0, part_weight=part_weight, part_columns=(16, 19)).fit(
            X, y, groups=groups)

    head = fit("auto")
    assert head.part_choice_.candidates == PART_WEIGHTS and set(head.part_choice_.scores) == set(PART_WEIGHTS)
    assert head.part_choice_.chosen == max(PART_WEIGHTS)
    assert head.part_choice_.scores[max(PART_WEIGHTS)] > head.part_choice_.scores[1.0] + 0.1
    assert (head.predict(X_new) == y_new).mean() > (fit(1.0).predict(X_new) == y_new).mean() + 0.2
    fixed = fit(3.0)
    assert fixed.part_choice_ == Choice(3.0, (3.0,), {})
    np.testing.assert_allclose(fixed.predict_proba(X_new), head.predict_proba(X_new), atol=1e-12)


def test_auto_cue_block_is_kept_where_it_carries_the_signal():
    """Columns 0-7 are noise, 8-10 (the "cue block") tell the type: the head keeps them; with noise there
    instead it zeroes them, and its coefficients on them are then exactly 0."""
    rng = np.random.default_rng(1)
    y = np.asarray([TYPES[i % 3] for i in range(72)])
    cues = np.eye(3)[[TYPES.index(t) for t in y]]
    X = np.hstack([rng.normal(size=(72, 8)), cues]).astype(np.float32)
    head = CalibratedHead(cv=3, aux_weight=1.0, cue_columns=(8, 11)).fit(X, y)
    assert head.cue_choice_.chosen == "on" and head.cue_choice_.scores["on"] > head.cue_choice_.scores["off"] + 0.2
    noise = np.hstack([rng.normal(size=(72, 8)), rng.normal(size=(72, 3)) > 0]).astype(np.float32)
    noisy = CalibratedHead(cv=3, aux_weight=1.0, cue_columns=(8, 11)).fit(noise, y)
    if noisy.cue_choice_.chosen == "off":
        assert not noisy.estimator_.coef_[:, 8:11].any()
