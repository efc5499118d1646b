"""The two-head statement classifier: framework layer and statement type.

Each head is a class-balanced logistic regression on :class:`StatementFeatures`,
calibrated by temperature scaling fitted on grouped out-of-fold logits, so the
ideas the temperature is fitted on are never ones its model was trained on.
Temperature scaling keeps the ranking of classes and needs one parameter, which
suits a few hundred hand-coded ideas.
Each head also gets a confidence threshold, chosen on grouped out-of-fold
predictions as the lowest confidence at which the accepted statements reach
``target_accuracy``. Below it a statement is flagged ``needs_review``.
For every prediction the nearest hand-coded examples are returned as its reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
from sklearn.utils.validation import check_is_fitted

from .embed import DEFAULT_EMBEDDER, _as_texts
from .features import StatementFeatures
from .labels import HEADS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prediction:
    """Per-head labels and confidences for a batch, aligned with the input statements."""

    labels: dict[str, np.ndarray]
    confidence: dict[str, np.ndarray]
    runner_up: dict[str, np.ndarray]
    runner_up_confidence: dict[str, np.ndarray]
    needs_review: np.ndarray
    neighbours: np.ndarray  # (n, k) indices into the example bank


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target_accuracy: float, min_support: int = 10) -> float:
    """Lowest confidence ``t`` such that predictions with confidence ≥ ``t`` are ``target_accuracy`` accurate.

    Scans thresholds from the most confident prediction down and keeps the lowest one
    whose accepted set (at least ``min_support`` statements) still meets the target.
    Returns 1.0 (review everything) when no threshold qualifies.
    """
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order])
    accepted = np.arange(1, len(order) + 1)
    accuracy = hits / accepted
    ok = (accuracy >= target_accuracy) & (accepted >= min_support)
    if not ok.any():
        return 1.0
    last = np.flatnonzero(ok)[-1]
    return float(confidence[order][last])


def grouped_splits(target, groups, n_splits: int, random_state: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified grouped folds (plain grouped folds when stratification is impossible)."""
    n_splits = max(2, min(n_splits, len(np.unique(groups))))
    try:
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
        return list(splitter.split(np.zeros(len(target)), target, groups))
    except ValueError:
        return list(GroupKFold(n_splits=n_splits).split(np.zeros(len(target)), target, groups))


class CalibratedHead(ClassifierMixin, BaseEstimator):
    """Class-balanced logistic regression with a temperature fitted on grouped out-of-fold logits.

    After ``fit``, ``oof_proba_`` holds the calibrated out-of-fold probabilities (rows as given),
    which is what thresholds and honest training-time figures are computed from.
    """

    def __init__(self, C: float = 4.0, cv: int = 5, random_state: int = 0):
        self.C = C
        self.cv = cv
        self.random_state = random_state

    def _base(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000)

    def fit(self, X, y, groups=None, sample_weight=None, calibration_mask=None):
        """``calibration_mask`` picks the rows the temperature is fitted on (default: all)."""
        from threadpoolctl import threadpool_limits

        y = np.asarray(y)
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        mask = np.ones(len(y), dtype=bool) if calibration_mask is None else np.asarray(calibration_mask, dtype=bool)
        self.classes_ = np.unique(y)
        logits = np.zeros((len(y), len(self.classes_)))
        with threadpool_limits(1):  # small dense fits: extra BLAS threads only contend
            for train, test in grouped_splits(y, groups, self.cv, self.random_state):
                model = clone(self._base()).fit(X[train], y[train],
                                                sample_weight=None if sample_weight is None else sample_weight[train])
                logits[test] = align_columns(_logits(model, X[test]), model.classes_, self.classes_)
        truth = np.searchsorted(self.classes_, y)
        from scipy.optimize import minimize_scalar
        from scipy.special import log_softmax

        def nll(log_t: float) -> float:
            return -log_softmax(logits[mask] / np.exp(log_t), axis=1)[np.arange(mask.sum()), truth[mask]].mean()

        self.temperature_ = float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))
        self.oof_proba_ = softmax(logits / self.temperature_, axis=1)
        with threadpool_limits(1):
            self.estimator_ = self._base().fit(X, y, sample_weight=sample_weight)
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return softmax(_logits(self.estimator_, X) / self.temperature_, axis=1)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(1)]


def softmax(z: np.ndarray, axis: int = 1) -> np.ndarray:
    """Row-wise softmax (numpy only: keeps scipy.special off the scoring path)."""
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _logits(model: LogisticRegression, X) -> np.ndarray:
    scores = model.decision_function(X)
    return np.column_stack([-scores, scores]) / 2 if scores.ndim == 1 else scores


class StatementClassifier(BaseEstimator):
    """Predict ``layer`` and ``type`` for statements, with calibrated confidence.

    Parameters are stored as given (``clone``-safe); everything learned ends in ``_``.
    ``fit`` takes the texts, a frame with ``layer`` and ``type`` columns, and the idea
    ``groups`` used to keep paraphrases of one idea on one side of every split.
    """

    def __init__(self, embedder: str = DEFAULT_EMBEDDER, lexical_weight: float = 1.0, cue_weight: float = 0.0,
                 C: float = 4.0, cv: int = 5, target_accuracy: float = 0.95, random_state: int = 0):
        self.embedder = embedder
        self.lexical_weight = lexical_weight
        self.cue_weight = cue_weight
        self.C = C
        self.cv = cv
        self.target_accuracy = target_accuracy
        self.random_state = random_state

    def fit(self, X, y: pd.DataFrame, groups=None, sample_weight=None, embeddings: np.ndarray | None = None,
            calibration_mask=None):
        """Fit both heads. ``calibration_mask`` marks the rows like those the model will score
        (the hand-coded ideas, not paraphrases or definitions): temperatures and thresholds come
        from their grouped out-of-fold predictions only, since easy auxiliary rows would make
        the model look surer than it is."""
        texts = _as_texts(X)
        calibration_mask = (np.ones(len(texts), dtype=bool) if calibration_mask is None
                            else np.asarray(calibration_mask, dtype=bool))
        y = pd.DataFrame(y).reset_index(drop=True)
        groups = np.asarray(groups if groups is not None else np.arange(len(texts)))
        self.features_ = StatementFeatures(embedder=self.embedder, lexical_weight=self.lexical_weight,
                                           cue_weight=self.cue_weight).fit(texts)
        dense = self.features_.embed(texts) if embeddings is None else embeddings
        features = self.features_.transform(texts, embeddings=dense)
        self.heads_: dict[str, CalibratedHead] = {}
        self.thresholds_: dict[str, float] = {}
        self.oof_: dict[str, np.ndarray] = {}
        for head, classes in HEADS.items():
            target = y[head].fillna("").to_numpy()
            labelled = target != ""
            weights = None if sample_weight is None else np.asarray(sample_weight)[labelled]
            model = CalibratedHead(C=self.C, cv=self.cv, random_state=self.random_state)
            calibrate = calibration_mask[labelled]
            model.fit(features[labelled], target[labelled], groups=groups[labelled], sample_weight=weights,
                      calibration_mask=calibrate)
            self.heads_[head] = model
            self.oof_[head] = align_columns(model.oof_proba_, model.classes_, classes)
            correct = np.asarray(classes)[self.oof_[head].argmax(1)] == target[labelled]
            self.thresholds_[head] = choose_threshold(self.oof_[head][calibrate].max(1), correct[calibrate],
                                                      self.target_accuracy)
        self.n_features_in_ = 1
        return self

    def embed(self, X) -> np.ndarray:
        """The sentence embeddings the heads (and nearest-example search) use."""
        check_is_fitted(self, "features_")
        return self.features_.embed(X)

    def predict_proba(self, X, embeddings: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Calibrated probabilities per head, columns in the order of ``labels.HEADS``."""
        check_is_fitted(self, "heads_")
        features = self.features_.transform(_as_texts(X), embeddings=embeddings)
        return {head: align_columns(model.predict_proba(features), model.classes_, HEADS[head])
                for head, model in self.heads_.items()}

    def predict(self, X, embeddings: np.ndarray | None = None) -> pd.DataFrame:
        """A frame with ``layer``, ``layer_confidence``, ``type``, ``type_confidence``."""
        proba = self.predict_proba(X, embeddings=embeddings)
        out = {}
        for head, p in proba.items():
            out[head] = np.asarray(HEADS[head])[p.argmax(1)]
            out[f"{head}_confidence"] = p.max(1)
        return pd.DataFrame(out)


def align_columns(proba: np.ndarray, model_classes, classes) -> np.ndarray:
    """Reorder (and zero-fill) probability columns to ``classes``."""
    out = np.zeros((proba.shape[0], len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for j, c in enumerate(model_classes):
        out[:, index[c]] = proba[:, j]
    return out
